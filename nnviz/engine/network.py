"""The multi-layer perceptron: parameter layout and the fast forward/backward pass.

Layout. All parameters live in one flat float64 vector ``theta``. Layer l owns a block
reshaped as M_l = [Wᵀ | b] with shape (fan_out, fan_in + 1): row j holds the incoming
weights of unit j followed by its bias. The public views ``W(l)`` (shape (fan_in,
fan_out), so the forward pass reads X @ W + b) and ``b(l)`` point into that block.
One flat vector means an optimiser, a regulariser or a divergence check is a handful of
NumPy calls whatever the depth.

Column layout. The hot path stores activations as (units, batch) with a trailing row of
ones, so a layer is one product Z = M · A_aug, every activation is written to a
contiguous block (a strided write costs three times as much at these sizes), and one
product dZ · A_augᵀ yields ∂L/∂W and ∂L/∂b together.

Workspaces. A training step at batch size 10 costs about a microsecond per NumPy call,
so call overhead and allocation dominate. A ``Workspace`` preallocates every buffer a
forward and backward pass of a given number of columns needs; the trainer keeps one per
batch size.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from nnviz.engine.activations import Activation
from nnviz.engine.heads import Head

Array = np.ndarray


@dataclass(frozen=True)
class LayerSlot:
    """Where layer l's block M = [Wᵀ | b], shape (fan_out, fan_in + 1), sits in theta."""

    fan_in: int
    fan_out: int
    start: int

    @property
    def size(self) -> int:
        return (self.fan_in + 1) * self.fan_out

    @property
    def stop(self) -> int:
        return self.start + self.size

    def block(self, flat: Array) -> Array:
        """This layer's (fan_out, fan_in + 1) block of any flat vector (a view)."""
        return flat[self.start : self.stop].reshape(self.fan_out, self.fan_in + 1)


class Network:
    """An MLP: widths ``sizes = [n_inputs, *hidden, n_out]``, one activation per hidden layer."""

    def __init__(self, sizes: list[int], activations: list[Activation], head: Head):
        if len(activations) != len(sizes) - 2:
            raise ValueError("need one activation per hidden layer")
        self.sizes = list(sizes)
        self.activations = list(activations)
        self.head = head
        slots, start = [], 0
        for fan_in, fan_out in zip(sizes[:-1], sizes[1:], strict=True):
            slot = LayerSlot(fan_in, fan_out, start)
            slots.append(slot)
            start = slot.stop
        self.slots: list[LayerSlot] = slots
        self.n_params = start
        self.theta = np.zeros(self.n_params)
        self.weight_mask = np.zeros(self.n_params)
        self.bias_mask = np.zeros(self.n_params)
        for s in slots:
            s.block(self.weight_mask)[:, :-1] = 1.0
            s.block(self.bias_mask)[:, -1] = 1.0
        self.blocks = [s.block(self.theta) for s in slots]
        self.forward_fns = [a.fast_forward for a in self.activations]

    # -- parameter access ----------------------------------------------------------------
    @property
    def n_layers(self) -> int:
        return len(self.slots)

    def W(self, layer: int) -> Array:
        """Weight matrix of a layer, shape (fan_in, fan_out): a view into theta."""
        return self.blocks[layer][:, :-1].T

    def b(self, layer: int) -> Array:
        """Bias vector of a layer, shape (fan_out,): a view into theta."""
        return self.blocks[layer][:, -1]

    def set_theta(self, values: Array) -> None:
        """Copy a flat parameter vector in, keeping the views valid."""
        np.copyto(self.theta, values)

    def param_views(self, theta: Array) -> list[tuple[Array, Array]]:
        """(W, b) views of every layer into any flat vector shaped like theta."""
        return [(s.block(theta)[:, :-1].T, s.block(theta)[:, -1]) for s in self.slots]

    def layer_weights(self, layer: int, flat: Array) -> Array:
        """Only the weights (no bias) of one layer of a flat vector, as a (fan_out, fan_in) view."""
        return self.slots[layer].block(flat)[:, :-1]

    def param_name(self, index: int) -> str:
        """Human name of one flat parameter, e.g. 'W1[0,2]' or 'b2[0]'."""
        for layer, s in enumerate(self.slots):
            if s.start <= index < s.stop:
                col, row = divmod(index - s.start, s.fan_in + 1)
                return f"b{layer}[{col}]" if row == s.fan_in else f"W{layer}[{row},{col}]"
        raise IndexError(index)

    def layer_activation(self, layer: int) -> Activation | None:
        """The hidden activation after layer ``layer`` (None for the output layer)."""
        return self.activations[layer] if layer < len(self.activations) else None


@dataclass
class Workspace:
    """Preallocated buffers for one forward/backward pass over ``cols`` examples.

    Every array is (units, examples): the column layout of the module docstring.
    """

    cols: int
    a_aug: list[Array]  # hidden outputs with a trailing ones row; a_aug[0] unused (input)
    z: list[Array]  # pre-activations per layer
    h: list[Array]  # hidden activations before dropout (views of a_aug without dropout)
    masks: list[Array | None]  # dropout masks (kept units hold 1/(1-p)), None when off
    delta: list[Array]  # ∂L/∂z per layer
    scratch: list[Array]  # derivative buffers, shaped like the hidden z
    y_hat: Array  # network output
    head_scratch: Array  # the output derivative, for squared error on a non-linear output
    dropout_on: list[bool] = field(default_factory=list)

    @classmethod
    def create(cls, net: Network, cols: int, dropout: list[float]) -> Workspace:
        a_aug: list[Array] = [np.empty((0, 0))]
        z, h, masks, delta, scratch, on = [], [], [], [], [], []
        for layer, fan_out in enumerate(net.sizes[1:]):
            z.append(np.empty((fan_out, cols)))
            delta.append(np.empty((fan_out, cols)))
            if layer == net.n_layers - 1:
                break
            scratch.append(np.empty((fan_out, cols)))
            buf = np.ones((fan_out + 1, cols))
            a_aug.append(buf)
            p = dropout[layer] if layer < len(dropout) else 0.0
            on.append(p > 0.0)
            if p > 0.0:
                h.append(np.empty((fan_out, cols)))
                masks.append(np.empty((fan_out, cols)))
            else:
                h.append(buf[:-1])
                masks.append(None)
        n_out = net.sizes[-1]
        return cls(
            cols, a_aug, z, h, masks, delta, scratch,
            y_hat=np.empty((n_out, cols)), head_scratch=np.empty((n_out, cols)), dropout_on=on,
        )


def forward(
    net: Network,
    ws: Workspace,
    x_aug: Array,
    dropout: list[float] | None = None,
    rng: np.random.Generator | None = None,
) -> Array:
    """Forward pass of ``x_aug``, shape (n_inputs + 1, cols) with a last row of ones.

    With ``dropout`` and ``rng`` given (training), fresh inverted-dropout masks are drawn
    for every hidden layer whose drop probability p > 0: kept units are scaled by
    1/(1-p) so that evaluation needs no rescaling. Returns ŷ (n_out, cols), a buffer
    of ``ws``.
    """
    last = net.n_layers - 1
    blocks, acts = net.blocks, net.forward_fns
    inp = x_aug
    for layer in range(last):
        z = ws.z[layer]
        np.dot(blocks[layer], inp, out=z)
        nxt = ws.a_aug[layer + 1]
        if ws.dropout_on[layer]:
            h = ws.h[layer]
            acts[layer](z, out=h)
            mask = ws.masks[layer]
            if dropout is not None and rng is not None:
                p = dropout[layer]
                rng.random(out=mask)
                np.less(p, mask, out=mask)  # kept where u > p, u ~ U[0, 1)
                mask *= 1.0 / (1.0 - p)
                np.multiply(h, mask, out=nxt[:-1])
            else:
                nxt[:-1] = h
        else:
            acts[layer](z, out=nxt[:-1])
        inp = nxt
    z = ws.z[last]
    np.dot(blocks[last], inp, out=z)
    net.head.activate(z, ws.y_hat)
    return ws.y_hat


def backward(net: Network, ws: Workspace, x_aug: Array, t: Array, grad: Array) -> None:
    """Backward pass after ``forward``: writes ∂(mean loss)/∂theta into ``grad``.

    ``t`` holds the targets as (n_out, cols). ``ws.delta[l]`` keeps ∂L/∂z of every
    layer afterwards, which the gradient-flow panel reads.
    """
    last = net.n_layers - 1
    net.head.delta(ws.z[last], ws.y_hat, t, out=ws.delta[last], scratch=ws.head_scratch)
    slots, blocks = net.slots, net.blocks
    for layer in range(last, -1, -1):
        s = slots[layer]
        inp = x_aug if layer == 0 else ws.a_aug[layer]
        d = ws.delta[layer]
        np.dot(d, inp.T, out=grad[s.start : s.stop].reshape(s.fan_out, s.fan_in + 1))
        if layer == 0:
            break
        prev = layer - 1
        dprev = ws.delta[prev]
        np.dot(blocks[layer][:, :-1].T, d, out=dprev)
        if ws.dropout_on[prev]:
            dprev *= ws.masks[prev]
        act = net.activations[prev]
        if act.name != "linear":
            act.derivative(ws.z[prev], ws.h[prev], out=ws.scratch[prev])
            dprev *= ws.scratch[prev]


def columns_with_ones(X: Array) -> Array:
    """Feature rows (n, d) → the column layout (d + 1, n) with a last row of ones."""
    out = np.ones((X.shape[1] + 1, X.shape[0]))
    out[:-1] = X.T
    return out


def flat_index(sizes: list[int] | tuple[int, ...], layer: int, row: int, col: int) -> int:
    """Index in the flat parameter vector of W_layer[row, col]; row == fan_in is the bias.

    Views use it to name the parameter a user clicked without holding the network.
    """
    start = 0
    for current, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:], strict=True)):
        if current == layer:
            if not (0 <= row <= fan_in and 0 <= col < fan_out):
                raise IndexError(f"layer {layer} has no entry ({row}, {col})")
            return start + col * (fan_in + 1) + row
        start += (fan_in + 1) * fan_out
    raise IndexError(f"no layer {layer}")
