"""Tests for nnviz.engine.backprop_trace: the lectures' worked example and gradient checks."""

from __future__ import annotations

import math

import numpy as np
import pytest

from nnviz.engine import functional
from nnviz.engine.backprop_trace import (
    MAX_TRACE_PARAMS,
    error_of,
    trace_from_arrays,
    trace_network,
    worked_example,
)
from nnviz.engine.config import Scenario
from nnviz.engine.trainer import Trainer

H = 1e-6


def truncate2(v: float) -> float:
    """The slide's two decimals: it truncates (out_h1 = 0.5065 is shown as 0.50)."""
    return math.floor(v * 100) / 100


def test_worked_example_reproduces_the_slide():
    t = worked_example()
    ex = t.examples[0]
    n = {x.name: x for x in ex.neurons}
    assert round(n["h1"].net, 3) == 0.026 and round(n["h2"].net, 3) == 0.041
    slide = {"h1": 0.50, "h2": 0.51, "o1": 0.59}
    for name, out in slide.items():
        assert truncate2(n[name].out) == pytest.approx(out)
    assert truncate2(n["o1"].net) == pytest.approx(0.38) and round(n["o1"].net, 2) == 0.38
    assert round(n["h2"].out, 2) == 0.51 and round(n["o1"].out, 2) == 0.59
    assert truncate2(t.error) == pytest.approx(0.12) and round(t.error, 2) == 0.12
    assert t.error == pytest.approx(0.5 * (0.1 - n["o1"].out) ** 2, rel=1e-15)
    # the chain rule, numbers of the lecture: ∂E/∂w(h1→o1) = (out − t)·out(1 − out)·out_h1
    w = t.weight("w(h1→o1)")
    o = n["o1"].out
    assert w.factors[0].dE_dout == pytest.approx(o - 0.1)
    assert w.factors[0].dout_dnet == pytest.approx(o * (1 - o))
    assert w.factors[0].dnet_dw == pytest.approx(n["h1"].out)
    assert w.gradient == pytest.approx((o - 0.1) * o * (1 - o) * n["h1"].out, rel=1e-14)
    assert w.new_value == pytest.approx(0.35 - 0.5 * w.gradient, rel=1e-15)
    # hidden: ∂E/∂out_h1 is the sum over downstream paths (one here: via o1)
    h1 = n["h1"]
    assert len(h1.terms) == 1 and h1.terms[0].via == "o1" and h1.terms[0].weight == 0.35
    assert h1.dE_dout == pytest.approx(sum(term.value for term in h1.terms), rel=1e-15)
    assert [w.name for w in t.weights] == [
        "w(x1→h1)", "w(x2→h1)", "w(x1→h2)", "w(x2→h2)", "w(h1→o1)", "w(h2→o1)",
    ]
    assert t.weight("w(x2→h1)").value == 0.19 and t.weight("w(x1→h2)").value == 0.24
    # one step lowers E
    assert t.error_after < t.error
    assert t.error_after == pytest.approx(error_of(t, t.theta_after), rel=1e-15)
    assert "net_h1 = 0.026" in t.describe(3)


def test_worked_example_is_editable():
    t = worked_example(x=(1.0, -1.0), target=0.9, lr=2.0, output=((1.0,), (-1.0,)))
    n = t.neuron("h1")
    assert n.net == pytest.approx(0.14 - 0.19)
    assert t.lr == 2.0 and t.examples[0].target == (0.9,)
    check_gradients(t)


def check_gradients(t, with_penalty=False):
    """Every traced weight's gradient equals the central difference of E (or the objective)."""
    for w in t.weights:
        plus, minus = t.theta.copy(), t.theta.copy()
        plus[w.flat_index] += H
        minus[w.flat_index] -= H
        fd = (error_of(t, plus) - error_of(t, minus)) / (2 * H)
        np.testing.assert_allclose(w.data_gradient, fd, rtol=1e-6, atol=1e-9, err_msg=w.name)
        if not with_penalty:
            assert w.gradient == w.data_gradient
        mean = sum(f.value for f in w.factors) / len(w.factors)
        np.testing.assert_allclose(mean, w.data_gradient, rtol=1e-12)
        for f in w.factors:
            if f.dout_dnet is not None:
                np.testing.assert_allclose(f.dE_dout * f.dout_dnet, f.dE_dnet, rtol=1e-9, atol=1e-15)
            np.testing.assert_allclose(f.dE_dnet * f.dnet_dw, f.value, rtol=1e-15, atol=1e-300)


def test_worked_example_gradient_matches_finite_differences():
    check_gradients(worked_example())


CASES = [
    ("tanh+mse biases", dict(hidden_activation="tanh", output="tanh", loss="mse"), [2, 2, 1], True),
    ("relu+linear", dict(hidden_activation="relu", output="linear", loss="mse"), [2, 3, 1], False),
    ("sigmoid+bce", dict(hidden_activation="softplus", output="sigmoid", loss="bce"), [2, 2, 1], True),
    ("softmax+ce", dict(hidden_activation="leaky_relu", output="softmax", loss="ce"), [1, 2, 3], False),
    ("two hidden layers", dict(hidden_activation=["elu", "sigmoid"], output="sigmoid", loss="mse"),
     [1, 2, 2, 1], False),
    ("two hidden layers biases", dict(hidden_activation="tanh", output="linear", loss="mse"),
     [1, 2, 1, 1], True),
    ("no hidden layer", dict(output="sigmoid", loss="bce"), [3, 1], True),
]


@pytest.mark.parametrize("name,kw,sizes,bias", CASES, ids=[c[0] for c in CASES])
@pytest.mark.parametrize("batch", [1, 3])
def test_trace_equals_finite_differences(name, kw, sizes, bias, batch):
    rng = np.random.default_rng(7)
    Ws = [rng.normal(0, 0.9, (a, b)) for a, b in zip(sizes[:-1], sizes[1:], strict=True)]
    bs = [rng.normal(0, 0.5, b) for b in sizes[1:]] if bias else None
    x = rng.normal(0, 1, (batch, sizes[0]))
    if kw["output"] == "softmax":
        target = np.eye(sizes[-1])[rng.integers(0, sizes[-1], batch)]
    elif kw["loss"] == "bce":
        target = rng.integers(0, 2, (batch, sizes[-1])).astype(float)
    else:
        target = rng.uniform(-0.8, 0.8, (batch, sizes[-1]))
    t = trace_from_arrays(Ws, x, target, biases=bs, lr=0.3, **kw)
    assert len(t.examples) == batch
    assert len(t.weights) == sum(a * b for a, b in zip(sizes[:-1], sizes[1:], strict=True)) + (
        sum(sizes[1:]) if bias else 0
    )
    check_gradients(t)
    if any(w.gradient != 0 for w in t.weights):  # (all ReLUs can be dead: nothing moves)
        assert t.error_after < t.error  # a small step downhill
    for ex in t.examples:
        for n in ex.neurons:
            if n.terms:
                np.testing.assert_allclose(sum(p.value for p in n.terms), n.dE_dout, rtol=1e-12, atol=1e-300)


def test_penalty_and_frozen():
    rng = np.random.default_rng(3)
    Ws = [rng.normal(size=(2, 2)), rng.normal(size=(2, 1))]
    frozen = [np.zeros((3, 2), bool), np.zeros((3, 1), bool)]
    frozen[0][1, 0] = True  # w(x2→h1)
    t = trace_from_arrays(Ws, [0.3, -0.2], [1.0], biases=[np.zeros(2), np.zeros(1)], l1=0.01, l2=0.1,
                          frozen=frozen, loss="bce")
    w = t.weight("w(x2→h1)")
    assert w.frozen and w.new_value == w.value and w.gradient != 0
    b = t.weight("b(h1)")
    assert b.is_bias and b.penalty_gradient == 0.0
    for wt in t.weights:
        if not wt.is_bias:
            assert wt.penalty_gradient == pytest.approx(0.01 * np.sign(wt.value) + 0.1 * wt.value)
    check_gradients(t, with_penalty=True)
    assert t.objective > t.error


def test_trace_network_matches_the_engine_gradient():
    sc = Scenario()
    sc.data.dataset = "gate-xor"
    sc.model.hidden = [2]
    sc.model.activation = "tanh"
    sc.training.l2 = 0.05
    tr = Trainer(sc)
    t = trace_network(tr, examples=[0, 1, 2, 3])
    assert len(t.weights) == tr.net.n_params == 9
    X, T = tr.dataset.X_train, tr.T_train
    loss, grad = functional.loss_and_grad_batched(tr.net, tr.net.theta[None], X, T, 0.0, 0.05)
    np.testing.assert_allclose(t.objective, loss[0], rtol=1e-12)
    np.testing.assert_allclose(t.gradient, grad[0], rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(t.theta, tr.net.theta)
    np.testing.assert_allclose(t.theta_after, tr.net.theta - tr.lr * grad[0], rtol=1e-12)
    single = trace_network(tr.net, X[1], T[1], lr=0.1)
    assert single.lr == 0.1 and len(single.examples) == 1


def test_trace_network_with_frozen_biases_hides_them():
    sc = Scenario()
    sc.data.dataset = "gate-and"
    sc.model.hidden = [2]
    sc.model.freeze.biases = True
    tr = Trainer(sc)
    t = trace_network(tr)
    assert not any(w.is_bias for w in t.weights) and len(t.weights) == 6
    X, T = tr.dataset.X_train[[0]], tr.T_train[[0]]
    _, grad = functional.loss_and_grad_batched(tr.net, tr.net.theta[None], X, T)
    w = tr.net.weight_mask == 1
    np.testing.assert_allclose(t.gradient[w], grad[0][w], rtol=1e-10)


def test_refuses_large_networks():
    sc = Scenario()  # Playground's default [4, 2]: 25 parameters
    tr = Trainer(sc)
    with pytest.raises(ValueError, match=f"limited to {MAX_TRACE_PARAMS}"):
        trace_network(tr)
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match="limited"):
        Ws = [rng.normal(size=(3, 3)), rng.normal(size=(3, 1))]
        trace_from_arrays(Ws, [0, 0, 0], [1], biases=[np.zeros(3), np.zeros(1)])
    with pytest.raises(ValueError, match="expected"):
        trace_from_arrays([np.ones((2, 2)), np.ones((3, 1))], [0, 0], [1])
    with pytest.raises(ValueError, match="pairs"):
        trace_from_arrays([np.ones((2, 1))], [0, 0], [1], output="softmax", loss="mse")
