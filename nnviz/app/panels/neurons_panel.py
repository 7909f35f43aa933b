"""Neuron activations of one hidden layer, four ways (tabs):

* **Distributions**: per unit, the histogram of its activation over the training set
  (``Snapshot.layer_outputs``), with mean, std and saturation %; small multiples or
  all units overlaid.
* **Batch heatmap**: units × examples of the last training batch (``batch_outputs``,
  after dropout, so dropped units read 0).
* **Neuron maps**: every unit of the layer over the input plane (``grid.layers``), large,
  on the diverging palette; curves for 1-D data.
* **Hidden space**: the training points placed at their activations in this layer (the
  two units, or the first two principal components of a wider layer, labelled as PCA),
  coloured by class, with the input plane's grid lines (``grid_lines``) mapped the same
  way: the hidden layer bends and twists the input space until a line can separate
  the classes. The straight input grid is shown beside it for comparison.

Only the visible tab is redrawn on each snapshot.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QStackedWidget,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from nnviz.app import theme
from nnviz.app.panel import Panel, register_panel
from nnviz.app.plot_helpers import nice_ceil, set_range_cached
from nnviz.app.views.common import (
    DIVERGING,
    class_color,
    finite_absmax,
    ink,
    map_signed,
    neuron_kind,
    neuron_rgba,
    plot_font,
    pretty_feature,
    style_plot,
)
from nnviz.engine.activations import get_activation
from nnviz.engine.snapshot import GRID_LINES, Snapshot
from nnviz.engine.stats import SATURATION_SLOPE

Array = np.ndarray

HIST_BINS = 30
LINE_A = (150, 70, 160)  # lines of constant x₂ (horizontal in the input plane)
LINE_B = (60, 140, 60)  # lines of constant x₁ (vertical)
UNIT_COLORS = theme.LINE_COLORS[:6] + ((120, 120, 120),)


def neurons_panel_saturated(name: str, z: Array, a: Array, slope: float = 0.01, alpha: float = 1.0) -> Array:
    """Boolean array: where the unit is in the flat region of its activation (as in stats)."""
    with np.errstate(all="ignore"):
        if name == "linear":
            return np.zeros(a.shape, dtype=bool)
        if name == "tanh":
            return np.abs(a) > 0.97
        if name == "sigmoid":
            return a * (1.0 - a) < 0.25 * SATURATION_SLOPE
        if name == "relu":
            return z <= 0.0
        act = get_activation(name, slope, alpha)
        return np.abs(act.derivative(z, a)) < SATURATION_SLOPE


def neurons_panel_flat_outputs(name: str) -> list[tuple[float, float]]:
    """The activation values a = g(z) counted as saturated, for the bounded activations."""
    if name == "tanh":
        return [(-1.05, -0.97), (0.97, 1.05)]
    if name == "sigmoid":
        c = 0.25 * SATURATION_SLOPE
        lo = 0.5 * (1.0 - math.sqrt(1.0 - 4.0 * c))
        return [(-0.05, lo), (1.0 - lo, 1.05)]
    return []


def neurons_panel_unit_stats(a: Array, sat: Array) -> tuple[Array, Array, Array]:
    """Per-unit mean, std and saturated fraction over the finite rows (NaN if none)."""
    with np.errstate(all="ignore"):
        ok = np.isfinite(a)
        n = ok.sum(axis=0)
        aa = np.where(ok, a, 0.0)
        mean = np.where(n > 0, aa.sum(axis=0) / np.maximum(n, 1), np.nan)
        var = np.where(n > 0, (aa * aa).sum(axis=0) / np.maximum(n, 1) - mean**2, np.nan)
        std = np.sqrt(np.maximum(var, 0.0))
        frac = np.where(n > 0, (sat & ok).sum(axis=0) / np.maximum(n, 1), np.nan)
    return mean, std, frac


def neurons_panel_pca(A: Array, previous: Array | None = None) -> tuple[Array, Array, Array]:
    """(mean, components (2, u), explained-variance ratios (2,)) of the rows of A.

    Signs follow ``previous`` components when given (so the picture does not flip from
    frame to frame); otherwise each component's largest entry is made positive.
    """
    u = A.shape[1]
    mean = A.mean(axis=0)
    X = A - mean
    _, s, vt = np.linalg.svd(X, full_matrices=False)
    comps = np.zeros((2, u))
    k = min(2, vt.shape[0])
    comps[:k] = vt[:k]
    var = s**2
    total = float(var.sum())
    ratios = np.zeros(2)
    if total > 0:
        ratios[:k] = var[:k] / total
    for i in range(k):
        if previous is not None and previous.shape == comps.shape:
            if float(np.dot(previous[i], comps[i])) < 0:
                comps[i] = -comps[i]
        elif comps[i, int(np.argmax(np.abs(comps[i])))] < 0:
            comps[i] = -comps[i]
    return mean, comps, ratios


def _nan_joined(lines: Array) -> tuple[Array, Array]:
    """(lines, points, 2) → x, y with a NaN after each line (one item draws all)."""
    n, m, _ = lines.shape
    out = np.full((n, m + 1, 2), np.nan)
    out[:, :m] = lines
    flat = out.reshape(-1, 2)
    return flat[:, 0], flat[:, 1]


def neurons_panel_fresh_glw(holder: QWidget, old: pg.GraphicsLayoutWidget | None) -> pg.GraphicsLayoutWidget:
    """A new, empty GraphicsLayoutWidget in ``old``'s place (``old`` is deleted by Qt later).

    Rebuilding a view this way, rather than removing plots and legends from a layout one
    by one, leaves no half-deleted pyqtgraph item behind for a later paint or layout pass.
    """
    new = pg.GraphicsLayoutWidget()
    new.setBackground(theme.background())
    lay = holder.layout()
    if old is None:
        lay.insertWidget(0, new, 1)
    else:
        lay.replaceWidget(old, new)
        old.hide()
        old.deleteLater()
    return new




def _plain(p: pg.PlotItem) -> None:
    p.setMenuEnabled(False)
    p.hideButtons()
    p.setMouseEnabled(False, False)


def _grid_shape(n: int, aspect: float = 1.6) -> tuple[int, int]:
    cols = max(1, min(n, int(math.ceil(math.sqrt(n * aspect)))))
    rows = int(math.ceil(n / cols))
    return rows, cols


# ====================================================================== tabs ==========
class _Distributions(QWidget):
    def __init__(self, panel: NeuronsPanel):
        super().__init__()
        self.panel = panel
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        self.glw = neurons_panel_fresh_glw(self, None)
        self._key: tuple | None = None
        self.small: list[tuple[pg.PlotItem, pg.PlotDataItem, pg.TextItem]] = []
        self.shades: list[pg.LinearRegionItem] = []
        self.over_plot: pg.PlotItem | None = None
        self.over_curves: list[pg.PlotDataItem] = []
        self.over_legend: pg.LegendItem | None = None
        self.counts = np.empty((0, 0))  # (units, bins) as drawn (% of examples)
        self._ranges: dict = {}
        self.stats: tuple[Array, Array, Array] = (np.empty(0),) * 3

    def _build(self, units: int, overlaid: bool) -> None:
        self.glw = neurons_panel_fresh_glw(self, self.glw)
        self._ranges = {}
        self.small, self.over_curves, self.shades = [], [], []
        self.over_plot = self.over_legend = None
        font = self.panel.font()
        if overlaid:
            p = self.glw.addPlot(row=0, col=0)
            _plain(p)
            style_plot(p, font, bottom="activation a = g(z)", left="% of examples")
            p.showGrid(x=True, y=True, alpha=0.15)
            self.over_plot = p
            legend = pg.LegendItem(labelTextSize=f"{plot_font(font, 1.05).pointSizeF():.0f}pt",
                                   labelTextColor=ink(), colCount=min(units, 4), horSpacing=16)
            self.glw.addItem(legend, row=1, col=0)
            self.over_legend = legend
            for u in range(units):
                color = UNIT_COLORS[u % len(UNIT_COLORS)]
                style = (Qt.PenStyle.SolidLine, Qt.PenStyle.DashLine, Qt.PenStyle.DotLine)[
                    (u // len(UNIT_COLORS)) % 3]
                c = pg.PlotDataItem([0.0, 1.0], [0.0], stepMode="center",
                                    pen=pg.mkPen(color=color, width=3, style=style))
                p.addItem(c)
                legend.addItem(c, f"unit {u + 1}")
                self.over_curves.append(c)
            return
        rows, cols = _grid_shape(units, 1.0 if units > 8 else 1.6)
        tick = plot_font(font, 1.0 if units > 4 else 1.1)
        for u in range(units):
            p = self.glw.addPlot(row=u // cols, col=u % cols)
            _plain(p)
            p.hideAxis("left")
            p.getAxis("bottom").setStyle(tickFont=tick, tickTextOffset=3)
            p.getAxis("bottom").enableAutoSIPrefix(False)
            p.getAxis("bottom").setTextPen(pg.mkPen(ink()))
            c = pg.PlotDataItem([0.0, 1.0], [0.0], stepMode="center", fillLevel=0,
                                brush=pg.mkBrush(*theme.POSITIVE, 110),
                                pen=pg.mkPen(*theme.POSITIVE, width=2))
            p.addItem(c)
            for _ in range(2):
                r = pg.LinearRegionItem((0, 0), movable=False, brush=pg.mkBrush(214, 39, 40, 45),
                                        pen=pg.mkPen(214, 39, 40, 80))
                r.setZValue(-10)
                r.hide()
                p.addItem(r, ignoreBounds=True)
                self.shades.append(r)
            t = pg.TextItem("", color=ink(), anchor=(0, 0))
            t.setFont(plot_font(font, 1.0 if units > 8 else 1.1, bold=True))
            p.addItem(t, ignoreBounds=True)
            self.small.append((p, c, t))

    def update_from(self, s: Snapshot, layer: int, overlaid: bool) -> None:
        A = s.layer_outputs[layer]
        Z = s.preactivations[layer] if s.preactivations is not None else A
        units = A.shape[1]
        key = (units, overlaid)
        if key != self._key:
            self._key = key
            self._build(units, overlaid)
        act = s.activations[layer] if layer < len(s.activations) else "linear"
        sat = neurons_panel_saturated(act, Z, A, s.leaky_slope, s.elu_alpha)
        mean, std, frac = neurons_panel_unit_stats(A, sat)
        self.stats = (mean, std, frac)
        if act == "tanh":
            lo, hi = -1.05, 1.05
        elif act == "sigmoid":
            lo, hi = -0.05, 1.05
        else:
            fin = A[np.isfinite(A)]
            lo, hi = (float(fin.min()), float(fin.max())) if fin.size else (-1.0, 1.0)
            # rounded out to 1, 2, 2.5, 5 × 10ᵏ so the axes stay put while training
            hi = nice_ceil(hi) if hi > 0 else 0.0
            lo = -nice_ceil(-lo) if lo < 0 else 0.0
            if hi - lo < 1e-9:
                lo, hi = lo - 0.5, hi + 0.5
            pad = 0.03 * (hi - lo)
            lo, hi = lo - pad, hi + pad
        edges = np.linspace(lo, hi, HIST_BINS + 1)
        counts = np.zeros((units, HIST_BINS))
        n = max(1, A.shape[0])
        for u in range(units):
            col = A[:, u]
            col = col[np.isfinite(col)]
            if col.size:
                counts[u] = np.histogram(np.clip(col, lo, hi), bins=edges)[0] * (100.0 / n)
        self.counts = counts
        two_lines = units > 8 and not overlaid
        headroom = 1.7 if two_lines else 1.3
        top = nice_ceil(max(1.0, float(counts.max()) * headroom)) if counts.size else 1.0

        def label(u: int) -> str:
            if not math.isfinite(mean[u]):
                return f"unit {u + 1}: no finite values"
            sep = "\n" if two_lines else "  "
            return f"unit {u + 1}{sep}μ {mean[u]:.2f}  σ {std[u]:.2f}  sat {frac[u]:.0%}"

        if overlaid:
            for u, c in enumerate(self.over_curves):
                c.setData(edges, counts[u])
                if self.over_legend is not None and u < len(self.over_legend.items):
                    self.over_legend.items[u][1].setText(label(u))
            if self.over_plot is not None:
                set_range_cached(self._ranges, self.over_plot, (lo, hi), (0, top))
            return
        flat = neurons_panel_flat_outputs(act)
        for i, r in enumerate(self.shades):
            if flat:
                r.setRegion(flat[i % 2])
                r.show()
            else:
                r.hide()
        for u, (p, c, t) in enumerate(self.small):
            c.setData(edges, counts[u])
            set_range_cached(self._ranges, p, (lo, hi), (0, top))
            text = label(u)
            if t.toPlainText() != text:
                t.setText(text)
            if (t.pos().x(), t.pos().y()) != (lo, top):
                t.setPos(lo, top)


class _BatchHeatmap(QWidget):
    def __init__(self, panel: NeuronsPanel):
        super().__init__()
        self.panel = panel
        self.glw = pg.GraphicsLayoutWidget()
        self.glw.setBackground(theme.background())
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.glw)
        font = panel.font()
        self.plot: pg.PlotItem = self.glw.addPlot(row=0, col=0)
        _plain(self.plot)
        self.plot.getViewBox().invertY(True)
        self.plot.getViewBox().setDefaultPadding(0.0)
        style_plot(self.plot, font, bottom="example in the last training batch", left="unit")
        self.image = pg.ImageItem(axisOrder="row-major")
        self.plot.addItem(self.image)
        self.colorbar = pg.ColorBarItem(values=(-1, 1), colorMap=pg.ColorMap(
            np.linspace(0, 1, DIVERGING.shape[0] - 1), DIVERGING[:-1, :3]), interactive=False, width=22)
        self.colorbar.axis.setStyle(tickFont=plot_font(font, 1.1))
        self.colorbar.axis.setTextPen(pg.mkPen(ink()))
        self.colorbar.axis.setWidth(None)  # fit the large tick labels
        self.glw.addItem(self.colorbar, row=0, col=1)
        self.message = pg.TextItem("", color=ink(), anchor=(0.5, 0.5))
        self.message.setFont(plot_font(font, 1.3, bold=True))
        self.plot.addItem(self.message, ignoreBounds=True)
        self.note = pg.LabelItem("", justify="left")
        self.glw.addItem(self.note, row=1, col=0, colspan=2)
        self.values = np.empty((0, 0))  # (units, batch) as drawn
        self._shape: tuple[int, int] | None = None

    def update_from(self, s: Snapshot, layer: int) -> None:
        batch = s.batch_outputs
        B = None if batch is None or layer >= len(batch) else np.asarray(batch[layer], dtype=float)
        size = f"{plot_font(self.panel.font(), 1.1).pointSizeF():.0f}pt"
        if B is None or B.size == 0:
            self.values = np.empty((0, 0))
            self.image.clear()
            self._shape = None
            self.message.setText("no training batch yet (press play or step)")
            self.message.setPos(0.5, 0.5)
            self.plot.setRange(xRange=(0, 1), yRange=(0, 1), padding=0)
            self.message.show()
            self.note.setText("")
            return
        self.message.hide()
        V = B.T  # units × examples
        self.values = V
        kind = neuron_kind(s, layer)
        p = float(s.dropout[layer]) if layer < len(s.dropout) else 0.0
        # a bounded activation's range, widened by the dropout scaling of the kept units
        scale = 1.0 / (1.0 - p) if kind == "bounded" and p < 1 else finite_absmax(V, 1e-9)
        with np.errstate(all="ignore"):
            rgba = map_signed(V / scale)
        self.image.setImage(rgba, autoLevels=False)
        units, n = V.shape
        if self._shape != (units, n):
            self._shape = (units, n)
            self.image.setRect(0, 0, n, units)
            self.plot.setRange(xRange=(0, n), yRange=(0, units), padding=0)
            ay = self.plot.getAxis("left")
            ystep = max(1, int(math.ceil(units / 16)))
            ay.setTicks([[(u + 0.5, str(u + 1)) for u in range(0, units, ystep)]])
            ax = self.plot.getAxis("bottom")
            xstep = max(1, int(math.ceil(n / 12)))
            ax.setTicks([[(e + 0.5, str(e + 1)) for e in range(0, n, xstep)]])
        self.colorbar.setLevels((-scale, scale))
        extra = (f"Dropout p = {p:.2f}: dropped units read exactly 0 (white); kept ones are scaled "
                 f"×{1 / (1 - p):.2f}." if p > 0 else "Each column is one example, each row one unit.")
        self.note.setText(f"Activations after the last training step. {extra}", size=size,
                          color=theme.ink_hex())


class _NeuronMaps(QWidget):
    def __init__(self, panel: NeuronsPanel):
        super().__init__()
        self.panel = panel
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        self.glw = neurons_panel_fresh_glw(self, None)
        self._key: tuple | None = None
        self.cells: list[tuple[pg.PlotItem, pg.GraphicsObject]] = []
        self.caption = QLabel("")
        self.caption.setFont(plot_font(panel.font(), 1.1))
        self.caption.setTextFormat(Qt.TextFormat.RichText)
        self.caption.setContentsMargins(8, 2, 8, 2)
        lay.addWidget(self.caption)

    def _build(self, units: int, one_d: bool) -> None:
        self.glw = neurons_panel_fresh_glw(self, self.glw)
        self.cells = []
        rows, cols = _grid_shape(units, 1.8)
        font = self.panel.font()
        size = f"{plot_font(font, 1.1 if units > 8 else 1.25).pointSizeF():.0f}pt"
        for u in range(units):
            p = self.glw.addPlot(row=u // cols, col=u % cols)
            _plain(p)
            p.setTitle(f"unit {u + 1}", size=size, color=theme.ink_hex())
            if one_d:
                for side in ("bottom", "left"):
                    p.getAxis(side).setStyle(tickFont=plot_font(font, 0.95))
                    p.getAxis(side).setTextPen(pg.mkPen(ink()))
                p.addLine(y=0, pen=pg.mkPen(180, 180, 180))
                item = pg.PlotDataItem([], [], pen=pg.mkPen(*theme.POSITIVE, width=3), connect="finite")
            else:
                p.hideAxis("left")
                p.hideAxis("bottom")
                p.setAspectLocked(True)
                p.getViewBox().setDefaultPadding(0.0)
                item = pg.ImageItem(axisOrder="row-major")
            p.addItem(item)
            self.cells.append((p, item))

    def update_from(self, s: Snapshot, layer: int) -> None:
        grid = s.grid
        if grid is None or layer >= len(grid.layers):
            key = ("none", s.diverged)
            if key == self._key:
                return
            self._key = key
            self.caption.setText("")
            self.glw = neurons_panel_fresh_glw(self, self.glw)
            self.cells = []
            p = self.glw.addPlot(row=0, col=0)
            _plain(p)
            p.hideAxis("left")
            p.hideAxis("bottom")
            t = pg.TextItem("no neuron maps (the run diverged)" if s.diverged else "no neuron maps yet",
                            color=(176, 0, 32), anchor=(0.5, 0.5))
            t.setFont(plot_font(self.panel.font(), 1.3, bold=True))
            p.addItem(t)
            p.setRange(xRange=(-1, 1), yRange=(-1, 1))
            return
        arr = grid.layers[layer]
        one_d = grid.ys is None
        units = arr.shape[-1]
        key = (units, one_d, tuple(grid.extent))
        if key != self._key:
            self._key = key
            self._build(units, one_d)
            x0, x1, y0, y1 = grid.extent
            for _p, item in self.cells:
                if not one_d:
                    item.setRect(x0, y0, x1 - x0, y1 - y0)
        kind = neuron_kind(s, layer)
        scale = None if kind == "bounded" else finite_absmax(arr)
        neg = theme.hex_color(theme.NEGATIVE)
        pos = theme.hex_color(theme.POSITIVE)
        top = "1" if scale is None else f"{scale:.3g}"
        self.caption.setText(
            f"Each unit's output over the input plane: <b style='color:{neg}'>orange = −{top}</b>, "
            f"white = 0, <b style='color:{pos}'>blue = +{top}</b>" if not one_d else
            "Each unit's output along the input line x.")
        for u, (_p, item) in enumerate(self.cells):
            if one_d:
                with np.errstate(all="ignore"):
                    y = np.where(np.isfinite(arr[:, u]), arr[:, u], np.nan)
                item.setData(grid.xs, y)
            else:
                rgba = neuron_rgba(s, layer, u, values=arr[..., u], scale=scale)
                if rgba is not None:
                    item.setImage(rgba, autoLevels=False)


class _HiddenSpace(QWidget):
    def __init__(self, panel: NeuronsPanel):
        super().__init__()
        self.panel = panel
        font = panel.font()
        self.glw = pg.GraphicsLayoutWidget()
        self.glw.setBackground(theme.background())
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.glw, 1)
        self.caption = QLabel(
            "Each hidden layer maps the input plane into a new space. The grid lines show how it is "
            "bent, stretched and folded; the last hidden layer should leave the classes separable by a "
            "straight line, which is all the output neuron can draw.")
        self.caption.setWordWrap(True)
        self.caption.setFont(plot_font(font, 1.05))
        self.caption.setContentsMargins(8, 2, 8, 2)
        lay.addWidget(self.caption)
        tsize = f"{plot_font(font, 1.25).pointSizeF():.0f}pt"
        self.in_plot: pg.PlotItem = self.glw.addPlot(row=0, col=0)
        self.hid_plot: pg.PlotItem = self.glw.addPlot(row=0, col=1)
        for p in (self.in_plot, self.hid_plot):
            _plain(p)
            p.setAspectLocked(True)
            p.showGrid(x=False, y=False)
        self.in_plot.setTitle("input space", size=tsize, color=theme.ink_hex())
        self.title_size = tsize
        self.lines: dict[str, list[pg.PlotDataItem]] = {}
        self.points: dict[str, pg.ScatterPlotItem] = {}
        for name, p in (("in", self.in_plot), ("hid", self.hid_plot)):
            a = pg.PlotDataItem([], [], pen=pg.mkPen(*LINE_A, 190, width=2.2), connect="finite")
            b = pg.PlotDataItem([], [], pen=pg.mkPen(*LINE_B, 190, width=2.2), connect="finite")
            a.setZValue(1)
            b.setZValue(1)
            p.addItem(a)
            p.addItem(b)
            sc = pg.ScatterPlotItem(size=9, pxMode=True, pen=pg.mkPen(ink(), width=0.8))
            sc.setZValue(5)
            p.addItem(sc)
            self.lines[name] = [a, b]
            self.points[name] = sc
        self.legend = pg.LabelItem("", justify="center")
        self.legend_size = f"{plot_font(font, 1.15).pointSizeF():.0f}pt"
        self.glw.addItem(self.legend, row=1, col=0, colspan=2)
        self.message = pg.TextItem("", color=(176, 0, 32), anchor=(0.5, 0.5))
        self.message.setFont(plot_font(font, 1.3, bold=True))
        self.hid_plot.addItem(self.message, ignoreBounds=True)
        self._dataset = None
        self._brushes: list = []
        self._legend_key: tuple | None = None
        self._prev_comps: Array | None = None
        self._prev_layer = -1
        self.coords = np.empty((0, 2))  # the points as drawn in the hidden plot
        self.mode = ""  # "units" | "pca" | "one"
        self._labels: tuple | None = None
        self._ranges: dict = {}
        style_plot(self.in_plot, font, bottom=pretty_feature("x1"), left=pretty_feature("x2"))

    def _point_brushes(self, s: Snapshot) -> list:
        ds = s.dataset
        y = np.asarray(ds.y_train)
        if s.task == "classification":
            cache: dict = {}
            out = []
            for k in y.astype(int):
                if k not in cache:
                    cache[k] = pg.mkBrush(*class_color(int(k), s.n_classes))
                out.append(cache[k])
            return out
        vals = np.asarray(y, dtype=float).reshape(len(y), -1)[:, 0]
        rgba = map_signed(vals / finite_absmax(vals))
        return [pg.mkBrush(int(r), int(g), int(b)) for r, g, b, _ in rgba]

    def _update_legend(self, s: Snapshot, one_d_input: bool) -> None:
        key = (s.task, s.n_classes, one_d_input, tuple(s.features))
        if key == self._legend_key:
            return
        self._legend_key = key
        sp = "&nbsp;" * 5
        parts = []
        if one_d_input:
            parts.append(f"<span style='color:{theme.hex_color(LINE_A)}'>━━</span> the input line, mapped")
        else:
            parts.append(f"<span style='color:{theme.hex_color(LINE_A)}'>━━</span> lines of constant x₂")
            parts.append(f"<span style='color:{theme.hex_color(LINE_B)}'>━━</span> lines of constant x₁")
        if s.task == "classification":
            for k in range(max(2, s.n_classes)):
                parts.append(f"<span style='color:{theme.hex_color(class_color(k, s.n_classes))}'>⬤</span> "
                             f"class {k}")
        else:
            parts.append(f"<span style='color:{theme.hex_color(theme.NEGATIVE)}'>⬤</span> low target "
                         f"<span style='color:{theme.hex_color(theme.POSITIVE)}'>⬤</span> high target")
        self.legend.setText(sp.join(parts), size=self.legend_size, color=theme.ink_hex())

    def update_from(self, s: Snapshot, layer: int) -> None:
        ds = s.dataset
        pts_in = np.asarray(getattr(ds, "points_train", np.empty((0, 2))), dtype=float)
        one_d_input = pts_in.ndim != 2 or pts_in.shape[1] < 2
        if ds is not self._dataset:
            self._dataset = ds
            self._brushes = self._point_brushes(s)
        self._update_legend(s, one_d_input)
        lines_in = s.grid_lines_input
        if one_d_input and pts_in.ndim == 2 and pts_in.shape[1] == 1:
            # the input space is a line: the points on it, coloured by their target
            self.points["in"].setData(pts_in[:, 0], np.zeros(len(pts_in)), brush=self._brushes)
            if lines_in is not None and lines_in.shape[-1] >= 1:
                xs = lines_in[0, :, 0]
                self.lines["in"][0].setData(xs, np.zeros_like(xs))
            self.lines["in"][1].setData([], [])
        elif not one_d_input:
            self.points["in"].setData(pts_in[:, 0], pts_in[:, 1], brush=self._brushes)
            if lines_in is not None and lines_in.shape[-1] >= 2:
                k = min(GRID_LINES, lines_in.shape[0])
                self.lines["in"][0].setData(*_nan_joined(lines_in[:k, :, :2]))
                self.lines["in"][1].setData(*_nan_joined(lines_in[k:, :, :2]))
        A = np.asarray(s.layer_outputs[layer], dtype=float)
        ok = np.all(np.isfinite(A), axis=1)
        units = A.shape[1]
        L = s.grid_lines[layer] if s.grid_lines is not None and layer < len(s.grid_lines) else None
        if not ok.any():
            self.points["hid"].setData([], [])
            for it in self.lines["hid"]:
                it.setData([], [])
            self.coords = np.empty((0, 2))
            self.message.setText("no finite activations (diverged run)")
            self.message.setPos(0, 0)
            self.message.show()
            self.hid_plot.setTitle(f"layer {layer + 1}", size=self.title_size, color=theme.ink_hex())
            self._labels = None
            return
        self.message.hide()
        if layer != self._prev_layer:
            self._prev_comps = None
            self._prev_layer = layer
        if units == 2:
            self.mode = "units"
            P = A
            proj = (lambda M: M)  # noqa: E731
            xl, yl = "unit 1", "unit 2"
            title = f"layer {layer + 1} space (its 2 units)"
        elif units == 1:
            self.mode = "one"
            rng = np.random.default_rng(0)
            jitter = rng.uniform(-0.15, 0.15, A.shape[0])
            P = np.column_stack([A[:, 0], jitter])
            proj = (lambda M: np.column_stack([M[:, 0], np.zeros(len(M))]))  # noqa: E731
            xl, yl = "unit 1", "(spread out for visibility)"
            title = f"layer {layer + 1} space (1 unit)"
        else:
            self.mode = "pca"
            mean, comps, ratios = neurons_panel_pca(A[ok], self._prev_comps)
            self._prev_comps = comps
            P = (A - mean) @ comps.T
            proj = (lambda M: (M - mean) @ comps.T)  # noqa: E731
            xl, yl = f"PC 1 ({ratios[0]:.0%} of variance)", f"PC 2 ({ratios[1]:.0%})"
            title = f"layer {layer + 1} space: PCA of its {units} units"
        P = np.where(ok[:, None], P, np.nan)
        self.coords = P
        brushes = self._brushes if len(self._brushes) == len(P) else None
        pts = P[ok]
        if brushes is not None:
            brushes = [b for b, k in zip(brushes, ok, strict=True) if k]
        brush = brushes if brushes else pg.mkBrush(*theme.POSITIVE)
        self.points["hid"].setData(pts[:, 0], pts[:, 1], brush=brush)
        if L is not None and L.shape[-1] == units:
            flat = L.reshape(-1, units)
            with np.errstate(all="ignore"):
                M = proj(np.asarray(flat, dtype=float)).reshape(L.shape[0], L.shape[1], 2)
            k = min(GRID_LINES, L.shape[0])
            self.lines["hid"][0].setData(*_nan_joined(M[:k]))
            self.lines["hid"][1].setData(*_nan_joined(M[k:]) if L.shape[0] > k else ([], []))
        else:
            for it in self.lines["hid"]:
                it.setData([], [])
        labels = (title, xl, yl)
        if labels != self._labels:
            self._labels = labels
            self.hid_plot.setTitle(title, size=self.title_size, color=theme.ink_hex())
            style_plot(self.hid_plot, self.panel.font(), bottom=xl, left=yl)
        self._fit_range(pts, self.lines["hid"])

    def _fit_range(self, pts: Array, lines: list[pg.PlotDataItem]) -> None:
        """Fit the hidden plot to the points and lines, in steps of a tenth of a nice span so
        that the view (and its tick labels) only moves when the picture outgrows it."""
        xs, ys = [pts[:, 0]], [pts[:, 1]]
        for it in lines:
            x, y = it.getData()
            if x is not None and y is not None:
                xs.append(np.asarray(x, float))
                ys.append(np.asarray(y, float))
        out = []
        for parts in (xs, ys):
            v = np.concatenate([a.ravel() for a in parts]) if parts else np.empty(0)
            v = v[np.isfinite(v)]
            if v.size == 0:
                return
            lo, hi = float(v.min()), float(v.max())
            q = nice_ceil(max(hi - lo, 1e-6)) / 10.0
            lo, hi = math.floor(lo / q - 0.5) * q, math.ceil(hi / q + 0.5) * q
            out.append((lo, hi))
        set_range_cached(self._ranges, self.hid_plot, out[0], out[1])


# ====================================================================== panel =========
@register_panel
class NeuronsPanel(Panel):
    """What the units of one hidden layer do: distributions, batch, maps, hidden space."""

    panel_id = "neurons"
    title = "Neuron activations"
    default_area = "right"
    default_visible = False
    needs_layers = True

    TABS = ("Distributions", "Batch heatmap", "Neuron maps", "Hidden space")

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._snap: Snapshot | None = None
        self._struct: tuple | None = None
        big = plot_font(self.font(), 1.2)
        bold = plot_font(self.font(), 1.2, bold=True)

        bar = QHBoxLayout()
        bar.setContentsMargins(6, 4, 6, 0)
        ll = QLabel("Layer:")
        ll.setFont(bold)
        self.layer_combo = QComboBox()
        self.layer_combo.setFont(big)
        self.layer_combo.setMinimumContentsLength(16)
        self.layer_combo.currentIndexChanged.connect(self._redraw)
        self.hist_label = QLabel("Histograms:")
        self.hist_label.setFont(bold)
        self.hist_combo = QComboBox()
        self.hist_combo.setFont(big)
        self.hist_combo.addItems(["one per unit", "overlaid"])
        self.hist_combo.currentIndexChanged.connect(self._redraw)
        bar.addWidget(ll)
        bar.addWidget(self.layer_combo)
        bar.addSpacing(20)
        bar.addWidget(self.hist_label)
        bar.addWidget(self.hist_combo)
        bar.addStretch(1)

        self.tabs = QTabWidget()
        self.tabs.setFont(bold)
        self.dist = _Distributions(self)
        self.batch = _BatchHeatmap(self)
        self.maps = _NeuronMaps(self)
        self.space = _HiddenSpace(self)
        for w, name in zip((self.dist, self.batch, self.maps, self.space), self.TABS, strict=True):
            self.tabs.addTab(w, name)
        self.tabs.currentChanged.connect(self._on_tab)

        self.empty = QLabel("")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setWordWrap(True)
        self.empty.setFont(plot_font(self.font(), 1.5, bold=True))
        self.empty.setStyleSheet("QLabel { background: palette(base); color: palette(text); }")
        self.stack = QStackedWidget()
        self.stack.addWidget(self.tabs)
        self.stack.addWidget(self.empty)

        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(2)
        lay.addLayout(bar)
        lay.addWidget(self.stack, 1)
        self.setMinimumSize(420, 320)
        self._show_empty("no training data yet")

    # ------------------------------------------------------------------ public API --------
    def set_tab(self, name_or_index: str | int) -> None:
        i = self.TABS.index(name_or_index) if isinstance(name_or_index, str) else int(name_or_index)
        self.tabs.setCurrentIndex(i)

    def set_layer(self, layer: int) -> None:
        if 0 <= layer < self.layer_combo.count():
            self.layer_combo.setCurrentIndex(layer)

    def set_overlaid(self, on: bool) -> None:
        self.hist_combo.setCurrentIndex(1 if on else 0)

    def set_snapshot(self, snapshot: Snapshot) -> None:
        self._snap = snapshot
        struct = (tuple(snapshot.sizes), tuple(snapshot.activations))
        if struct != self._struct:
            self._struct = struct
            self._configure(snapshot)
        self._redraw()

    # ------------------------------------------------------------------ internals ---------
    def _configure(self, s: Snapshot) -> None:
        keep = self.layer_combo.currentIndex()
        self.layer_combo.blockSignals(True)
        self.layer_combo.clear()
        n_hidden = max(0, len(s.sizes) - 2)
        for layer in range(n_hidden):
            act = s.activations[layer] if layer < len(s.activations) else "linear"
            self.layer_combo.addItem(f"layer {layer + 1} ({act}, {s.sizes[layer + 1]} units)")
        self.layer_combo.setCurrentIndex(keep if 0 <= keep < n_hidden else 0)
        self.layer_combo.setEnabled(n_hidden > 0)
        self.layer_combo.blockSignals(False)

    def _on_tab(self, index: int) -> None:
        self.hist_label.setVisible(index == 0)
        self.hist_combo.setVisible(index == 0)
        self._redraw()

    def _show_empty(self, text: str) -> None:
        self.empty.setText(text)
        self.stack.setCurrentWidget(self.empty)

    def _redraw(self, *_args) -> None:
        s = self._snap
        if s is None:
            return
        n_hidden = max(0, len(s.sizes) - 2)
        if n_hidden == 0:
            self._show_empty("No hidden layers: the inputs go straight to the output.\n"
                             "Add a hidden layer to see its neurons.")
            return
        layer = self.layer_combo.currentIndex()
        if not 0 <= layer < n_hidden:
            return
        tab = self.tabs.currentIndex()
        needs_layers = tab in (0, 3)
        if needs_layers and (s.layer_outputs is None or layer >= len(s.layer_outputs)):
            self._show_empty("waiting for layer data…")
            return
        self.stack.setCurrentWidget(self.tabs)
        if tab == 0:
            self.dist.update_from(s, layer, self.hist_combo.currentIndex() == 1)
        elif tab == 1:
            self.batch.update_from(s, layer)
        elif tab == 2:
            self.maps.update_from(s, layer)
        else:
            self.space.update_from(s, layer)
