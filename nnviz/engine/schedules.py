"""Learning-rate schedules: a factor of the base learning rate per epoch.

The factor is a pure function of the epoch, so a schedule can be swapped or retuned
mid-run and the curve redrawn, and a saved session needs no scheduler state.
"""

from __future__ import annotations

import math

from nnviz.engine.config import SCHEDULES, ScheduleConfig


def scheduled_lr(base_lr: float, cfg: ScheduleConfig, epoch: int) -> float:
    """Learning rate during ``epoch`` (0-based) for base rate ``base_lr``."""
    name = cfg.name
    if name == "constant":
        return base_lr
    if name == "step":
        return base_lr * cfg.gamma ** (epoch // max(1, cfg.step_size))
    if name == "inverse_time":
        return base_lr / (1.0 + cfg.k * epoch)
    if name == "exponential":
        return base_lr * cfg.gamma**epoch
    if name == "cosine":
        phase = min(epoch, cfg.t_max) / max(1, cfg.t_max)
        return cfg.lr_min + (base_lr - cfg.lr_min) * 0.5 * (1.0 + math.cos(math.pi * phase))
    raise ValueError(f"unknown schedule {name!r}; choose one of {', '.join(SCHEDULES)}")
