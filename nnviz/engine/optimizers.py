"""Optimisers with torch.optim's exact update rules, on flat parameter vectors.

Every optimiser updates ``theta`` in place from ``grad`` with a learning rate passed
per step, so a schedule or a slider can change it live without touching the state.
Hyper-parameters (momentum, betas, alpha, eps…) are plain attributes read every step:
changing them mid-run keeps the accumulated state, unlike TF Playground.

The arrays can have any shape: the engine passes its flat parameter vector, the
optimiser race passes a 2-vector. The formulas (shared/reference.md §2):

SGD       b₁ = g₁; b_t = μ b_{t-1} + (1-τ) g_t; nesterov: g ← g + μ b_t else g ← b_t; θ ← θ - γ g
Adagrad   γ̃ = γ / (1 + (t-1) η); s ← s + g²; θ ← θ - γ̃ g / (√s + ε)
RMSprop   v ← α v + (1-α) g²; centered: ḡ ← α ḡ + (1-α) g, ṽ = v - ḡ²;
          μ > 0: b ← μ b + g / (√ṽ + ε), θ ← θ - γ b; else θ ← θ - γ g / (√ṽ + ε)
Adam      m ← β₁ m + (1-β₁) g; v ← β₂ v + (1-β₂) g²; m̂ = m / (1-β₁ᵗ); v̂ = v / (1-β₂ᵗ)
          θ ← θ - γ m̂ / (√v̂ + ε); AMSGrad: v_max ← max(v_max, v) and v̂ = v_max / (1-β₂ᵗ)
Newton    θ ← θ - γ (H + λ I)⁻¹ g
"""

from __future__ import annotations

import math

import numpy as np

from nnviz.engine.config import OPTIMIZERS, OptimizerConfig

Array = np.ndarray


class OptimizerError(ValueError):
    """A setting the optimiser cannot work with."""


class Optimizer:
    """Base class: holds the step count and per-parameter state buffers."""

    name = "base"
    needs_hessian = False
    default_eps = 0.0

    def __init__(self, shape: tuple[int, ...] | int, cfg: OptimizerConfig):
        self.shape = (shape,) if isinstance(shape, int) else tuple(shape)
        self.t = 0
        self._tmp = np.empty(self.shape)
        self.configure(cfg)
        self.reset_state()

    def configure(self, cfg: OptimizerConfig) -> None:
        """Read hyper-parameters; safe to call between steps (state is kept)."""
        self.momentum = float(cfg.momentum)
        self.dampening = float(cfg.dampening)
        self.nesterov = bool(cfg.nesterov)
        self.lr_decay = float(cfg.lr_decay)
        self.initial_accumulator_value = float(cfg.initial_accumulator_value)
        self.alpha = float(cfg.alpha)
        self.centered = bool(cfg.centered)
        self.beta1 = float(cfg.beta1)
        self.beta2 = float(cfg.beta2)
        self.amsgrad = bool(cfg.amsgrad)
        self.eps = self.default_eps if cfg.eps is None else float(cfg.eps)
        self.damping = float(cfg.damping)

    def reset_state(self) -> None:
        self.t = 0

    def state_arrays(self) -> dict[str, Array]:
        """Named state buffers, for saving sessions; restored with ``load_state``."""
        return {k: v for k, v in vars(self).items() if k.startswith("s_") and v is not None}

    def load_state(self, t: int, arrays: dict[str, Array]) -> None:
        self.t = int(t)
        for k, v in arrays.items():
            if k.startswith("s_"):
                setattr(self, k, np.array(v, dtype=np.float64))

    def step(self, theta: Array, grad: Array, lr: float, hessian: Array | None = None) -> None:
        raise NotImplementedError


class SGD(Optimizer):
    name = "sgd"

    def configure(self, cfg: OptimizerConfig) -> None:
        # Check before applying anything: a refused change must leave the optimiser as it was.
        if cfg.nesterov and (cfg.momentum <= 0 or cfg.dampening != 0):
            raise OptimizerError("Nesterov momentum needs momentum > 0 and dampening = 0")
        super().configure(cfg)

    def reset_state(self) -> None:
        super().reset_state()
        self.s_momentum_buffer: Array | None = None

    def step(self, theta: Array, grad: Array, lr: float, hessian: Array | None = None) -> None:
        self.t += 1
        mu = self.momentum
        d = grad
        if mu != 0.0:
            buf = self.s_momentum_buffer
            if buf is None:
                buf = self.s_momentum_buffer = grad.copy()
            else:
                buf *= mu
                if self.dampening:
                    np.multiply(grad, 1.0 - self.dampening, out=self._tmp)
                    buf += self._tmp
                else:
                    buf += grad
            if self.nesterov:
                np.multiply(buf, mu, out=self._tmp)
                self._tmp += grad
                d = self._tmp
            else:
                d = buf
        np.multiply(d, lr, out=self._tmp)
        theta -= self._tmp


class Adagrad(Optimizer):
    name = "adagrad"
    default_eps = 1e-10

    def reset_state(self) -> None:
        super().reset_state()
        self.s_sum = np.full(self.shape, self.initial_accumulator_value)

    def step(self, theta: Array, grad: Array, lr: float, hessian: Array | None = None) -> None:
        self.t += 1
        clr = lr / (1.0 + (self.t - 1) * self.lr_decay)
        tmp = self._tmp
        np.multiply(grad, grad, out=tmp)
        self.s_sum += tmp
        np.sqrt(self.s_sum, out=tmp)
        tmp += self.eps
        np.divide(grad, tmp, out=tmp)
        tmp *= clr
        theta -= tmp


class RMSprop(Optimizer):
    name = "rmsprop"
    default_eps = 1e-8

    def reset_state(self) -> None:
        super().reset_state()
        self.s_square_avg = np.zeros(self.shape)
        self.s_grad_avg = np.zeros(self.shape)
        self.s_momentum_buffer = np.zeros(self.shape)

    def step(self, theta: Array, grad: Array, lr: float, hessian: Array | None = None) -> None:
        self.t += 1
        a, tmp = self.alpha, self._tmp
        v = self.s_square_avg
        v *= a
        np.multiply(grad, grad, out=tmp)
        tmp *= 1.0 - a
        v += tmp
        if self.centered:
            gbar = self.s_grad_avg
            gbar *= a
            np.multiply(grad, 1.0 - a, out=tmp)
            gbar += tmp
            np.multiply(gbar, gbar, out=tmp)
            np.subtract(v, tmp, out=tmp)
            np.sqrt(tmp, out=tmp)
        else:
            np.sqrt(v, out=tmp)
        tmp += self.eps
        np.divide(grad, tmp, out=tmp)
        if self.momentum > 0:
            b = self.s_momentum_buffer
            b *= self.momentum
            b += tmp
            np.multiply(b, lr, out=tmp)
        else:
            tmp *= lr
        theta -= tmp


class Adam(Optimizer):
    name = "adam"
    default_eps = 1e-8

    def reset_state(self) -> None:
        super().reset_state()
        self.s_exp_avg = np.zeros(self.shape)
        self.s_exp_avg_sq = np.zeros(self.shape)
        self.s_max_exp_avg_sq = np.zeros(self.shape)

    def step(self, theta: Array, grad: Array, lr: float, hessian: Array | None = None) -> None:
        self.t += 1
        b1, b2, tmp = self.beta1, self.beta2, self._tmp
        m, v = self.s_exp_avg, self.s_exp_avg_sq
        m *= b1
        np.multiply(grad, 1.0 - b1, out=tmp)
        m += tmp
        v *= b2
        np.multiply(grad, grad, out=tmp)
        tmp *= 1.0 - b2
        v += tmp
        bias_correction1 = 1.0 - b1**self.t
        bias_correction2 = 1.0 - b2**self.t
        if self.amsgrad:
            np.maximum(self.s_max_exp_avg_sq, v, out=self.s_max_exp_avg_sq)
            v = self.s_max_exp_avg_sq
        # torch's arithmetic order: denom = √v / √(1-β₂ᵗ) + ε; step = γ / (1-β₁ᵗ)
        np.sqrt(v, out=tmp)
        tmp /= math.sqrt(bias_correction2)
        tmp += self.eps
        np.divide(m, tmp, out=tmp)
        tmp *= lr / bias_correction1
        theta -= tmp


class Newton(Optimizer):
    """Damped Newton–Raphson: θ ← θ - γ (H + λI)⁻¹ g, for small models only."""

    name = "newton"
    needs_hessian = True

    def step(self, theta: Array, grad: Array, lr: float, hessian: Array | None = None) -> None:
        if hessian is None:
            raise OptimizerError("Newton's method needs the Hessian")
        self.t += 1
        g = grad.reshape(-1)
        h = hessian + self.damping * np.eye(g.size)
        try:
            direction = np.linalg.solve(h, g)
        except np.linalg.LinAlgError:
            direction = np.linalg.lstsq(h, g, rcond=None)[0]
        theta -= lr * direction.reshape(theta.shape)


_CLASSES: dict[str, type[Optimizer]] = {
    cls.name: cls for cls in (SGD, Adagrad, RMSprop, Adam, Newton)
}
assert set(_CLASSES) == set(OPTIMIZERS), "optimizers.py and config.OPTIMIZERS disagree"


def make_optimizer(shape: tuple[int, ...] | int, cfg: OptimizerConfig) -> Optimizer:
    """Create the optimiser named by ``cfg.name`` for parameters of ``shape``."""
    try:
        cls = _CLASSES[cfg.name]
    except KeyError:
        raise OptimizerError(
            f"unknown optimizer {cfg.name!r}; choose one of {', '.join(OPTIMIZERS)}"
        ) from None
    return cls(shape, cfg)
