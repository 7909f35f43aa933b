"""Per-epoch and per-layer measurements that the teaching panels plot.

They are computed once per epoch from one evaluation pass over the training set
(forward and backward, no dropout), so the cost is about one extra batch per epoch
whatever the batch size: cheap enough to be on by default.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from nnviz.engine.activations import Activation

Array = np.ndarray

#: A unit counts as saturated where g'(z) is below this fraction of g's largest slope.
#: For tanh that is exactly |tanh z| > 0.97, the usual rule of thumb.
SATURATION_SLOPE = 1.0 - 0.97**2
HISTOGRAM_BINS = 40


@dataclass(frozen=True)
class LayerStats:
    """What one layer looked like at the end of an epoch."""

    z_mean: float
    z_std: float
    a_mean: float
    a_std: float
    saturation: float  # fraction of (example, unit) pairs in the flat region of g
    weight_norm: float  # ‖W_l‖ (Frobenius)
    grad_norm: float  # ‖∂L/∂W_l‖ on the whole training set
    grad_mean_abs: float  # mean |∂L/∂W_l|
    grad_max_abs: float
    delta_mean_abs: float  # mean |δ_l| = mean |∂L/∂z_l|
    update_ratio: float  # log10(std(Δθ_l) / std(θ_l)) for the last step; nan if unknown


@dataclass(frozen=True)
class EpochStats:
    """One row of the training history."""

    epoch: int
    step: int
    lr: float
    loss_train: float
    loss_test: float
    objective: float  # training loss plus the L1/L2 penalty: what the optimiser minimises
    acc_train: float = math.nan  # classification accuracy, nan for regression
    acc_test: float = math.nan
    r2_train: float = math.nan  # regression R², nan for classification
    r2_test: float = math.nan
    layers: tuple[LayerStats, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class StepStats:
    """One mini-batch step, recorded only when per-step recording is switched on."""

    step: int
    epoch: int
    batch_loss: float  # mean data loss of the batch, before the update
    grad_norm: float  # ‖∂L/∂θ‖ of the batch objective (all layers)
    layer_grad_norms: tuple[float, ...]  # ‖∂L/∂W_l‖ per layer
    update_norm: float  # ‖Δθ‖ of the step


def saturation_fraction(act: Activation | None, z: Array, a: Array) -> float:
    """Fraction of entries where the activation's slope has nearly vanished."""
    if act is None or act.name == "linear":
        return 0.0
    n = max(1, a.size)
    if act.name == "tanh":
        return int(np.count_nonzero(np.abs(a) > 0.97)) / n
    if act.name == "sigmoid":
        return int(np.count_nonzero(a * (1.0 - a) < 0.25 * SATURATION_SLOPE)) / n
    if act.name == "relu":
        return int(np.count_nonzero(z <= 0.0)) / n
    slope = act.derivative(z, a)  # peak slope is 1 for leaky ReLU, softplus and ELU (α ≤ 1)
    return int(np.count_nonzero(np.abs(slope) < SATURATION_SLOPE)) / n


def moments(x: Array) -> tuple[float, float]:
    """Mean and standard deviation from two reductions (np.mean/np.std cost far more)."""
    n = x.size
    if n == 0:
        return math.nan, math.nan
    total = float(np.add.reduce(x, axis=None))
    mean = total / n
    var = float(np.add.reduce(x * x, axis=None)) / n - mean * mean
    return mean, math.sqrt(var) if var > 0 else 0.0


def r_squared(pred: Array, target: Array) -> float:
    """Coefficient of determination; nan when the targets have no variance."""
    resid = float(np.sum((pred - target) ** 2))
    total = float(np.sum((target - target.mean(axis=0)) ** 2))
    return 1.0 - resid / total if total > 0 else math.nan


def update_ratio(delta: Array | None, theta: Array) -> float:
    """log10(std(update) / std(parameters)); about -3 is the healthy rule of thumb."""
    if delta is None or delta.size < 2:
        return math.nan
    sd_theta = moments(theta)[1]
    sd_delta = moments(delta)[1]
    if sd_theta == 0.0 or sd_delta == 0.0:
        return math.nan
    return math.log10(sd_delta / sd_theta)


def histogram(values: Array, bins: int = HISTOGRAM_BINS, span: float | None = None) -> tuple[Array, Array]:
    """Counts and bin edges of ``values``; a fixed symmetric span keeps frames comparable."""
    flat = values.reshape(-1)
    flat = flat[np.isfinite(flat)]
    if span is None:
        span = float(np.max(np.abs(flat))) if flat.size else 1.0
        span = span if span > 0 else 1.0
    counts, edges = np.histogram(flat, bins=bins, range=(-span, span))
    return counts, edges
