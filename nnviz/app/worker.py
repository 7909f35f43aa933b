"""The training thread: a ``TrainingWorker`` that owns the ``Trainer``, and the GUI-side
``TrainingSession`` that starts it, sends it commands and stops it.

Protocol
--------
* The worker is a parentless ``QObject`` moved to its own ``QThread``. It builds the
  ``Trainer`` in ``start()`` (run by ``QThread.started``), so the trainer is created and
  only ever touched on the worker thread.
* GUI → worker: only queued signals of ``TrainingSession`` (play, pause, step_batch,
  step_epoch, reset, rebuild(scenario), set_live(key, value), set_param, add_point,
  set_speed, ack). Rebuilds are coalesced: only the latest pending scenario is built.
* Worker → GUI: ``snapshotReady(Snapshot)``, ``statusChanged(str)``, ``error(str)`` and
  ``configRejected(Scenario)`` (the configuration still in force after a refused change,
  so the controls can show the truth again).
* Training is never a blocking loop inside a slot: a ``QTimer`` on the worker thread runs a
  time-boxed chunk of epochs (or batches) per tick and returns to the event loop, so
  commands arrive between chunks.
* Coalescing: at most one snapshot is in flight. The worker emits the next one only after
  the GUI has acknowledged the last (``ack``, sent once it has drawn it) and at most
  ``max_fps`` times a second. A changed state is never lost: it is emitted as soon as the
  pending acknowledgement arrives.
* The GIL: both threads run Python, so a full-speed NumPy loop could starve the GUI. We
  (1) lower the interpreter's switch interval to 1 ms, (2) run chunks of a few ms and
  leave a short gap between them, and (3) let the GUI raise a "busy" flag while it draws:
  the worker checks it between epochs and blocks (without the GIL) until the GUI is done.
"""

from __future__ import annotations

import copy
import dataclasses
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

import numpy as np
from PySide6.QtCore import QObject, Qt, QThread, QTimer, Signal, Slot

from nnviz.data import DataError
from nnviz.engine.config import EarlyStoppingConfig, Scenario, ScheduleConfig
from nnviz.engine.snapshot import Snapshot, take_snapshot
from nnviz.engine.trainer import DIVERGED, READY, STOPPED_EARLY, EngineError, Trainer

#: The settings that apply to a running trainer without a reset.
LIVE_KEYS = (
    "lr", "optimizer", "optimizer_params", "schedule", "l1", "l2", "dropout",
    "batch_size", "shuffle", "early_stopping",
)

#: Status strings sent by ``statusChanged`` (the trainer's own plus the worker's two).
RUNNING, PAUSED = "running", "paused"

#: Interpreter switch interval while a worker runs (the default is 5 ms).
SWITCH_INTERVAL = 0.001


@dataclasses.dataclass(frozen=True)
class Speed:
    """How fast training runs: ``rate`` units ("step" or "epoch") a second, or as fast
    as possible when ``rate`` is None."""

    unit: str = "epoch"
    rate: float | None = None
    label: str = "as fast as possible"

    @property
    def is_max(self) -> bool:
        return self.rate is None


#: The speed presets the toolbar offers, slowest first.
SPEEDS: tuple[Speed, ...] = (
    Speed("step", 1.0, "1 step / s"),
    Speed("step", 5.0, "5 steps / s"),
    Speed("step", 20.0, "20 steps / s"),
    Speed("epoch", 1.0, "1 epoch / s"),
    Speed("epoch", 5.0, "5 epochs / s"),
    Speed("epoch", 20.0, "20 epochs / s"),
    Speed("epoch", 100.0, "100 epochs / s"),
    Speed("epoch", None, "as fast as possible"),
)


def protect_none_refcount() -> None:
    """Work around a reference-count bug of PySide6 6.12.0 on Python < 3.12.

    There every call of a ``void`` Qt method (``QPainter.setPen``, ``QLabel.setText``…)
    releases one reference to ``None`` that it never took, and every signal ``emit``
    one to ``True``, so after some ten thousand calls (a few seconds of drawing) the
    interpreter aborts with "Fatal Python error: none_dealloc" (or bool_dealloc).
    6.11.3 does not do this, and from Python 3.12 on these objects are immortal, so the
    bug is harmless there. We give the three singletons a huge number of extra
    references once (2**40: centuries of drawing), which costs no memory. Idempotent.
    """
    global _NONE_PROTECTED
    import PySide6

    if _NONE_PROTECTED or sys.version_info >= (3, 12) or not PySide6.__version__.startswith("6.12.0"):
        return
    import ctypes

    for obj in (None, True, False):
        if sys.getrefcount(obj) < (1 << 39):
            ctypes.c_ssize_t.from_address(id(obj)).value += 1 << 40
    _NONE_PROTECTED = True


_NONE_PROTECTED = False


class BusyFlag:
    """Set by the GUI while it draws a frame; the worker waits (without the GIL) until it
    is cleared. Two events, so the worker blocks on "idle" instead of polling "busy"
    (polling would take the GIL from the drawing thread every time it wakes)."""

    def __init__(self) -> None:
        self._busy = threading.Event()
        self._idle = threading.Event()
        self._idle.set()

    def set(self) -> None:
        self._idle.clear()
        self._busy.set()

    def clear(self) -> None:
        self._busy.clear()
        self._idle.set()

    def is_set(self) -> bool:
        return self._busy.is_set()

    def wait_idle(self, timeout: float) -> bool:
        """Block until the GUI is idle (or ``timeout``); True if it is."""
        return self._idle.wait(timeout)


class _Call:
    """A function to run on the worker thread, with a slot for its result."""

    def __init__(self, fn: Callable[[Trainer], Any]):
        self.fn = fn
        self.result: Any = None
        self.exc: BaseException | None = None
        self.done = threading.Event()


class TrainingWorker(QObject):
    """Owns the ``Trainer``; lives on its own thread. Create it with no parent."""

    snapshotReady = Signal(object)
    statusChanged = Signal(str)
    error = Signal(str)
    configRejected = Signal(object)
    finished = Signal()

    def __init__(
        self,
        scenario: Scenario,
        *,
        max_fps: float = 30.0,
        chunk_ms: float = 8.0,
        gap_ms: int = 1,
        grid_resolution: int = 100,
        gui_busy: BusyFlag | None = None,
    ):
        super().__init__(None)
        self._initial = copy.deepcopy(scenario)
        self.trainer: Trainer | None = None
        self.max_fps = float(max_fps)
        self.chunk_s = chunk_ms / 1000.0
        self.gap_ms = int(gap_ms)
        self.grid_resolution = int(grid_resolution)
        self.with_trajectory = False
        self.with_layers = False
        self.gui_busy = gui_busy if gui_busy is not None else BusyFlag()
        self.speed = SPEEDS[-1]
        self.playing = False
        self._status = ""
        self._timer: QTimer | None = None
        self._flush: QTimer | None = None
        self._rebuild_timer: QTimer | None = None
        self._pending_rebuild: Scenario | None = None
        self._awaiting_ack = False
        self._last_emit = 0.0
        self._dirty = True
        self._history_cache = None
        self._tokens = 0.0
        self._last_tick = 0.0
        self._epoch_cost = 0.0  # running estimate of one epoch's seconds
        self._closed = False
        # counters for the benchmark
        self.snapshots_sent = 0
        self.train_seconds = 0.0

    # --------------------------------------------------------------- lifecycle -------
    @Slot()
    def start(self) -> None:
        """Build the trainer and the timers; runs on the worker thread."""
        self._timer = QTimer(self)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.timeout.connect(self._tick)
        self._flush = QTimer(self)
        self._flush.setSingleShot(True)
        self._flush.timeout.connect(self._maybe_emit)
        self._rebuild_timer = QTimer(self)
        self._rebuild_timer.setSingleShot(True)
        self._rebuild_timer.setInterval(0)
        self._rebuild_timer.timeout.connect(self._do_rebuild)
        try:
            self.trainer = Trainer(self._initial)
        except (EngineError, DataError, ValueError) as exc:
            self.error.emit(str(exc))
            try:
                self.trainer = Trainer(Scenario())
            except Exception as exc2:  # pragma: no cover - the default always builds
                self.error.emit(f"cannot build the default experiment: {exc2}")
                return
            self.configRejected.emit(copy.deepcopy(self.trainer.scenario))
        self._changed(force=True)

    @Slot()
    def shutdown(self) -> None:
        """Stop the timers and quit the thread's event loop (on the worker thread)."""
        self._closed = True
        self.playing = False
        for timer in (self._timer, self._flush, self._rebuild_timer):
            if timer is not None:
                timer.stop()
        self.finished.emit()
        thread = self.thread()
        if thread is not None:
            thread.quit()

    # ---------------------------------------------------------------- commands --------
    @Slot()
    def play(self) -> None:
        if self.trainer is None or self._closed:
            return
        if not self.trainer.can_train:
            self._update_status(force=True)
            self._changed(force=True)
            return
        self.playing = True
        self._last_tick = time.perf_counter()
        self._tokens = 1.0 if not self.speed.is_max else 0.0  # a slow run starts at once
        self._arm_timer()
        self._update_status(force=True)

    @Slot()
    def pause(self) -> None:
        self.playing = False
        if self._timer is not None:
            self._timer.stop()
        self._update_status(force=True)
        self._changed(force=True)

    @Slot()
    def step_batch(self) -> None:
        if self.trainer is None or self.playing:
            return
        self._guard(self.trainer.step_batch)
        self._changed(force=True)

    @Slot()
    def step_epoch(self) -> None:
        if self.trainer is None or self.playing:
            return
        self._guard(self.trainer.run_epoch)
        self._changed(force=True)

    @Slot()
    def reset(self) -> None:
        """Back to epoch 0 with the same initial weights; pauses (as Playground does)."""
        if self.trainer is None:
            return
        self.playing = False
        if self._timer is not None:
            self._timer.stop()
        self._guard(self.trainer.reset)
        self._history_cache = None
        self._changed(force=True)

    @Slot(object)
    def rebuild(self, scenario: Scenario) -> None:
        """Build a new network/data from ``scenario`` (coalesced: the latest wins)."""
        self._pending_rebuild = copy.deepcopy(scenario)
        if self._rebuild_timer is not None:
            self._rebuild_timer.start()

    def _do_rebuild(self) -> None:
        scenario, self._pending_rebuild = self._pending_rebuild, None
        if scenario is None or self._closed:
            return
        try:
            trainer = Trainer(scenario)
        except (EngineError, DataError, ValueError) as exc:
            self.error.emit(str(exc))
            if self.trainer is not None:
                self.configRejected.emit(copy.deepcopy(self.trainer.scenario))
            return
        self.trainer = trainer
        self._history_cache = None
        self._epoch_cost = 0.0
        if self.playing:
            self._arm_timer()
        self._changed(force=True)

    @Slot(str, object)
    def set_live(self, key: str, value: object) -> None:
        """Apply a setting that needs no reset (see ``LIVE_KEYS``)."""
        tr = self.trainer
        if tr is None:
            return
        try:
            if key == "lr":
                tr.set_lr(float(value))  # type: ignore[arg-type]
                self._clear_divergence()
            elif key == "optimizer":
                params = dict(value)  # type: ignore[call-overload]
                name = params.pop("name")
                tr.set_optimizer(name, **params)
                self._clear_divergence()
            elif key == "optimizer_params":
                tr.set_optimizer_params(**dict(value))  # type: ignore[call-overload]
            elif key == "schedule":
                if not isinstance(value, ScheduleConfig):
                    raise EngineError("schedule must be a ScheduleConfig")
                tr.set_schedule(value)
            elif key == "l1":
                tr.set_regularisation(l1=float(value))  # type: ignore[arg-type]
            elif key == "l2":
                tr.set_regularisation(l2=float(value))  # type: ignore[arg-type]
            elif key == "dropout":
                tr.set_dropout(value)  # type: ignore[arg-type]
            elif key == "batch_size":
                tr.set_batch_size(value)  # type: ignore[arg-type]
            elif key == "shuffle":
                tr.set_shuffle(bool(value))
            elif key == "early_stopping":
                if not isinstance(value, EarlyStoppingConfig):
                    raise EngineError("early stopping must be an EarlyStoppingConfig")
                # The trainer reads this config at the end of every epoch.
                tr.scenario.training.early_stopping = copy.deepcopy(value)
                if tr.status == STOPPED_EARLY:
                    tr.status, tr.message = READY, ""
                    tr._wait = 0
            else:
                raise EngineError(f"unknown live setting {key!r}")
        except (EngineError, DataError, ValueError, TypeError) as exc:
            self.error.emit(str(exc))
            self.configRejected.emit(copy.deepcopy(tr.scenario))
            return
        self._changed(force=not self.playing)

    def _clear_divergence(self) -> None:
        """After a diverged run, a new learning rate or optimiser may train on from the
        last finite weights (the optimiser state was already reset)."""
        tr = self.trainer
        if tr is not None and tr.status == DIVERGED:
            tr.status, tr.message = READY, ""
            self._update_status()

    @Slot(int, float)
    def set_param(self, index: int, value: float) -> None:
        if self.trainer is None:
            return
        self._guard(lambda: self.trainer.set_param(int(index), float(value)))
        self._changed(force=True)

    @Slot(float, float, int)
    def add_point(self, x: float, y: float, label: int) -> None:
        tr = self.trainer
        if tr is None:
            return
        try:
            ds = tr.dataset
            new = ds.with_point((x,), y) if ds.input_dim == 1 else ds.with_point((x, y), label)
            tr.replace_dataset(new)
        except (EngineError, DataError, ValueError) as exc:
            self.error.emit(str(exc))
            return
        self._changed(force=True)

    @Slot(object)
    def set_speed(self, speed: Speed) -> None:
        self.speed = speed
        self._tokens = 0.0
        self._last_tick = time.perf_counter()
        if self.playing:
            self._arm_timer()

    @Slot(bool)
    def set_with_trajectory(self, on: bool) -> None:
        self.with_trajectory = bool(on)

    @Slot(bool)
    def set_with_layers(self, on: bool) -> None:
        """Include activations and the warped grid in snapshots (teaching panels)."""
        self.with_layers = bool(on)
        self._changed(force=True)

    @Slot(object)
    def replace_trainer(self, trainer: object) -> None:
        """Continue with another trainer (a loaded session); it is this thread's from now on."""
        self.playing = False
        if self._timer is not None:
            self._timer.stop()
        self.trainer = trainer  # type: ignore[assignment]
        self._history_cache = None
        self._epoch_cost = 0.0
        self._update_status(force=True)
        self._changed(force=True)

    @Slot(object)
    def restart_from(self, theta: object) -> None:
        """Reset to epoch 0 starting from ``theta`` (a dragged start point); keeps playing."""
        if self.trainer is None:
            return
        self._guard(lambda: self.trainer.reset(np.asarray(theta, dtype=float)))
        self._history_cache = None
        self._update_status()
        self._changed(force=True)

    @Slot()
    def ack(self) -> None:
        """The GUI has drawn the last snapshot: the next may be sent."""
        self._awaiting_ack = False
        if self._dirty and not self.playing:
            self._maybe_emit()

    @Slot(object)
    def run_call(self, call: _Call) -> None:
        """Run ``call.fn(trainer)`` here, on the worker thread (used by tests and tools)."""
        try:
            call.result = call.fn(self.trainer)
        except BaseException as exc:  # noqa: BLE001 - handed back to the caller
            call.exc = exc
        finally:
            call.done.set()

    # ---------------------------------------------------------------- training --------
    def _arm_timer(self) -> None:
        if self._timer is None:
            return
        if self.speed.is_max:
            interval = self.gap_ms
        else:
            per_unit = 1000.0 / max(self.speed.rate or 1.0, 1e-3)
            interval = int(max(1.0, min(per_unit, 1000.0 / self.max_fps)))
        self._timer.start(interval)

    def _tick(self) -> None:
        tr = self.trainer
        if not self.playing or tr is None or self._closed:
            if self._timer is not None:
                self._timer.stop()
            return
        # Let the GUI draw undisturbed: wait (without the GIL) while it is busy.
        if self.gui_busy.is_set():
            self.gui_busy.wait_idle(0.05)
        now = time.perf_counter()
        try:
            if self.speed.is_max:
                self._run_for(now + self.chunk_s)
            else:
                self._tokens = min(self._tokens + (now - self._last_tick) * self.speed.rate,
                                   max(1.0, self.speed.rate * 0.25))
                units = int(self._tokens)
                if units:
                    self._tokens -= units
                    self._run_units(units, now + self.chunk_s)
        except (EngineError, DataError, ValueError) as exc:
            self.playing = False
            self.error.emit(str(exc))
        self._last_tick = now
        self.train_seconds += time.perf_counter() - now
        if not tr.can_train:
            self.playing = False
            self._timer.stop()
            self._update_status()
            self._changed(force=True)
            return
        self._changed(force=not self.speed.is_max and self.speed.unit == "step"
                      and (self.speed.rate or 0) <= 5)

    def _run_for(self, deadline: float) -> None:
        """Train until ``deadline``, whole epochs when they are cheap, else batches."""
        tr = self.trainer
        busy = self.gui_busy
        clock = time.perf_counter
        while True:
            if self._epoch_cost < self.chunk_s * 0.5:
                t0 = clock()
                tr.run_epoch()
                cost = clock() - t0
                self._epoch_cost = cost if not self._epoch_cost else 0.8 * self._epoch_cost + 0.2 * cost
            else:
                for _ in range(16):
                    if tr.step_batch():
                        break
                    if clock() >= deadline or busy.is_set():
                        break
                # re-estimate the epoch cost from time to time
                if tr._cursor == 0:
                    self._epoch_cost *= 0.9
            if not tr.can_train or clock() >= deadline or busy.is_set():
                return

    def _run_units(self, units: int, deadline: float) -> None:
        tr = self.trainer
        run = tr.step_batch if self.speed.unit == "step" else tr.run_epoch
        for _ in range(units):
            run()
            if not tr.can_train or time.perf_counter() >= deadline:
                return

    def _guard(self, fn: Callable[[], object]) -> None:
        try:
            fn()
        except (EngineError, DataError, ValueError) as exc:
            self.error.emit(str(exc))
        self._update_status()

    # ---------------------------------------------------------------- snapshots -------
    def _changed(self, force: bool = False) -> None:
        self._dirty = True
        self._maybe_emit(force)
        self._update_status()

    @Slot()
    def _maybe_emit(self, force: bool = False) -> None:
        if not self._dirty or self.trainer is None or self._closed:
            return
        now = time.perf_counter()
        if self._awaiting_ack and now - self._last_emit < 1.0:
            return  # the ack will call us again
        wait = self._last_emit + 1.0 / self.max_fps - now
        if wait > 0 and not force:
            if not self.playing and self._flush is not None and not self._flush.isActive():
                self._flush.start(int(wait * 1000) + 1)
            return
        snap = self.snapshot()
        self._dirty = False
        self._awaiting_ack = True
        self._last_emit = now
        self.snapshots_sent += 1
        self.snapshotReady.emit(snap)

    def snapshot(self) -> Snapshot:
        """A fresh snapshot of the trainer (on the worker thread)."""
        tr = self.trainer
        snap = take_snapshot(
            tr, grid_resolution=self.grid_resolution, with_trajectory=self.with_trajectory,
            history_cache=self._history_cache, with_layers=self.with_layers,
        )
        self._history_cache = snap.history
        if self.playing and snap.status == READY:
            snap = dataclasses.replace(snap, status=RUNNING)
        return snap

    def _update_status(self, force: bool = False) -> None:
        tr = self.trainer
        if tr is None:
            return
        if tr.status in (DIVERGED, STOPPED_EARLY):
            status = tr.status
        elif self.playing:
            status = RUNNING
        elif tr.epoch == 0 and tr.step == 0:
            status = READY
        else:
            status = PAUSED
        if status != self._status or force:
            self._status = status
            self.statusChanged.emit(status)


class TrainingSession(QObject):
    """The GUI thread's handle on the worker: commands out, results in.

    Every command is a signal connected to a worker slot; since the worker lives on
    another thread, Qt queues each call there. Never call worker methods directly.
    """

    snapshotReady = Signal(object)
    statusChanged = Signal(str)
    error = Signal(str)
    configRejected = Signal(object)

    _play = Signal()
    _pause = Signal()
    _step_batch = Signal()
    _step_epoch = Signal()
    _reset = Signal()
    _rebuild = Signal(object)
    _set_live = Signal(str, object)
    _set_param = Signal(int, float)
    _add_point = Signal(float, float, int)
    _set_speed = Signal(object)
    _set_traj = Signal(bool)
    _set_layers = Signal(bool)
    _restart_from = Signal(object)
    _replace_trainer = Signal(object)
    _ack = Signal()
    _call = Signal(object)
    _shutdown = Signal()

    def __init__(self, scenario: Scenario, parent: QObject | None = None, **worker_options):
        super().__init__(parent)
        protect_none_refcount()
        if sys.getswitchinterval() > SWITCH_INTERVAL:
            sys.setswitchinterval(SWITCH_INTERVAL)
        self.gui_busy = BusyFlag()
        self.thread = QThread()
        self.thread.setObjectName("nnviz-training")
        self.worker = TrainingWorker(scenario, gui_busy=self.gui_busy, **worker_options)
        self.worker.moveToThread(self.thread)
        w = self.worker
        self.thread.started.connect(w.start)
        self.thread.finished.connect(w.deleteLater)
        for sig, slot in (
            (self._play, w.play), (self._pause, w.pause), (self._step_batch, w.step_batch),
            (self._step_epoch, w.step_epoch), (self._reset, w.reset), (self._rebuild, w.rebuild),
            (self._set_live, w.set_live), (self._set_param, w.set_param),
            (self._add_point, w.add_point), (self._set_speed, w.set_speed),
            (self._set_traj, w.set_with_trajectory), (self._ack, w.ack),
            (self._set_layers, w.set_with_layers), (self._restart_from, w.restart_from),
            (self._replace_trainer, w.replace_trainer),
            (self._call, w.run_call), (self._shutdown, w.shutdown),
        ):
            sig.connect(slot, Qt.ConnectionType.QueuedConnection)
        w.snapshotReady.connect(self._on_snapshot, Qt.ConnectionType.QueuedConnection)
        w.statusChanged.connect(self.statusChanged, Qt.ConnectionType.QueuedConnection)
        w.error.connect(self.error, Qt.ConnectionType.QueuedConnection)
        w.configRejected.connect(self.configRejected, Qt.ConnectionType.QueuedConnection)
        self.status = ""
        self.statusChanged.connect(self._remember_status)
        self.latest: Snapshot | None = None
        self._running = False

    def start(self) -> None:
        if not self._running:
            self._running = True
            self.thread.start()

    @property
    def running(self) -> bool:
        return self._running

    def _remember_status(self, status: str) -> None:
        self.status = status

    def _on_snapshot(self, snap: Snapshot) -> None:
        self.latest = snap
        self.snapshotReady.emit(snap)

    # commands (all queued to the worker thread)
    def play(self) -> None:
        self._play.emit()

    def pause(self) -> None:
        self._pause.emit()

    def step_batch(self) -> None:
        self._step_batch.emit()

    def step_epoch(self) -> None:
        self._step_epoch.emit()

    def reset(self) -> None:
        self._reset.emit()

    def rebuild(self, scenario: Scenario) -> None:
        self._rebuild.emit(copy.deepcopy(scenario))

    def set_live(self, key: str, value: object) -> None:
        if key not in LIVE_KEYS:
            raise ValueError(f"{key!r} is not a live setting")
        self._set_live.emit(key, copy.deepcopy(value))

    def set_param(self, index: int, value: float) -> None:
        self._set_param.emit(int(index), float(value))

    def add_point(self, x: float, y: float, label: int) -> None:
        self._add_point.emit(float(x), float(y), int(label))

    def set_speed(self, speed: Speed) -> None:
        self._set_speed.emit(speed)

    def set_with_trajectory(self, on: bool) -> None:
        self._set_traj.emit(bool(on))

    def set_with_layers(self, on: bool) -> None:
        self._set_layers.emit(bool(on))

    def restart_from(self, theta) -> None:
        self._restart_from.emit(np.array(theta, dtype=float))

    def replace_trainer(self, trainer: Trainer) -> None:
        """Hand a trainer built here (a loaded session) to the worker; do not touch it again."""
        self._replace_trainer.emit(trainer)

    def ack(self) -> None:
        self._ack.emit()

    def call(self, fn: Callable[[Trainer], Any], timeout: float = 10.0) -> Any:
        """Run ``fn(trainer)`` on the worker thread and return its result (blocking).

        The GUI's event loop does not run meanwhile; the worker never waits for it,
        so this cannot deadlock. Meant for tests and tools.
        """
        if not self._running or not self.thread.isRunning():
            raise RuntimeError("the training thread is not running")
        call = _Call(fn)
        self._call.emit(call)
        if not call.done.wait(timeout):
            raise TimeoutError("the training thread did not answer")
        if call.exc is not None:
            raise call.exc
        return call.result

    def shutdown(self, timeout_ms: int = 10000) -> bool:
        """Stop training and the thread; returns True when the thread has finished."""
        if not self._running:
            return True
        self._running = False
        self.gui_busy.clear()
        self._shutdown.emit()
        deadline = time.perf_counter() + timeout_ms / 1000.0
        while not self.thread.wait(20):
            if time.perf_counter() > deadline:
                self.thread.quit()
                return self.thread.wait(2000)
        return True
