"""The output plane: decision boundary (or regression surface) with the data on top.

2-D data: the network's output over the plane as a heatmap — binary outputs on the
orange→blue diverging palette (a sigmoid's p is shown as 2p − 1), k-class softmax as a
blend of the class colours weighted by probability, regression on the diverging palette
with a symmetric scale shared with the points' colours — plus training points (filled,
dark outline) and test points (white centre, ring in the class colour).

1-D data: the points as (x, y) with the fitted curve.

Hovering a neuron in the network view calls ``show_neuron``: the plane then shows that
neuron's map until ``clear_neuron``.

Clicking the plane emits ``pointAdded(x, y, value)``:
* 2-D classification: (x₁, x₂, class index chosen in the toolbar combo);
* 2-D regression: (x₁, x₂, target chosen in the combo: −1, 0 or +1);
* 1-D data: (x, y, class) where y is the clicked height — for regression the new
  point is x with target y (the third value is 0 and unused);
* the combo's last entry turns adding off.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from nnviz.app import theme
from nnviz.app.panel import Panel, register_panel
from nnviz.app.views.common import (
    DIVERGING,
    class_color,
    finite_absmax,
    ink,
    map_signed,
    neuron_kind,
    neuron_rgba,
    neuron_values,
    plot_font,
    pretty_feature,
    softmax_blend,
    style_plot,
)

Array = np.ndarray
POINT_SIZE = 11
_NO_ADD = "off"


def _brush(color: tuple[int, int, int], cache: dict) -> object:
    b = cache.get(color)
    if b is None:
        b = cache[color] = pg.mkBrush(*color)
    return b


def _pen(color: tuple[int, int, int], width: float, cache: dict) -> object:
    key = (color, width)
    p = cache.get(key)
    if p is None:
        p = cache[key] = pg.mkPen(color=color, width=width)
    return p


def _lut_colormap(lut: Array) -> pg.ColorMap:
    rgba = lut[:-1] if lut.shape[0] % 2 == 1 else lut  # drop the "missing" row
    return pg.ColorMap(np.linspace(0.0, 1.0, rgba.shape[0]), rgba[:, :3])


@register_panel
class OutputView(Panel):
    """Decision boundary / regression surface with the train and test points."""

    panel_id = "output"
    title = "Output"
    default_area = "right"

    #: (x, y, class-or-value) of a point the user clicked; see the module docstring.
    pointAdded = Signal(float, float, int)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        pg.setConfigOptions(antialias=True)
        self._snap = None
        self._dataset = None
        self._kind_key: tuple | None = None
        self._show_test = True
        self._discretize = False
        self._neuron: tuple[int, int] | None = None
        self._brushes: dict = {}
        self._pens: dict = {}
        self._value_scale = 1.0

        # toolbar ---------------------------------------------------------------------
        bar = QHBoxLayout()
        bar.setContentsMargins(6, 4, 6, 0)
        self.test_check = QCheckBox("Test data")
        self.test_check.setToolTip("Show the test points (drawn hollow)")
        self.test_check.setChecked(True)
        self.test_check.toggled.connect(self.set_show_test)
        self.discretize_check = QCheckBox("Discretise")
        self.discretize_check.setToolTip("Colour each point of the plane by its predicted class")
        self.discretize_check.toggled.connect(self.set_discretize)
        self.add_combo = QComboBox()
        self.add_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.add_combo.setToolTip("What a click on the plane adds to the training data")
        bar.addWidget(self.test_check)
        bar.addWidget(self.discretize_check)
        bar.addSpacing(12)
        bar.addWidget(QLabel("Click adds:"))
        bar.addWidget(self.add_combo)
        bar.addStretch(1)

        # plot ------------------------------------------------------------------------
        self.glw = pg.GraphicsLayoutWidget()
        self.glw.setBackground(theme.background())
        self.layout_item = self.glw.ci
        self.plot: pg.PlotItem = self.glw.addPlot(row=0, col=1)
        vb = self.plot.getViewBox()
        vb.setMouseEnabled(False, False)
        vb.setDefaultPadding(0.0)
        self.plot.setMenuEnabled(False)
        self.plot.hideButtons()
        self.plot.showGrid(False, False)
        self.image = pg.ImageItem(axisOrder="row-major")
        self.image.setZValue(-10)
        self.image.setOpacity(0.88)
        self.plot.addItem(self.image)
        self.fit_curve = pg.PlotDataItem(pen=pg.mkPen(color=ink(), width=4), connect="finite")
        self.fit_curve.setZValue(5)
        self.neuron_curve = pg.PlotDataItem(
            pen=pg.mkPen(color=(0, 130, 90), width=4), connect="finite")
        self.neuron_curve.setZValue(6)
        self.plot.addItem(self.fit_curve)
        self.plot.addItem(self.neuron_curve)
        self.train_points = pg.ScatterPlotItem(size=POINT_SIZE, pxMode=True)
        self.test_points = pg.ScatterPlotItem(size=POINT_SIZE, pxMode=True)
        self.train_points.setZValue(10)
        self.test_points.setZValue(11)
        self.plot.addItem(self.train_points)
        self.plot.addItem(self.test_points)
        self.caption = pg.TextItem("", color=ink(), fill=pg.mkBrush(255, 255, 255, 220),
                                   border=pg.mkPen(ink()), anchor=(0, 0))
        self.caption.setZValue(20)
        self.caption.setFont(plot_font(self.font(), 1.3, bold=True))
        self.plot.addItem(self.caption, ignoreBounds=True)
        self.caption.hide()
        self.message = pg.TextItem("", color=(176, 0, 32), anchor=(0.5, 0.5))
        self.message.setFont(plot_font(self.font(), 1.3, bold=True))
        self.message.setZValue(21)
        self.plot.addItem(self.message, ignoreBounds=True)
        self.message.hide()
        style_plot(self.plot, self.font(), bottom="x₁", left="x₂")

        self.colorbar = pg.ColorBarItem(
            values=(0.0, 1.0), colorMap=_lut_colormap(DIVERGING), interactive=False,
            width=22,
        )
        self.colorbar.axis.setStyle(tickFont=plot_font(self.font(), 1.1))
        self.colorbar.axis.enableAutoSIPrefix(False)
        self.colorbar.axis.setTextPen(pg.mkPen(ink()))
        self.colorbar.axis.setLabel("P(class 1)", **{
            "font-size": f"{plot_font(self.font(), 1.25).pointSizeF():.0f}pt"})
        self.colorbar.axis.setWidth(None)  # room for the large ticks and the label (not a fixed 45 px)
        # columns: spacer | plot | colour bar | spacer, so a square plot stays centred
        self._spacers = [pg.GraphicsWidget(), pg.GraphicsWidget()]
        self.glw.addItem(self._spacers[0], row=0, col=0)
        self.glw.addItem(self.colorbar, row=0, col=2)
        self.glw.addItem(self._spacers[1], row=0, col=3)
        for sp in self._spacers:
            sp.setMinimumWidth(0)
            sp.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        vb.sigResized.connect(self._fit_square)
        label_size = f"{plot_font(self.font(), 1.2).pointSizeF():.0f}pt"
        self.legend = pg.LegendItem(colCount=4, labelTextSize=label_size, labelTextColor=ink(), horSpacing=28)
        self.glw.addItem(self.legend, row=1, col=0, colspan=4)
        self._legend_samples: list = []

        self.plot.scene().sigMouseClicked.connect(self._on_scene_click)

        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(2)
        lay.addLayout(bar)
        lay.addWidget(self.glw, 1)
        self.setMinimumSize(320, 200)

    # ------------------------------------------------------------------ public API --------
    def set_snapshot(self, snapshot) -> None:
        self._snap = snapshot
        ds = snapshot.dataset
        kind = (snapshot.task, snapshot.n_classes, ds.input_dim, snapshot.output,
                tuple(ds.extent))
        if kind != self._kind_key:
            self._kind_key = kind
            self._configure(snapshot)
            self._dataset = None
        if ds is not self._dataset:
            self._dataset = ds
            self._update_points()
        self._update_surface()
        if snapshot.grid is None and snapshot.diverged:
            self._show_message("diverged — no output to draw")
        elif snapshot.grid is None:
            self._show_message("no output map for this data")
        else:
            self.message.hide()

    def export_items(self) -> list:
        return [self.glw.ci]

    def set_show_test(self, show: bool) -> None:
        self._show_test = bool(show)
        if self.test_check.isChecked() != self._show_test:
            self.test_check.setChecked(self._show_test)
        self.test_points.setVisible(self._show_test)

    def set_discretize(self, on: bool) -> None:
        self._discretize = bool(on)
        if self.discretize_check.isChecked() != self._discretize:
            self.discretize_check.setChecked(self._discretize)
        if self._snap is not None:
            self._update_surface()

    def show_neuron(self, layer: int, unit: int) -> None:
        """Show neuron ``unit`` of ``layer`` (−1: an input feature) instead of the output."""
        self._neuron = (int(layer), int(unit))
        if self._snap is not None:
            self._update_surface()

    def clear_neuron(self) -> None:
        """Back to the network's output."""
        if self._neuron is None:
            return
        self._neuron = None
        if self._snap is not None:
            self._update_surface()

    def add_point_at(self, x: float, y: float) -> bool:
        """Emit ``pointAdded`` for a click at data coordinates (x, y), per the combo."""
        s = self._snap
        value = self.add_combo.currentData()
        if s is None or value is None or value == _NO_ADD:
            return False
        if not (math.isfinite(x) and math.isfinite(y)):
            return False
        self.pointAdded.emit(float(x), float(y), int(value))
        return True

    def view_to_widget(self, x: float, y: float) -> QPointF:
        """Where data point (x, y) is, in ``self.glw.viewport()`` coordinates (for tests)."""
        scene = self.plot.getViewBox().mapViewToScene(QPointF(x, y))
        return QPointF(self.glw.mapFromScene(scene))

    def _fit_square(self, *args) -> None:
        """Keep a 2-D plane square (equal units on both axes) without wasting width."""
        square = self._kind_key is not None and self._kind_key[2] != 1
        for sp in self._spacers:
            limit = 1e7 if square else 0.0
            if sp.maximumWidth() != limit:
                sp.setMaximumWidth(limit)
        if not square:
            if self.plot.maximumWidth() < 1e6:
                self.plot.setMaximumWidth(1e7)
            return
        vb = self.plot.getViewBox()
        left = self.plot.getAxis("left")
        want = vb.height() + left.width() + 24
        if abs(self.plot.maximumWidth() - want) > 1:
            self.plot.setMaximumWidth(want)
            self.plot.setPreferredWidth(want)

    # ------------------------------------------------------------------ configuration -----
    def _configure(self, s) -> None:
        ds = s.dataset
        one_d = ds.input_dim == 1
        xmin, xmax, ymin, ymax = ds.extent
        vb = self.plot.getViewBox()
        if one_d:
            pad = 0.06 * max(ymax - ymin, 1e-9)
            vb.setRange(xRange=(xmin, xmax), yRange=(ymin - pad, ymax + pad), padding=0)
            style_plot(self.plot, self.font(), bottom="x", left="y")
        else:
            vb.setRange(xRange=(xmin, xmax), yRange=(ymin, ymax), padding=0)
            style_plot(self.plot, self.font(), bottom="x₁", left="x₂")
        vb.setAspectLocked(not one_d, ratio=1.0)
        self._fit_square()
        self.image.setVisible(not one_d)
        self.fit_curve.setVisible(one_d)
        self.neuron_curve.setVisible(False)
        self.discretize_check.setEnabled(s.task == "classification")
        # colour bar
        if s.task == "classification" and s.output == "softmax":
            self.colorbar.hide()
        elif s.task == "classification":
            self.colorbar.show()
            self.colorbar.setLevels((0.0, 1.0))
            self.colorbar.axis.setLabel("P(class 1)")
        else:
            self.colorbar.setVisible(not one_d)
        if s.task == "regression":
            ys = np.concatenate([ds.y_train, ds.y_test]).astype(float)
            scale = finite_absmax(ys, floor=0.0)
            self._value_scale = scale if scale > 0 else 1.0
            self.colorbar.setLevels((-self._value_scale, self._value_scale))
            self.colorbar.axis.setLabel("value (ŷ and y)")
        # add-point combo
        self.add_combo.blockSignals(True)
        self.add_combo.clear()
        if s.task == "classification":
            for k in range(s.n_classes):
                name = ("orange" if k == 0 else "blue") if s.n_classes <= 2 else f"colour {k + 1}"
                self.add_combo.addItem(name if s.n_classes <= 2 else f"class {k}", k)
        elif one_d:
            self.add_combo.addItem("a point at (x, y)", 0)
        else:
            self.add_combo.addItem("value +1 (blue)", 1)
            self.add_combo.addItem("value 0", 0)
            self.add_combo.addItem("value −1 (orange)", -1)
        self.add_combo.addItem("nothing", _NO_ADD)
        self.add_combo.setCurrentIndex(0)
        self.add_combo.blockSignals(False)
        self._build_legend(s)
        self.caption.setPos(xmin, ymax)
        self.message.setPos((xmin + xmax) / 2, (ymin + ymax) / 2)

    def _build_legend(self, s) -> None:
        self.legend.clear()
        self._legend_samples = []

        def sample(brush, pen):
            return pg.ScatterPlotItem(symbol="o", size=POINT_SIZE + 4, brush=brush, pen=pen)

        dark = pg.mkPen(color=ink(), width=1.5)
        if s.task == "classification":
            for k in range(s.n_classes):
                c = class_color(k, s.n_classes)
                it = sample(pg.mkBrush(*c), dark)
                extra = (" (orange)" if k == 0 else " (blue)") if s.n_classes <= 2 else ""
                self.legend.addItem(it, f"class {k}{extra}")
                self._legend_samples.append(it)
            it = sample(pg.mkBrush(255, 255, 255), pg.mkPen(color=ink(), width=3))
            self.legend.addItem(it, "test (hollow)")
            self._legend_samples.append(it)
        else:
            it = sample(pg.mkBrush(150, 150, 150), dark)
            self.legend.addItem(it, "train")
            self._legend_samples.append(it)
            it = sample(pg.mkBrush(255, 255, 255), pg.mkPen(color=(150, 150, 150), width=3))
            self.legend.addItem(it, "test")
            self._legend_samples.append(it)
            if s.dataset.input_dim == 1:
                it = pg.PlotDataItem([], [], pen=pg.mkPen(color=ink(), width=4))
                self.legend.addItem(it, "network ŷ(x)")
                self._legend_samples.append(it)
            else:
                self.legend.addItem(sample(pg.mkBrush(*theme.NEGATIVE), dark), "negative")
                self.legend.addItem(sample(pg.mkBrush(*theme.POSITIVE), dark), "positive")
        self._fit_legend()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._fit_legend()

    def _fit_legend(self) -> None:
        """As many legend columns as fit: a row wider than the view would push the plot
        and its colour bar out of sight (at 1280×720 the output dock is ~430 px wide)."""
        items = self.legend.items
        if not items:
            return
        per_item = max(sample.boundingRect().width() + label.boundingRect().width()
                       for sample, label in items) + 36
        cols = int(max(1, min(len(items), 4, (self.width() - 20) // max(per_item, 1.0))))
        if cols != self.legend.columnCount:
            self.legend.setColumnCount(cols)

    def _show_message(self, text: str) -> None:
        self.message.setText(text)
        self.message.show()

    # ------------------------------------------------------------------ points ------------
    def _point_colors(self, s, y: Array) -> list[tuple[int, int, int]]:
        if s.task == "classification":
            return [class_color(int(k), s.n_classes) for k in y]
        rgba = map_signed(np.asarray(y, float) / self._value_scale)
        # quantise so that brushes are shared
        q = (rgba[:, :3] // 4) * 4
        return [tuple(int(v) for v in row) for row in q]

    def _point_xy(self, s, pts: Array, y: Array) -> tuple[Array, Array]:
        if s.dataset.input_dim == 1:
            return pts[:, 0].astype(float), np.asarray(y, dtype=float)
        if pts.shape[1] >= 2:
            return pts[:, 0].astype(float), pts[:, 1].astype(float)
        return pts[:, 0].astype(float), np.zeros(len(pts))

    def _update_points(self) -> None:
        s = self._snap
        ds = s.dataset
        dark = _pen(ink(), 1.3, self._pens)
        for item, pts, y, test in (
            (self.train_points, ds.points_train, ds.y_train, False),
            (self.test_points, ds.points_test, ds.y_test, True),
        ):
            if len(pts) == 0:
                item.setData(x=[], y=[])
                continue
            x, yy = self._point_xy(s, np.asarray(pts), y)
            ok = np.isfinite(x) & np.isfinite(yy)
            cols = [c for c, good in zip(self._point_colors(s, y), ok, strict=True) if good]
            if test:
                brushes = [_brush((255, 255, 255), self._brushes)] * len(cols)
                pens = [_pen(c, 3.0, self._pens) for c in cols]
            else:
                brushes = [_brush(c, self._brushes) for c in cols]
                pens = dark
            item.setData(x=x[ok], y=yy[ok], brush=brushes, pen=pens, size=POINT_SIZE,
                         symbol="o")
        self.test_points.setVisible(self._show_test)

    # ------------------------------------------------------------------ surface -----------
    def _update_surface(self) -> None:
        s = self._snap
        grid = s.grid
        if grid is None:
            self.image.hide()
            self.fit_curve.setData([], [])
            self.neuron_curve.setData([], [])
            self.caption.hide()
            return
        one_d = grid.ys is None
        if one_d:
            self._update_curve(s)
            return
        self.image.show()
        if self._neuron is not None:
            rgba = neuron_rgba(s, *self._neuron)
            if rgba is None:
                self._neuron_caption(None)
                rgba = self._output_rgba(s)
            else:
                self._neuron_caption(self._neuron)
        else:
            self.caption.hide()
            rgba = self._output_rgba(s)
        xmin, xmax, ymin, ymax = grid.extent
        self.image.setImage(rgba, autoLevels=False)
        self.image.setRect(QRectF(xmin, ymin, xmax - xmin, ymax - ymin))

    def _output_rgba(self, s) -> Array:
        out = s.grid.output
        if s.task == "classification" and s.output == "softmax":
            return softmax_blend(out, discretize=self._discretize)
        v = np.asarray(out[..., 0], dtype=float)
        with np.errstate(all="ignore"):
            if s.task == "classification":
                signed = 2.0 * v - 1.0 if s.output == "sigmoid" else v
                if self._discretize:
                    signed = np.where(np.isfinite(signed), np.where(signed > 0, 1.0, -1.0),
                                      np.nan)
                return map_signed(signed)
            return map_signed(v / self._value_scale)

    def _update_curve(self, s) -> None:
        grid = s.grid
        xs = np.asarray(grid.xs, dtype=float)
        lo, hi = s.dataset.extent[2], s.dataset.extent[3]
        span = max(hi - lo, 1e-9)

        def safe(y):
            y = np.asarray(y, dtype=float)
            with np.errstate(all="ignore"):
                return np.where(np.isfinite(y), np.clip(y, lo - 10 * span, hi + 10 * span), np.nan)

        if self._neuron is not None:
            vals = neuron_values(s, *self._neuron)
            if vals is not None:
                self.fit_curve.hide()
                self.neuron_curve.show()
                self.neuron_curve.setData(xs, safe(vals))
                self._neuron_caption(self._neuron)
                return
        self.neuron_curve.hide()
        self.caption.hide()
        self.fit_curve.show()
        out = grid.output
        if s.task == "classification":
            if s.output == "softmax":
                with np.errstate(all="ignore"):
                    y = np.argmax(np.where(np.isfinite(out), out, -np.inf), axis=-1).astype(float)
            elif s.output == "sigmoid":
                y = out[:, 0]
            else:
                y = (np.asarray(out[:, 0], float) + 1.0) / 2.0
        else:
            y = out[:, 0]
        self.fit_curve.setData(xs, safe(y))

    def _neuron_caption(self, neuron: tuple[int, int] | None) -> None:
        s = self._snap
        if neuron is None:
            self.caption.hide()
            return
        layer, unit = neuron
        n_layers = len(s.sizes) - 1
        if layer < 0:
            name = f"input {pretty_feature(s.features[unit])}"
        elif layer == n_layers - 1:
            name = f"output unit {unit}"
        else:
            name = f"hidden {layer + 1} · neuron {unit}"
        kind = neuron_kind(s, layer, unit)
        hint = {"bounded": "", "prob": "", "class": " (probability)",
                "symmetric": " (scaled to its max |value|)"}[kind]
        self.caption.setText(f" showing {name}{hint} ")
        self.caption.show()

    # ------------------------------------------------------------------ clicks ------------
    def _on_scene_click(self, ev) -> None:
        if ev.button() != pg.QtCore.Qt.MouseButton.LeftButton or ev.double():
            return
        vb = self.plot.getViewBox()
        pos = ev.scenePos()
        if not vb.sceneBoundingRect().contains(pos):
            return
        p = vb.mapSceneToView(pos)
        if self.add_point_at(p.x(), p.y()):
            ev.accept()

