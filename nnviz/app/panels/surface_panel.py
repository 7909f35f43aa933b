"""The loss-surface panel: the training objective on a 2-D slice, with the path on it.

Slices (chooser at the top):

* **Two parameters**: any two weights/biases (two combos, or clicks on links in the
  network view: connect ``NetworkView.linkSelected(int)`` to ``select_parameter``; the
  first click sets A, the next B, alternating). The axes are the parameters' values.
  For a two-parameter model (1-D linear or logistic regression: (w, b)) the surface
  and the path are exact; for 1-D linear regression the closed-form least-squares
  optimum is marked with a star.
* **Random directions**: Li et al.'s filter-normalised Gaussian directions, seeded;
  "New directions" draws another pair.
* **PCA of the trajectory**: the plane through the current point that best fits the
  recorded path; the axes give the explained variance ("PC1 (87.3 %)").

Default: two parameters when the model has ≤ 3 parameters, else PCA once the path has
≥ 3 recorded points, else random directions (re-decided on every snapshot until the
user picks a slice).

Honest plane. For random and PCA slices (and two-parameter slices of bigger models)
the checkpoints lie off the plane, so the surface under the drawn path is not the loss
the optimiser saw. The inset below the map plots both against the step (TRUE loss at
the checkpoints, loss on the plane under their projections) with the largest distance
from the plane; for an exact slice it says so instead.

Restart from a point. On a two-parameter slice the start point is a draggable target:
dropping it emits ``command("restart_from", theta)``, where theta is the run's initial
parameter vector with the two chosen entries replaced. The worker should reset the
trainer with those initial parameters (``Trainer.reset(theta)``: fresh optimiser, empty
history) and keep its play/pause state.

Threads. Surfaces are computed by a ``SurfaceService`` on its own thread (latest
request wins). While training, the panel re-requests at most every ``REQUEST_INTERVAL``
seconds (longer when a full surface takes longer than that) and only while visible;
the path is re-projected on every frame on the GUI thread (two dot products per
checkpoint). Call ``shutdown()`` before the application exits.

3-D. The "3-D" toggle shows a rotatable ``GLViewWidget`` (created on first use) with
the surface and the path lifted onto it. Without OpenGL (offscreen platform, no
context) the toggle springs back and a note says "3-D view needs OpenGL; showing 2-D".
"""

from __future__ import annotations

import atexit
import contextlib
import math
import time
import weakref

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QCoreApplication, QRectF, QTimer, Slot
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QGraphicsItem,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from nnviz.app import theme
from nnviz.app.panel import Panel, register_panel
from nnviz.app.panels.race_drawing import PathDecimator
from nnviz.app.panels.surface_contours import contour_segments, finite_range, log_values, nice_levels
from nnviz.app.panels.surface_gl import NO_GL_NOTE, SurfaceGL, gl_status
from nnviz.app.panels.surface_service import (
    HonestPath,
    SurfaceRequest,
    SurfaceService,
    finite_rows,
    is_finite_vector,
)
from nnviz.app.plot_helpers import format_number
from nnviz.app.views.common import ink, plot_font, rgb, style_plot
from nnviz.app.worker import protect_none_refcount
from nnviz.engine.heads import make_head
from nnviz.engine.landscape import Surface, closed_form_least_squares
from nnviz.engine.snapshot import Snapshot, network_from_snapshot

Array = np.ndarray

KIND_LABELS = {"params": "Two parameters", "random": "Random directions", "pca": "PCA of the trajectory"}
KIND_ORDER = ("params", "random", "pca")

#: Most path points drawn (the recorder keeps up to 2 000; more are sub-pixel anyway).
MAX_DRAWN_POINTS = 800
#: Colour map of the surface: viridis (perceptually uniform, colour-blind safe).
COLORMAP = "viridis"
PATH_COLOR = (255, 255, 255)
PATH_HALO = (20, 20, 20)
NOW_COLOR = theme.SURFACE_NOW_COLOR
START_COLOR = theme.SURFACE_START_COLOR
STAR_COLOR = theme.SURFACE_STAR_COLOR
TRUE_COLOR = theme.TRAIN_COLOR
PLANE_COLOR = theme.TEST_COLOR



def _fmt(v: float) -> str:
    return format_number(v, 3)


def _plain_axes(plot) -> None:
    """No "(x0.001)" SI scaling on the axes: students read the numbers as they are."""
    for name in ("left", "bottom", "right", "top"):
        plot.getAxis(name).enableAutoSIPrefix(False)


class _Projector:
    """Least-squares coordinates in a plane (origin, d1, d2), precomputed per plane."""

    def __init__(self, origin: Array, d1: Array, d2: Array):
        self.D = np.stack([np.asarray(d1, float), np.asarray(d2, float)], axis=1)  # (P, 2)
        self.o = np.asarray(origin, float) @ self.D
        gram = self.D.T @ self.D
        self.ginv = np.linalg.pinv(gram)

    def __call__(self, points: Array) -> Array:
        pts = np.atleast_2d(np.asarray(points, float))
        with np.errstate(all="ignore"):
            return (pts @ self.D - self.o) @ self.ginv.T


_SERVICES: weakref.WeakSet = weakref.WeakSet()
_HOOKED_APP = None


def _shutdown_all() -> None:
    for service in list(_SERVICES):
        with contextlib.suppress(RuntimeError):  # the C++ side may be gone at exit
            service.shutdown(5000)


def _shutdown_at_exit(service: SurfaceService) -> None:
    """Stop ``service``'s thread when the application quits or Python exits, at the latest."""
    global _HOOKED_APP
    if not _SERVICES and not getattr(_shutdown_all, "registered", False):
        atexit.register(_shutdown_all)
        _shutdown_all.registered = True
    _SERVICES.add(service)
    app = QCoreApplication.instance()
    if app is not None and _HOOKED_APP is not app:
        app.aboutToQuit.connect(_shutdown_all)
        _HOOKED_APP = app


@register_panel
class SurfacePanel(Panel):
    """The training objective on a 2-D slice of parameter space, the path drawn on it."""

    panel_id = "surface"
    title = "Loss surface"
    default_area = "right"
    default_visible = False
    needs_trajectory = True  # the main window asks the worker to record the path

    #: Shortest time between two surface requests while training (seconds).
    REQUEST_INTERVAL = 0.5

    def __init__(self, parent: QWidget | None = None, service: SurfaceService | None = None):
        super().__init__(parent)
        protect_none_refcount()  # PySide6 6.12 on Python 3.11: see worker.py
        self.service = service if service is not None else SurfaceService(workers=1)
        self.service.planReady.connect(self._on_plan)
        self.service.surfaceReady.connect(self._on_surface)
        self.service.pathReady.connect(self._on_path)
        self.service.failed.connect(self._on_failed)
        self.service.finishedRequest.connect(self._on_finished)
        _shutdown_at_exit(self.service)

        # state
        self._snap: Snapshot | None = None
        self._model_key: tuple | None = None
        self._names: list[str] = []
        self._T: Array | None = None
        self._l1 = self._l2 = 0.0
        self._user_kind: str | None = None
        self._kind = "random"
        self._params = [0, 1]
        self._next_slot = 0
        self._pending_names: tuple[str, str] | None = None
        self._seed = 0
        self._log = False
        self._req_id = 0
        self._req_kind: tuple | None = None  # identity of the slice of the latest request
        self._last_key: tuple | None = None
        self._planned: tuple | None = None  # (slice identity, ranges) of the latest request's plan
        self._last_request = -math.inf
        self._interval = self.REQUEST_INTERVAL
        self._dirty = False
        self._shown: Surface | None = None
        self._shown_kind: tuple | None = None
        self._shown_final = False
        self._shown_id = 0  # request id of the shown surface
        self._projector: _Projector | None = None
        self._proj_cache: tuple | None = None  # (projector, steps, coords) of the last frame
        self._decimator = PathDecimator()  # drawn path: points at least a pixel apart
        self._disp: Array | None = None
        self._levels: tuple[float, float] = (0.0, 1.0)
        self._honest: HonestPath | None = None
        self._ls_theta: Array | None = None  # closed-form optimum for 1-D linear regression
        self._pending_start: tuple[float, float, float] | None = None  # (x, y, time) after a drag
        self._gl: SurfaceGL | None = None
        self.stale_dropped = 0  # results dropped because a newer request was made (tests)
        self.requests_made = 0

        self._build()
        self._trailing = QTimer(self)
        self._trailing.setSingleShot(True)
        self._trailing.timeout.connect(lambda: self._maybe_request())

    # ------------------------------------------------------------------ building -----
    def _build(self) -> None:
        big = plot_font(self.font(), 1.15)
        self.setFont(big)

        self.kind_combo = QComboBox()
        for k in KIND_ORDER:
            self.kind_combo.addItem(KIND_LABELS[k], k)
        self.kind_combo.activated.connect(self._kind_picked)
        self.param_a = QComboBox()
        self.param_b = QComboBox()
        for combo in (self.param_a, self.param_b):
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
            combo.setMaxVisibleItems(20)
        self.param_a.activated.connect(lambda _i: self._param_picked(0))
        self.param_b.activated.connect(lambda _i: self._param_picked(1))
        self.vs_label = QLabel("vs")
        self.new_dirs = QPushButton("New directions")
        self.new_dirs.setToolTip("Draw another pair of random filter-normalised directions")
        self.new_dirs.clicked.connect(self.new_directions)
        self.log_check = QCheckBox("Log colours")
        self.log_check.setToolTip("Colour and isolines by log₁₀ of the loss")
        self.log_check.toggled.connect(self.set_log_scale)
        self.three_d = QCheckBox("3-D")
        self.three_d.setToolTip("Show the surface in 3-D (drag to rotate, wheel to zoom)")
        self.three_d.toggled.connect(self.set_3d)

        bar = QHBoxLayout()
        bar.setContentsMargins(6, 4, 6, 0)
        bar.setSpacing(8)
        slice_label = QLabel("Slice:")
        slice_label.setFont(plot_font(self.font(), 1.0, bold=True))
        bar.addWidget(slice_label)
        bar.addWidget(self.kind_combo)
        bar.addWidget(self.param_a)
        bar.addWidget(self.vs_label)
        bar.addWidget(self.param_b)
        bar.addWidget(self.new_dirs)
        bar.addStretch(1)
        bar.addWidget(self.log_check)
        bar.addWidget(self.three_d)

        # 2-D: map + colour bar, inset below
        self.glw = pg.GraphicsLayoutWidget()
        self.glw.setBackground(theme.background())
        self.plot: pg.PlotItem = self.glw.addPlot(row=0, col=0)
        self.plot.setMenuEnabled(False)
        self.plot.hideButtons()
        self.plot.getViewBox().setBackgroundColor((200, 200, 200))
        self._plot_font = plot_font(self.font(), 1.15)
        style_plot(self.plot, self._plot_font, bottom="parameter A", left="parameter B")
        _plain_axes(self.plot)
        self.cmap = pg.colormap.get(COLORMAP)
        self.image = pg.ImageItem(axisOrder="col-major")
        self.image.setColorMap(self.cmap)
        self.plot.addItem(self.image)
        self.contours = pg.PlotCurveItem(pen=pg.mkPen((255, 255, 255, 150), width=1.4), connect="pairs",
                                         antialias=True, skipFiniteCheck=True)
        self.contours.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)  # redrawn on new data only
        self.plot.addItem(self.contours)
        self.path_halo = pg.PlotCurveItem(pen=pg.mkPen(PATH_HALO, width=6.5), antialias=True)
        self.path_line = pg.PlotCurveItem(pen=pg.mkPen(PATH_COLOR, width=3), antialias=True)
        self.plot.addItem(self.path_halo)
        self.plot.addItem(self.path_line)
        self.star = pg.ScatterPlotItem(symbol="star", size=34, pen=pg.mkPen(ink(), width=2),
                                       brush=pg.mkBrush(STAR_COLOR))
        self.star_text = pg.TextItem("", color=ink(), anchor=(0, 1.1), fill=pg.mkBrush(255, 255, 255, 215))
        self.star_text.setFont(plot_font(self.font(), 1.25, bold=True))
        self.plot.addItem(self.star)
        self.plot.addItem(self.star_text)
        self.start = pg.TargetItem(pos=(0, 0), size=26, symbol="o", movable=False,
                                   pen=pg.mkPen(ink(), width=2.5), brush=pg.mkBrush(START_COLOR),
                                   hoverPen=pg.mkPen(ink(), width=4), hoverBrush=pg.mkBrush(255, 255, 255))
        self.start.sigPositionChangeFinished.connect(self._start_dropped)
        self.plot.addItem(self.start)
        self.now = pg.ScatterPlotItem(symbol="o", size=26, pen=pg.mkPen(ink(), width=2.5),
                                      brush=pg.mkBrush(NOW_COLOR))
        self.plot.addItem(self.now)
        for item in (self.path_halo, self.path_line, self.star, self.star_text, self.start, self.now):
            item.setZValue(10)
        self.star.setZValue(12)
        self.now.setZValue(13)
        self.start.setZValue(14)

        pt = plot_font(self.font(), 1.2).pointSizeF()
        self.legend = pg.LegendItem(offset=(8, 8), brush=pg.mkBrush(255, 255, 255, 220),
                                    pen=pg.mkPen(ink()), labelTextSize=f"{pt:.0f}pt", labelTextColor=ink(),
                                    verSpacing=-4)
        self.legend.setParentItem(self.plot.getViewBox())
        self._legend_samples = {
            "path": pg.PlotDataItem([0, 1], [0, 0], pen=pg.mkPen(PATH_HALO, width=4)),
            "now": pg.ScatterPlotItem(symbol="o", size=16, pen=pg.mkPen(ink(), width=2), brush=NOW_COLOR),
            "start": pg.ScatterPlotItem(symbol="o", size=16, pen=pg.mkPen(ink(), width=2), brush=START_COLOR),
            "star": pg.ScatterPlotItem(symbol="star", size=20, pen=pg.mkPen(ink(), width=1.5),
                                       brush=STAR_COLOR),
            "off": pg.PlotDataItem([], [], pen=None),  # text only
        }
        self._legend_star = False
        self._legend_text: dict[str, str] = {}

        self.colorbar = pg.ColorBarItem(values=(0.0, 1.0), colorMap=self.cmap, interactive=False, width=22,
                                        colorMapMenu=False)
        self.colorbar.setImageItem(self.image)
        _plain_axes(self.colorbar)
        axis = self.colorbar.getAxis("right")
        axis.setStyle(tickFont=plot_font(self._plot_font, 1.15))
        axis.setWidth(None)  # fit the large tick labels and the axis label
        axis.setTextPen(rgb(ink()))
        axis.setPen(rgb(ink()))
        self.glw.addItem(self.colorbar, row=0, col=1)
        self._colorbar_label = ""

        self.inset = self.glw.addPlot(row=1, col=0, colspan=2)
        self.inset.setMenuEnabled(False)
        self.inset.hideButtons()
        self.inset.setMouseEnabled(False, False)
        # (no grid: pyqtgraph's grid lines cost ~8 ms a frame here)
        style_plot(self.inset, self._plot_font, bottom="step", left="loss")
        _plain_axes(self.inset)
        self.inset_true = self.inset.plot([], [], pen=pg.mkPen(TRUE_COLOR, width=3.5))
        # solid, not dashed: dashes cost paint time; the colours (blue/orange) tell them apart
        self.inset_plane = self.inset.plot([], [], pen=pg.mkPen(PLANE_COLOR, width=3))
        tc, pc = (f"#{c[0]:02x}{c[1]:02x}{c[2]:02x}" for c in (TRUE_COLOR, PLANE_COLOR))
        self.inset.setTitle(
            f"<span style='font-size:{pt:.0f}pt; color:{theme.ink_hex()}'>Loss along the path: "
            f"<b style='color:{tc}'>━ true loss at the checkpoints</b> &nbsp; "
            f"<b style='color:{pc}'>━ loss on the plane under the path</b></span>"
        )
        self.glw.ci.layout.setRowStretchFactor(0, 3)
        self.glw.ci.layout.setRowStretchFactor(1, 1)
        self._inset_visible = True

        self.stack = QStackedWidget()
        self.stack.addWidget(self.glw)

        self.note = QLabel("")
        self.note.setWordWrap(True)
        self.note.setFont(plot_font(self.font(), 1.05, bold=True))
        self.note.setStyleSheet("color: #7a4d00; background: #fff3cd; padding: 2px 6px;")
        self.note.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        self.note.hide()
        self.status = QLabel("")
        self.status.setStyleSheet("padding: 0px 6px;")

        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 2)
        lay.setSpacing(2)
        lay.addLayout(bar)
        lay.addWidget(self.stack, 1)
        lay.addWidget(self.note)
        lay.addWidget(self.status)
        self.setMinimumSize(360, 300)
        self._update_controls()
        self._show_inset(False)

    # ------------------------------------------------------------------ public API ------
    def set_snapshot(self, snapshot: Snapshot) -> None:
        self._snap = snapshot
        key = (tuple(snapshot.sizes), id(snapshot.dataset), snapshot.output, snapshot.loss,
               tuple(snapshot.activations))
        if key != self._model_key:
            self._model_changed(snapshot, key)
        self._l1 = float(getattr(snapshot, "l1", self._l1))
        self._l2 = float(getattr(snapshot, "l2", self._l2))
        if not is_finite_vector(snapshot.theta):
            self._set_note("The parameters are not finite (training diverged): there is no surface "
                           "to draw. Reset, or lower the learning rate.")
            self._hide_path()
            return
        if self._note_kind == "diverged":
            self._set_note("")
        self._choose_kind()
        self._update_path()
        self._maybe_request()

    def export_items(self) -> list:
        return [self.glw.ci]

    @Slot(int)
    def select_parameter(self, flat_index: int) -> None:
        """A link clicked in the network view: sets parameter A, then B, alternating."""
        n = len(self._names)
        idx = int(flat_index)
        if n and not 0 <= idx < n:
            return
        slot = self._next_slot
        other = self._params[1 - slot]
        self._next_slot = 1 - slot
        if idx == other:
            return
        self._params[slot] = idx
        self._user_kind = "params"
        self._slice_changed()

    def set_parameters(self, a: int | str, b: int | str) -> None:
        """Two-parameter slice on ``a`` and ``b`` (flat indices or names like "W0[0,0]").

        Names given before the first snapshot are resolved when it arrives (lessons).
        """
        if isinstance(a, str) or isinstance(b, str):
            self._pending_names = (str(a), str(b))
            self._user_kind = "params"
            if self._names:
                self._resolve_pending_names()
                self._slice_changed()
            return
        if a == b:
            raise ValueError("choose two different parameters")
        self._params = [int(a), int(b)]
        self._user_kind = "params"
        self._slice_changed()

    def set_slice_kind(self, kind: str) -> None:
        """"params", "random" or "pca" (also accepts the combo's labels)."""
        key = {v.lower(): k for k, v in KIND_LABELS.items()}.get(kind.lower(), kind.lower())
        if key not in KIND_LABELS:
            raise ValueError(f"unknown slice kind {kind!r}; choose one of {', '.join(KIND_ORDER)}")
        self._user_kind = key
        self._slice_changed()

    @property
    def slice_kind(self) -> str:
        return self._kind

    @property
    def parameters(self) -> tuple[int, int]:
        return self._params[0], self._params[1]

    def new_directions(self) -> None:
        """Another pair of random directions (the seed goes up by one)."""
        self._seed += 1
        self._user_kind = "random"
        self._slice_changed()

    def set_regularisation(self, l1: float, l2: float) -> None:
        """The penalties included in the objective (until snapshots carry them)."""
        self._l1, self._l2 = float(l1), float(l2)
        self._slice_changed()

    def set_log_scale(self, on: bool) -> None:
        self._log = bool(on)
        if self.log_check.isChecked() != self._log:
            self.log_check.blockSignals(True)
            self.log_check.setChecked(self._log)
            self.log_check.blockSignals(False)
        self.inset.setLogMode(x=False, y=self._log)
        if self._shown is not None:
            self._draw_surface(self._shown, reframe=False)
            self._draw_honest()

    def set_3d(self, on: bool) -> None:
        """Show the 3-D view (OpenGL) or the 2-D map; falls back to 2-D without OpenGL."""
        if on:
            ok, why = gl_status()
            if ok and self._gl is None:
                try:
                    self._gl = SurfaceGL(self.font())
                    self.stack.addWidget(self._gl.widget)
                except Exception as exc:  # noqa: BLE001 - a broken GL stack must not crash the app
                    ok, why = False, f"OpenGL failed ({exc})"
                    self._gl = None
            if not ok:
                self.three_d.blockSignals(True)
                self.three_d.setChecked(False)
                self.three_d.blockSignals(False)
                self._set_note(NO_GL_NOTE, kind="gl")
                self.three_d.setToolTip(f"{NO_GL_NOTE}: {why}")
                self.stack.setCurrentWidget(self.glw)
                return
            if self.three_d.isChecked() != on:
                self.three_d.blockSignals(True)
                self.three_d.setChecked(True)
                self.three_d.blockSignals(False)
            self.stack.setCurrentWidget(self._gl.widget)
            if self._shown is not None:
                self._draw_gl_surface()
                self._update_path()
        else:
            if self.three_d.isChecked():
                self.three_d.blockSignals(True)
                self.three_d.setChecked(False)
                self.three_d.blockSignals(False)
            self.stack.setCurrentWidget(self.glw)

    @property
    def showing_3d(self) -> bool:
        return self._gl is not None and self.stack.currentWidget() is self._gl.widget

    def is_settled(self) -> bool:
        """True once the full-resolution surface for the latest request is drawn."""
        return self._shown_final

    def shutdown(self) -> None:
        """Stop the surface thread (idempotent). Call before the application exits."""
        self._trailing.stop()
        self.service.shutdown()

    # ------------------------------------------------------------------ model ----------
    def _model_changed(self, snap: Snapshot, key: tuple) -> None:
        first = self._model_key is None
        same_arch = not first and self._model_key[0] == key[0]
        self._model_key = key
        net = network_from_snapshot(snap)
        self._names = [net.param_name(i) for i in range(net.n_params)]
        ds = snap.dataset
        head = make_head(snap.output, snap.loss, snap.task, snap.n_classes)
        self._T = head.targets(ds.y_train)
        self._ls_theta = None
        sizes = tuple(snap.sizes)
        if snap.task == "regression" and len(sizes) == 2 and sizes == (1, 1) and snap.output == "linear":
            try:
                w, b = closed_form_least_squares(ds.X_train, np.asarray(ds.y_train, float).reshape(-1))
                self._ls_theta = np.array([float(w[0]), b])
            except (np.linalg.LinAlgError, ValueError):
                self._ls_theta = None
        if not same_arch:
            fan_in = sizes[0]
            self._params = [0, min(fan_in, len(self._names) - 1)] if len(self._names) > 1 else [0, 0]
            self._next_slot = 0
            if self._user_kind == "params" and self._pending_names is None and not first:
                self._user_kind = None
        for combo in (self.param_a, self.param_b):
            combo.blockSignals(True)
            combo.clear()
            combo.addItems(self._names)
            combo.blockSignals(False)
        if self._pending_names is not None:
            self._resolve_pending_names()
        # a new model: the old picture is meaningless
        self.service.cancel()
        self._req_id = -1
        self._last_key = None
        self._planned = None
        self._shown = None
        self._shown_kind = None
        self._projector = None
        self._honest = None
        self.image.clear()
        self.contours.setData([], [])
        self._hide_path()
        self._show_inset(False)
        self._update_controls()

    def _resolve_pending_names(self) -> None:
        a, b = self._pending_names or ("", "")
        if a in self._names and b in self._names and a != b:
            self._params = [self._names.index(a), self._names.index(b)]
            self._set_note("")
        else:
            self._set_note(f"The lesson asks for parameters {a} and {b}, which this network does not have.",
                           kind="lesson")
        self._pending_names = None

    def _choose_kind(self) -> None:
        snap = self._snap
        n = len(self._names)
        if n < 2:
            kind = "random"
        elif self._user_kind is not None:
            kind = self._user_kind
        elif n <= 3:
            kind = "params"
        elif snap is not None and len(snap.trajectory) >= 3:
            kind = "pca"
        else:
            kind = "random"
        if n < 2 and kind == "params":
            kind = "random"
        if kind != self._kind:
            self._kind = kind
            self._update_controls()

    def _update_controls(self) -> None:
        kind = self._kind
        idx = KIND_ORDER.index(kind)
        if self.kind_combo.currentIndex() != idx:
            self.kind_combo.setCurrentIndex(idx)
        two = kind == "params"
        for w in (self.param_a, self.vs_label, self.param_b):
            w.setVisible(two)
        for combo, p in ((self.param_a, self._params[0]), (self.param_b, self._params[1])):
            if 0 <= p < combo.count() and combo.currentIndex() != p:
                combo.setCurrentIndex(p)
        self.new_dirs.setVisible(kind == "random")
        self.start.movable = two
        tip = ("Drag the start point to restart training from there" if two
               else "Start of the path (drag it on a two-parameter slice)")
        self.start.setToolTip(tip)

    def _kind_picked(self, index: int) -> None:
        kind = self.kind_combo.itemData(index)
        if kind:
            self._user_kind = kind
            self._slice_changed()

    def _param_picked(self, slot: int) -> None:
        combo = self.param_a if slot == 0 else self.param_b
        idx = combo.currentIndex()
        other = self._params[1 - slot]
        if idx < 0:
            return
        if idx == other:  # picking the other one's parameter swaps them
            self._params[1 - slot] = self._params[slot]
        self._params[slot] = idx
        self._next_slot = 1 - slot
        self._user_kind = "params"
        self._slice_changed()

    def _slice_changed(self) -> None:
        """The user changed the slice: redraw at once (no throttling)."""
        if self._snap is None:
            self._choose_kind()
            self._update_controls()
            return
        self._choose_kind()
        self._update_controls()
        self._last_request = -math.inf
        self._maybe_request(force=True)

    # ------------------------------------------------------------------ requests -------
    def _slice_identity(self) -> tuple:
        kind = self._kind
        if kind == "params":
            return (kind, tuple(self._params))
        if kind == "random":
            return (kind, self._seed)
        return (kind,)

    def _request_key(self) -> tuple:
        snap = self._snap
        ident = self._slice_identity()
        theta = np.asarray(snap.theta, float)
        if self._kind == "params":
            origin = theta.copy()
            origin[list(self._params)] = 0.0
            state = (origin.tobytes(),)
        elif self._kind == "random":
            state = (theta.tobytes(),)
        else:
            steps = snap.trajectory_steps
            state = (theta.tobytes(), len(steps), int(steps[-1]) if len(steps) else -1)
        return (ident, self._model_key, self._l1, self._l2, state)

    def _path_outside(self) -> bool:
        """On a two-parameter slice: has the path left the grid of the latest request?

        (Other slices move their origin with training and are re-requested anyway.)
        """
        if self._kind != "params" or self._planned is None or self._planned[0] != self._slice_identity():
            return False
        (a0, a1), (b0, b1) = self._planned[1]
        snap = self._snap
        i, j = self._params
        pts = snap.theta[None, :]
        if len(snap.trajectory):
            pts = np.vstack([snap.trajectory, pts])
        c = finite_rows(pts[:, [i, j]])
        return not bool(np.all((c[:, 0] >= a0) & (c[:, 0] <= a1) & (c[:, 1] >= b0) & (c[:, 1] <= b1)))

    def _maybe_request(self, force: bool = False) -> None:
        snap = self._snap
        if snap is None or not is_finite_vector(snap.theta) or len(self._names) < 2:
            return
        if not self.isVisible():
            self._dirty = True
            return
        key = self._request_key()
        if key == self._last_key and not force and not self._path_outside():
            return
        wait = self._interval - (time.perf_counter() - self._last_request)
        if wait > 0 and not force:
            if not self._trailing.isActive():
                self._trailing.start(max(1, int(wait * 1000)))
            return
        self._trailing.stop()
        self._submit(key)

    def _submit(self, key: tuple) -> None:
        snap = self._snap
        ds = snap.dataset
        traj = finite_rows(snap.trajectory) if len(snap.trajectory) else None
        steps = None
        if traj is not None:
            ok = np.all(np.isfinite(np.atleast_2d(snap.trajectory)), axis=1)
            steps = np.asarray(snap.trajectory_steps)[ok]
            if len(traj) == 0:
                traj, steps = None, None
        ident = self._slice_identity()
        previous = None
        if self._planned is not None and self._planned[0] == ident:
            previous = self._planned[1]
        extra = None
        if self._star_applies():
            extra = self._ls_theta[None, :]
        req = SurfaceRequest(
            net=network_from_snapshot(snap), X=ds.X_train, T=self._T, theta=np.array(snap.theta, float),
            kind=self._kind, l1=self._l1, l2=self._l2, trajectory=traj, steps=steps,
            params=(int(self._params[0]), int(self._params[1])), seed=self._seed, extra_points=extra,
            previous_ranges=previous, tag=ident,
        )
        self._req_id = self.service.submit(req)
        self._req_kind = ident
        self._last_key = key
        self._last_request = time.perf_counter()
        self.requests_made += 1
        if self._shown is None or self._shown_kind != ident:
            self.status.setText("computing the surface…")

    def showEvent(self, event) -> None:  # noqa: N802 - Qt name
        super().showEvent(event)
        if self._dirty:
            self._dirty = False
            QTimer.singleShot(0, lambda: self._maybe_request())

    # ------------------------------------------------------------------ results --------
    def _current(self, rid: int) -> bool:
        if rid != self._req_id:
            self.stale_dropped += 1
            return False
        return True

    def _on_plan(self, rid: int, plan) -> None:
        if rid == self._req_id:
            self._planned = (self._req_kind, plan.ranges)

    def _on_surface(self, rid: int, surf: Surface, final: bool) -> None:
        if not self._current(rid):
            return
        reframe = self._shown is None or self._shown_kind != self._req_kind or \
            self._shown.extent != surf.extent
        self._shown = surf
        self._shown_id = rid
        self._shown_kind = self._req_kind
        self._shown_final = final
        self._projector = _Projector(surf.origin, surf.d1, surf.d2)
        self._draw_surface(surf, reframe=reframe)
        self._update_path()
        n = len(surf.alphas)
        self.status.setText("" if final else f"refining the surface ({n}×{n})…")
        if self._note_kind in ("failed",):
            self._set_note("")

    def _on_path(self, rid: int, honest: HonestPath | None) -> None:
        if not self._current(rid):
            return
        self._honest = honest
        self._draw_honest()

    def _on_failed(self, rid: int, message: str) -> None:
        if not self._current(rid):
            return
        self._set_note(f"The surface could not be computed: {message}", kind="failed")
        self.status.setText("")

    def _on_finished(self, rid: int, seconds: float) -> None:
        if rid == self._req_id:
            self._interval = max(self.REQUEST_INTERVAL, 1.5 * float(seconds))

    # ------------------------------------------------------------------ drawing --------
    def _draw_surface(self, surf: Surface, reframe: bool) -> None:
        loss = np.asarray(surf.loss, float)
        disp = log_values(loss) if self._log else loss
        rng = finite_range(disp)
        if rng is None:
            self.image.clear()
            self.contours.setData([], [])
            self._set_note("The loss is not finite anywhere on this slice.", kind="failed")
            return
        lo, hi = rng
        disp = np.where(np.isfinite(disp), np.clip(disp, lo, hi), hi)
        self._disp, self._levels = disp, (lo, hi)
        a0, a1, b0, b1 = surf.extent
        na, nb = len(surf.alphas), len(surf.betas)
        da = (a1 - a0) / max(1, na - 1)
        db = (b1 - b0) / max(1, nb - 1)
        self.image.setImage(disp.T, autoLevels=False, levels=(lo, hi))
        self.image.setRect(QRectF(a0 - da / 2, b0 - db / 2, (a1 - a0) + da, (b1 - b0) + db))
        self.colorbar.setLevels((lo, hi))
        label = "log₁₀ loss" if self._log else "loss"
        if label != self._colorbar_label:
            self._colorbar_label = label
            size = f"{plot_font(self._plot_font, 1.35).pointSizeF():.0f}pt"
            self.colorbar.getAxis("right").setLabel(label, **{"font-size": size, "color": theme.ink_hex()})
        xs, ys = contour_segments(surf.alphas, surf.betas, disp, nice_levels(lo, hi, 10))
        self.contours.setData(xs, ys, connect="pairs")
        self.plot.setLabel("bottom", surf.labels[0])
        self.plot.setLabel("left", surf.labels[1])
        if reframe:
            self.plot.getViewBox().setRange(xRange=(a0, a1), yRange=(b0, b1), padding=0)
        if self.showing_3d:
            self._draw_gl_surface()

    def _draw_gl_surface(self) -> None:
        if self._gl is None or self._shown is None or self._disp is None:
            return
        s = self._shown
        self._gl.set_surface(s.alphas, s.betas, self._disp, self._levels, self.cmap, s.labels,
                             "log₁₀ loss" if self._log else "loss")

    def _hide_path(self) -> None:
        for item in (self.path_line, self.path_halo):
            item.setData([], [])
        self.now.setData([], [])
        self.start.hide()
        self.star.setData([], [])
        self.star_text.hide()

    def _star_applies(self) -> bool:
        return self._ls_theta is not None and self._kind == "params" and set(self._params) == {0, 1}

    def _update_path(self) -> None:
        snap = self._snap
        if snap is None or self._projector is None or self._shown is None:
            self._hide_path()
            return
        coords = self._project_path(snap)
        current = self._projector(snap.theta)[0]
        if len(coords) >= 1:
            line = np.vstack([coords, current[None, :]])
            if len(line) > MAX_DRAWN_POINTS:  # sub-pixel segments cost paint time, show nothing
                line = line[np.unique(np.round(np.linspace(0, len(line) - 1, MAX_DRAWN_POINTS)).astype(int))]
            x, y = self._decimator.update(line, self._pixel_size())
            self.path_halo.setData(x, y)
            self.path_line.setData(x, y)
        else:
            self.path_halo.setData([], [])
            self.path_line.setData([], [])
        self.now.setData([current[0]], [current[1]])
        start = coords[0] if len(coords) else current
        if self._pending_start is not None:
            px, py, t = self._pending_start
            if time.perf_counter() - t > 3.0 or np.allclose(start, (px, py), rtol=1e-6, atol=1e-9):
                self._pending_start = None
            else:
                start = np.array([px, py])
        if not getattr(self.start, "moving", False):
            self.start.blockSignals(True)
            self.start.setPos(float(start[0]), float(start[1]))
            self.start.blockSignals(False)
        self.start.show()
        star = None
        if self._star_applies() and self._shown_kind and self._shown_kind[0] == "params":
            w, b = self._ls_theta
            star = (w, b) if self._params[0] == 0 else (b, w)
            self.star.setData([star[0]], [star[1]])
            self.star_text.setText(f"least squares\nw = {_fmt(w)}, b = {_fmt(b)}")
            self.star_text.setPos(star[0], star[1])
            self.star_text.show()
        else:
            self.star.setData([], [])
            self.star_text.hide()
        self._update_legend(snap, star is not None)
        if self.showing_3d:
            self._gl.set_path(np.vstack([coords, current[None, :]]) if len(coords) else None, current, start,
                              None if star is None else np.asarray(star, float))

    def _pixel_size(self) -> tuple[float, float] | None:
        try:
            px = self.plot.getViewBox().viewPixelSize()
        except Exception:  # noqa: BLE001 - no geometry yet
            return None
        return (float(px[0]), float(px[1])) if px else None

    def _project_path(self, snap: Snapshot) -> Array:
        """Plane coordinates of the recorded path (finite rows only), cached between frames.

        The recorder only appends (and now and then thins), so when the step numbers of
        the previous frame are a prefix of this frame's, only the new rows are projected.
        """
        traj, steps = snap.trajectory, np.asarray(snap.trajectory_steps)
        if not len(traj):
            return np.empty((0, 2))
        cache = self._proj_cache
        if cache is not None and cache[0] is self._projector and len(cache[1]) <= len(steps) \
                and np.array_equal(cache[1], steps[: len(cache[1])]):
            old = cache[2]
            new = self._projector(traj[len(old):]) if len(traj) > len(old) else np.empty((0, 2))
            raw = np.vstack([old, new])
        else:
            raw = self._projector(traj)
        self._proj_cache = (self._projector, steps.copy(), raw)
        # a row with any non-finite entry projects to non-finite coordinates: drop those
        return raw[np.isfinite(raw).all(axis=1)]

    def _update_legend(self, snap: Snapshot, star: bool) -> None:
        two = self._kind == "params"
        self._legend_star = star
        texts = {
            "path": "training path" + ("" if two else " (projected)"),
            "now": f"now (step {snap.step})",
            "start": "start: drag to restart" if two else "start",
        }
        if star:
            texts["star"] = "least-squares optimum"
        h = self._honest
        if h is not None and self._inset_visible:
            texts["off"] = (f"the path leaves the plane: up to {_fmt(h.max_distance)} away "
                            f"({100 * h.max_relative:.0f} %)")
        if texts == self._legend_text:
            return
        if list(texts) == list(self._legend_text):  # same entries: change the words only
            for sample, label in self.legend.items:
                key = next((k for k, v in self._legend_samples.items() if v is sample.item), None)
                if key is not None and texts[key] != self._legend_text[key]:
                    label.setText(texts[key])
        else:
            self.legend.clear()
            for key, text in texts.items():
                self.legend.addItem(self._legend_samples[key], text)
        self._legend_text = texts

    def _show_inset(self, on: bool) -> None:
        if on == self._inset_visible:
            return
        self._inset_visible = on
        if on:
            self.glw.addItem(self.inset, row=1, col=0, colspan=2)
            self.glw.ci.layout.setRowStretchFactor(1, 1)
        else:
            self.glw.removeItem(self.inset)
        self.inset.setVisible(on)

    def _draw_honest(self) -> None:
        h = self._honest
        exact = h is not None and h.max_distance <= 1e-9 * max(1.0, float(np.max(np.abs(h.path.coords))))
        if h is None or exact:
            self._show_inset(False)
            if self._shown is not None and h is not None:
                self.status.setText("Exact slice: the path lies in this plane.")
            return
        self._show_inset(True)
        p = h.path
        true_loss, plane_loss = p.true_loss, p.plane_loss
        if self._log:
            with np.errstate(all="ignore"):
                true_loss = np.where(true_loss > 0, true_loss, np.nan)
                plane_loss = np.where(plane_loss > 0, plane_loss, np.nan)
        self.inset_true.setData(h.steps, true_loss, connect="finite")
        self.inset_plane.setData(h.steps, plane_loss, connect="finite")
        if self._snap is not None:
            self._update_legend(self._snap, self._legend_star)

    # ------------------------------------------------------------------ interaction ----
    def _start_dropped(self, target) -> None:
        snap = self._snap
        if snap is None or self._kind != "params" or not is_finite_vector(snap.theta):
            return
        pos = target.pos()
        x, y = float(pos.x()), float(pos.y())
        if not (math.isfinite(x) and math.isfinite(y)):
            return
        traj = finite_rows(snap.trajectory) if len(snap.trajectory) else np.empty((0, len(snap.theta)))
        base = traj[0] if len(traj) else np.asarray(snap.theta, float)
        theta = np.array(base, dtype=float)
        i, j = self._params
        theta[i] = x
        theta[j] = y
        self._pending_start = (x, y, time.perf_counter())
        self.command.emit("restart_from", theta)

    # ------------------------------------------------------------------ notes ----------
    _note_kind = ""

    def _set_note(self, text: str, kind: str = "diverged") -> None:
        self._note_kind = kind if text else ""
        self.note.setText(text)
        self.note.setVisible(bool(text))

    @property
    def note_text(self) -> str:
        return self.note.text()


__all__ = ["SurfacePanel"]
