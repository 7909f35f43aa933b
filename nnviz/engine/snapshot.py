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

from nnviz.engine.activations import get_activation
from nnviz.engine.heads import make_head
from nnviz.engine.network import Network
from nnviz.engine.stats import EpochStats
from nnviz.engine.trainer import GridOutputs, Trainer

Array = np.ndarray

HISTORY_KEYS = (
    "epoch", "step", "lr", "loss_train", "loss_test", "objective",
    "acc_train", "acc_test", "r2_train", "r2_test",
)
#: Per-layer series: each is an (epochs + 1, n_layers) array in ``Snapshot.history``.
LAYER_KEYS = (
    "grad_norm", "grad_mean_abs", "grad_max_abs", "delta_mean_abs", "update_ratio",
    "saturation", "weight_norm", "z_mean", "z_std", "a_mean", "a_std",
)
#: Lines per direction and points per line of the warped input grid (hidden-space view).
GRID_LINES, GRID_LINE_POINTS = 13, 60


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
    leaky_slope: float
    elu_alpha: float
    l1: float
    l2: float
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
    # Extras for the teaching panels (None unless asked for with with_layers=True):
    layer_outputs: tuple[Array, ...] | None = None  # per layer, (n_train, units), eval mode
    preactivations: tuple[Array, ...] | None = None  # per layer z, (n_train, units)
    batch_outputs: tuple[Array, ...] | None = None  # last training batch, per hidden layer (batch, units)
    grid_lines: tuple[Array, ...] | None = None  # input-grid lines mapped per layer (lines, points, units)
    grid_lines_input: Array | None = None  # the lines in the input plane, (lines, points, input_dim)
    step_log: tuple = ()  # recent StepStats when per-step recording is on

    @property
    def diverged(self) -> bool:
        return self.status == "diverged"

    def series(self, key: str) -> Array:
        return self.history[key]


def history_arrays(initial: EpochStats, rows: list[EpochStats]) -> dict[str, Array]:
    """Per-epoch history as float arrays, the initial evaluation first (epoch 0).

    Scalar series are 1-D; the per-layer ones (``LAYER_KEYS``, prefixed ``layer_``)
    are (epochs + 1, n_layers).
    """
    allrows = [initial, *rows]
    out = {k: np.array([getattr(r, k) for r in allrows], dtype=float) for k in HISTORY_KEYS}
    n_layers = len(initial.layers)
    for k in LAYER_KEYS:
        out[f"layer_{k}"] = np.array(
            [[getattr(layer, k) for layer in r.layers] for r in allrows], dtype=float
        ).reshape(len(allrows), n_layers)
    return out


def take_snapshot(
    trainer: Trainer,
    grid_resolution: int = 100,
    with_grid: bool = True,
    with_trajectory: bool = True,
    history_cache: dict[str, Array] | None = None,
    with_layers: bool = False,
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
    extras = _layer_extras(trainer) if with_layers else {}
    return Snapshot(
        epoch=trainer.epoch,
        step=trainer.step,
        status=trainer.status,
        message=trainer.message,
        lr=trainer.lr,
        sizes=tuple(net.sizes),
        activations=tuple(a.name for a in net.activations),
        leaky_slope=trainer.scenario.model.leaky_slope,
        elu_alpha=trainer.scenario.model.elu_alpha,
        l1=trainer.scenario.training.l1,
        l2=trainer.scenario.training.l2,
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
        step_log=tuple(trainer.step_log)[-2000:],
        **extras,
    )


def input_grid_lines(extent, input_dim: int) -> Array:
    """Horizontal and vertical lines across the input plane, (lines, points, input_dim)."""
    xs = np.linspace(extent[0], extent[1], GRID_LINE_POINTS)
    if input_dim == 1:
        return xs[None, :, None]
    ys = np.linspace(extent[2], extent[3], GRID_LINE_POINTS)
    at_x = np.linspace(extent[0], extent[1], GRID_LINES)
    at_y = np.linspace(extent[2], extent[3], GRID_LINES)
    horizontal = np.stack([np.column_stack([xs, np.full_like(xs, y)]) for y in at_y])
    vertical = np.stack([np.column_stack([np.full_like(ys, x), ys]) for x in at_x])
    return np.concatenate([horizontal, vertical])


def _layer_extras(trainer: Trainer) -> dict:
    """Activations over the training set, the last batch, and the warped input grid."""
    from nnviz.data import transform_features

    ds = trainer.dataset
    outputs, pre = trainer.layer_outputs(with_preactivations=True)
    lines = input_grid_lines(ds.extent, ds.input_dim)
    flat = lines.reshape(-1, lines.shape[-1])
    mapped = trainer.layer_outputs(transform_features(flat, ds.features))
    shape = lines.shape[:2]
    return {
        "layer_outputs": tuple(outputs),
        "preactivations": tuple(pre),
        "batch_outputs": tuple(trainer.batch_outputs()),
        "grid_lines": tuple(m.reshape(*shape, m.shape[-1]) for m in mapped),
        "grid_lines_input": lines,
    }


def _history(trainer: Trainer, cache: dict[str, Array] | None) -> dict[str, Array]:
    rows = trainer.history
    n_have = 0 if cache is None else len(cache["epoch"]) - 1
    if cache is None or n_have > len(rows) or (n_have and cache["step"][-1] != rows[n_have - 1].step):
        return history_arrays(trainer.initial_stats, rows)
    if n_have == len(rows):
        return cache
    extra = history_arrays(trainer.initial_stats, rows[n_have:])
    return {k: np.concatenate([cache[k], extra[k][1:]]) for k in cache}


def network_from_snapshot(snapshot: Snapshot) -> Network:
    """A new Network with the snapshot's architecture and parameters.

    Lets another thread (the loss-surface service) evaluate the model without touching
    the worker's trainer.
    """
    head = make_head(snapshot.output, snapshot.loss, snapshot.task, snapshot.n_classes)
    acts = [get_activation(n, snapshot.leaky_slope, snapshot.elu_alpha) for n in snapshot.activations]
    net = Network(list(snapshot.sizes), acts, head)
    net.set_theta(snapshot.theta)
    return net
