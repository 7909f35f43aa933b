"""Batched, dtype-generic loss and gradient: many parameter vectors at once.

The training hot path (``network.forward``/``backward``) handles one parameter vector
with preallocated buffers. This module evaluates K parameter vectors in one vectorised
pass, theta of shape (K, P), which serves three needs:

* loss surfaces: a 51×51 grid of parameter sets is one batched forward pass per chunk;
* the exact Hessian for Newton's method, by complex-step differentiation of the
  gradient: H[:, j] = Im ∇L(θ + i·h·e_j) / h, exact to rounding for any h small enough,
  with no subtractive cancellation (unlike finite differences);
* an independent implementation that tests compare with the fast path.

No dropout here: these are evaluation-mode computations.
"""

from __future__ import annotations

import numpy as np

from nnviz.engine.network import Network

Array = np.ndarray

#: Newton's method refuses models with more parameters than this.
MAX_NEWTON_PARAMS = 600
_COMPLEX_STEP = 1e-20


def augment(X: Array) -> Array:
    """Append the constant-1 column that multiplies the bias row of W_aug = [W; b]."""
    out = np.ones((X.shape[0], X.shape[1] + 1), dtype=X.dtype)
    out[:, :-1] = X
    return out


def _blocks(net: Network, theta: Array) -> list[Array]:
    """Per-layer W_aug = [W; b] of shape (K, fan_in + 1, fan_out) for theta of shape (K, P)."""
    k = theta.shape[0]
    return [
        theta[:, s.start : s.stop].reshape(k, s.fan_out, s.fan_in + 1).swapaxes(1, 2)
        for s in net.slots
    ]


def _penalty(net: Network, theta: Array, l1: float, l2: float) -> tuple[Array, Array]:
    """Regularisation value (K,) and gradient (K, P); weights only, never biases."""
    w = theta * net.weight_mask
    value = np.zeros(theta.shape[0], dtype=theta.dtype)
    grad = np.zeros_like(theta)
    if l1:
        sign = np.sign(w.real)
        value = value + l1 * np.sum(w * sign, axis=1)  # |w|, complex-step safe
        grad = grad + l1 * sign
    if l2:
        value = value + 0.5 * l2 * np.sum(w * w, axis=1)
        grad = grad + l2 * w
    return value, grad


def forward_batched(net: Network, theta: Array, X: Array) -> list[Array]:
    """Outputs of every layer for K parameter vectors: a list of (K, n, width) arrays.

    Entry l is layer l's activation (hidden layers) and the last entry is ŷ.
    """
    theta = np.atleast_2d(theta)
    inp = augment(X)
    outs = []
    blocks = _blocks(net, theta)
    for layer, w in enumerate(blocks):
        z = np.matmul(inp, w)
        if layer == len(blocks) - 1:
            outs.append(net.head.forward_generic(z))
            break
        a = net.activations[layer].forward(z)
        outs.append(a)
        inp = np.concatenate([a, np.ones(a.shape[:-1] + (1,), dtype=a.dtype)], axis=-1)
    return outs


def loss_batched(
    net: Network, theta: Array, X: Array, T: Array, l1: float = 0.0, l2: float = 0.0
) -> Array:
    """Objective (mean data loss + penalty) for each of K parameter vectors: shape (K,)."""
    theta = np.atleast_2d(theta)
    inp = augment(X)
    blocks = _blocks(net, theta)
    for layer, w in enumerate(blocks[:-1]):
        a = net.activations[layer].forward(np.matmul(inp, w))
        inp = np.concatenate([a, np.ones(a.shape[:-1] + (1,), dtype=a.dtype)], axis=-1)
    z = np.matmul(inp, blocks[-1])
    loss, _ = net.head.loss_and_delta_generic(z, T)
    if l1 or l2:
        loss = loss + _penalty(net, theta, l1, l2)[0]
    return loss


def loss_and_grad_batched(
    net: Network, theta: Array, X: Array, T: Array, l1: float = 0.0, l2: float = 0.0
) -> tuple[Array, Array]:
    """Objective (K,) and its gradient (K, P) for K parameter vectors theta (K, P)."""
    theta = np.atleast_2d(theta)
    x_aug = augment(X).astype(theta.dtype)
    blocks = _blocks(net, theta)
    inputs, zs, acts = [x_aug], [], []
    for layer, w in enumerate(blocks):
        z = np.matmul(inputs[-1], w)
        zs.append(z)
        if layer < len(blocks) - 1:
            a = net.activations[layer].forward(z)
            acts.append(a)
            inputs.append(np.concatenate([a, np.ones(a.shape[:-1] + (1,), dtype=a.dtype)], -1))
    loss, delta = net.head.loss_and_delta_generic(zs[-1], T)
    grad = np.empty_like(theta)
    k = theta.shape[0]
    for layer in range(len(blocks) - 1, -1, -1):
        s = net.slots[layer]
        g = np.matmul(np.swapaxes(inputs[layer], -1, -2), delta)
        g = np.broadcast_to(g, (k, s.fan_in + 1, s.fan_out))
        grad[:, s.start : s.stop] = g.swapaxes(1, 2).reshape(k, -1)
        if layer == 0:
            break
        delta = np.matmul(delta, np.swapaxes(blocks[layer][:, :-1, :], -1, -2))
        act = net.activations[layer - 1]
        delta = delta * act.derivative(zs[layer - 1], acts[layer - 1])
    if l1 or l2:
        value, pgrad = _penalty(net, theta, l1, l2)
        loss = loss + value
        grad += pgrad
    return loss, grad


def hessian(
    net: Network, theta: Array, X: Array, T: Array, l1: float = 0.0, l2: float = 0.0,
    chunk: int = 64,
) -> Array:
    """Exact Hessian (P, P) of the objective at theta, by complex-step differentiation."""
    p = theta.shape[0]
    if p > MAX_NEWTON_PARAMS:
        raise ValueError(
            f"Newton's method needs the full {p}×{p} Hessian; it is limited to "
            f"{MAX_NEWTON_PARAMS} parameters. Use a smaller network or another optimiser."
        )
    h = np.empty((p, p))
    for start in range(0, p, chunk):
        stop = min(p, start + chunk)
        probe = np.repeat(theta[None, :].astype(np.complex128), stop - start, axis=0)
        probe[np.arange(stop - start), np.arange(start, stop)] += 1j * _COMPLEX_STEP
        _, g = loss_and_grad_batched(net, probe, X, T, l1, l2)
        h[start:stop] = g.imag / _COMPLEX_STEP
    return 0.5 * (h + h.T)
