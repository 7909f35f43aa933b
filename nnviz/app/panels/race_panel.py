"""The optimiser race: GD, momentum, Nesterov, Adagrad, RMSprop, Adam and Newton side by
side on a two-variable test function (``nnviz.engine.race``).

The racers are the engine's own optimiser classes, so what the class sees here is
what happens inside network training. Everything runs on the GUI thread: seven racers on
a 2-D function cost microseconds a step, and a ``QTimer`` advances a few steps per tick.

* Function chooser (Rosenbrock, Beale, Himmelblau, saddle, canyon, rotated canyon,
  Rastrigin); the canyon's condition number κ has its own slider, applied live.
  ``set_function(name)`` lets a lesson pick one.
* A map of the function (log scale when it has a known minimum, so valleys show), its
  contour lines and the minima (stars; the saddle's stationary point as a cross).
* Each racer has its colour (Okabe–Ito, colour-blind safe) and marker shape, a checkbox
  to show it, and its own sliders (learning rate on a log slider with a typed value;
  momentum; α; β₁, β₂; Newton's damping). Changing a slider applies at once and keeps
  the optimiser's state (the engine's optimisers read their settings every step).
* One draggable start point: dragging it restarts every racer from there.
* Play/pause, step and reset buttons, the step counter and the speed (steps per tick).
* Below the map: f − f_min against the step for every racer (log scale).
* Newton's next step: the Hessian, its eigenvalues and the step, in a box beside the
  loss plot, and drawn on the map as an arrow.
* A racer that diverges stops with a cross and says so in the legend; nothing raises.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, QTimer, Slot
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFrame,
    QGraphicsItem,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from nnviz.app import theme
from nnviz.app.controls.widgets import LinearSlider, LogSlider
from nnviz.app.panel import Panel, register_panel
from nnviz.app.panels.race_drawing import PathDecimator, RacerArrays, column_peaks
from nnviz.app.panels.surface_contours import contour_segments, log_values, nice_levels
from nnviz.app.plot_helpers import format_number
from nnviz.app.views.common import ink, plot_font, style_plot
from nnviz.app.worker import protect_none_refcount
from nnviz.engine.optimizers import OptimizerError
from nnviz.engine.race import Race, RacerSpec, default_racers
from nnviz.engine.testfunctions import TEST_FUNCTIONS, TestFunction, canyon, get_test_function

Array = np.ndarray

#: Functions offered, in menu order (engine names).
RACE_FUNCTIONS = ("rosenbrock", "beale", "himmelblau", "saddle", "canyon", "rotated_canyon", "rastrigin")
#: Marker shapes per racer (a second cue besides colour).
RACE_SYMBOLS = ("o", "s", "t", "d", "h", "p", "star")
#: Steps per timer tick offered by the speed box; the timer ticks every TICK_MS.
RACE_SPEEDS = (1, 2, 5, 10, 25, 100)
TICK_MS = 33
#: Canyon rotation of the "rotated canyon".
ROTATED_ANGLE = 45.0
#: Grid resolution of the background map.
MAP_RESOLUTION = 240
#: Floor for f − f_min on the log-scale loss plot (an exact minimum would be −∞).
LOSS_FLOOR = 1e-14

#: Extra sliders per optimiser: (config field, label, low, high, step or None for log).
_EXTRA: dict[str, tuple[tuple[str, str, float, float, float | None], ...]] = {
    "Momentum": (("momentum", "μ", 0.0, 0.99, 0.01),),
    "Nesterov": (("momentum", "μ", 0.05, 0.99, 0.01),),
    "RMSprop": (("alpha", "α", 0.5, 0.999, 0.001),),
    "Adam": (("beta1", "β₁", 0.0, 0.999, 0.001), ("beta2", "β₂", 0.5, 0.9999, 0.0001)),
    "Newton": (("damping", "λ", 0.0, 5.0, 0.05),),
}



def _fmt(v: float) -> str:
    return format_number(v, 4)


def _map_colormap() -> pg.ColorMap:
    """A light map (white valleys, grey-blue heights) so coloured paths stand out."""
    return pg.ColorMap(pos=np.array([0.0, 0.5, 1.0]),
                       color=np.array([[255, 255, 255], [222, 228, 238], [160, 172, 192]], dtype=np.ubyte))


@register_panel
class RacePanel(Panel):
    """Seven optimisers racing on a 2-D test function, with live settings."""

    panel_id = "race"
    title = "Optimiser race"
    default_area = "right"
    default_visible = False

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        protect_none_refcount()  # PySide6 6.12 on Python 3.11: see worker.py
        self._kappa = 100.0
        self._name = "canyon"
        self.function: TestFunction = self._make_function("canyon")
        self.race = Race(self.function, racers=default_racers("canyon"))
        self._included = {spec.label: True for spec in self.race.specs}
        self._legend_text: dict[str, str] = {}
        self._legend_samples: dict[str, pg.PlotDataItem] = {}
        self._decimators: dict[str, PathDecimator] = {}
        self._arrays: dict[str, RacerArrays] = {}
        self._newton_text = ""
        self._steps_per_tick = 2
        self.timer = QTimer(self)
        self.timer.setInterval(TICK_MS)
        self.timer.timeout.connect(self._tick)
        self._build()
        self.set_function("canyon")

    # ------------------------------------------------------------------ building -----
    def _build(self) -> None:
        self.setFont(plot_font(self.font(), 1.1))
        pf = plot_font(self.font(), 1.1)
        self.glw = pg.GraphicsLayoutWidget()
        self.glw.setBackground(theme.background())
        self.map = self.glw.addPlot(row=0, col=0, colspan=2)
        self.map.setMenuEnabled(False)
        self.map.hideButtons()
        style_plot(self.map, pf, bottom="x", left="y")
        self.image = pg.ImageItem(axisOrder="col-major")
        self.image.setColorMap(_map_colormap())
        self.map.addItem(self.image)
        self.contours = pg.PlotCurveItem(pen=pg.mkPen((95, 105, 125), width=1.2), connect="pairs",
                                         antialias=True, skipFiniteCheck=True)
        self.contours.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)  # static between changes
        self.map.addItem(self.contours)
        self.minima = pg.ScatterPlotItem(symbol="star", size=30, pen=pg.mkPen(ink(), width=1.5),
                                         brush=pg.mkBrush(255, 255, 255))
        self.stationary = pg.ScatterPlotItem(symbol="x", size=26, pen=pg.mkPen(ink(), width=2),
                                             brush=pg.mkBrush(ink()))
        self.map.addItem(self.minima)
        self.map.addItem(self.stationary)
        for item in (self.minima, self.stationary):
            item.setZValue(5)

        self.paths: dict[str, pg.PlotCurveItem] = {}
        self.heads: dict[str, pg.ScatterPlotItem] = {}
        self.crosses: dict[str, pg.ScatterPlotItem] = {}
        self.curves: dict[str, pg.PlotDataItem] = {}
        self.colors: dict[str, tuple[int, int, int]] = {}

        self.newton_line = pg.PlotCurveItem(pen=pg.mkPen(ink(), width=2.5, style=Qt.PenStyle.DashLine))
        self.newton_arrow = pg.ArrowItem(headLen=22, tipAngle=30, tailLen=0, pen=pg.mkPen(ink()),
                                         brush=pg.mkBrush(ink()))
        for item in (self.newton_line, self.newton_arrow):
            item.setZValue(20)
            self.map.addItem(item)
        self.map.getViewBox().sigRangeChanged.connect(lambda *_: self._range_changed())
        self._arrow: tuple[Array, Array] | None = None

        self.start = pg.TargetItem(pos=(0, 0), size=26, symbol="o", movable=True,
                                   pen=pg.mkPen(ink(), width=2.5), brush=pg.mkBrush(255, 255, 255),
                                   hoverPen=pg.mkPen(ink(), width=4), hoverBrush=pg.mkBrush(255, 240, 200))
        self.start.setZValue(30)
        self.start.setToolTip("Drag the start point: every racer restarts from there")
        self.start.sigPositionChanged.connect(self._start_moved)
        self.map.addItem(self.start)

        self.loss_plot = self.glw.addPlot(row=1, col=0)
        self.loss_plot.setMenuEnabled(False)
        self.loss_plot.hideButtons()
        # (no grid: pyqtgraph's grid lines cost several ms a frame)
        style_plot(self.loss_plot, pf, bottom="step", left="f − f_min")
        self.loss_plot.setLogMode(x=False, y=True)
        for plot in (self.map, self.loss_plot):
            for name in ("left", "bottom"):
                plot.getAxis(name).enableAutoSIPrefix(False)

        pt = plot_font(self.font(), 1.05).pointSizeF()
        # the legend sits beside the loss plot (never over the curves)
        self.legend = pg.LegendItem(brush=pg.mkBrush(255, 255, 255), labelTextSize=f"{pt:.0f}pt",
                                    labelTextColor=ink(), verSpacing=-8)
        self.glw.addItem(self.legend, row=1, col=1)
        # Newton's box floats in the map's top-right corner (pixel position, not data)
        self.newton_box = pg.TextItem(html="", anchor=(1, 0), fill=pg.mkBrush(255, 255, 255, 225),
                                      border=pg.mkPen(ink()))
        self.newton_box.setParentItem(self.map.getViewBox())
        self.newton_box.setTextWidth(21 * plot_font(self.font(), 1.0).pointSizeF())
        self.newton_box.setZValue(40)
        self.map.getViewBox().sigResized.connect(lambda *_: self._place_newton_box())
        self.glw.ci.layout.setRowStretchFactor(0, 5)
        self.glw.ci.layout.setRowStretchFactor(1, 2)

        for k, spec in enumerate(self.race.specs):
            self._add_racer_items(k, spec.label)

        # -- sidebar ------------------------------------------------------------------------
        side = QWidget()
        side_lay = QVBoxLayout(side)
        side_lay.setContentsMargins(6, 6, 6, 6)
        side_lay.setSpacing(6)

        self.function_combo = QComboBox()
        for name in RACE_FUNCTIONS:
            self.function_combo.addItem(TEST_FUNCTIONS[name].title, name)
        self.function_combo.activated.connect(
            lambda i: self.set_function(self.function_combo.itemData(i)))
        row = QHBoxLayout()
        label = QLabel("Function:")
        label.setFont(plot_font(self.font(), 1.0, bold=True))
        row.addWidget(label)
        row.addWidget(self.function_combo, 1)
        side_lay.addLayout(row)
        self.formula = QLabel("")
        self.formula.setWordWrap(True)
        side_lay.addWidget(self.formula)

        self.kappa_row = QWidget()
        krow = QHBoxLayout(self.kappa_row)
        krow.setContentsMargins(0, 0, 0, 0)
        krow.addWidget(QLabel("κ (condition number)"))
        self.kappa_slider = LogSlider(1.0, 1000.0, self._kappa, steps_per_decade=20)
        self.kappa_slider.setToolTip("The canyon's condition number: how much steeper across than along")
        self.kappa_slider.valueChanged.connect(self.set_kappa)
        krow.addWidget(self.kappa_slider, 1)
        side_lay.addWidget(self.kappa_row)

        buttons = QHBoxLayout()
        self.play_button = QPushButton("▶ Play")
        self.play_button.setCheckable(True)
        self.play_button.toggled.connect(self._play_toggled)
        self.step_button = QPushButton("Step")
        self.step_button.clicked.connect(lambda: self.step(1))
        self.reset_button = QPushButton("↺ Reset")
        self.reset_button.clicked.connect(self.reset)
        for b in (self.play_button, self.step_button, self.reset_button):
            buttons.addWidget(b)
        side_lay.addLayout(buttons)
        srow = QHBoxLayout()
        self.step_label = QLabel("step 0")
        self.step_label.setFont(plot_font(self.font(), 1.15, bold=True))
        srow.addWidget(self.step_label, 1)
        srow.addWidget(QLabel("speed"))
        self.speed_combo = QComboBox()
        for s in RACE_SPEEDS:
            self.speed_combo.addItem(f"{s * 1000 // TICK_MS} steps/s" if s < 100 else "fast", s)
        self.speed_combo.setCurrentIndex(RACE_SPEEDS.index(self._steps_per_tick))
        self.speed_combo.activated.connect(
            lambda i: setattr(self, "_steps_per_tick", int(self.speed_combo.itemData(i))))
        srow.addWidget(self.speed_combo)
        side_lay.addLayout(srow)

        line = QFrame()
        line.setFrameShape(QFrame.Shape.HLine)
        side_lay.addWidget(line)

        grid = QGridLayout()
        grid.setHorizontalSpacing(6)
        grid.setVerticalSpacing(2)
        self.checks: dict[str, QCheckBox] = {}
        self.sliders: dict[str, dict[str, LogSlider | LinearSlider]] = {}
        r = 0
        for spec in self.race.specs:
            label = spec.label
            color = self.colors[label]
            cb = QCheckBox(label)
            cb.setChecked(True)
            cb.setStyleSheet(f"QCheckBox {{ color: {theme.hex_color(color)}; font-weight: bold; }}")
            cb.toggled.connect(lambda on, lab=label: self.set_included(lab, on))
            self.checks[label] = cb
            grid.addWidget(cb, r, 0)
            lr = LogSlider(1e-5, 10.0, spec.lr, steps_per_decade=10)
            lr.setToolTip(f"{label}: learning rate (log scale; type a value in the box)")
            lr.valueChanged.connect(lambda v, lab=label: self.set_racer_param(lab, "lr", v))
            grid.addWidget(QLabel("lr"), r, 1)
            grid.addWidget(lr, r, 2)
            self.sliders[label] = {"lr": lr}
            r += 1
            for field, name, lo, hi, step in _EXTRA.get(label, ()):
                value = float(getattr(spec.config, field))
                s = LinearSlider(lo, hi, step, value)
                s.setToolTip(f"{label}: {field}")
                s.valueChanged.connect(lambda v, lab=label, f=field: self.set_racer_param(lab, f, v))
                grid.addWidget(QLabel(name), r, 1, alignment=Qt.AlignmentFlag.AlignRight)
                grid.addWidget(s, r, 2)
                self.sliders[label][field] = s
                r += 1
        grid.setColumnStretch(2, 1)
        side_lay.addLayout(grid)
        self.note = QLabel("")
        self.note.setWordWrap(True)
        self.note.setStyleSheet("color: #7a3b00;")
        side_lay.addWidget(self.note)
        side_lay.addStretch(1)

        scroll = QScrollArea()
        scroll.setWidget(side)
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setMinimumWidth(330)
        scroll.setMaximumWidth(430)
        scroll.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Expanding)
        self.sidebar = scroll

        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(4)
        lay.addWidget(self.glw, 1)
        lay.addWidget(scroll)
        self.setMinimumSize(640, 360)

    def _add_racer_items(self, k: int, label: str) -> None:
        color = theme.RACER_COLORS[k % len(theme.RACER_COLORS)]
        symbol = RACE_SYMBOLS[k % len(RACE_SYMBOLS)]
        self.colors[label] = color
        path = pg.PlotCurveItem(pen=pg.mkPen(color, width=3), antialias=True, skipFiniteCheck=True)
        head = pg.ScatterPlotItem(symbol=symbol, size=17, pen=pg.mkPen(ink(), width=1.2),
                                  brush=pg.mkBrush(color))
        cross = pg.ScatterPlotItem(symbol="x", size=24, pen=pg.mkPen(color, width=2),
                                   brush=pg.mkBrush(color))
        for z, item in ((10 + k, path), (15 + k, head), (15 + k, cross)):
            item.setZValue(z)
            self.map.addItem(item)
        curve = self.loss_plot.plot([], [], pen=pg.mkPen(color, width=3), symbol=None)
        self.paths[label], self.heads[label], self.crosses[label] = path, head, cross
        self._decimators[label] = PathDecimator(max_points=400)
        self._arrays[label] = RacerArrays()
        self.curves[label] = curve
        self._legend_samples[label] = pg.PlotDataItem(
            [0, 1], [0, 0], pen=pg.mkPen(color, width=4), symbol=symbol, symbolBrush=color,
            symbolPen=ink(), symbolSize=12)

    # ------------------------------------------------------------------ public API ------
    def set_snapshot(self, snapshot) -> None:
        """The race does not depend on training; nothing to do per frame."""
        return

    def export_items(self) -> list:
        return [self.glw.ci]

    def set_function(self, name: str) -> None:
        """Race on test function ``name`` ("canyon", "Rosenbrock"…): defaults, start, reset.

        Raises ValueError for an unknown name (the message lists the choices).
        """
        key = str(name).strip().lower().replace(" ", "_").replace("-", "_")
        titles = {f.title.lower().replace(" ", "_"): n for n, f in TEST_FUNCTIONS.items()}
        key = titles.get(key, key)
        if key not in TEST_FUNCTIONS:
            get_test_function(key)  # raises with the list of choices
        self._name = key
        self.function = self._make_function(key)
        specs = default_racers(key)
        self.race = Race(self.function, racers=specs)
        i = self.function_combo.findData(key)
        if i >= 0 and self.function_combo.currentIndex() != i:
            self.function_combo.setCurrentIndex(i)
        self.kappa_row.setVisible(key in ("canyon", "rotated_canyon"))
        for spec in specs:
            for field, slider in self.sliders.get(spec.label, {}).items():
                value = spec.lr if field == "lr" else float(getattr(spec.config, field))
                slider.setValue(value)
        self.note.setText(self.function.note)
        self._draw_function(reframe=True)
        self._move_start_marker()
        self._redraw()

    @property
    def function_name(self) -> str:
        return self._name

    @Slot(float)
    def set_kappa(self, kappa: float) -> None:
        """The canyon's condition number, live: the racers keep their places and state."""
        kappa = float(kappa)
        if not (kappa > 0 and math.isfinite(kappa)):
            return
        self._kappa = kappa
        if abs(self.kappa_slider.value() - kappa) > 1e-12:
            self.kappa_slider.setValue(kappa)
        if self._name in ("canyon", "rotated_canyon"):
            self.function = self._make_function(self._name)
            self.race.function = self.function
            self.note.setText(self.function.note)
            self._draw_function(reframe=False)
            self._redraw()

    def set_racer_param(self, label: str, field: str, value: float) -> None:
        """Change one racer's learning rate ("lr") or optimiser setting, live."""
        try:
            index = [s.label for s in self.race.specs].index(label)
        except ValueError:
            raise KeyError(label) from None
        spec = self.race.specs[index]
        if field == "lr":
            new = replace(spec, lr=float(value))
        else:
            new = replace(spec, config=replace(spec.config, **{field: float(value)}))
        racer = self.race.racer(label)
        try:
            racer.optimizer.configure(new.config)
        except (OptimizerError, ValueError) as exc:
            self.note.setText(f"{label}: {exc}")
            return
        self.race.specs[index] = new
        racer.spec = new
        slider = self.sliders.get(label, {}).get(field)
        if slider is not None and abs(slider.value() - float(value)) > 1e-15:
            slider.setValue(float(value))
        self._redraw()

    def set_included(self, label: str, on: bool) -> None:
        """Show or hide one racer (hidden racers keep racing, unseen)."""
        self._included[label] = bool(on)
        cb = self.checks.get(label)
        if cb is not None and cb.isChecked() != bool(on):
            cb.setChecked(bool(on))
        self._legend_text = {}
        self._redraw()

    def set_start(self, x: float, y: float) -> None:
        """Restart every racer from (x, y)."""
        if not (math.isfinite(x) and math.isfinite(y)):
            return
        self.race.reset((float(x), float(y)))
        self._move_start_marker()
        self._redraw()

    def play(self) -> None:
        self.play_button.setChecked(True)

    def pause(self) -> None:
        self.play_button.setChecked(False)

    @property
    def playing(self) -> bool:
        return self.timer.isActive()

    def step(self, n: int = 1) -> None:
        """Advance every racer ``n`` steps and redraw."""
        self.race.step(int(n))
        self._redraw()

    def reset(self) -> None:
        """Every racer back to the start with fresh optimiser state (settings kept)."""
        self.race.reset()
        self._redraw()

    # ------------------------------------------------------------------ internals -------
    def _make_function(self, name: str) -> TestFunction:
        if name == "canyon":
            return canyon(self._kappa)
        if name == "rotated_canyon":
            return canyon(self._kappa, ROTATED_ANGLE)
        return get_test_function(name)

    def _play_toggled(self, on: bool) -> None:
        self.play_button.setText("⏸ Pause" if on else "▶ Play")
        self.step_button.setEnabled(not on)
        if on:
            self.timer.start()
        else:
            self.timer.stop()

    def _tick(self) -> None:
        self.race.step(self._steps_per_tick)
        self._redraw()
        if not self.race.running:
            self.pause()

    def _start_moved(self, target) -> None:
        pos = target.pos()
        x, y = float(pos.x()), float(pos.y())
        if not (math.isfinite(x) and math.isfinite(y)):
            return
        if np.allclose(self.race.start, (x, y), rtol=0, atol=1e-12):
            return
        self.race.reset((x, y))
        self._redraw()

    def _move_start_marker(self) -> None:
        s = self.race.start
        self.start.blockSignals(True)
        self.start.setPos(float(s[0]), float(s[1]))
        self.start.blockSignals(False)

    def _draw_function(self, reframe: bool) -> None:
        f = self.function
        xs, ys, F = f.grid(MAP_RESOLUTION)
        with np.errstate(all="ignore"):
            if f.min_value is not None:
                # a small offset keeps the valley floor white instead of stretching the scale
                span = float(np.nanmax(F) - f.min_value)
                disp = log_values(F - f.min_value + 1e-4 * max(span, 1e-12))
                label = "log₁₀(f − f_min)"
            else:
                disp = F
                label = "f"
        fin = disp[np.isfinite(disp)]
        lo, hi = (float(fin.min()), float(fin.max())) if fin.size else (0.0, 1.0)
        if hi <= lo:
            hi = lo + 1.0
        disp = np.where(np.isfinite(disp), disp, hi)
        (x0, x1), (y0, y1) = f.domain
        dx = (x1 - x0) / (len(xs) - 1)
        dy = (y1 - y0) / (len(ys) - 1)
        self.image.setImage(disp.T, autoLevels=False, levels=(lo, hi))
        self.image.setRect(x0 - dx / 2, y0 - dy / 2, (x1 - x0) + dx, (y1 - y0) + dy)
        cx, cy = contour_segments(xs, ys, disp, nice_levels(lo, hi, 16))
        self.contours.setData(cx, cy, connect="pairs")
        self.image.setToolTip(f"shading: {label}")
        if f.minima:
            m = np.array(f.minima, dtype=float)
            self.minima.setData(m[:, 0], m[:, 1])
        else:
            self.minima.setData([], [])
        if f.stationary:
            st = np.array(f.stationary, dtype=float)
            self.stationary.setData(st[:, 0], st[:, 1])
        else:
            self.stationary.setData([], [])
        self.formula.setText(f"<b>{f.title}</b>: f = {f.formula}")
        self.loss_plot.setLabel("left", "f − f_min" if f.min_value is not None else "f")
        self.loss_plot.setLogMode(x=False, y=f.min_value is not None)
        if reframe:
            self.map.getViewBox().setRange(xRange=(x0, x1), yRange=(y0, y1), padding=0)

    def _redraw(self) -> None:
        f = self.function
        fmin = f.min_value
        self.step_label.setText(f"step {self.race.t}")
        pixel = self._pixel_size()
        columns = max(50, int(self.loss_plot.getViewBox().width()) // 2)  # min+max per 2 px
        for racer in self.race.racers:
            label = racer.label
            shown = self._included.get(label, True)
            path, losses, steps = self._arrays[label].update(racer)
            items = (self.paths[label], self.heads[label], self.crosses[label], self.curves[label])
            for item in items:
                item.setVisible(shown)
            if not shown:
                continue
            self.paths[label].setData(*self._decimators[label].update(path, pixel))
            last = path[-1]
            self.heads[label].setData([last[0]], [last[1]])
            if racer.diverged:
                self.crosses[label].setData([last[0]], [last[1]])
            else:
                self.crosses[label].setData([], [])
            if fmin is not None:
                losses = np.maximum(losses - fmin, LOSS_FLOOR)
            self.curves[label].setData(*column_peaks(steps, losses, (0.0, max(1.0, self.race.t)), columns))
        self._update_legend()
        self._update_newton()

    def _pixel_size(self) -> tuple[float, float] | None:
        try:
            px = self.map.getViewBox().viewPixelSize()
        except Exception:  # noqa: BLE001 - no geometry yet
            return None
        return (float(px[0]), float(px[1])) if px else None

    def _update_legend(self) -> None:
        fmin = self.function.min_value
        texts: dict[str, str] = {}
        for racer in self.race.racers:
            if not self._included.get(racer.label, True):
                continue
            if racer.diverged:
                texts[racer.label] = f"{racer.label}: diverged at step {racer.t + 1} ✕"
            else:
                v = racer.loss - (fmin or 0.0)
                texts[racer.label] = f"{racer.label}  {_fmt(v)}"
        if list(texts) != list(self._legend_text):
            self.legend.clear()
            for label, text in texts.items():
                self.legend.addItem(self._legend_samples[label], text)
        else:
            for sample, item in self.legend.items:
                label = next((k for k, v in self._legend_samples.items() if v is sample.item), None)
                if label is not None and texts.get(label) != self._legend_text.get(label):
                    item.setText(texts[label])
        self._legend_text = texts
        notes = [r.message for r in self.race.racers if r.diverged and self._included.get(r.label, True)]
        base = self.function.note
        self.note.setText("\n".join([base, *notes]) if notes else base)

    def legend_text(self, label: str) -> str:
        return self._legend_text.get(label, "")

    def _update_newton(self) -> None:
        racer = next((r for r in self.race.racers if r.optimizer.needs_hessian), None)
        info = None
        if racer is not None and self._included.get(racer.label, True) and not racer.diverged:
            with np.errstate(all="ignore"):
                info = self.race.newton_info(racer.label)
        if info is None or not (np.all(np.isfinite(info.hessian)) and np.all(np.isfinite(info.step))):
            self.newton_line.setData([], [])
            self.newton_arrow.hide()
            self._arrow = None
            text = "" if racer is None or not self._included.get(racer.label, True) else \
                "Newton: no step (stopped)"
            self._set_newton_text(text)
            return
        h, w = info.hessian, info.eigenvalues
        a, b = info.theta, info.next_theta
        self.newton_line.setData([a[0], b[0]], [a[1], b[1]])
        self._arrow = (a.copy(), b.copy())
        self.newton_arrow.setPos(float(b[0]), float(b[1]))
        self.newton_arrow.show()
        self._update_arrow_angle()
        color = theme.hex_color(self.colors[racer.label])
        rows = (f"<tr><td>[&nbsp;{_fmt(h[0, 0])}</td><td>&nbsp;{_fmt(h[0, 1])}&nbsp;]</td></tr>"
                f"<tr><td>[&nbsp;{_fmt(h[1, 0])}</td><td>&nbsp;{_fmt(h[1, 1])}&nbsp;]</td></tr>")
        warn = ""
        if np.any(w < 0):
            warn = ("<br><span style='color:#b00020'><b>H has a negative eigenvalue:</b> the Newton step "
                    "heads for a saddle or a maximum.</span>")
        elif np.any(w == 0):
            warn = "<br><span style='color:#b00020'>H is singular.</span>"
        size = plot_font(self.font(), 1.0).pointSizeF()
        text = (
            f"<span style='font-size:{size:.0f}pt; color:{theme.ink_hex()}'>"
            f"<b style='color:{color}'>Newton's next step</b><br>"
            f"Hessian H:<table style='font-family:monospace'>{rows}</table>"
            f"eigenvalues: {_fmt(w[0])}, {_fmt(w[1])}<br>"
            f"step −lr·H⁻¹∇f = ({_fmt(info.step[0])}, {_fmt(info.step[1])}){warn}</span>"
        )
        self._set_newton_text(text)

    def _set_newton_text(self, text: str) -> None:
        if text != self._newton_text:
            self._newton_text = text
            self.newton_box.setHtml(text)
            self.newton_box.setVisible(bool(text))
            self._place_newton_box()

    def _place_newton_box(self) -> None:
        rect = self.map.getViewBox().boundingRect()
        self.newton_box.setPos(rect.right() - 6, rect.top() + 6)

    @property
    def newton_text(self) -> str:
        return self._newton_text

    def _range_changed(self) -> None:
        """Zoomed or resized: paths are decimated per pixel, so redraw them."""
        self._update_arrow_angle()
        if self.race.t:
            self._redraw()

    def _update_arrow_angle(self) -> None:
        if self._arrow is None:
            return
        a, b = self._arrow
        px = self.map.getViewBox().viewPixelSize()  # data units per pixel (x, y)
        if not px or px[0] <= 0 or px[1] <= 0:
            return
        sx = (b[0] - a[0]) / px[0]
        sy = (b[1] - a[1]) / px[1]
        if sx == 0 and sy == 0:
            self.newton_arrow.hide()
            return
        # ArrowItem at angle 0 points left; Qt rotates clockwise on screen (y down)
        self.newton_arrow.setStyle(angle=math.degrees(math.atan2(sy, -sx)))

    def hideEvent(self, event) -> None:  # noqa: N802 - Qt name
        self.pause()
        super().hideEvent(event)


__all__ = ["RacePanel", "RacerSpec"]
