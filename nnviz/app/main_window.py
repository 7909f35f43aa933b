"""The main window: toolbar, banner, control sidebar, one dock per registered panel.

The window never touches the ``Trainer``: it sends commands to the training thread
through ``TrainingSession`` and draws the latest ``Snapshot`` it receives, at most
``FPS`` times a second and only into visible docks. After drawing it acknowledges the
snapshot, which lets the worker send the next one (so no backlog can build up).
"""

from __future__ import annotations

import copy
import importlib
import sys
import time
import traceback

from PySide6.QtCore import QByteArray, QCoreApplication, QEvent, QObject, QSettings, Qt, QTimer
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QDockWidget,
    QFileDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QToolBar,
    QWidget,
)

from nnviz.app.controls import Banner, ControlsPanel, TrainingToolbar
from nnviz.app.panel import PANELS, Panel
from nnviz.app.settings import LAYOUT_VERSION, app_settings
from nnviz.app.worker import TrainingSession
from nnviz.engine.config import Scenario
from nnviz.engine.snapshot import Snapshot

FPS = 30.0
#: While training runs flat out, the views together may use this share of the GUI
#: thread (split evenly between the visible ones); the GIL makes the rest training time.
GUI_SHARE = 0.3
#: At most this much estimated drawing in one frame (at least one view), so the event
#: loop never stalls long; views that do not fit are drawn in the next frames.
FRAME_BUDGET_S = 0.012
DEFAULT_COST_S = 0.004
#: A view whose redraw takes longer than this is redrawn half as often while training
#: runs flat out, so long stalls stay rare (see benchmarks/bench_gui.py).
LONG_FRAME_S = 0.015
#: However expensive, a visible view is redrawn at least this often (a loss curve that
#: jumps once a second reads as frozen from the back of the hall).
MAX_INTERVAL_S = 0.4
AREAS = {
    "left": Qt.DockWidgetArea.LeftDockWidgetArea,
    "right": Qt.DockWidgetArea.RightDockWidgetArea,
    "top": Qt.DockWidgetArea.TopDockWidgetArea,
    "bottom": Qt.DockWidgetArea.BottomDockWidgetArea,
}
SHORTCUTS = (
    ("Space", "play / pause"),
    ("B", "one mini-batch (while paused)"),
    ("E", "one epoch (while paused)"),
    ("Ctrl+R", "reset to epoch 0 (same initial weights)"),
    ("Ctrl+O", "open a scenario file"),
    ("F11", "full screen"),
)


class _AfterPaint(QObject):
    """Calls back once the paints a frame caused are done.

    Widgets paint on low-priority posted events, after zero-timers and queued calls
    (pyqtgraph's scene posts its dirty-item pass as one). So: a zero-timer first (the
    scene's pass has run by then and the paint requests are queued), then a low-priority
    event of our own, which Qt delivers after the paint requests queued before it. The
    worker then stays paused, without the GIL, until the frame is really on screen.
    """

    EVENT = QEvent.Type(QEvent.registerEventType())

    def __init__(self, callback, parent: QObject):
        super().__init__(parent)
        self._callback = callback

    def arm(self) -> None:
        QCoreApplication.postEvent(self, QEvent(self.EVENT), Qt.EventPriority.LowEventPriority.value)

    def event(self, event: QEvent) -> bool:
        if event.type() == self.EVENT:
            self._callback()
            return True
        return super().event(event)


def default_scenario() -> Scenario:
    """The experiment shown at start: Playground's circle, two hidden layers [4, 2]."""
    return Scenario()


def load_views() -> str:
    """Import the views and teaching panels so they register; returns an error text or ""."""
    problems = []
    for module in ("nnviz.app.views", "nnviz.app.panels"):
        try:
            importlib.import_module(module)
        except Exception as exc:  # a broken view must not stop the app from starting
            traceback.print_exc()
            problems.append(f"{module}: {exc}")
    return f"Some views could not be loaded: {'; '.join(problems)}" if problems else ""


class MainWindow(QMainWindow):
    def __init__(
        self,
        scenario: Scenario | None = None,
        settings: QSettings | None = None,
        panels: dict[str, type[Panel]] | None = None,
        worker_options: dict | None = None,
        parent: QWidget | None = None,
    ):
        super().__init__(parent)
        self.setWindowTitle("nnviz — neural network lab")
        self.setObjectName("nnviz-main")
        self.setDockOptions(QMainWindow.DockOption.AnimatedDocks
                            | QMainWindow.DockOption.AllowTabbedDocks
                            | QMainWindow.DockOption.AllowNestedDocks)
        self.settings = settings if settings is not None else app_settings()
        self.scenario = copy.deepcopy(scenario) if scenario is not None else default_scenario()
        self.latest: Snapshot | None = None
        self._drawn: Snapshot | None = None
        self._last_draw = 0.0
        self._fed: dict[str, Snapshot] = {}  # the snapshot each view shows
        self._cost: dict[str, float] = {}  # seconds a redraw of each view takes (average)
        self._due: dict[str, float] = {}  # when each view may be redrawn next
        self._frame: tuple[float, list[str], Snapshot | None] = (0.0, [], None)
        self.frames_drawn = 0
        self._after_paint = _AfterPaint(self._drawn_done, self)
        self.redraws: dict[str, int] = {}  # per view, for benchmarks/bench_gui.py
        self.first_paint: float | None = None
        self.created_at = time.perf_counter()
        self._panel_errors: set[str] = set()
        self._closing = False
        self._sized = False
        self._layout_restored = False

        # toolbar and banner
        self.toolbar = TrainingToolbar(self)
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, self.toolbar)
        self.addToolBarBreak(Qt.ToolBarArea.TopToolBarArea)
        self.banner = Banner(self)
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, self.banner)
        self.banner.hide()
        self._banner_timer = QTimer(self)
        self._banner_timer.setSingleShot(True)
        self._banner_timer.timeout.connect(self._expire_banner)

        # controls
        self.controls = ControlsPanel()
        self.controls.load(self.scenario)
        self.controls_dock = QDockWidget("Controls", self)
        self.controls_dock.setObjectName("dock-controls")
        self.controls_dock.setWidget(self.controls)
        self.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, self.controls_dock)

        # panels
        if panels is None:
            problem = load_views()
            panels = dict(PANELS)
            if problem:
                QTimer.singleShot(0, lambda: self.show_warning(problem))
        self.panels: dict[str, Panel] = {}
        self.docks: dict[str, QDockWidget] = {}
        for pid, cls in panels.items():
            try:
                panel = cls()
            except Exception as exc:  # noqa: BLE001 - one broken view must not stop the app
                traceback.print_exc()
                QTimer.singleShot(0, lambda e=exc, p=pid: self.show_warning(
                    f"The {p} view could not be created: {e}"))
                continue
            dock = QDockWidget(cls.title or pid, self)
            dock.setObjectName(f"dock-{pid}")
            dock.setWidget(panel)
            self.addDockWidget(AREAS.get(cls.default_area, AREAS["right"]), dock)
            if not cls.default_visible:
                dock.hide()
            dock.visibilityChanged.connect(lambda vis, p=pid: self._dock_shown(p, vis))
            self.panels[pid] = panel
            self.docks[pid] = dock
        if not self.panels:
            placeholder = QLabel("No views are installed.")
            placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
            self.setCentralWidget(placeholder)
        # Controls at full height on the left; network | output side by side above the
        # loss curves, so the decision boundary stays large even at 1280 x 720.
        self.setCorner(Qt.Corner.TopLeftCorner, Qt.DockWidgetArea.LeftDockWidgetArea)
        self.setCorner(Qt.Corner.BottomLeftCorner, Qt.DockWidgetArea.LeftDockWidgetArea)
        if "network" in self.docks and "output" in self.docks:
            self.splitDockWidget(self.docks["network"], self.docks["output"],
                                 Qt.Orientation.Horizontal)
        self._apply_default_sizes()

        self._build_menus()
        self.statusBar().showMessage("Ready")

        # the training thread
        self.session = TrainingSession(self.scenario, self, **(worker_options or {}))
        self.session.snapshotReady.connect(self._on_snapshot)
        self.session.statusChanged.connect(self._on_status)
        self.session.error.connect(self._on_error)
        self.session.configRejected.connect(self._on_rejected)
        self.toolbar.playToggled.connect(self._on_play)
        self.toolbar.stepBatch.connect(self.session.step_batch)
        self.toolbar.stepEpoch.connect(self.session.step_epoch)
        self.toolbar.resetRequested.connect(self.reset)
        self.toolbar.speedChanged.connect(self.session.set_speed)
        self.controls.liveChanged.connect(self._on_live)
        self.controls.rebuildRequested.connect(self._on_rebuild)
        self.controls.message.connect(self.show_warning)
        self._wire_panels()

        self._draw_timer = QTimer(self)
        self._draw_timer.setSingleShot(True)
        self._draw_timer.timeout.connect(self._draw)

        from nnviz.app.lecture import LectureTools

        self.lecture = LectureTools(self)
        caption_bar = QToolBar("Lesson", self)
        caption_bar.setObjectName("lesson-caption")
        caption_bar.setMovable(False)
        caption_bar.addWidget(self.lecture.caption)
        caption_bar.hide()
        self.lecture.caption_bar = caption_bar
        self.addToolBarBreak(Qt.ToolBarArea.TopToolBarArea)
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, caption_bar)
        self._default_state = self.saveState(LAYOUT_VERSION)
        self.resize(1280, 800)
        self._restore_layout()
        self._update_trajectory_need()
        self.session.start()

    # ----------------------------------------------------------------- building ------
    def _build_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        act = file_menu.addAction("Open scenario…")
        act.setShortcut(QKeySequence.StandardKey.Open)
        act.triggered.connect(self._ask_open_scenario)
        act = file_menu.addAction("Save scenario as…")
        act.setShortcut(QKeySequence("Ctrl+Shift+S"))
        act.triggered.connect(self._ask_save_scenario)
        act = file_menu.addAction("Import CSV data…")
        act.triggered.connect(lambda: self.controls.data.import_csv())
        file_menu.addSeparator()
        act = file_menu.addAction("Quit")
        act.setShortcut(QKeySequence.StandardKey.Quit)
        act.triggered.connect(self.close)

        self.view_menu = bar.addMenu("&View")
        self.view_menu.addAction(self.controls_dock.toggleViewAction())
        for dock in self.docks.values():
            self.view_menu.addAction(dock.toggleViewAction())
        self.view_menu.addSeparator()
        full = QAction("Full screen", self)
        full.setShortcut(QKeySequence("F11"))
        full.setCheckable(True)
        full.toggled.connect(lambda on: self.showFullScreen() if on else self.showNormal())
        self.view_menu.addAction(full)
        self.reset_layout_action = self.view_menu.addAction("Reset layout")
        self.reset_layout_action.triggered.connect(self.reset_layout)

        help_menu = bar.addMenu("&Help")
        act = help_menu.addAction("Keyboard shortcuts")
        act.setShortcut(QKeySequence("F1"))
        act.triggered.connect(self._show_shortcuts)

    def _wire_panels(self) -> None:
        for pid, panel in self.panels.items():
            panel.command.connect(lambda name, value, p=pid: self._on_panel_command(p, name, value))
        net, out = self.panels.get("network"), self.panels.get("output")
        surface, dropout = self.panels.get("surface"), self.panels.get("dropout")
        if net is not None and surface is not None and hasattr(net, "linkSelected"):
            net.linkSelected.connect(surface.select_parameter)
        if (net is not None and dropout is not None and hasattr(dropout, "highlightExample")
                and hasattr(net, "set_highlight_example")):
            dropout.highlightExample.connect(net.set_highlight_example)
        if net is not None and hasattr(net, "paramEdited"):
            net.paramEdited.connect(self.session.set_param)
        if net is not None and out is not None:
            if hasattr(net, "neuronHovered") and hasattr(out, "show_neuron"):
                net.neuronHovered.connect(out.show_neuron)
            if hasattr(net, "hoverCleared") and hasattr(out, "clear_neuron"):
                net.hoverCleared.connect(out.clear_neuron)
        if out is not None and hasattr(out, "pointAdded"):
            out.pointAdded.connect(self.session.add_point)

    # ------------------------------------------------------------------ layout -------
    def _apply_default_sizes(self) -> None:
        """The default proportions, at the window's current size."""
        side = self.controls.minimumWidth()
        self.resizeDocks([self.controls_dock], [side], Qt.Orientation.Horizontal)
        net, out = self.docks.get("network"), self.docks.get("output")
        if net is not None and out is not None:
            half = max(1, (self.width() - side) // 2)
            self.resizeDocks([net, out], [half, half], Qt.Orientation.Horizontal)
        loss = self.docks.get("loss")
        if loss is not None:  # the decision boundary deserves the height, not the curves
            low = max(220, self.height() // 3)
            top = net or out
            if top is not None:
                self.resizeDocks([top, loss], [max(1, self.height() - low), low],
                                 Qt.Orientation.Vertical)
            else:
                self.resizeDocks([loss], [low], Qt.Orientation.Vertical)

    def fit_controls(self) -> None:
        """Widen the controls sidebar to what its widgets need (at most 40 % of the window)."""
        width = self.controls.refit(limit=int(self.width() * 0.4))
        if self.controls_dock.width() < width:
            self.resizeDocks([self.controls_dock], [width], Qt.Orientation.Horizontal)

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if not self._sized:
            self._sized = True
            if not self._layout_restored:  # sizes only make sense at the real window size
                QTimer.singleShot(0, self._apply_default_sizes)

    def _restore_layout(self) -> None:
        try:
            geometry = self.settings.value("window/geometry")
            state = self.settings.value("window/state")
            if isinstance(geometry, QByteArray | bytes):
                self.restoreGeometry(QByteArray(geometry))
            if isinstance(state, QByteArray | bytes):
                self._layout_restored = self.restoreState(QByteArray(state), LAYOUT_VERSION)
        except Exception:  # noqa: BLE001 - a corrupt settings file must not stop the app
            traceback.print_exc()

    def save_layout(self) -> None:
        self.settings.setValue("window/geometry", self.saveGeometry())
        self.settings.setValue("window/state", self.saveState(LAYOUT_VERSION))
        self.settings.sync()

    def reset_layout(self) -> None:
        """Every dock back to its default place and visibility."""
        self.restoreState(self._default_state, LAYOUT_VERSION)
        self.controls_dock.show()
        for pid, dock in self.docks.items():
            dock.setFloating(False)
            dock.setVisible(type(self.panels[pid]).default_visible)
        self._apply_default_sizes()

    # ------------------------------------------------------------------ commands -----
    def _on_play(self, on: bool) -> None:
        if on:
            self.session.play()
        else:
            self.session.pause()

    def play(self) -> None:
        self.toolbar.set_playing(True)
        self.session.play()

    def pause(self) -> None:
        self.toolbar.set_playing(False)
        self.session.pause()

    def reset(self) -> None:
        self.toolbar.set_playing(False)
        self.session.reset()

    def _on_live(self, key: str, value: object) -> None:
        try:
            self.session.set_live(key, value)
        except (ValueError, TypeError) as exc:
            self.show_warning(str(exc))

    def _on_rebuild(self) -> None:
        self.session.rebuild(self.scenario)

    def apply_scenario(self, scenario: Scenario) -> None:
        """Show and train ``scenario`` (a new network)."""
        self.scenario = copy.deepcopy(scenario)
        self.controls.load(self.scenario)
        self.session.rebuild(self.scenario)

    def open_scenario(self, path: str) -> bool:
        from nnviz.scenario import ScenarioError, load_scenario

        try:
            scenario = load_scenario(path)
        except ScenarioError as exc:
            self._dialog("Cannot open scenario", str(exc))
            return False
        self.apply_scenario(scenario)
        self.statusBar().showMessage(f"Opened {path}", 5000)
        return True

    def _ask_open_scenario(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open scenario", "",
                                              "Scenarios (*.toml);;All files (*)")
        if path:
            self.open_scenario(path)

    def _ask_save_scenario(self) -> None:
        from nnviz.scenario import ScenarioError, save_scenario

        path, _ = QFileDialog.getSaveFileName(self, "Save scenario", "experiment.toml",
                                              "Scenarios (*.toml)")
        if not path:
            return
        try:
            save_scenario(self.scenario, path)
        except (ScenarioError, OSError) as exc:
            self._dialog("Cannot save scenario", str(exc))
            return
        self.statusBar().showMessage(f"Saved {path}", 5000)

    def _dialog(self, title: str, text: str) -> None:
        self.show_warning(text)
        QMessageBox.warning(self, title, text)

    def shortcut_list(self) -> list[tuple[str, str]]:
        """Every keyboard shortcut of the window: the fixed ones, then each menu action's
        (read from the actions, so the list can never go stale)."""
        rows = list(SHORTCUTS)
        seen = {key for key, _ in rows}
        for action in self.findChildren(QAction):
            for seq in action.shortcuts():
                key = seq.toString(QKeySequence.SequenceFormat.NativeText)
                text = action.text().replace("&", "").rstrip("…")
                if key and key not in seen and text:
                    seen.add(key)
                    rows.append((key, text[:1].lower() + text[1:]))
        return rows

    def _show_shortcuts(self) -> None:
        rows = "".join(f"<tr><td><b>{k}</b></td><td>&nbsp;&nbsp;{v}</td></tr>"
                       for k, v in self.shortcut_list())
        QMessageBox.information(self, "Keyboard shortcuts", f"<table>{rows}</table>")

    # ------------------------------------------------------------------ from worker --
    def _on_status(self, status: str) -> None:
        self.toolbar.set_status(status)

    def _on_error(self, message: str) -> None:
        self.show_warning(message)

    def _on_rejected(self, scenario: Scenario) -> None:
        self.scenario = scenario
        self.controls.load(scenario)

    def show_warning(self, text: str, kind: str = "warning", seconds: float = 12.0) -> None:
        if self.banner.kind == "error" and kind != "error":
            self.statusBar().showMessage(text, int(seconds * 1000))
            return
        self.banner.show_message(text, kind)
        self.statusBar().showMessage(text, int(seconds * 1000))
        if seconds and kind == "warning":
            self._banner_timer.start(int(seconds * 1000))

    def _expire_banner(self) -> None:
        if self.banner.kind == "warning":
            self.banner.clear()

    def _on_snapshot(self, snap: Snapshot) -> None:
        self.latest = snap
        if not self._closing:
            self._schedule_frame()

    def _schedule_frame(self, at: float | None = None) -> None:
        """Run ``_draw`` at ``at`` (default: as soon as the frame rate allows)."""
        now = time.perf_counter()
        when = max(self._last_draw + 1.0 / FPS, at if at is not None else 0.0)
        ms = max(0, int(round((when - now) * 1000)))
        if self._draw_timer.isActive() and self._draw_timer.remainingTime() <= ms:
            return
        self._draw_timer.start(ms)

    def _flat_out(self) -> bool:
        """Is the worker training as fast as it can (so GUI time is training time)?"""
        return self.session.status == "running" and self.toolbar.current_speed().is_max

    def _draw(self) -> None:
        """One frame: the toolbar, the banner and the views whose turn it is, then ack.

        While training runs flat out, each visible view gets a share of the GUI thread's
        time (``GUI_SHARE`` split between them): an expensive view is redrawn less often
        instead of slowing everything down, and the views due in one frame are capped
        at ``FRAME_BUDGET_S`` of estimated work so the event loop never stalls for long.
        Otherwise (paused, slow speeds) every view shows every snapshot.
        """
        snap = self.latest
        if snap is None or self._closing:
            return
        if self._drawn is None:  # forced full redraw (e.g. new fonts)
            self._fed.clear()
        now = time.perf_counter()
        visible = [pid for pid, panel in self.panels.items() if panel.isVisible()]
        stale = [pid for pid in visible if self._fed.get(pid) is not snap]
        if self._flat_out():
            due = sorted((pid for pid in stale if self._due.get(pid, 0.0) <= now),
                         key=lambda pid: self._due.get(pid, 0.0))
            chosen: list[str] = []
            total = 0.0
            for pid in due:
                cost = self._cost.get(pid, DEFAULT_COST_S)
                if chosen and total + cost > FRAME_BUDGET_S:
                    break
                chosen.append(pid)
                total += cost
        else:
            chosen = stale
        new_snapshot = snap is not self._drawn
        if not chosen and not new_snapshot:
            self._schedule_next(stale)
            return
        self.session.gui_busy.set()
        self._last_draw = now
        self._frame = (now, chosen, snap)
        self._drawn = snap
        try:
            if new_snapshot:
                self.toolbar.show_snapshot(snap)
                self._show_training_state(snap)
                self.controls.set_input_dim(getattr(snap.dataset, "input_dim", 2))
            for pid in chosen:
                self._feed(pid, self.panels[pid], snap)
                self._fed[pid] = snap
                self.redraws[pid] = self.redraws.get(pid, 0) + 1
            self.frames_drawn += 1
            self.lecture.capture_frame(chosen)
        finally:
            QTimer.singleShot(0, self._after_paint.arm)

    def _drawn_done(self) -> None:
        """The frame is painted: book its cost, let the worker go on, plan the next one."""
        self.session.gui_busy.clear()
        start, chosen, snap = self._frame
        now = time.perf_counter()
        if chosen:
            cost = now - start
            estimates = [self._cost.get(pid, DEFAULT_COST_S) for pid in chosen]
            total = sum(estimates) or 1.0
            n_visible = max(1, sum(p.isVisible() for p in self.panels.values()))
            share = GUI_SHARE / n_visible
            # A frame that drew one view measures it; a shared frame is split by the
            # estimates, which would feed on itself, so it moves them only a little.
            weight = 0.4 if len(chosen) == 1 else 0.1
            for pid, est in zip(chosen, estimates, strict=True):
                mine = cost * est / total
                if pid not in self._cost:
                    self._cost[pid] = mine
                else:
                    self._cost[pid] = (1.0 - weight) * est + weight * mine
                # a view that stalls the event loop for long gets half the share
                mine_share = share / 2 if self._cost[pid] > LONG_FRAME_S else share
                wait = min(MAX_INTERVAL_S, max(1.0 / FPS, self._cost[pid] / mine_share))
                self._due[pid] = start + wait
            recorder = self.lecture.recorder
            if recorder is not None and self.lecture.recorded_panel in self._due:
                # a recording keeps its frame rate, whatever the view costs
                pid = self.lecture.recorded_panel
                self._due[pid] = min(self._due[pid], start + 1.0 / recorder.fps)
        if self.first_paint is None and self.isVisible():
            self.first_paint = now
        self.session.ack()
        if not self._closing and self.latest is not None:
            stale = [pid for pid, panel in self.panels.items()
                     if panel.isVisible() and self._fed.get(pid) is not self.latest]
            self._schedule_next(stale)

    def _schedule_next(self, stale: list[str]) -> None:
        """Come back when the first stale view is due (new snapshots also wake us)."""
        if not stale:
            return
        if self._flat_out():
            self._schedule_frame(min(self._due.get(pid, 0.0) for pid in stale))
        else:
            self._schedule_frame()

    def _feed(self, pid: str, panel: Panel, snap: Snapshot) -> None:
        try:
            panel.set_snapshot(snap)
        except Exception as exc:  # noqa: BLE001 - a view bug must not stop training
            if pid not in self._panel_errors:
                self._panel_errors.add(pid)
                traceback.print_exc()
                self.statusBar().showMessage(f"The {pid} view failed to draw: {exc}", 10000)

    def _show_training_state(self, snap: Snapshot) -> None:
        if snap.status == "diverged":
            self.banner.show_message(snap.message or "Training diverged: try a smaller "
                                     "learning rate.", "error")
        elif snap.status == "stopped_early":
            self.banner.show_message(snap.message, "info")
        elif self.banner.kind in ("error", "info"):
            self.banner.clear()

    def _dock_shown(self, pid: str, visible: bool) -> None:
        self._update_trajectory_need()
        if visible and self.latest is not None and not self._closing:
            panel = self.panels[pid]
            if panel.isVisible():
                self._feed(pid, panel, self.latest)
                self._fed[pid] = self.latest

    def _update_trajectory_need(self) -> None:
        """Ask the worker for the trajectory and layer extras only while a visible panel needs them."""
        shown = [p for pid, p in self.panels.items() if not self.docks[pid].isHidden()]
        self.session.set_with_trajectory(any(getattr(p, "needs_trajectory", False) for p in shown))
        self.session.set_with_layers(any(getattr(p, "needs_layers", False) for p in shown))

    def _on_panel_command(self, pid: str, name: str, value: object) -> None:
        """A panel asks for a change of the training state; forward it to the worker."""
        try:
            if name == "set_live":
                key, setting = value  # type: ignore[misc]
                self.session.set_live(key, setting)
                self.controls.show_live_value(key, setting)
            elif name == "set_param":
                index, number = value  # type: ignore[misc]
                self.session.set_param(index, number)
            elif name in ("restart_from", "set_params"):
                self.session.restart_from(value)
            elif name in ("play", "pause", "reset"):
                getattr(self, name)()
            else:
                raise ValueError(f"unknown command {name!r}")
        except (ValueError, TypeError) as exc:
            self.show_warning(f"The {pid} panel asked for something impossible: {exc}")

    # ------------------------------------------------------------------ closing ------
    def shutdown(self) -> None:
        """Stop training and the thread (idempotent); never hangs."""
        if self._closing:
            return
        self._closing = True
        self._draw_timer.stop()
        self._banner_timer.stop()
        for panel in self.panels.values():
            if hasattr(panel, "shutdown"):
                try:
                    panel.shutdown()
                except Exception:  # noqa: BLE001 - closing must always finish
                    traceback.print_exc()
        if not self.session.shutdown():
            print("nnviz: the training thread did not stop in time", file=sys.stderr)

    def closeEvent(self, event: QCloseEvent) -> None:
        try:
            self.save_layout()
            if not self._closing:
                self.lecture.autosave()
        except Exception:  # noqa: BLE001
            traceback.print_exc()
        self.shutdown()
        super().closeEvent(event)
