"""Weight initialisers.

Each fills one layer's W of shape (fan_in, fan_out) from a seeded Generator. The gain
multiplies the scale of every scheme, so a lesson can show "too small" and "too large"
versions of the same rule; the bias is a constant (Playground's scheme sets 0.1).
"""

from __future__ import annotations

import math

import numpy as np

from nnviz.engine.config import INITIALIZERS, InitConfig


def init_weights(cfg: InitConfig, fan_in: int, fan_out: int, rng: np.random.Generator) -> np.ndarray:
    """Return a fresh (fan_in, fan_out) float64 weight matrix."""
    name, gain, shape = cfg.name, cfg.gain, (fan_in, fan_out)
    if name == "zeros":
        return np.zeros(shape)
    if name == "constant":
        return np.full(shape, cfg.value * gain)
    if name == "normal":
        return rng.normal(0.0, cfg.std * gain, shape)
    if name == "uniform":
        return gain * rng.uniform(cfg.low, cfg.high, shape)
    if name == "playground":
        return gain * rng.uniform(-0.5, 0.5, shape)
    if name == "xavier_uniform":
        bound = gain * math.sqrt(6.0 / (fan_in + fan_out))
        return rng.uniform(-bound, bound, shape)
    if name == "xavier_normal":
        return rng.normal(0.0, gain * math.sqrt(2.0 / (fan_in + fan_out)), shape)
    if name == "he_uniform":
        bound = gain * math.sqrt(6.0 / fan_in)
        return rng.uniform(-bound, bound, shape)
    if name == "he_normal":
        return rng.normal(0.0, gain * math.sqrt(2.0 / fan_in), shape)
    if name == "lecun_normal":
        return rng.normal(0.0, gain * math.sqrt(1.0 / fan_in), shape)
    raise ValueError(f"unknown initialiser {name!r}; choose one of {', '.join(INITIALIZERS)}")


def init_bias(cfg: InitConfig, fan_out: int) -> np.ndarray:
    """Biases start at a constant: cfg.bias, or Playground's 0.1 for its scheme."""
    value = 0.1 if cfg.name == "playground" and cfg.bias == 0.0 else cfg.bias
    return np.full(fan_out, float(value))
