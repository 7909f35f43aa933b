"""Saved sessions: a whole training run in one file, resumable bit for bit.

Format (documented in docs/sessions.md). A ``.nnviz`` file is a zip archive with

* ``scenario.toml`` — the scenario, with every live change made during the run;
* ``state.json`` — counters, random-generator states, early-stopping state, the
  per-epoch history, and an ``extra`` object the GUI fills (panel layout…);
* ``arrays.npz`` — parameters, optimiser state, trajectory, the epoch's shuffle order
  and the data actually trained on (so points added by clicking survive).

Nothing is pickled: arrays load with ``allow_pickle=False`` and the rest is TOML and
JSON. Files are written atomically (temp file, fsync, rename). Loading validates every
piece before it builds anything, so a corrupt, truncated or hostile file raises
``SessionError`` with a clear message and changes nothing.
"""

from __future__ import annotations

import dataclasses
import io
import json
import math
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from nnviz.atomicfile import atomic_write
from nnviz.engine.config import Scenario
from nnviz.engine.stats import EpochStats, LayerStats
from nnviz.engine.trainer import DIVERGED, READY, STOPPED_EARLY, EngineError, Trainer

FORMAT = "nnviz-session"
VERSION = 1
SUFFIX = ".nnviz"
#: Refuse archives whose members would unpack to more than this (zip bombs).
MAX_UNPACKED_BYTES = 512 * 1024 * 1024
_MEMBERS = ("scenario.toml", "state.json", "arrays.npz")


class SessionError(ValueError):
    """A session file that cannot be read or written; the message is for a person."""


# ------------------------------------------------------------------------------ saving --
def session_bytes(trainer: Trainer, extra: dict[str, Any] | None = None) -> bytes:
    """The session archive for ``trainer`` as bytes."""
    from nnviz.scenario import dumps_scenario

    arrays = _arrays(trainer)
    state = _state(trainer, extra or {})
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("scenario.toml", dumps_scenario(trainer.scenario))
        archive.writestr("state.json", json.dumps(state, indent=1))
        npz = io.BytesIO()
        np.savez(npz, **arrays)
        archive.writestr("arrays.npz", npz.getvalue())
    return buffer.getvalue()


def save_session(trainer: Trainer, path: str | Path, extra: dict[str, Any] | None = None) -> Path:
    """Write the session atomically (see nnviz.atomicfile); returns the path written."""
    path = Path(path)
    try:
        atomic_write(path, session_bytes(trainer, extra))
    except OSError as exc:
        raise SessionError(f"cannot write {path}: {exc.strerror or exc}") from None
    return path


def _arrays(trainer: Trainer) -> dict[str, np.ndarray]:
    ds = trainer.dataset
    out = {
        "theta": trainer.net.theta,
        "initial_theta": trainer.initial_theta,
        "grad": trainer.grad,
        "last_update": trainer.last_update,
        "trajectory_points": trainer.trajectory.points,
        "trajectory_steps": trainer.trajectory.steps,
        "perm": trainer._perm if getattr(trainer, "_perm", None) is not None else np.arange(0),
        "points_train": ds.points_train, "points_test": ds.points_test,
        "y_train": ds.y_train, "y_test": ds.y_test,
        "X_train": ds.X_train, "X_test": ds.X_test,
    }
    if trainer._best_theta is not None:
        out["best_theta"] = trainer._best_theta
    for name, value in trainer.optimizer.state_arrays().items():
        out[f"opt_{name}"] = value
    return {k: np.asarray(v) for k, v in out.items()}


def _state(trainer: Trainer, extra: dict[str, Any]) -> dict[str, Any]:
    ds = trainer.dataset
    return {
        "format": FORMAT,
        "version": VERSION,
        "epoch": trainer.epoch,
        "step": trainer.step,
        "cursor": trainer._cursor,
        "status": trainer.status,
        "message": trainer.message,
        "optimizer": {"name": trainer.optimizer.name, "t": trainer.optimizer.t},
        "rng": {
            "shuffle": trainer._shuffle_rng.bit_generator.state,
            "dropout": trainer._dropout_rng.bit_generator.state,
        },
        "trajectory_every": trainer.trajectory.every,
        "early_stopping": {
            "best_loss": trainer._best_loss,
            "wait": trainer._wait,
            "best_epoch": getattr(trainer, "_best_epoch", 0),
        },
        "dataset": {
            "name": ds.name, "task": ds.task, "n_classes": ds.n_classes,
            "input_dim": ds.input_dim, "features": list(ds.features), "extent": list(ds.extent),
        },
        "initial_stats": dataclasses.asdict(trainer.initial_stats),
        "current_stats": dataclasses.asdict(trainer.current_stats),
        "history": [dataclasses.asdict(row) for row in trainer.history],
        "extra": extra,
    }


# ----------------------------------------------------------------------------- loading --
def load_session(path: str | Path) -> tuple[Trainer, dict[str, Any]]:
    """Read a session file; returns a trainer ready to continue, and the ``extra`` data."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise SessionError(f"session file not found: {path}") from None
    except OSError as exc:
        raise SessionError(f"cannot read {path}: {exc.strerror or exc}") from None
    try:
        return session_from_bytes(data)
    except SessionError as exc:
        raise SessionError(f"{path.name}: {exc}") from None


def session_from_bytes(data: bytes) -> tuple[Trainer, dict[str, Any]]:
    scenario_text, state, arrays = _unpack(data)
    try:
        return _restore(scenario_text, state, arrays)
    except SessionError:
        raise
    except (EngineError, KeyError, TypeError, ValueError, IndexError) as exc:
        raise SessionError(f"the session is inconsistent ({type(exc).__name__}: {exc})") from None


def _unpack(data: bytes) -> tuple[str, dict[str, Any], dict[str, np.ndarray]]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise SessionError("not an nnviz session (not a zip archive, or truncated)") from None
    with archive:
        infos = {info.filename: info for info in archive.infolist()}
        missing = [m for m in _MEMBERS if m not in infos]
        if missing:
            raise SessionError(f"not an nnviz session: missing {', '.join(missing)}")
        if sum(infos[m].file_size for m in _MEMBERS) > MAX_UNPACKED_BYTES:
            raise SessionError("the session unpacks to more than 512 MiB; refusing to read it")
        try:
            raw = {m: archive.read(m) for m in _MEMBERS}
        except (zipfile.BadZipFile, OSError, EOFError) as exc:
            raise SessionError(f"the archive is damaged ({exc})") from None
    try:
        scenario_text = raw["scenario.toml"].decode("utf-8")
        state = json.loads(raw["state.json"].decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SessionError(f"damaged state or scenario ({exc})") from None
    if not isinstance(state, dict) or state.get("format") != FORMAT:
        raise SessionError("not an nnviz session (wrong format marker)")
    if state.get("version") != VERSION:
        version = state.get("version")
        raise SessionError(f"session format version {version!r} is not supported (this is {VERSION})")
    try:
        with np.load(io.BytesIO(raw["arrays.npz"]), allow_pickle=False) as npz:
            arrays = {k: npz[k] for k in npz.files}
    except (ValueError, OSError, zipfile.BadZipFile, EOFError) as exc:
        raise SessionError(f"damaged arrays ({exc})") from None
    for key, value in arrays.items():
        if value.dtype.kind not in "biuf":
            raise SessionError(f"array '{key}' has an unexpected type {value.dtype}")
    return scenario_text, state, arrays


def _restore(scenario_text: str, state: dict[str, Any], arrays: dict[str, np.ndarray]):
    from nnviz.data import DataError, Dataset
    from nnviz.scenario import ScenarioError, parse_scenario

    try:
        scenario: Scenario = parse_scenario(scenario_text, source="scenario.toml")
    except ScenarioError as exc:
        raise SessionError(f"its scenario is invalid: {exc}") from None
    meta = state["dataset"]
    try:
        dataset = Dataset(
            name=str(meta["name"]), task=str(meta["task"]), n_classes=int(meta["n_classes"]),
            input_dim=int(meta["input_dim"]),
            points_train=arrays["points_train"], points_test=arrays["points_test"],
            y_train=arrays["y_train"], y_test=arrays["y_test"],
            features=tuple(str(f) for f in meta["features"]),
            X_train=arrays["X_train"], X_test=arrays["X_test"],
            extent=tuple(float(v) for v in meta["extent"]),
        )
    except DataError as exc:
        raise SessionError(f"its data is invalid: {exc}") from None
    trainer = Trainer(scenario, dataset)
    net = trainer.net
    p = net.n_params
    for key in ("theta", "initial_theta", "grad", "last_update"):
        if arrays[key].shape != (p,):
            raise SessionError(f"'{key}' has shape {arrays[key].shape}, the network needs ({p},)")
    if not np.all(np.isfinite(arrays["theta"])):
        raise SessionError("its parameters are not all finite")
    if trainer.optimizer.name != state["optimizer"]["name"]:
        raise SessionError("its optimiser state does not match its scenario")
    opt_arrays = {k[4:]: v for k, v in arrays.items() if k.startswith("opt_")}
    for name, value in opt_arrays.items():
        if value.shape != (p,):
            raise SessionError(f"optimiser state '{name}' has the wrong shape {value.shape}")
    epoch, step, cursor = int(state["epoch"]), int(state["step"]), int(state["cursor"])
    if not (0 <= cursor < max(1, trainer.n_train)) or epoch < 0 or step < 0:
        raise SessionError("its counters are out of range")
    perm = arrays["perm"].astype(np.int64)
    if cursor and perm.size and sorted(perm.tolist()) != list(range(trainer.n_train)):
        raise SessionError("its shuffle order is not a permutation of the training set")
    points, steps = arrays["trajectory_points"], arrays["trajectory_steps"]
    if points.ndim != 2 or points.shape[1] != p or len(steps) != len(points):
        raise SessionError("its trajectory does not match the network")
    if len(points) > trainer.trajectory.capacity:
        raise SessionError("its trajectory is longer than the scenario allows")
    status = state["status"]
    if status not in (READY, DIVERGED, STOPPED_EARLY):
        raise SessionError(f"unknown status {status!r}")

    # Everything checked: now restore.
    net.set_theta(arrays["theta"])
    trainer._last_good_theta = arrays["theta"].astype(np.float64).copy()
    trainer._best_train_loss = min([math.inf] + [float(r["loss_train"]) for r in state["history"]
                                                  if math.isfinite(float(r["loss_train"]))])
    trainer.initial_theta = arrays["initial_theta"].astype(np.float64)
    trainer.grad[...] = arrays["grad"]
    trainer.last_update[...] = arrays["last_update"]
    trainer.optimizer.load_state(int(state["optimizer"]["t"]), opt_arrays)
    trainer._shuffle_rng.bit_generator.state = state["rng"]["shuffle"]
    trainer._dropout_rng.bit_generator.state = state["rng"]["dropout"]
    trainer.epoch, trainer.step, trainer._cursor = epoch, step, cursor
    if perm.size:
        trainer._perm = perm
        trainer._x_epoch = trainer._xt_train.take(perm, axis=1)
        trainer._t_epoch = trainer._tt_train.take(perm, axis=1)
    recorder = trainer.trajectory
    recorder.clear()
    recorder.every = int(state["trajectory_every"])
    recorder._points[: len(points)] = points
    recorder._steps[: len(steps)] = steps
    recorder._count = len(points)
    es = state["early_stopping"]
    trainer._best_loss = float(es["best_loss"]) if es["best_loss"] is not None else math.inf
    trainer._wait = int(es["wait"])
    trainer._best_epoch = int(es["best_epoch"])
    trainer._best_theta = arrays["best_theta"].copy() if "best_theta" in arrays else None
    trainer.initial_stats = _stats(state["initial_stats"])
    trainer.current_stats = _stats(state["current_stats"])
    trainer.history = [_stats(row) for row in state["history"]]
    trainer.status, trainer.message = status, str(state["message"])
    extra = state.get("extra") or {}
    if not isinstance(extra, dict):
        raise SessionError("its 'extra' data is not an object")
    return trainer, extra


def _stats(row: dict[str, Any]) -> EpochStats:
    layers = tuple(LayerStats(**layer) for layer in row["layers"])
    fields = {k: v for k, v in row.items() if k != "layers"}
    return EpochStats(layers=layers, **fields)
