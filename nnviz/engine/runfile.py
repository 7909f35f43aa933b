"""Write a finished run as an .npz archive that any NumPy user can read.

Keys: ``init_W0, init_b0, …`` and ``W0, b0, …`` (W_l of shape (fan_in, fan_out), so the
forward pass is X @ W + b), per-epoch ``loss_train`` and ``loss_test`` (index 0 is
before training), the data after feature transforms (``X_train, y_train, X_test,
y_test``), and the training targets and a few descriptive arrays. No pickled objects:
``np.load(path)`` works with the default ``allow_pickle=False``.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np

from nnviz.atomicfile import atomic_write
from nnviz.engine.snapshot import history_arrays
from nnviz.engine.trainer import Trainer


def run_arrays(trainer: Trainer) -> dict[str, np.ndarray]:
    """Every array of the run, by key."""
    net, ds = trainer.net, trainer.dataset
    out: dict[str, np.ndarray] = {}
    for layer, (W, b) in enumerate(net.param_views(trainer.initial_theta)):
        out[f"init_W{layer}"], out[f"init_b{layer}"] = W.copy(), b.copy()
    for layer, (W, b) in enumerate(net.param_views(net.theta)):
        out[f"W{layer}"], out[f"b{layer}"] = W.copy(), b.copy()
    history = history_arrays(trainer.initial_stats, trainer.history)
    for key, values in history.items():
        out[key] = values
    out["X_train"], out["y_train"] = np.asarray(ds.X_train), np.asarray(ds.y_train)
    out["X_test"], out["y_test"] = np.asarray(ds.X_test), np.asarray(ds.y_test)
    out["T_train"], out["T_test"] = trainer.T_train, trainer.T_test
    out["sizes"] = np.asarray(net.sizes, dtype=np.int64)
    out["features"] = np.asarray(ds.features, dtype=str)
    out["activations"] = np.asarray([a.name for a in net.activations] or [""], dtype=str)
    out["head"] = np.asarray([net.head.output, net.head.loss], dtype=str)
    out["status"] = np.asarray(trainer.status)
    return out


def save_run(trainer: Trainer, path: Path) -> None:
    """Write the run atomically (see nnviz.atomicfile)."""
    buffer = io.BytesIO()
    np.savez(buffer, **run_arrays(trainer))
    atomic_write(path, buffer.getvalue())
