"""Activation functions: g(z) and g′(z) for every engine activation, and where the data sits.

Three plots share one z axis, stacked so that a single vertical line crosses them all:

* g(z) for each activation ticked in the toolbar (distinct colours, legend);
* g′(z) for the same functions;
* the histogram of the selected hidden layer's pre-activations z over the training set
  (``Snapshot.preactivations``), with the region where that layer's activation is flat
  (g′ below ``stats.SATURATION_SLOPE`` of its largest slope) shaded.

The z line is dragged (or set with the slider / typed value) and a table reads off
g(z) and g′(z) for every shown function. On the right, the saturation of every hidden
layer (``history["layer_saturation"][-1]``) as bars. The lesson: where the histogram
sits in the shaded tails of sigmoid or tanh, g′ ≈ 0 and the gradient vanishes.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPen, QPixmap
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QHBoxLayout,
    QLabel,
    QSlider,
    QVBoxLayout,
    QWidget,
)

from nnviz.app import theme
from nnviz.app.panel import Panel, register_panel
from nnviz.app.plot_helpers import nice_ceil, set_range_cached
from nnviz.app.views.common import ink, plot_font, style_plot
from nnviz.engine.activations import get_activation
from nnviz.engine.config import ACTIVATIONS
from nnviz.engine.snapshot import Snapshot
from nnviz.engine.stats import SATURATION_SLOPE

Array = np.ndarray

#: One colour per activation (Okabe–Ito, without the yellow that vanishes on white).
ACTIVATION_PANEL_COLORS: dict[str, tuple[int, int, int]] = {
    "linear": (90, 90, 90),
    "sigmoid": (230, 159, 0),
    "tanh": (0, 114, 178),
    "relu": (0, 158, 115),
    "leaky_relu": (204, 121, 167),
    "softplus": (86, 180, 233),
    "elu": (213, 94, 0),
}
ACTIVATION_PANEL_LABELS: dict[str, str] = {
    "linear": "linear", "sigmoid": "sigmoid", "tanh": "tanh", "relu": "ReLU",
    "leaky_relu": "leaky ReLU", "softplus": "softplus", "elu": "ELU",
}
#: Shown when the panel opens.
ACTIVATION_PANEL_DEFAULT = ("sigmoid", "tanh", "relu")
#: Candidate half-widths of the z axis; the smallest that holds the data is used.
ACTIVATION_PANEL_SPANS = (4.0, 6.0, 10.0, 20.0, 50.0)
SHADE = (214, 39, 40)
CURVE_POINTS = 801
HIST_BINS = 60


def activation_panel_flat_regions(name: str, span: float, slope: float = 0.01, alpha: float = 1.0,
                                  n: int = 2001) -> list[tuple[float, float]]:
    """Intervals of [−span, span] where g′ is below SATURATION_SLOPE × its largest slope."""
    if name == "linear":
        return []
    act = get_activation(name, slope, alpha)
    z = np.linspace(-span, span, n)
    wide = np.linspace(-max(span, 10.0), max(span, 10.0), 4001)
    with np.errstate(all="ignore"):
        peak = float(np.max(np.abs(act.grad(wide))))
        flat = np.abs(act.grad(z)) < SATURATION_SLOPE * peak
    out = []
    idx = np.flatnonzero(np.diff(np.concatenate([[0], flat.astype(np.int8), [0]])))
    for start, stop in zip(idx[::2], idx[1::2], strict=True):
        out.append((float(z[start]), float(z[stop - 1])))
    return out




def _fmt(v: float) -> str:
    if not math.isfinite(v):
        return "—"
    if v != 0 and (abs(v) < 1e-3 or abs(v) >= 1e4):
        return f"{v:.2e}"
    return f"{v:.4f}"


def _line_icon(color: tuple[int, int, int], dashed: bool = False) -> QIcon:
    pm = QPixmap(36, 18)
    pm.fill(Qt.GlobalColor.transparent)
    p = QPainter(pm)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    pen = QPen(QColor(*color), 5)
    if dashed:
        pen.setStyle(Qt.PenStyle.DashLine)
    p.setPen(pen)
    p.drawLine(2, 9, 34, 9)
    p.end()
    return QIcon(pm)


@register_panel
class ActivationPanel(Panel):
    """g(z), g′(z), and the live distribution of a layer's pre-activations."""

    panel_id = "activations"
    title = "Activation functions"
    default_area = "right"
    default_visible = False
    needs_layers = True

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._snap: Snapshot | None = None
        self._span = 6.0
        self._z = 1.0
        self._slope = 0.01
        self._alpha = 1.0
        self._struct: tuple | None = None
        self._syncing = False
        self.saturation_values = np.empty(0)  # per hidden layer, fractions, as shown
        self.hist_counts = np.empty(0)
        self.hist_edges = np.empty(0)
        self._ranges: dict = {}
        big = plot_font(self.font(), 1.2)
        bold = plot_font(self.font(), 1.2, bold=True)

        # ---------------------------------------------------------------- toolbar ----
        bar1 = QHBoxLayout()
        bar1.setContentsMargins(6, 4, 6, 0)
        lab = QLabel("Show:")
        lab.setFont(bold)
        bar1.addWidget(lab)
        self.checks: dict[str, QCheckBox] = {}
        for name in ACTIVATIONS:
            cb = QCheckBox(ACTIVATION_PANEL_LABELS.get(name, name))
            cb.setIcon(_line_icon(ACTIVATION_PANEL_COLORS.get(name, ink()), dashed=name == "linear"))
            cb.setFont(big)
            cb.setChecked(name in ACTIVATION_PANEL_DEFAULT)
            cb.toggled.connect(self._on_toggle)
            self.checks[name] = cb
            bar1.addWidget(cb)
        bar1.addStretch(1)

        bar2 = QHBoxLayout()
        bar2.setContentsMargins(6, 0, 6, 0)
        zl = QLabel("z =")
        zl.setFont(bold)
        self.z_slider = QSlider(Qt.Orientation.Horizontal)
        self.z_slider.setRange(-600, 600)
        self.z_slider.setValue(int(round(self._z * 100)))
        self.z_slider.setMinimumWidth(200)
        self.z_slider.valueChanged.connect(lambda v: self.set_z(v / 100.0))
        self.z_spin = QDoubleSpinBox()
        self.z_spin.setRange(-50.0, 50.0)
        self.z_spin.setDecimals(2)
        self.z_spin.setSingleStep(0.1)
        self.z_spin.setValue(self._z)
        self.z_spin.setFont(big)
        self.z_spin.setKeyboardTracking(False)
        self.z_spin.valueChanged.connect(self.set_z)
        ll = QLabel("Histogram of layer:")
        ll.setFont(bold)
        self.layer_combo = QComboBox()
        self.layer_combo.setFont(big)
        self.layer_combo.setMinimumContentsLength(14)
        self.layer_combo.currentIndexChanged.connect(self._on_layer)
        bar2.addWidget(zl)
        bar2.addWidget(self.z_slider, 2)
        bar2.addWidget(self.z_spin)
        bar2.addSpacing(20)
        bar2.addWidget(ll)
        bar2.addWidget(self.layer_combo, 1)

        # ---------------------------------------------------------------- plots ------
        self.glw = pg.GraphicsLayoutWidget()
        self.glw.setBackground(theme.background())
        self.glw.ci.setSpacing(4)
        self.g_plot = self._make_plot(0, "g(z)")
        self.d_plot = self._make_plot(1, "g′(z)")
        self.h_plot = self._make_plot(2, "% of values")
        style_plot(self.h_plot, self.font(), bottom="pre-activation z = w·x + b", left="% of z")
        for p in (self.d_plot, self.h_plot):
            p.setXLink(self.g_plot)
        self.g_plot.setYRange(-1.5, 3.0, padding=0)
        self.d_plot.setYRange(-0.1, 1.15, padding=0)
        for p in (self.g_plot, self.d_plot):
            p.addLine(y=0, pen=pg.mkPen(color=(170, 170, 170), width=1))

        self.g_curves: dict[str, pg.PlotDataItem] = {}
        self.d_curves: dict[str, pg.PlotDataItem] = {}
        legend_pt = f"{plot_font(self.font(), 1.1).pointSizeF():.0f}pt"
        # the legend: one HTML text item (rebuilt, never re-laid-out, when the selection changes)
        self.legend = pg.TextItem("", anchor=(1, 1), fill=pg.mkBrush(255, 255, 255, 225),
                                  border=pg.mkPen(200, 200, 200))
        self.legend.setFont(plot_font(self.font(), 1.1))
        self.legend.setZValue(40)
        self.g_plot.addItem(self.legend, ignoreBounds=True)
        del legend_pt
        for name in ACTIVATIONS:
            color = ACTIVATION_PANEL_COLORS.get(name, ink())
            style = Qt.PenStyle.DashLine if name == "linear" else Qt.PenStyle.SolidLine
            g = pg.PlotDataItem([], [], pen=pg.mkPen(color=color, width=4, style=style))
            d = pg.PlotDataItem([], [], pen=pg.mkPen(color=color, width=4, style=style))
            self.g_plot.addItem(g)
            self.d_plot.addItem(d)
            self.g_curves[name] = g
            self.d_curves[name] = d
        self.g_dots = pg.ScatterPlotItem(size=13, pen=pg.mkPen(ink(), width=1.5))
        self.d_dots = pg.ScatterPlotItem(size=13, pen=pg.mkPen(ink(), width=1.5))
        for p, dots in ((self.g_plot, self.g_dots), (self.d_plot, self.d_dots)):
            dots.setZValue(20)
            p.addItem(dots)

        # the flat regions (two at most: left and right tail)
        shade_brush = pg.mkBrush(*SHADE, 45)
        self.shades: list[pg.LinearRegionItem] = []
        for p in (self.d_plot, self.h_plot):
            for _ in range(2):
                r = pg.LinearRegionItem((0, 1), movable=False, brush=shade_brush,
                                        pen=pg.mkPen(*SHADE, 90))
                r.setZValue(-10)
                r.hide()
                p.addItem(r, ignoreBounds=True)
                self.shades.append(r)

        # histogram: a filled step curve
        self.hist = pg.PlotDataItem([0.0, 1.0], [0.0], stepMode="center", fillLevel=0,
                                    brush=pg.mkBrush(60, 60, 60, 120), pen=pg.mkPen(ink(), width=2))
        self.h_plot.addItem(self.hist)
        self.h_caption = pg.TextItem("", color=ink(), anchor=(0, 0), fill=pg.mkBrush(255, 255, 255, 200))
        self.h_caption.setFont(plot_font(self.font(), 1.15, bold=True))
        self.h_caption.setZValue(30)
        self.h_plot.addItem(self.h_caption, ignoreBounds=True)
        self.h_message = pg.TextItem("", color=(176, 0, 32), anchor=(0.5, 0.5))
        self.h_message.setFont(plot_font(self.font(), 1.3, bold=True))
        self.h_message.setZValue(31)
        self.h_plot.addItem(self.h_message, ignoreBounds=True)

        # the z line through all three plots
        self.z_lines: list[pg.InfiniteLine] = []
        for p in (self.g_plot, self.d_plot, self.h_plot):
            line = pg.InfiniteLine(pos=self._z, angle=90, movable=True,
                                   pen=pg.mkPen(color=(176, 0, 32), width=3),
                                   hoverPen=pg.mkPen(color=(176, 0, 32), width=5))
            line.setZValue(25)
            line.sigPositionChanged.connect(self._on_line_moved)
            p.addItem(line, ignoreBounds=True)
            self.z_lines.append(line)

        # ---------------------------------------------------------------- right column
        self.readout = QLabel("")
        self.readout.setTextFormat(Qt.TextFormat.RichText)
        self.readout.setFont(big)
        self.readout.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.readout.setStyleSheet(
            "QLabel { background: palette(base); padding: 6px; border: 1px solid #bbb; }"
        )

        self.sat_glw = pg.GraphicsLayoutWidget()
        self.sat_glw.setBackground(theme.background())
        self.sat_plot: pg.PlotItem = self.sat_glw.addPlot(row=0, col=0)
        self.sat_plot.setMenuEnabled(False)
        self.sat_plot.hideButtons()
        self.sat_plot.setMouseEnabled(False, False)
        style_plot(self.sat_plot, self.font(), bottom="hidden layer", left="saturated %")
        self.sat_plot.setTitle("Saturated units", size=f"{plot_font(self.font(), 1.2).pointSizeF():.0f}pt",
                               color=theme.ink_hex())
        self.sat_plot.setYRange(0, 115, padding=0)
        self.sat_bars = pg.BarGraphItem(x=[], height=[], width=0.7, brushes=[])
        self.sat_plot.addItem(self.sat_bars)
        self.sat_texts: list[pg.TextItem] = []
        self.sat_message = pg.TextItem("", color=(120, 120, 120), anchor=(0.5, 0.5))
        self.sat_message.setFont(plot_font(self.font(), 1.15, bold=True))
        self.sat_plot.addItem(self.sat_message, ignoreBounds=True)

        right = QVBoxLayout()
        right.setContentsMargins(0, 0, 0, 0)
        right.addWidget(self.readout, 0)
        right.addWidget(self.sat_glw, 1)
        rightw = QWidget()
        rightw.setLayout(right)
        rightw.setMinimumWidth(260)

        body = QHBoxLayout()
        body.setContentsMargins(0, 0, 0, 0)
        body.addWidget(self.glw, 3)
        body.addWidget(rightw, 1)

        self.lesson = QLabel(
            "Where the histogram sits in the <b>shaded flat region</b>, g′(z) ≈ 0: those units pass "
            "back almost no gradient (sigmoid and tanh saturate in both tails, ReLU for z &lt; 0).")
        self.lesson.setWordWrap(True)
        self.lesson.setTextFormat(Qt.TextFormat.RichText)
        self.lesson.setFont(plot_font(self.font(), 1.1))
        self.lesson.setContentsMargins(8, 0, 8, 4)

        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(2)
        lay.addLayout(bar1)
        lay.addLayout(bar2)
        lay.addLayout(body, 1)
        lay.addWidget(self.lesson)
        self.setMinimumSize(480, 360)

        self._set_span(6.0, force=True)
        self._on_toggle()
        self._show_no_data("no training data yet")

    # ------------------------------------------------------------------ building ----------
    def _make_plot(self, row: int, left: str) -> pg.PlotItem:
        p: pg.PlotItem = self.glw.addPlot(row=row, col=0)
        p.setMenuEnabled(False)
        p.hideButtons()
        p.setMouseEnabled(False, False)
        p.showGrid(x=True, y=True, alpha=0.15)
        style_plot(p, self.font(), left=left)
        p.getAxis("left").setWidth(int(plot_font(self.font(), 1.15).pointSizeF() * 5.5))
        return p

    # ------------------------------------------------------------------ public API --------
    def shown(self) -> list[str]:
        """The activations whose curves are shown."""
        return [n for n, cb in self.checks.items() if cb.isChecked()]

    def set_shown(self, name: str, on: bool) -> None:
        self.checks[name].setChecked(on)

    def readout_values(self) -> dict[str, tuple[float, float]]:
        """g(z) and g′(z) at the current z for each shown activation."""
        out = {}
        z = np.array([self._z])
        with np.errstate(all="ignore"):
            for name in self.shown():
                act = get_activation(name, self._slope, self._alpha)
                out[name] = (float(act(z)[0]), float(act.grad(z)[0]))
        return out

    @property
    def z(self) -> float:
        return self._z

    def set_z(self, z: float) -> None:
        """Move the reading line to ``z`` (slider, typed value and lines follow)."""
        z = float(z)
        if not math.isfinite(z) or self._syncing:
            return
        self._z = z
        self._syncing = True
        try:
            self.z_slider.setValue(int(round(max(-600, min(600, z * 100)))))
            if abs(self.z_spin.value() - z) > 5e-3:
                self.z_spin.setValue(z)
            for line in self.z_lines:
                if abs(line.value() - z) > 1e-9:
                    line.setValue(z)
        finally:
            self._syncing = False
        if abs(z) > self._span and self._span < ACTIVATION_PANEL_SPANS[-1]:
            spans = ACTIVATION_PANEL_SPANS
            self._set_span(next((s for s in spans if s >= abs(z)), spans[-1]))
        self._update_readout()

    def set_layer(self, layer: int) -> None:
        """Show the histogram of hidden layer ``layer`` (0-based)."""
        if 0 <= layer < self.layer_combo.count():
            self.layer_combo.setCurrentIndex(layer)

    def set_snapshot(self, snapshot: Snapshot) -> None:
        self._snap = snapshot
        slope, alpha = float(snapshot.leaky_slope), float(snapshot.elu_alpha)
        if (slope, alpha) != (self._slope, self._alpha):
            self._slope, self._alpha = slope, alpha
            self._update_curves()
        acts = tuple(snapshot.activations)
        struct = (tuple(snapshot.sizes), acts)
        if struct != self._struct:
            self._struct = struct
            self._configure(snapshot)
        self._update_histogram()
        self._update_saturation()

    # ------------------------------------------------------------------ internals ---------
    def _configure(self, s: Snapshot) -> None:
        """New architecture: fill the layer combo, tick the network's own activations."""
        keep = self.layer_combo.currentIndex()
        self.layer_combo.blockSignals(True)
        self.layer_combo.clear()
        n_hidden = len(s.sizes) - 2
        for layer in range(n_hidden):
            act = s.activations[layer] if layer < len(s.activations) else "linear"
            self.layer_combo.addItem(
                f"layer {layer + 1} ({ACTIVATION_PANEL_LABELS.get(act, act)}, {s.sizes[layer + 1]} units)")
        if n_hidden == 0:
            self.layer_combo.addItem("no hidden layers")
        self.layer_combo.setEnabled(n_hidden > 0)
        self.layer_combo.setCurrentIndex(keep if 0 <= keep < n_hidden else 0)
        self.layer_combo.blockSignals(False)
        for act in set(s.activations):
            if act in self.checks and not self.checks[act].isChecked():
                self.checks[act].setChecked(True)
        self._update_shading()

    def _on_toggle(self, *_args) -> None:
        shown = set(self.shown())
        rows = []
        for name in self.g_curves:
            self.g_curves[name].setVisible(name in shown)
            self.d_curves[name].setVisible(name in shown)
            if name in shown:
                color = theme.hex_color(ACTIVATION_PANEL_COLORS.get(name, ink()))
                label = ACTIVATION_PANEL_LABELS.get(name, name)
                rows.append(f"<span style='color:{color}'>━━</span>&nbsp;{label}")
        self.legend.setHtml(f"<div style='color:{theme.ink_hex()}'>" + "<br>".join(rows) + "</div>")
        self.legend.setVisible(bool(shown))
        self._update_readout()

    def _on_layer(self, _index: int) -> None:
        self._update_shading()
        self._update_histogram()
        self._update_saturation()

    def _on_line_moved(self, line: pg.InfiniteLine) -> None:
        if not self._syncing:
            self.set_z(float(line.value()))

    def _selected_activation(self) -> str | None:
        s = self._snap
        if s is None:
            return None
        layer = self.layer_combo.currentIndex()
        n_hidden = len(s.sizes) - 2
        if not 0 <= layer < n_hidden or layer >= len(s.activations):
            return None
        return s.activations[layer]

    def _set_span(self, span: float, force: bool = False) -> None:
        if span == self._span and not force:
            return
        self._span = span
        self.g_plot.setXRange(-span, span, padding=0)
        self.legend.setPos(span, -1.45)
        self._update_curves()
        self._update_shading()

    def _update_curves(self) -> None:
        z = np.linspace(-self._span, self._span, CURVE_POINTS)
        with np.errstate(all="ignore"):
            for name in self.g_curves:
                act = get_activation(name, self._slope, self._alpha)
                self.g_curves[name].setData(z, act(z))
                self.d_curves[name].setData(z, act.grad(z))
        self._update_readout()

    def _update_shading(self) -> None:
        name = self._selected_activation()
        regions = [] if name is None else activation_panel_flat_regions(
            name, self._span, self._slope, self._alpha)
        for i, r in enumerate(self.shades):
            k = i % 2
            if k < len(regions):
                r.setRegion(regions[k])
                r.show()
            else:
                r.hide()

    def _update_readout(self) -> None:
        values = self.readout_values()
        rows = [f"<tr><td colspan=3><b>z = {self._z:.2f}</b></td></tr>",
                "<tr><td></td><td align=right><b>g(z)</b></td><td align=right><b>g′(z)</b></td></tr>"]
        spots_g, spots_d = [], []
        for name, (g, d) in values.items():
            color = theme.hex_color(ACTIVATION_PANEL_COLORS.get(name, ink()))
            rows.append(
                f"<tr><td><span style='color:{color}'>■</span> {ACTIVATION_PANEL_LABELS.get(name, name)}"
                f"&nbsp;</td><td align=right>&nbsp;{_fmt(g)}</td>"
                f"<td align=right>&nbsp;&nbsp;{_fmt(d)}</td></tr>")
            brush = pg.mkBrush(*ACTIVATION_PANEL_COLORS.get(name, ink()))
            if math.isfinite(g):
                spots_g.append({"pos": (self._z, g), "brush": brush})
            if math.isfinite(d):
                spots_d.append({"pos": (self._z, d), "brush": brush})
        if not values:
            rows.append("<tr><td colspan=3>tick a function above</td></tr>")
        self.readout.setText("<table cellspacing=2>" + "".join(rows) + "</table>")
        self.g_dots.setData(spots_g)
        self.d_dots.setData(spots_d)

    def _show_no_data(self, text: str) -> None:
        self.hist_counts = np.empty(0)
        self.hist.setData([0.0, 0.0], [0.0])
        self.h_caption.setText("")
        self.h_message.setText(text)
        self.h_message.setPos(0.0, 0.5)
        set_range_cached(self._ranges, self.h_plot, y=(0, 1))
        self.h_message.show()

    def _update_histogram(self) -> None:
        s = self._snap
        if s is None:
            return
        n_hidden = len(s.sizes) - 2
        if n_hidden <= 0:
            self._show_no_data("no hidden layers")
            return
        pre = s.preactivations
        layer = self.layer_combo.currentIndex()
        if pre is None or not 0 <= layer < min(n_hidden, len(pre)):
            self._show_no_data("waiting for layer data…")
            return
        z = np.asarray(pre[layer], dtype=float).reshape(-1)
        with np.errstate(all="ignore"):
            fin = z[np.isfinite(z)]
        if fin.size == 0:
            self._show_no_data("no finite values (diverged run)" if z.size else "no data")
            return
        zmax = float(np.max(np.abs(fin)))
        span = next((sp for sp in ACTIVATION_PANEL_SPANS if sp >= zmax * 1.02), ACTIVATION_PANEL_SPANS[-1])
        span = max(span, min(abs(self._z), ACTIVATION_PANEL_SPANS[-1]))
        self._set_span(span)
        clipped = np.clip(fin, -self._span, self._span)
        counts, edges = np.histogram(clipped, bins=HIST_BINS, range=(-self._span, self._span))
        pct = counts * (100.0 / fin.size)
        self.hist_counts, self.hist_edges = pct, edges
        self.hist.setData(edges, pct)
        top = nice_ceil(max(1.0, float(pct.max()) * 1.25))
        set_range_cached(self._ranges, self.h_plot, y=(0, top))
        act = self._selected_activation() or "linear"
        label = ACTIVATION_PANEL_LABELS.get(act, act)
        extra = "" if act == "linear" else f"   shaded: {label} is flat (g′ < {SATURATION_SLOPE:.0%} of max)"
        beyond = int(np.count_nonzero(np.abs(fin) > self._span))
        if beyond:
            extra += f"   ({beyond} values beyond ±{self._span:g} in the end bins)"
        self.h_caption.setText(f"layer {layer + 1}: z over the training set{extra}")
        self.h_caption.setPos(-self._span, top)
        self.h_message.hide()

    def _update_saturation(self) -> None:
        s = self._snap
        if s is None:
            return
        n_hidden = len(s.sizes) - 2
        sat = s.history.get("layer_saturation") if isinstance(s.history, dict) else None
        values = np.full(max(0, n_hidden), np.nan)
        if sat is not None and np.ndim(sat) == 2 and sat.shape[0] > 0:
            row = np.asarray(sat[-1], dtype=float)
            k = min(n_hidden, row.size)
            values[:k] = row[:k]
        self.saturation_values = values
        if n_hidden <= 0:
            self.sat_bars.setOpts(x=[], height=[], brushes=[])
            for t in self.sat_texts:
                t.hide()
            self.sat_message.setText("no hidden layers")
            self.sat_message.setPos(0, 50)
            set_range_cached(self._ranges, self.sat_plot, x=(-1, 1))
            self.sat_message.show()
            return
        self.sat_message.hide()
        sel = self.layer_combo.currentIndex()
        x = np.arange(1, n_hidden + 1, dtype=float)
        pct = np.where(np.isfinite(values), values * 100.0, 0.0)
        brushes = [pg.mkBrush(176, 0, 32) if i == sel else pg.mkBrush(120, 120, 120) for i in range(n_hidden)]
        self.sat_bars.setOpts(x=x, height=pct, width=0.7, brushes=brushes)
        while len(self.sat_texts) < n_hidden:
            t = pg.TextItem("", color=ink(), anchor=(0.5, 1.0))
            t.setFont(plot_font(self.font(), 1.05 if n_hidden > 4 else 1.15, bold=True))
            self.sat_plot.addItem(t, ignoreBounds=True)
            self.sat_texts.append(t)
        for i, t in enumerate(self.sat_texts):
            if i < n_hidden:
                v = values[i]
                digits = 1 if v < 0.1 else 0
                t.setText(f"{v * 100:.{digits}f}%" if math.isfinite(v) else "—")
                t.setPos(x[i], pct[i] + 1.0)
                t.show()
            else:
                t.hide()
        if self._ranges.get(id(self.sat_plot), (None,))[0] != (0.4, n_hidden + 0.6):
            set_range_cached(self._ranges, self.sat_plot, x=(0.4, n_hidden + 0.6))
            ax = self.sat_plot.getAxis("bottom")
            ax.setTicks([[(float(i), str(i)) for i in range(1, n_hidden + 1)]])
