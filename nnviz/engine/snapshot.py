"""Immutable pictures of a trainer's state, for views on another thread.

The worker thread owns the ``Trainer``; the GUI thread must never touch it. Instead the
worker takes a ``Snapshot``: copies of every array a view draws (so later training cannot
change what is being drawn) plus the per-epoch history as arrays. Building one costs one
grid forward pass and some copies, well under a millisecond for lecture-size networks,
and the worker takes one only when the GUI is ready for a new frame.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from nnviz.engine.stats import EpochStats
from nnviz.engine.trainer import GridOutputs, Trainer

Array = np.ndarray

HISTORY_KEYS = (
    "epoch", "step", "lr", "loss_train", "loss_test", "objective",
    "acc_train", "acc_test", "r2_train", "r2_test",
)


@dataclass(frozen=True)
class Snapshot:
    """Everything the views need at one moment of training."""

    epoch: int
    step: int
    status: str  # ready | diverged | stopped_early (the worker adds "running")
    message: str
    lr: float
    sizes: tuple[int, ...]  # [n_features, *hidden, n_out]
    activations: tuple[str, ...]  # per hidden layer
    output: str
    loss: str
    task: str
    n_classes: int
    features: tuple[str, ...]
    dataset: object  # the frozen nnviz.data.Dataset trained on (never mutated)
    weights: tuple[Array, ...]  # W_l, (fan_in, fan_out) copies
    biases: tuple[Array, ...]  # b_l copies
    grads_W: tuple[Array, ...]  # ∂L/∂W_l of the last training step
    grads_b: tuple[Array, ...]
    theta: Array  # flat parameter vector
    history: dict[str, Array]  # per-epoch series (HISTORY_KEYS), epoch 0 = before training
    latest: EpochStats  # evaluation at the current parameters (after an early-stopping restore too)
    grid: GridOutputs | None  # every neuron over the input plane
    dropout: tuple[float, ...]  # drop probability per hidden layer
    dropout_masks: tuple[Array | None, ...]  # last batch: bool (batch, units), True = kept
    trajectory: Array  # (k, P) recorded parameter vectors
    trajectory_steps: Array  # (k,)

    @property
    def diverged(self) -> bool:
        return self.status == "diverged"

    def series(self, key: str) -> Array:
        return self.history[key]


def history_arrays(initial: EpochStats, rows: list[EpochStats]) -> dict[str, Array]:
    """Per-epoch history as float arrays, the initial evaluation first (epoch 0)."""
    allrows = [initial, *rows]
    return {k: np.array([getattr(r, k) for r in allrows], dtype=float) for k in HISTORY_KEYS}


def take_snapshot(
    trainer: Trainer,
    grid_resolution: int = 100,
    with_grid: bool = True,
    with_trajectory: bool = True,
    history_cache: dict[str, Array] | None = None,
) -> Snapshot:
    """Copy what the views need out of ``trainer``.

    ``history_cache`` lets a caller reuse arrays built for an earlier snapshot of the
    same run; only rows added since are converted.
    """
    net = trainer.net
    weights, biases = zip(*[(W.copy(), b.copy()) for W, b in net.param_views(net.theta)], strict=True)
    gW, gb = zip(*[(W.copy(), b.copy()) for W, b in net.param_views(trainer.grad)], strict=True)
    history = _history(trainer, history_cache)
    latest = trainer.current_stats
    grid = None
    if with_grid and math.isfinite(float(np.dot(net.theta, net.theta))):
        grid = trainer.grid_outputs(grid_resolution)
    traj = trainer.trajectory
    return Snapshot(
        epoch=trainer.epoch,
        step=trainer.step,
        status=trainer.status,
        message=trainer.message,
        lr=trainer.lr,
        sizes=tuple(net.sizes),
        activations=tuple(a.name for a in net.activations),
        output=net.head.output,
        loss=net.head.loss,
        task=net.head.task,
        n_classes=net.head.n_classes,
        features=tuple(trainer.dataset.features),
        dataset=trainer.dataset,
        weights=weights,
        biases=biases,
        grads_W=gW,
        grads_b=gb,
        theta=net.theta.copy(),
        history=history,
        latest=latest,
        grid=grid,
        dropout=tuple(trainer.dropout),
        dropout_masks=tuple(None if m is None else m.copy() for m in trainer.dropout_masks),
        trajectory=traj.points if with_trajectory else np.empty((0, net.n_params)),
        trajectory_steps=traj.steps if with_trajectory else np.empty(0, dtype=np.int64),
    )


def _history(trainer: Trainer, cache: dict[str, Array] | None) -> dict[str, Array]:
    rows = trainer.history
    n_have = 0 if cache is None else len(cache["epoch"]) - 1
    if cache is None or n_have > len(rows) or (n_have and cache["step"][-1] != rows[n_have - 1].step):
        return history_arrays(trainer.initial_stats, rows)
    if n_have == len(rows):
        return cache
    extra = history_arrays(trainer.initial_stats, rows[n_have:])
    return {k: np.concatenate([cache[k], extra[k][1:]]) for k in HISTORY_KEYS}
