"""Gradient flow: how large the gradient is in every layer, now and over time.

* Bars, one row per layer (layer 1, the input side, at the top; the output layer at
  the bottom), on a log axis: ‖∂L/∂W_l‖ and mean |δ_l| = mean |∂L/∂z_l| from the latest
  epoch's evaluation pass (``history["layer_grad_norm"]``, ``["layer_delta_mean_abs"]``).
* Beside them, with the same rows, a heatmap of layer × epoch of log₁₀ of the same
  quantity, with a colour bar (long histories are averaged down to ≤ ``MAX_COLUMNS``
  columns).
* Below, the update:data ratio log₁₀(std(Δθ_l)/std(θ_l)) per layer over time
  (``layer_update_ratio``) with the rule-of-thumb reference line at −3.

A headline states the first-to-last layer ratio: with a deep sigmoid network and
small initial weights the first layer's gradient is many orders of magnitude below the
output layer's, and the bars, the heatmap and the headline all say so at a glance.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from nnviz.app import theme
from nnviz.app.panel import Panel, register_panel
from nnviz.app.plot_helpers import set_range_cached
from nnviz.app.views.common import MISSING, ink, plot_font, style_plot
from nnviz.app.views.loss_view import thin
from nnviz.engine.snapshot import Snapshot

Array = np.ndarray

#: The heatmap's most columns: longer histories are averaged in buckets of epochs.
MAX_COLUMNS = 1000
GRAD_COLOR = (0, 114, 178)  # ‖∂L/∂W‖ bars
DELTA_COLOR = (230, 159, 0)  # mean |δ| bars
WARN = (176, 0, 32)
_SUPER = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def gradient_panel_power(k: float) -> str:
    """'10⁻³' for k = −3 (ticks of a log₁₀ axis)."""
    return "10" + str(int(round(k))).translate(_SUPER)


def gradient_panel_sci(v: float) -> str:
    """A magnitude for the headline: 3.1 × 10⁻⁵ (or plain for moderate values)."""
    if not math.isfinite(v):
        return "—"
    if v == 0:
        return "0"
    if 1e-2 <= abs(v) < 1e3:
        return f"{v:.3g}"
    exp = int(math.floor(math.log10(abs(v))))
    return f"{v / 10 ** exp:.1f} × {gradient_panel_power(exp)}"


def gradient_panel_layer_names(n_layers: int, short: bool = False) -> list[str]:
    """'layer 1 (input side)', 'layer 2', …, 'output'."""
    names = []
    for i in range(n_layers):
        if i == n_layers - 1:
            names.append("output")
        elif i == 0:
            names.append("1 (input)" if short else "layer 1 (input side)")
        else:
            names.append(str(i + 1) if short else f"layer {i + 1}")
    return names


def gradient_panel_thin_columns(values: Array, max_columns: int = MAX_COLUMNS) -> tuple[Array, Array]:
    """(T, L) → (columns, L) bucket means (ignoring non-finite values) and bucket centres."""
    T = values.shape[0]
    if max_columns >= T:
        return values, np.arange(T, dtype=float)
    size = int(math.ceil(T / max_columns))
    n = int(math.ceil(T / size))
    pad = n * size - T
    v = np.concatenate([values, np.full((pad, values.shape[1]), np.nan)]) if pad else values
    blocks = v.reshape(n, size, values.shape[1])
    ok = np.isfinite(blocks)
    with np.errstate(all="ignore"):
        total = np.where(ok, blocks, 0.0).sum(axis=1)
        count = ok.sum(axis=1)
        means = np.where(count > 0, total / np.maximum(count, 1), np.nan)
    centres = np.arange(n) * size + (size - 1) / 2.0
    centres[-1] = min(centres[-1], T - 1)
    return means, centres




def _log10(values: Array) -> Array:
    v = np.asarray(values, dtype=float)
    with np.errstate(all="ignore"):
        out = np.where((v > 0) & np.isfinite(v), np.log10(np.where(v > 0, v, 1.0)), np.nan)
    return out


def gradient_panel_log_ticks(lo: float, hi: float, room: int) -> list[tuple[float, list[float]]]:
    """Tick positions of a log₁₀ axis from ``lo`` to ``hi``: whole decades (every n-th if
    they would crowd), plus 2× and 5× when fewer than two decades are in view."""
    if not (math.isfinite(lo) and math.isfinite(hi)) or hi <= lo:
        return []
    k0, k1 = math.ceil(lo - 1e-9), math.floor(hi + 1e-9)
    step = max(1, int(math.ceil((k1 - k0 + 1) / max(2, room))))
    majors = [float(k) for k in range(k0, k1 + 1) if k % step == 0]
    minors: list[float] = []
    if len(majors) < 2:
        for k in range(int(math.floor(lo)), int(math.ceil(hi)) + 1):
            for m in (2.0, 5.0):
                v = k + math.log10(m)
                if lo <= v <= hi:
                    minors.append(v)
    return [(float(step), sorted(majors + minors))]


def gradient_panel_log_label(v: float) -> str:
    """'10⁻³' at whole decades, '2×10⁻³' between them."""
    k = math.floor(v + 1e-9)
    m = 10 ** (v - k)
    if abs(m - 1) < 1e-6:
        return gradient_panel_power(k)
    return f"{m:.0f}×{gradient_panel_power(k)}"


class LogAxis(pg.AxisItem):
    """An axis whose values are log₁₀ exponents, ticked at decades as 10ᵏ."""

    def tickValues(self, minVal, maxVal, size):  # noqa: N802 - pyqtgraph API
        return gradient_panel_log_ticks(minVal, maxVal, int(size / 70))

    def tickStrings(self, values, scale, spacing):  # noqa: N802 - pyqtgraph API
        return [gradient_panel_log_label(v) for v in values]


class LayerAxis(pg.AxisItem):
    """Integer rows named after the layers."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.names: list[str] = []

    def tickSpacing(self, minVal, maxVal, size):  # noqa: N802 - pyqtgraph API
        return [(1.0, 0.0)]

    def tickStrings(self, values, scale, spacing):  # noqa: N802 - pyqtgraph API
        out = []
        for v in values:
            i = int(round(v))
            out.append(self.names[i] if abs(v - i) < 1e-6 and 0 <= i < len(self.names) else "")
        return out


def _viridis_lut(n: int = 256) -> Array:
    lut = np.empty((n + 1, 4), dtype=np.uint8)
    lut[:n, :3] = pg.colormap.get("viridis").getLookupTable(nPts=n, alpha=False)[:, :3]
    lut[:, 3] = 255
    lut[n, :3] = MISSING
    return lut


@register_panel
class GradientPanel(Panel):
    """Per-layer gradient magnitude (log bars), layer × epoch heatmap, update:data ratio."""

    panel_id = "gradients"
    title = "Gradient flow"
    default_area = "bottom"
    default_visible = False
    needs_layers = False  # everything it draws is in the history

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._snap: Snapshot | None = None
        self._n_layers = -1
        self._heat_key: tuple | None = None
        self._ratio_key: tuple | None = None
        self._lut = _viridis_lut()
        self._ranges: dict = {}
        self.bar_values: dict[str, Array] = {"grad_norm": np.empty(0), "delta_mean_abs": np.empty(0)}
        self.heat_values = np.empty((0, 0))  # log10, (layers, columns)
        self.heat_epochs = np.empty(0)
        big = plot_font(self.font(), 1.2)

        bar = QHBoxLayout()
        bar.setContentsMargins(6, 4, 6, 0)
        self.grad_check = QCheckBox("‖∂L/∂W‖ (weight gradient)")
        self.grad_check.setChecked(True)
        self.delta_check = QCheckBox("mean |δ| (error at the neurons)")
        self.delta_check.setChecked(True)
        for cb, color in ((self.grad_check, GRAD_COLOR), (self.delta_check, DELTA_COLOR)):
            cb.setFont(big)
            cb.setStyleSheet("QCheckBox {{ color: rgb({},{},{}); font-weight: bold; }}".format(*color))
            cb.toggled.connect(self._on_toggle)
            bar.addWidget(cb)
        bar.addStretch(1)
        self.headline = QLabel("")
        self.headline.setTextFormat(Qt.TextFormat.RichText)
        self.headline.setFont(plot_font(self.font(), 1.3, bold=True))
        self.headline.setWordWrap(True)
        self.headline.setContentsMargins(8, 0, 8, 0)

        self.glw = pg.GraphicsLayoutWidget()
        self.glw.setBackground(theme.background())
        tick_font = plot_font(self.font(), 1.15)

        # bars
        self.layer_axis = LayerAxis("left")
        self.bar_plot: pg.PlotItem = self.glw.addPlot(
            row=0, col=0, axisItems={"left": self.layer_axis, "bottom": LogAxis("bottom")})
        self._plain(self.bar_plot)
        style_plot(self.bar_plot, self.font(), bottom="gradient size (log scale)")
        self.bar_plot.getViewBox().invertY(True)
        self.bar_plot.showGrid(x=True, y=False, alpha=0.25)
        self.grad_bars = pg.BarGraphItem(x0=[], y=[], width=[], height=0.38, brush=pg.mkBrush(*GRAD_COLOR),
                                         pen=pg.mkPen(ink(), width=1))
        self.delta_bars = pg.BarGraphItem(x0=[], y=[], width=[], height=0.38, brush=pg.mkBrush(*DELTA_COLOR),
                                          pen=pg.mkPen(ink(), width=1))
        self.bar_plot.addItem(self.grad_bars)
        self.bar_plot.addItem(self.delta_bars)
        self.bar_title = "now (latest epoch)"
        self.bar_plot.setTitle(self.bar_title, size=f"{big.pointSizeF():.0f}pt", color=theme.ink_hex())

        # heatmap
        self.heat_plot: pg.PlotItem = self.glw.addPlot(row=0, col=1)
        self._plain(self.heat_plot)
        style_plot(self.heat_plot, self.font(), bottom="epoch")
        self.heat_plot.setYLink(self.bar_plot)
        self.heat_plot.getViewBox().invertY(True)
        self.heat_plot.getAxis("left").setStyle(showValues=False)
        self.heat_plot.getAxis("left").setWidth(8)
        self.heat_image = pg.ImageItem(axisOrder="row-major")
        self.heat_plot.addItem(self.heat_image)
        self.heat_plot.setTitle("‖∂L/∂W‖ per layer over time", size=f"{big.pointSizeF():.0f}pt",
                                color=theme.ink_hex())
        self.colorbar = pg.ColorBarItem(values=(-6, 0), colorMap=pg.colormap.get("viridis"),
                                        interactive=False, width=22)
        self.colorbar.axis.tickStrings = LogAxis.tickStrings.__get__(self.colorbar.axis)  # type: ignore[method-assign]
        self.colorbar.axis.tickValues = LogAxis.tickValues.__get__(self.colorbar.axis)  # type: ignore[method-assign]
        self.colorbar.axis.setStyle(tickFont=tick_font)
        self.colorbar.axis.setTextPen(pg.mkPen(ink()))
        self.colorbar.axis.setWidth(int(tick_font.pointSizeF() * 6.5))
        self.glw.addItem(self.colorbar, row=0, col=2)

        # update ratio
        self.ratio_plot: pg.PlotItem = self.glw.addPlot(row=1, col=0, colspan=2)
        self._plain(self.ratio_plot)
        style_plot(self.ratio_plot, self.font(), bottom="epoch", left="log₁₀ update/data")
        self.ratio_plot.showGrid(x=True, y=True, alpha=0.15)
        self.ref_line = pg.InfiniteLine(
            pos=-3, angle=0, movable=False,
            pen=pg.mkPen(color=ink(), width=2.5, style=Qt.PenStyle.DashLine),
            label="−3: rule of thumb",
            labelOpts={"position": 0.985, "color": ink(), "anchors": [(1, 0), (1, 0)],
                       "fill": (255, 255, 255, 200)})
        self.ref_line.label.setFont(plot_font(self.font(), 1.1, bold=True))
        self.ref_line.setZValue(30)
        self.ratio_plot.addItem(self.ref_line)
        self.ratio_curves: list[pg.PlotDataItem] = []
        self._curve_pool: list[pg.PlotDataItem] = []
        legend_pt = f"{plot_font(self.font(), 1.1).pointSizeF():.0f}pt"
        self.ratio_legend = pg.LabelItem("", justify="left")
        self.legend_size = legend_pt
        self.glw.addItem(self.ratio_legend, row=2, col=0, colspan=3)
        self.glw.ci.layout.setRowStretchFactor(0, 3)
        self.glw.ci.layout.setRowStretchFactor(1, 2)
        self.glw.ci.layout.setColumnStretchFactor(0, 2)
        self.glw.ci.layout.setColumnStretchFactor(1, 3)

        self.message = pg.TextItem("", color=WARN, anchor=(0.5, 0.5))
        self.message.setFont(plot_font(self.font(), 1.3, bold=True))
        self.heat_plot.addItem(self.message, ignoreBounds=True)
        self.message.hide()

        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(2)
        lay.addLayout(bar)
        lay.addWidget(self.headline)
        lay.addWidget(self.glw, 1)
        self.setMinimumSize(480, 360)

    @staticmethod
    def _plain(p: pg.PlotItem) -> None:
        p.setMenuEnabled(False)
        p.hideButtons()
        p.setMouseEnabled(False, False)

    # ------------------------------------------------------------------ public API --------
    def set_snapshot(self, snapshot: Snapshot) -> None:
        self._snap = snapshot
        hist = snapshot.history if isinstance(snapshot.history, dict) else {}
        n_layers = max(0, len(snapshot.sizes) - 1)
        if n_layers != self._n_layers:
            self._configure(n_layers)
        gn = self._series(hist, "layer_grad_norm", n_layers)
        dm = self._series(hist, "layer_delta_mean_abs", n_layers)
        epochs = np.asarray(hist.get("epoch", np.arange(gn.shape[0])), dtype=float)
        if epochs.shape[0] != gn.shape[0]:
            epochs = np.arange(gn.shape[0], dtype=float)
        self._update_bars(gn, dm)
        self._update_heat(gn, dm, epochs)
        self._update_ratio(self._series(hist, "layer_update_ratio", n_layers), epochs)

    # ------------------------------------------------------------------ internals ---------
    @staticmethod
    def _series(hist: dict, key: str, n_layers: int) -> Array:
        a = hist.get(key)
        if a is None or np.ndim(a) != 2:
            return np.full((0, n_layers), np.nan)
        a = np.asarray(a, dtype=float)
        if a.shape[1] != n_layers:
            b = np.full((a.shape[0], n_layers), np.nan)
            k = min(n_layers, a.shape[1])
            b[:, :k] = a[:, :k]
            a = b
        return a

    def _configure(self, n_layers: int) -> None:
        self._n_layers = n_layers
        self._heat_key = self._ratio_key = None
        self.layer_axis.names = gradient_panel_layer_names(n_layers)
        self.layer_axis.picture = None
        self.layer_axis.update()
        self.bar_plot.setYRange(-0.6, max(0, n_layers - 1) + 0.6, padding=0)
        # curves are pooled (never removed: removing items mid-run is what upsets pyqtgraph)
        while len(self._curve_pool) < n_layers:
            curve = pg.PlotDataItem([], [], connect="finite")
            self.ratio_plot.addItem(curve)
            self._curve_pool.append(curve)
        for c in self._curve_pool[n_layers:]:
            c.setData([], [])
            c.hide()
        self.ratio_curves = self._curve_pool[:n_layers]
        cmap = pg.colormap.get("viridis")
        names = gradient_panel_layer_names(n_layers, short=True)
        parts = []
        for i, curve in enumerate(self.ratio_curves):
            t = 0.0 if n_layers <= 1 else 0.9 * i / (n_layers - 1)
            color = cmap.map(t, mode="qcolor")
            curve.setPen(pg.mkPen(color=color, width=3.5))
            curve.show()
            parts.append(f"<span style='color:{color.name()}'>━━</span>&nbsp;{names[i]}")
        self.ratio_legend.setText("&nbsp;&nbsp;&nbsp;&nbsp;".join(parts), size=self.legend_size,
                                  color=theme.ink_hex())

    def _on_toggle(self, *_args) -> None:
        self._heat_key = None
        if self._snap is not None:
            self.set_snapshot(self._snap)

    def _heat_quantity(self) -> str:
        only_delta = self.delta_check.isChecked() and not self.grad_check.isChecked()
        return "delta_mean_abs" if only_delta else "grad_norm"

    def _update_bars(self, gn: Array, dm: Array) -> None:
        n = self._n_layers
        g = gn[-1] if gn.shape[0] else np.full(n, np.nan)
        d = dm[-1] if dm.shape[0] else np.full(n, np.nan)
        self.bar_values = {"grad_norm": g.copy(), "delta_mean_abs": d.copy()}
        lg, ld = _log10(g), _log10(d)
        shown = [v for v, on in ((lg, self.grad_check.isChecked()), (ld, self.delta_check.isChecked())) if on]
        allv = np.concatenate(shown) if shown else np.empty(0)
        fin = allv[np.isfinite(allv)]
        if fin.size:
            lo = math.floor(float(fin.min())) - 1
            hi = math.ceil(float(fin.max())) + 0.3
        else:
            lo, hi = -6.0, 0.3
        both = self.grad_check.isChecked() and self.delta_check.isChecked()
        rows = np.arange(n, dtype=float)
        for bars, vals, on, off in ((self.grad_bars, lg, self.grad_check.isChecked(), -0.2),
                                    (self.delta_bars, ld, self.delta_check.isChecked(), 0.2)):
            if not on or n == 0:
                bars.setOpts(x0=[], y=[], width=[], height=0.38)
                continue
            w = np.where(np.isfinite(vals), vals - lo, 0.0)
            bars.setOpts(x0=np.full(n, lo), y=rows + (off if both else 0.0), width=w,
                         height=0.38 if both else 0.6)
        set_range_cached(self._ranges, self.bar_plot, x=(lo, hi))
        self._headline(g, d)

    def _headline(self, g: Array, d: Array) -> None:
        n = self._n_layers
        if n == 0:
            self.headline.setText("No layers.")
            return
        if self._snap is not None and self._snap.diverged:
            self.headline.setText("<span style='color:#b00020'>Training diverged: the gradients are "
                                  "not finite.</span>")
            return
        if n < 2:
            self.headline.setText("One layer (no hidden layers): nothing for the gradient to pass through.")
            return
        use, what = (g, "‖∂L/∂W‖") if self.grad_check.isChecked() or not self.delta_check.isChecked() else (
            d, "mean |δ|")
        first, last = float(use[0]), float(use[-1])
        if not (math.isfinite(first) and math.isfinite(last)) or last <= 0:
            self.headline.setText("Gradient sizes appear after the first evaluation.")
            return
        ratio = first / last
        text = (f"Layer 1 (input side) gets {gradient_panel_sci(ratio)} × the output layer's {what}")
        if ratio < 1e-2:
            text = f"<span style='color:#b00020'>{text}: vanishing gradients</span>"
        elif ratio > 1e2:
            text = f"<span style='color:#b00020'>{text}: exploding gradients</span>"
        self.headline.setText(text)

    def _update_heat(self, gn: Array, dm: Array, epochs: Array) -> None:
        q = self._heat_quantity()
        src = gn if q == "grad_norm" else dm
        key = (q, src.shape, float(epochs[-1]) if epochs.size else -1.0,
               float(np.nansum(src[-1])) if src.shape[0] else 0.0)
        if key == self._heat_key:
            return
        self._heat_key = key
        n = self._n_layers
        if src.shape[0] == 0 or n == 0:
            self.heat_values = np.empty((n, 0))
            self.heat_image.clear()
            self.message.setText("no history yet")
            self.message.setPos(0.5, (n - 1) / 2 if n else 0)
            self.message.show()
            return
        logs = _log10(src)  # (T, L)
        cols, centres = gradient_panel_thin_columns(logs)
        self.heat_values = cols.T.copy()  # (L, columns): one row per layer
        self.heat_epochs = np.interp(centres, np.arange(len(epochs)), epochs) if epochs.size else centres
        fin = cols[np.isfinite(cols)]
        if fin.size:
            lo, hi = float(fin.min()), float(fin.max())
            if hi - lo < 1.0:
                mid = 0.5 * (hi + lo)
                lo, hi = mid - 0.5, mid + 0.5
            self.message.hide()
        else:
            lo, hi = -6.0, 0.0
            self.message.setText("no finite gradients (diverged)")
            self.message.show()
        m = self._lut.shape[0] - 1
        with np.errstate(all="ignore"):
            idx = np.rint((np.clip(self.heat_values, lo, hi) - lo) / (hi - lo) * (m - 1))
        idx = np.where(np.isfinite(idx), idx, m).astype(np.intp)
        rgba = self._lut[idx]
        self.heat_image.setImage(rgba, autoLevels=False)
        e0 = float(epochs[0]) if epochs.size else 0.0
        e1 = float(epochs[-1]) if epochs.size else 1.0
        if e1 <= e0:
            e1 = e0 + 1.0
        self.heat_image.setRect(e0 - 0.5, -0.5, (e1 - e0) + 1.0, float(n))
        set_range_cached(self._ranges, self.heat_plot, x=(e0 - 0.5, e1 + 0.5))
        self.colorbar.setLevels((lo, hi))
        label = "‖∂L/∂W‖" if q == "grad_norm" else "mean |δ|"
        self.heat_plot.setTitle(f"{label} per layer over time (log colour scale)")
        if self.message.isVisible():
            self.message.setPos(0.5 * (e0 + e1), (n - 1) / 2)

    def _update_ratio(self, ur: Array, epochs: Array) -> None:
        key = (ur.shape, float(epochs[-1]) if epochs.size else -1.0)
        if key == self._ratio_key:
            return
        self._ratio_key = key
        for i, curve in enumerate(self.ratio_curves):
            if ur.shape[0] == 0 or i >= ur.shape[1]:
                curve.setData([], [])
                continue
            x, y = thin(epochs, ur[:, i], 1000)
            curve.setData(x, y)
        fin = ur[np.isfinite(ur)] if ur.size else np.empty(0)
        lo = min(-4.0, math.floor(2 * (float(fin.min()) - 0.2)) / 2) if fin.size else -4.0
        hi = max(-2.0, math.ceil(2 * (float(fin.max()) + 0.2)) / 2) if fin.size else -2.0
        x = None
        if epochs.size:
            e0 = float(epochs[0])
            e1 = max(float(epochs[-1]), e0 + 1)
            x = (e0 - 0.01 * (e1 - e0), e1 + 0.01 * (e1 - e0))
        set_range_cached(self._ranges, self.ratio_plot, x=x, y=(lo, hi))
