"""Gradient checks for the training engine.

Every analytic gradient (the fast column-layout ``forward``/``backward``, the batched
``functional.loss_and_grad_batched`` and the trainer's own gradient with L1/L2 added)
is compared with central finite differences of the objective from
``functional.loss_batched``, in float64. The complex-step Hessian is compared with
finite differences of the gradient, and dropout's backward pass with finite differences
of a loss that applies the same fixed mask.
"""

from __future__ import annotations

import numpy as np
import pytest

from nnviz.data import Dataset
from nnviz.engine import Trainer, functional
from nnviz.engine.config import (
    ACTIVATIONS,
    DataConfig,
    ModelConfig,
    OptimizerConfig,
    Scenario,
    TrainingConfig,
)
from nnviz.engine.network import Workspace, backward, columns_with_ones, forward

H_FD = 1e-6
TOL = 1e-6

# (output, loss, task, n_classes)
HEADS = [
    ("sigmoid", "bce", "classification", 2),
    ("softmax", "ce", "classification", 3),
    ("linear", "mse", "regression", 0),
    ("tanh", "mse", "classification", 2),
    ("sigmoid", "mse", "regression", 0),
]
HEAD_IDS = [f"{out}+{loss}" for out, loss, _, _ in HEADS]
REGS = [(0.0, 0.0), (0.03, 0.05)]
REG_IDS = ["noreg", "l1l2"]


# ----------------------------------------------------------------------------- helpers
def make_dataset(task: str, n_classes: int, n: int = 9, d: int = 2, seed: int = 0) -> Dataset:
    """A small hand-made dataset: Gaussian inputs, labels that fit the task."""
    rng = np.random.default_rng(seed)
    X = rng.normal(0.0, 1.0, (n, d))
    if task == "classification":
        y = np.arange(n) % n_classes  # every class present
        rng.shuffle(y)
    elif task == "regression":
        y = rng.uniform(0.1, 0.9, n)  # fits a sigmoid output too
    else:  # pragma: no cover
        raise AssertionError(task)
    features = ("x1", "x2")[:d]
    return Dataset(
        name="hand", task=task, n_classes=n_classes, input_dim=d,
        points_train=X, points_test=X, y_train=y, y_test=y,
        features=features, X_train=X, X_test=X, extent=(-3.0, 3.0, -3.0, 3.0),
    )


def make_trainer(
    hidden, activation, output, loss, task, n_classes, l1=0.0, l2=0.0, dropout=0.0,
    leaky_slope=0.01, elu_alpha=1.0, n=9,
) -> Trainer:
    scenario = Scenario(
        data=DataConfig(dataset="circle"),
        model=ModelConfig(
            hidden=list(hidden), activation=activation, output=output, loss=loss,
            leaky_slope=leaky_slope, elu_alpha=elu_alpha,
        ),
        training=TrainingConfig(
            optimizer=OptimizerConfig(name="sgd", lr=1e-3), batch_size="full", shuffle=False,
            l1=l1, l2=l2, dropout=dropout,
        ),
    )
    return Trainer(scenario, make_dataset(task, n_classes, n=n))


def random_theta(trainer: Trainer, seed: int = 1, scale: float = 0.7) -> np.ndarray:
    return np.random.default_rng(seed).normal(0.0, scale, trainer.net.n_params)


def fd_gradient(objective, theta: np.ndarray, h: float = H_FD) -> np.ndarray:
    """Central differences of a batched objective (K, P) -> (K,), all probes in one call."""
    p = theta.size
    steps = np.eye(p) * h
    values = objective(np.vstack([theta + steps, theta - steps]))
    return (values[:p] - values[p:]) / (2.0 * h)


def rel_error(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.linalg.norm(a - b) / max(np.linalg.norm(b), 1e-300))


def fast_path_gradient(trainer: Trainer, theta: np.ndarray, X, T) -> tuple[float, np.ndarray]:
    """Data loss and gradient from the hot path: column layout, preallocated workspace."""
    net = trainer.net
    net.set_theta(theta)
    ws = Workspace.create(net, X.shape[0], [0.0] * (net.n_layers - 1))
    x_aug = columns_with_ones(X)
    t = np.ascontiguousarray(T.T)
    y_hat = forward(net, ws, x_aug)
    grad = np.full(net.n_params, np.nan)
    backward(net, ws, x_aug, t, grad)
    return net.head.loss_value(ws.z[-1].T, y_hat.T, T), grad


# ----------------------------------------------------------------------- the big grid
CASES = []
for _head, _hid in zip(HEADS, HEAD_IDS, strict=True):
    for _reg, _rid in zip(REGS, REG_IDS, strict=True):
        CASES.append(pytest.param([], "tanh", *_head, *_reg, id=f"hidden[]-{_hid}-{_rid}"))
        for _act in ACTIVATIONS:
            CASES.append(pytest.param([3, 4], _act, *_head, *_reg, id=f"{_act}-[3,4]-{_hid}-{_rid}"))


@pytest.mark.parametrize("hidden, activation, output, loss, task, n_classes, l1, l2", CASES)
def test_gradients_match_finite_differences(hidden, activation, output, loss, task, n_classes, l1, l2):
    tr = make_trainer(hidden, activation, output, loss, task, n_classes, l1=l1, l2=l2)
    net = tr.net
    assert (net.head.output, net.head.loss) == (output, loss)
    X, T = tr.dataset.X_train, tr.T_train
    theta = random_theta(tr)

    def data_loss(th):
        return functional.loss_batched(net, th, X, T)

    def objective(th):
        return functional.loss_batched(net, th, X, T, l1, l2)

    fd_data = fd_gradient(data_loss, theta)
    fd_obj = fd_gradient(objective, theta)
    assert np.linalg.norm(fd_data) > 1e-4  # a real gradient, not a trivially flat point

    # 1. the hot path: forward + backward with a workspace (data loss only)
    loss_fast, grad_fast = fast_path_gradient(tr, theta, X, T)
    assert loss_fast == pytest.approx(float(data_loss(theta)[0]), rel=1e-12)
    assert rel_error(grad_fast, fd_data) < TOL

    # 2. the batched, dtype-generic implementation (with the penalty)
    value, grad = functional.loss_and_grad_batched(net, theta[None, :], X, T, l1, l2)
    assert value.shape == (1,) and grad.shape == (1, net.n_params)
    assert value[0] == pytest.approx(float(objective(theta)[0]), rel=1e-12)
    assert rel_error(grad[0], fd_obj) < TOL

    # 3. the trainer's own gradient of the objective (L1/L2 added in _run_batches)
    tr.set_params(theta)
    tr.step_batch()
    assert rel_error(tr.grad, fd_obj) < TOL
    if l1 or l2:  # the penalty really changed the gradient
        assert rel_error(fd_obj, fd_data) > 1e-3


def test_leaky_slope_and_elu_alpha_reach_the_gradient():
    """Non-default slope and alpha, and one activation per layer."""
    tr = make_trainer([3, 4], ["leaky_relu", "elu"], "sigmoid", "bce", "classification", 2,
                      leaky_slope=0.2, elu_alpha=0.5)
    assert tr.net.activations[0].slope == 0.2 and tr.net.activations[1].alpha == 0.5
    X, T, net = tr.dataset.X_train, tr.T_train, tr.net
    theta = random_theta(tr, seed=5, scale=1.5)  # plenty of negative pre-activations
    fd = fd_gradient(lambda th: functional.loss_batched(net, th, X, T), theta)
    _, grad_fast = fast_path_gradient(tr, theta, X, T)
    assert rel_error(grad_fast, fd) < TOL
    # and the parameters matter: the default slope/alpha give another gradient
    tr_default = make_trainer([3, 4], ["leaky_relu", "elu"], "sigmoid", "bce", "classification", 2)
    _, grad_default = fast_path_gradient(tr_default, theta, X, T)
    assert rel_error(grad_default, fd) > 1e-3


def test_batched_gradient_handles_many_parameter_vectors_at_once():
    tr = make_trainer([3, 4], "tanh", "softmax", "ce", "classification", 3, l1=0.01, l2=0.02)
    X, T, net = tr.dataset.X_train, tr.T_train, tr.net
    thetas = np.random.default_rng(3).normal(0, 0.5, (4, net.n_params))
    values, grads = functional.loss_and_grad_batched(net, thetas, X, T, 0.01, 0.02)
    assert values.shape == (4,) and grads.shape == (4, net.n_params)
    for k in range(4):
        v, g = functional.loss_and_grad_batched(net, thetas[k : k + 1], X, T, 0.01, 0.02)
        assert values[k] == pytest.approx(v[0], rel=1e-13)
        np.testing.assert_allclose(grads[k], g[0], rtol=1e-12, atol=1e-15)
    assert not np.allclose(grads[0], grads[1])


# -------------------------------------------------------------------------- dropout
def masked_loss(net, theta_rows: np.ndarray, X, T, masks) -> np.ndarray:
    """Mean loss with fixed dropout masks (units, examples) applied after each hidden layer."""
    out = []
    for theta in theta_rows:
        views = net.param_views(theta)
        a = X
        for layer, (W, b) in enumerate(views[:-1]):
            a = net.activations[layer].forward(a @ W + b)
            if masks[layer] is not None:
                a = a * masks[layer].T
        W, b = views[-1]
        loss, _ = net.head.loss_and_delta_generic(a @ W + b, T)
        out.append(loss)
    return np.array(out)


@pytest.mark.parametrize("activation", ["tanh", "relu", "softplus"])
def test_dropout_backward_uses_the_forward_mask(activation):
    tr = make_trainer([5, 6], activation, "sigmoid", "bce", "classification", 2, n=12)
    net, X, T = tr.net, tr.dataset.X_train, tr.T_train
    theta = random_theta(tr, seed=7)
    net.set_theta(theta)
    p = [0.3, 0.5]
    ws = Workspace.create(net, X.shape[0], p)
    x_aug = columns_with_ones(X)
    forward(net, ws, x_aug, p, np.random.default_rng(11))
    masks = [m.copy() for m in ws.masks]
    for m, pl in zip(masks, p, strict=True):  # inverted dropout: kept units scaled by 1/(1-p)
        assert set(np.unique(m)) <= {0.0, 1.0 / (1.0 - pl)}
        assert 0 < np.count_nonzero(m) < m.size
    grad = np.empty(net.n_params)
    backward(net, ws, x_aug, np.ascontiguousarray(T.T), grad)

    fd = fd_gradient(lambda th: masked_loss(net, th, X, T, masks), theta)
    assert rel_error(grad, fd) < TOL
    # the mask matters: without it the gradient is a different one
    fd_nomask = fd_gradient(lambda th: functional.loss_batched(net, th, X, T), theta)
    assert rel_error(fd_nomask, fd) > 1e-2


def test_trainer_dropout_gradient_matches_its_reported_masks():
    tr = make_trainer([6, 5], "tanh", "linear", "mse", "regression", 0, dropout=[0.4, 0.2], n=10, l2=0.01)
    net, X, T = tr.net, tr.dataset.X_train, tr.T_train
    theta = random_theta(tr, seed=2)
    tr.set_params(theta)
    tr.step_batch()  # full batch, no shuffle: the columns are the dataset's rows in order
    kept = tr.dropout_masks
    assert [m.shape for m in kept] == [(10, 6), (10, 5)]
    masks = [m.T / (1.0 - p) for m, p in zip(kept, [0.4, 0.2], strict=True)]

    def objective(th):
        return masked_loss(net, th, X, T, masks) + functional._penalty(net, th, 0.0, 0.01)[0]

    assert rel_error(tr.grad, fd_gradient(objective, theta)) < TOL


# -------------------------------------------------------------------------- Hessian
@pytest.mark.parametrize(
    "hidden, activation, head, l1, l2",
    [
        ([3], "tanh", HEADS[0], 0.0, 0.0),
        ([3, 2], "softplus", HEADS[1], 0.0, 0.1),
        ([4], "sigmoid", HEADS[2], 0.02, 0.0),
        ([3], "elu", HEADS[3], 0.0, 0.0),
        ([2, 2], "relu", HEADS[4], 0.0, 0.05),
        ([], "tanh", HEADS[1], 0.0, 0.0),
    ],
    ids=["tanh-bce", "softplus-ce-l2", "sigmoid-linear-l1", "elu-tanh-mse", "relu-sigmoid-mse",
         "softmax-0hidden"],
)
def test_complex_step_hessian_matches_finite_differences_of_the_gradient(hidden, activation, head, l1, l2):
    tr = make_trainer(hidden, activation, *head, l1=l1, l2=l2)
    net, X, T = tr.net, tr.dataset.X_train, tr.T_train
    theta = random_theta(tr, seed=4)
    H = functional.hessian(net, theta, X, T, l1, l2)
    p = net.n_params
    assert H.shape == (p, p)
    np.testing.assert_array_equal(H, H.T)
    h = 1e-5
    fd = np.empty((p, p))
    for j in range(p):
        e = np.zeros(p)
        e[j] = h
        _, g = functional.loss_and_grad_batched(net, np.vstack([theta + e, theta - e]), X, T, l1, l2)
        fd[:, j] = (g[0] - g[1]) / (2 * h)
    assert rel_error(H, fd) < TOL
    assert np.linalg.norm(H) > 1e-3


def test_hessian_of_logistic_regression_is_x_t_diag_p_1_minus_p_x():
    tr = make_trainer([], "tanh", "sigmoid", "bce", "classification", 2, l2=0.3)
    net, X, T = tr.net, tr.dataset.X_train, tr.T_train
    theta = random_theta(tr, seed=9)  # layout: [w1, w2, b]
    xa = np.column_stack([X, np.ones(len(X))])
    prob = 1.0 / (1.0 + np.exp(-(xa @ theta)))
    expected = xa.T @ (xa * (prob * (1 - prob))[:, None]) / len(X)
    expected += 0.3 * np.diag([1.0, 1.0, 0.0])  # L2 on the weights only
    H = functional.hessian(net, theta, X, T, 0.0, 0.3)
    np.testing.assert_allclose(H, expected, rtol=1e-10, atol=1e-14)


def test_hessian_refuses_too_many_parameters():
    tr = make_trainer([40, 20], "tanh", "sigmoid", "bce", "classification", 2)
    assert tr.net.n_params > functional.MAX_NEWTON_PARAMS
    with pytest.raises(ValueError, match=str(functional.MAX_NEWTON_PARAMS)):
        functional.hessian(tr.net, tr.net.theta, tr.dataset.X_train, tr.T_train)


# ------------------------------------------------------------------ regularisation
def test_biases_are_not_regularised():
    tr = make_trainer([3, 4], "tanh", "sigmoid", "bce", "classification", 2, l1=0.2, l2=0.5)
    net, X, T = tr.net, tr.dataset.X_train, tr.T_train
    theta = random_theta(tr, seed=8)
    biases = net.bias_mask.astype(bool)
    assert biases.sum() == 3 + 4 + 1

    # the penalty does not depend on the biases ...
    def penalty(th):
        return functional.loss_batched(net, th, X, T, 0.2, 0.5) - functional.loss_batched(net, th, X, T)

    moved = theta.copy()
    moved[biases] += 3.0
    assert penalty(moved)[0] == pytest.approx(penalty(theta)[0], rel=1e-12)
    w = theta[~biases]
    assert penalty(theta)[0] == pytest.approx(0.2 * np.abs(w).sum() + 0.25 * (w @ w), rel=1e-12)

    # ... nor does the bias part of any gradient
    _, g_reg = functional.loss_and_grad_batched(net, theta[None], X, T, 0.2, 0.5)
    _, g_raw = functional.loss_and_grad_batched(net, theta[None], X, T)
    np.testing.assert_array_equal(g_reg[0][biases], g_raw[0][biases])
    tr.set_params(theta)
    tr.step_batch()
    np.testing.assert_allclose(tr.grad[biases], g_raw[0][biases], rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(
        tr.grad[~biases], g_raw[0][~biases] + 0.2 * np.sign(w) + 0.5 * w, rtol=1e-12, atol=1e-15
    )

    # and the reported objective is loss + penalty over the weights only
    tr.set_params(theta)
    stats = tr.evaluate()
    penalty_value = 0.2 * np.abs(w).sum() + 0.25 * (w @ w)
    assert stats.objective - stats.loss_train == pytest.approx(penalty_value, rel=1e-10)
