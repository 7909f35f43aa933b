"""Backpropagation, step by step, with every number of the chain rule.

For a small network (at most ``MAX_TRACE_PARAMS`` weights and biases, so the table
fits on a slide) and one example, or a tiny batch, the trace records:

* the forward pass: every neuron's net (weighted input) and out (activation);
* the error E (the engine's per-example loss: ½Σ(target − out)² for squared error);
* per neuron, ∂E/∂out, ∂out/∂net and their product δ = ∂E/∂net; for a hidden neuron,
  ∂E/∂out is a sum over the downstream paths, and each term δ_k·w(j→k) is kept;
* per weight, the factors ∂E/∂out · ∂out/∂net · ∂net/∂w, the gradient, and the
  gradient-descent update w′ = w − η·g; then the error after the update.

Everything is built from plain arrays (``trace_from_arrays``), so a lecturer can edit
any input, weight, target or η and see every number change; ``trace_network`` reads
them from a Trainer or Network (any engine activation, biases optional), and
``worked_example`` reproduces the lectures' 2-2-1 sigmoid example.

With a batch, E and the gradient are means over the examples (as in the trainer),
and the per-example factors are listed for each example. The update shown is the
lectures' plain w − ηg, whatever optimiser the trainer is set to use.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from nnviz.engine.activations import Activation, get_activation
from nnviz.engine.heads import Head
from nnviz.engine.network import Network

if TYPE_CHECKING:
    from nnviz.engine.trainer import Trainer

Array = np.ndarray

#: The most weights + biases a trace shows: more would not fit on a slide.
MAX_TRACE_PARAMS = 12
#: The most examples in a traced batch.
MAX_TRACE_EXAMPLES = 8

_PAIRS = {("sigmoid", "mse"), ("tanh", "mse"), ("linear", "mse"), ("sigmoid", "bce"), ("softmax", "ce")}


# ------------------------------------------------------------------------ results --
@dataclass(frozen=True)
class PathTerm:
    """One downstream path of a hidden neuron j through neuron k: δ_k · w(j→k).

    ``dE_dout`` and ``dout_dnet`` are k's own factors (δ_k is their product, except
    for a softmax output where ∂out/∂net is a Jacobian and δ_k = out_k − target_k).
    """

    via: str
    dE_dout: float
    dout_dnet: float | None
    dE_dnet: float
    weight: float
    value: float


@dataclass(frozen=True)
class NeuronTrace:
    """Forward and backward numbers of one neuron on one example."""

    name: str
    layer: int  # 1 = first hidden layer; the output layer is the last
    index: int
    activation: str
    net: float
    out: float
    dE_dout: float
    dout_dnet: float | None  # None for a softmax output (a Jacobian, not a number)
    dE_dnet: float
    terms: tuple[PathTerm, ...] = ()  # hidden neurons: ∂E/∂out = Σ terms


@dataclass(frozen=True)
class Factor:
    """The chain rule for one weight on one example: value = ∂E/∂net · ∂net/∂w."""

    dE_dout: float
    dout_dnet: float | None
    dE_dnet: float
    dnet_dw: float
    value: float


@dataclass(frozen=True)
class ExampleTrace:
    """The forward pass and the neurons' backward numbers for one example."""

    x: tuple[float, ...]
    target: tuple[float, ...]
    neurons: tuple[NeuronTrace, ...]
    error: float


@dataclass(frozen=True)
class WeightTrace:
    """One weight (or bias): its factors per example, gradient and update.

    ``layer``/``row``/``col`` address W_layer[row, col] as in the engine (row ==
    fan_in is the bias) and ``flat_index`` its place in the engine's theta.
    """

    name: str
    source: str
    target: str
    layer: int
    row: int
    col: int
    is_bias: bool
    flat_index: int
    value: float
    factors: tuple[Factor, ...]
    data_gradient: float
    penalty_gradient: float
    gradient: float
    frozen: bool
    new_value: float


@dataclass(frozen=True, eq=False)
class BackpropTrace:
    """A whole traced step. ``error`` is the mean data loss E, ``objective`` adds the
    L1/L2 penalty; both are given before and after the update."""

    sizes: tuple[int, ...]
    activations: tuple[str, ...]  # per layer, the output's last
    hidden: tuple[Activation, ...]  # the hidden activations themselves (slope, alpha)
    output: str
    loss: str
    lr: float
    l1: float
    l2: float
    input_names: tuple[str, ...]
    examples: tuple[ExampleTrace, ...]
    weights: tuple[WeightTrace, ...]
    error: float
    objective: float
    error_after: float
    objective_after: float
    theta: Array
    theta_after: Array

    def neuron(self, name: str, example: int = 0) -> NeuronTrace:
        for n in self.examples[example].neurons:
            if n.name == name:
                return n
        raise KeyError(name)

    def weight(self, name: str) -> WeightTrace:
        """A weight by name, e.g. 'w(x1→h1)' or 'b(o1)'."""
        for w in self.weights:
            if w.name == name:
                return w
        raise KeyError(name)

    @property
    def gradient(self) -> Array:
        """∂objective/∂θ in the engine's flat layout (zeros where nothing is traced)."""
        g = np.zeros_like(self.theta)
        for w in self.weights:
            g[w.flat_index] = w.gradient
        return g

    def describe(self, decimals: int = 4) -> str:
        """A plain-text account of the trace, for the command line and for tests."""
        f = f"{{:.{decimals}f}}"
        lines = []
        for e, ex in enumerate(self.examples):
            head = f"example {e + 1}: " if len(self.examples) > 1 else ""
            inputs = ", ".join(f"{n}={f.format(v)}" for n, v in zip(self.input_names, ex.x, strict=True))
            lines.append(f"{head}{inputs}; target {', '.join(f.format(t) for t in ex.target)}")
            for n in ex.neurons:
                lines.append(f"  net_{n.name} = {f.format(n.net)}   out_{n.name} = {f.format(n.out)}")
            lines.append(f"  E = {f.format(ex.error)}")
        for w in self.weights:
            fac = w.factors[0]
            chain = (
                f"{f.format(fac.dE_dout)} · {f.format(fac.dout_dnet)} · {f.format(fac.dnet_dw)}"
                if fac.dout_dnet is not None
                else f"{f.format(fac.dE_dnet)} · {f.format(fac.dnet_dw)}"
            )
            lines.append(
                f"∂E/∂{w.name} = {chain} = {f.format(w.gradient)};  "
                f"{w.name}′ = {f.format(w.value)} − {self.lr:g}·{f.format(w.gradient)} "
                f"= {f.format(w.new_value)}"
                + ("  (frozen)" if w.frozen else "")
            )
        lines.append(f"E before {f.format(self.error)}, after {f.format(self.error_after)}")
        return "\n".join(lines)


# --------------------------------------------------------------------- building --
def _names(sizes: Sequence[int]) -> list[list[str]]:
    """Neuron names per layer: x1.., h1.. (one hidden layer) or h1.1.. (several), o1.."""
    n_hidden = len(sizes) - 2
    names = [[f"x{i + 1}" for i in range(sizes[0])]]
    for layer in range(1, len(sizes) - 1):
        prefix = "h" if n_hidden == 1 else f"h{layer}."
        names.append([f"{prefix}{j + 1}" for j in range(sizes[layer])])
    names.append([f"o{k + 1}" for k in range(sizes[-1])])
    return names


def _activation(a: str | Activation) -> Activation:
    return a if isinstance(a, Activation) else get_activation(a)


def _flat(sizes: Sequence[int], layer: int, row: int, col: int) -> int:
    start = sum((sizes[i] + 1) * sizes[i + 1] for i in range(layer))
    return start + col * (sizes[layer] + 1) + row


def _pack(sizes: Sequence[int], Ws: Sequence[Array], bs: Sequence[Array]) -> Array:
    """Engine layout: per layer the block [Wᵀ | b] of shape (fan_out, fan_in + 1)."""
    parts = []
    for W, b in zip(Ws, bs, strict=True):
        parts.append(np.concatenate([W.T, b[:, None]], axis=1).ravel())
    return np.concatenate(parts) if parts else np.empty(0)


def _forward(
    Ws: Sequence[Array], bs: Sequence[Array], acts: Sequence[Activation], head: Head, X: Array,
) -> tuple[list[Array], list[Array]]:
    """(nets, outs) per layer for examples X (B, n_in); outs[0] is X itself."""
    outs, nets = [X], []
    for layer, (W, b) in enumerate(zip(Ws, bs, strict=True)):
        z = outs[-1] @ W + b
        nets.append(z)
        outs.append(acts[layer](z) if layer < len(acts) else head.forward_generic(z))
    return nets, outs


def _penalty(Ws: Sequence[Array], l1: float, l2: float) -> float:
    return sum(l1 * float(np.abs(W).sum()) + 0.5 * l2 * float((W * W).sum()) for W in Ws)


def trace_from_arrays(
    weights: Sequence[Array],
    x: Array,
    target: Array,
    biases: Sequence[Array | None] | None = None,
    lr: float = 0.5,
    hidden_activation: str | Activation | Sequence[str | Activation] = "sigmoid",
    output: str = "sigmoid",
    loss: str = "mse",
    l1: float = 0.0,
    l2: float = 0.0,
    trace_biases: bool = True,
    frozen: Sequence[Array] | None = None,
) -> BackpropTrace:
    """Trace one gradient-descent step of an MLP given as plain arrays.

    ``weights[l]`` has shape (fan_in, fan_out) (the forward pass reads x·W + b);
    ``biases`` is None (no biases) or one (fan_out,) array or None per layer.
    ``x`` is one example (n_in,) or a tiny batch (B, n_in); ``target`` (n_out,) or
    (B, n_out). Output/loss pairs are the engine's: sigmoid/tanh/linear + mse,
    sigmoid + bce, softmax + ce. With ``trace_biases=False`` the biases are constants
    (used, not shown, not updated), as the trainer does with frozen biases.
    ``frozen`` (optional, like the weights plus one bias row per layer: shape
    (fan_in + 1, fan_out)) marks parameters that keep their value.
    """
    Ws = [np.array(W, dtype=np.float64, ndmin=2) for W in weights]
    if not Ws:
        raise ValueError("the network needs at least one layer of weights")
    sizes = [Ws[0].shape[0]] + [W.shape[1] for W in Ws]
    for layer, W in enumerate(Ws):
        if W.shape != (sizes[layer], sizes[layer + 1]):
            raise ValueError(
                f"weights[{layer}] has shape {W.shape}; expected ({sizes[layer]}, {sizes[layer + 1]}) "
                "to follow the previous layer"
            )
    has_bias = [False] * len(Ws) if biases is None else [b is not None for b in biases]
    if biases is not None and len(biases) != len(Ws):
        raise ValueError(f"give one bias vector (or None) per layer: {len(Ws)}, not {len(biases)}")
    bs = []
    for layer in range(len(Ws)):
        b = None if biases is None else biases[layer]
        b = np.zeros(sizes[layer + 1]) if b is None else np.array(b, dtype=np.float64).reshape(-1)
        if b.shape != (sizes[layer + 1],):
            raise ValueError(f"biases[{layer}] must have {sizes[layer + 1]} values, not {b.size}")
        bs.append(b)
    traced_bias = [h and trace_biases for h in has_bias]
    n_params = sum(W.size for W in Ws) + sum(sizes[i + 1] for i in range(len(Ws)) if traced_bias[i])
    if n_params > MAX_TRACE_PARAMS:
        raise ValueError(
            f"the backprop trace shows every weight, so it is limited to {MAX_TRACE_PARAMS} weights and "
            f"biases; this network has {n_params}. Use a smaller network (e.g. 2-2-1) or freeze the biases."
        )
    hidden = [hidden_activation] * (len(Ws) - 1) if isinstance(hidden_activation, str | Activation) else list(
        hidden_activation
    )
    if len(hidden) != len(Ws) - 1:
        raise ValueError(f"give one activation per hidden layer: {len(Ws) - 1}, not {len(hidden)}")
    acts = [_activation(a) for a in hidden]
    if (output, loss) not in _PAIRS:
        raise ValueError(
            f"output {output!r} with loss {loss!r} is not one of the engine's pairs: "
            + ", ".join(f"{o}+{l_}" for o, l_ in sorted(_PAIRS))
        )
    n_out = sizes[-1]
    if output == "softmax" and n_out < 2:
        raise ValueError("a softmax output needs at least two output neurons")
    head = Head(output=output, loss=loss, task="classification" if loss != "mse" else "regression",
                n_classes=max(2, n_out), n_out=n_out)

    X = np.array(x, dtype=np.float64, ndmin=2)
    T = np.array(target, dtype=np.float64)
    T = T.reshape(X.shape[0], -1) if T.size == X.shape[0] * n_out else T
    if X.shape[1] != sizes[0] or T.shape != (X.shape[0], n_out):
        raise ValueError(
            f"inputs must have {sizes[0]} values and targets {n_out} per example; got {X.shape} and {T.shape}"
        )
    if not 1 <= X.shape[0] <= MAX_TRACE_EXAMPLES:
        raise ValueError(f"trace 1 to {MAX_TRACE_EXAMPLES} examples, not {X.shape[0]}")
    lr, l1, l2 = float(lr), float(l1), float(l2)
    frozen_masks = (
        [np.zeros((sizes[layer] + 1, sizes[layer + 1]), dtype=bool) for layer in range(len(Ws))]
        if frozen is None
        else [np.asarray(m, dtype=bool).reshape(sizes[i] + 1, sizes[i + 1]) for i, m in enumerate(frozen)]
    )

    with np.errstate(all="ignore"):
        nets, outs = _forward(Ws, bs, acts, head, X)
        y, z_out = outs[-1], nets[-1]
        per_example = head.per_example_loss(z_out, y, T)
        # output layer: ∂E/∂out, ∂out/∂net, δ
        if loss == "mse":
            dE_dout = y - T
            dout_dnet: Array | None = head.activation.derivative(z_out, y)
            delta = dE_dout * dout_dnet
        elif loss == "bce":
            dE_dout = (y - T) / (y * (1.0 - y))
            dout_dnet = y * (1.0 - y)
            delta = y - T  # the product, computed without the cancellation
        else:
            dE_dout = -T / y
            dout_dnet = None
            delta = y - T
        deltas: list[Array] = [delta]
        dE_douts: list[Array] = [dE_dout]
        dout_dnets: list[Array | None] = [dout_dnet]
        for layer in range(len(Ws) - 1, 0, -1):  # hidden layer `layer` (1-based)
            up = deltas[0] @ Ws[layer].T  # Σ_k δ_k w(j→k)
            d = acts[layer - 1].derivative(nets[layer - 1], outs[layer])
            deltas.insert(0, up * d)
            dE_douts.insert(0, up)
            dout_dnets.insert(0, d)

    names = _names(sizes)
    n_layers = len(Ws)
    act_names = [a.name for a in acts] + [output]
    examples = []
    for e in range(X.shape[0]):
        neurons = []
        for layer in range(1, n_layers + 1):
            for j in range(sizes[layer]):
                terms: tuple[PathTerm, ...] = ()
                if layer < n_layers:
                    nxt_d = dout_dnets[layer]
                    terms = tuple(
                        PathTerm(
                            via=names[layer + 1][k],
                            dE_dout=float(dE_douts[layer][e, k]),
                            dout_dnet=None if nxt_d is None else float(nxt_d[e, k]),
                            dE_dnet=float(deltas[layer][e, k]),
                            weight=float(Ws[layer][j, k]),
                            value=float(deltas[layer][e, k] * Ws[layer][j, k]),
                        )
                        for k in range(sizes[layer + 1])
                    )
                dd = dout_dnets[layer - 1]
                neurons.append(NeuronTrace(
                    name=names[layer][j], layer=layer, index=j, activation=act_names[layer - 1],
                    net=float(nets[layer - 1][e, j]), out=float(outs[layer][e, j]),
                    dE_dout=float(dE_douts[layer - 1][e, j]),
                    dout_dnet=None if dd is None else float(dd[e, j]),
                    dE_dnet=float(deltas[layer - 1][e, j]), terms=terms,
                ))
        examples.append(ExampleTrace(
            tuple(float(v) for v in X[e]), tuple(float(v) for v in T[e]), tuple(neurons),
            float(per_example[e]),
        ))

    new_Ws = [W.copy() for W in Ws]
    new_bs = [b.copy() for b in bs]
    traces = []
    for layer in range(n_layers):
        rows = sizes[layer] + (1 if traced_bias[layer] else 0)
        for col in range(sizes[layer + 1]):
            for row in range(rows):
                is_bias = row == sizes[layer]
                value = float(bs[layer][col] if is_bias else Ws[layer][row, col])
                dnet_dw = np.ones(X.shape[0]) if is_bias else outs[layer][:, row]
                dd = dout_dnets[layer]
                factors = tuple(
                    Factor(
                        dE_dout=float(dE_douts[layer][e, col]),
                        dout_dnet=None if dd is None else float(dd[e, col]),
                        dE_dnet=float(deltas[layer][e, col]),
                        dnet_dw=float(dnet_dw[e]),
                        value=float(deltas[layer][e, col] * dnet_dw[e]),
                    )
                    for e in range(X.shape[0])
                )
                data_grad = float(np.mean(deltas[layer][:, col] * dnet_dw))
                pen = 0.0 if is_bias else l1 * float(np.sign(value)) + l2 * value
                grad = data_grad + pen
                is_frozen = bool(frozen_masks[layer][row, col])
                new_value = value if is_frozen else value - lr * grad
                if is_bias:
                    new_bs[layer][col] = new_value
                else:
                    new_Ws[layer][row, col] = new_value
                src = "1" if is_bias else names[layer][row]
                name = f"b({names[layer + 1][col]})" if is_bias else f"w({src}→{names[layer + 1][col]})"
                traces.append(WeightTrace(
                    name=name, source=src, target=names[layer + 1][col], layer=layer, row=row, col=col,
                    is_bias=is_bias, flat_index=_flat(sizes, layer, row, col), value=value, factors=factors,
                    data_gradient=data_grad, penalty_gradient=pen, gradient=grad, frozen=is_frozen,
                    new_value=new_value,
                ))

    with np.errstate(all="ignore"):
        nets2, outs2 = _forward(new_Ws, new_bs, acts, head, X)
        error_after = float(np.mean(head.per_example_loss(nets2[-1], outs2[-1], T)))
    error = float(np.mean(per_example))
    return BackpropTrace(
        sizes=tuple(sizes), activations=tuple(act_names), hidden=tuple(acts), output=output, loss=loss,
        lr=lr, l1=l1, l2=l2,
        input_names=tuple(names[0]), examples=tuple(examples), weights=tuple(traces),
        error=error, objective=error + _penalty(Ws, l1, l2),
        error_after=error_after, objective_after=error_after + _penalty(new_Ws, l1, l2),
        theta=_pack(sizes, Ws, bs), theta_after=_pack(sizes, new_Ws, new_bs),
    )


def trace_network(
    source: Trainer | Network,
    x: Array | None = None,
    target: Array | None = None,
    examples: int | Sequence[int] = 0,
    lr: float | None = None,
    theta: Array | None = None,
    trace_biases: bool | None = None,
) -> BackpropTrace:
    """Trace one step of an engine network (a Trainer or a Network).

    With a Trainer, ``x``/``target`` default to training examples ``examples`` (the
    engine's targets: 0/1 for sigmoid, ±1 for tanh…), ``lr`` to its current rate,
    L1/L2 to its penalties, and frozen parameters stay put. Biases are traced unless
    every bias is frozen (then they act as constants, like the lectures' bias-free
    example) or ``trace_biases=False``.
    """
    if isinstance(source, Network):
        net, trainer = source, None
    else:
        net, trainer = source.net, source
    theta = net.theta if theta is None else np.asarray(theta, dtype=np.float64)
    views = net.param_views(theta)
    Ws = [W.copy() for W, _ in views]
    bs = [b.copy() for _, b in views]
    mask = getattr(trainer, "_trainable", None) if trainer is not None else None
    frozen = None
    if mask is not None:
        frozen = [~s.block(mask).T.astype(bool) for s in net.slots]  # (fan_in + 1, fan_out)
    if trace_biases is None:
        trace_biases = mask is None or bool(np.any(mask * net.bias_mask))
    l1 = l2 = 0.0
    if trainer is not None:
        idx = [int(examples)] if np.ndim(examples) == 0 else [int(i) for i in examples]  # type: ignore[union-attr]
        if x is None:
            x = trainer.dataset.X_train[idx]
        if target is None:
            target = trainer.T_train[idx]
        if lr is None:
            lr = trainer.lr
        l1, l2 = trainer.scenario.training.l1, trainer.scenario.training.l2
    if x is None or target is None:
        raise ValueError("with a Network, pass the example x and its target")
    return trace_from_arrays(
        Ws, x, target, biases=bs, lr=0.5 if lr is None else lr,
        hidden_activation=list(net.activations), output=net.head.output, loss=net.head.loss,
        l1=l1, l2=l2, trace_biases=trace_biases, frozen=frozen,
    )


# ------------------------------------------------------------------ worked example --
#: The lectures' example: 2 inputs, 2 sigmoid hidden neurons, 1 sigmoid output, no biases.
WORKED_EXAMPLE = {
    "x": (0.05, 0.10),
    "hidden": ((0.14, 0.24), (0.19, 0.29)),  # W[i, j] = w(x_i → h_j)
    "output": ((0.35,), (0.40,)),  # W[j, 0] = w(h_j → o1)
    "target": 0.1,
    "lr": 0.5,
}


def worked_example(
    x: Sequence[float] = WORKED_EXAMPLE["x"],
    hidden: Sequence[Sequence[float]] = WORKED_EXAMPLE["hidden"],
    output: Sequence[Sequence[float]] = WORKED_EXAMPLE["output"],
    target: float | Sequence[float] = WORKED_EXAMPLE["target"],
    lr: float = WORKED_EXAMPLE["lr"],
) -> BackpropTrace:
    """The lectures' worked example, every number editable.

    x1 = 0.05, x2 = 0.10; w(x1→h1) = 0.14, w(x2→h1) = 0.19, w(x1→h2) = 0.24,
    w(x2→h2) = 0.29; w(h1→o1) = 0.35, w(h2→o1) = 0.40; sigmoid everywhere, no biases,
    target 0.1, E = ½(target − out)². The slide's values: net_h1 = 0.026,
    out_h1 = 0.50(65), net_h2 = 0.041, out_h2 = 0.51, net_o1 = 0.38, out_o1 = 0.59,
    E = 0.12. (The slide truncates: out_h1 = 0.5065 rounds to 0.51.) η defaults to 0.5.
    """
    return trace_from_arrays(
        [np.asarray(hidden, dtype=np.float64), np.asarray(output, dtype=np.float64)],
        np.asarray(x, dtype=np.float64),
        np.atleast_1d(np.asarray(target, dtype=np.float64)),
        biases=None, lr=lr, hidden_activation="sigmoid", output="sigmoid", loss="mse",
    )


def error_of(trace: BackpropTrace, theta: Array) -> float:
    """Mean data error E at another parameter vector (engine layout), same examples.

    For checks and "what if" displays: E with one weight nudged, say.
    """
    sizes = trace.sizes
    Ws, bs = [], []
    start = 0
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:], strict=True):
        block = np.asarray(theta[start : start + (fan_in + 1) * fan_out]).reshape(fan_out, fan_in + 1)
        Ws.append(block[:, :-1].T)
        bs.append(block[:, -1])
        start += (fan_in + 1) * fan_out
    acts = trace.hidden
    n_out = sizes[-1]
    head = Head(trace.output, trace.loss, "regression" if trace.loss == "mse" else "classification",
                max(2, n_out), n_out)
    X = np.array([ex.x for ex in trace.examples])
    T = np.array([ex.target for ex in trace.examples])
    with np.errstate(all="ignore"):
        nets, outs = _forward(Ws, bs, acts, head, X)
        value = float(np.mean(head.per_example_loss(nets[-1], outs[-1], T)))
    return value if math.isfinite(value) else math.nan
