"""Activation functions and their derivatives.

Each activation offers two forms:

* ``forward(z, out)`` and ``derivative(z, a, out)`` write into preallocated buffers.
  The training hot path uses them, so they take as few NumPy calls as possible and
  reuse the activation ``a`` where the derivative is cheaper from it
  (tanh' = 1 - a², sigmoid' = a(1 - a)).
* The same functions also accept complex arrays (comparisons use the real part), which
  lets the Newton optimiser get an exact Hessian by complex-step differentiation of the
  gradient, and lets tests compare against an independent implementation.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nnviz.engine.config import ACTIVATIONS

Array = np.ndarray


def _real(z: Array) -> Array:
    return z.real if np.iscomplexobj(z) else z


@dataclass(frozen=True)
class Activation:
    """One activation function g with its derivative g'.

    ``slope`` is leaky ReLU's negative slope and ``alpha`` ELU's saturation value.
    """

    name: str
    slope: float = 0.01
    alpha: float = 1.0

    # -- g(z) ---------------------------------------------------------------------------
    def forward(self, z: Array, out: Array | None = None) -> Array:
        """Return g(z), written into ``out`` when given (``out`` may alias ``z``)."""
        if out is None:
            out = np.empty_like(z)
        name = self.name
        if name == "tanh":
            return np.tanh(z, out=out)
        if name == "sigmoid":
            # 1 / (1 + e^-z): full relative precision in both tails; e^-z = inf gives 0.
            np.negative(z, out=out)
            np.exp(out, out=out)
            out += 1.0
            return np.reciprocal(out, out=out)
        if name == "relu":
            return np.multiply(z, _real(z) > 0, out=out)
        if name == "linear":
            if out is not z:
                np.copyto(out, z)
            return out
        if name == "leaky_relu":
            factor = np.where(_real(z) > 0, 1.0, self.slope)
            return np.multiply(z, factor, out=out)
        if name == "softplus":
            out[...] = _softplus(z)
            return out
        if name == "elu":
            positive = _real(z) > 0
            neg = self.alpha * np.expm1(np.where(positive, 0.0, z))
            out[...] = np.where(positive, z, neg)
            return out
        raise ValueError(f"unknown activation {name!r}")

    # -- g'(z) --------------------------------------------------------------------------
    def derivative(self, z: Array, a: Array, out: Array | None = None) -> Array:
        """Return g'(z) given z and a = g(z), into ``out`` when given.

        ``out`` must not alias ``z`` or ``a``.
        """
        if out is None:
            out = np.empty_like(z)
        name = self.name
        if name == "tanh":
            np.multiply(a, a, out=out)
            return np.subtract(1.0, out, out=out)
        if name == "sigmoid":
            np.subtract(1.0, a, out=out)
            return np.multiply(out, a, out=out)
        if name == "relu":
            out[...] = _real(z) > 0
            return out
        if name == "linear":
            out.fill(1.0)
            return out
        if name == "leaky_relu":
            out[...] = np.where(_real(z) > 0, 1.0, self.slope)
            return out
        if name == "softplus":
            return SIGMOID.forward(z, out=out)
        if name == "elu":
            out[...] = np.where(_real(z) > 0, 1.0, a + self.alpha)
            return out
        raise ValueError(f"unknown activation {name!r}")

    @property
    def fast_forward(self):
        """The cheapest callable ``f(z, out=...)`` for g: a bare ufunc where one exists."""
        return np.tanh if self.name == "tanh" else self.forward

    def __call__(self, z: Array) -> Array:
        return self.forward(np.asarray(z, dtype=np.result_type(z, np.float64)))

    def grad(self, z: Array) -> Array:
        """g'(z) for plotting and tests (allocates)."""
        z = np.asarray(z, dtype=np.result_type(z, np.float64))
        return self.derivative(z, self.forward(z))


def _softplus(z: Array) -> Array:
    """log(1 + e^z) without overflow: max(z, 0) + log1p(e^-|z|), complex-safe."""
    if np.iscomplexobj(z):
        positive = z.real > 0
        return np.where(positive, z + np.log1p(np.exp(-z)), np.log1p(np.exp(np.where(positive, 0, z))))
    return np.logaddexp(0.0, z)


SIGMOID = Activation("sigmoid")


def get_activation(name: str, slope: float = 0.01, alpha: float = 1.0) -> Activation:
    """Look an activation up by name; raises ValueError naming the valid choices."""
    if name not in ACTIVATIONS:
        raise ValueError(f"unknown activation {name!r}; choose one of {', '.join(ACTIVATIONS)}")
    return Activation(name, slope=slope, alpha=alpha)


def softmax(z: Array) -> Array:
    """Row-wise softmax, stable: subtract the row maximum (of the real part) first."""
    shift = _real(z).max(axis=-1, keepdims=True)
    e = np.exp(z - shift)
    return e / e.sum(axis=-1, keepdims=True)


def log_sum_exp(z: Array) -> Array:
    """Row-wise log Σ e^z, stable, complex-safe."""
    shift = _real(z).max(axis=-1, keepdims=True)
    return (np.log(np.exp(z - shift).sum(axis=-1, keepdims=True)) + shift)[..., 0]


def softplus(z: Array) -> Array:
    """Public, allocating softplus used by the losses."""
    return _softplus(z)
