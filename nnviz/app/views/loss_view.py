"""Loss curves: train and test loss per epoch, with accuracy (or R²) on a right-hand axis.

Long runs stay fast: before plotting, each series drops its non-finite values and, above
``MAX_POINTS``, is reduced bucket by bucket to each bucket's minimum and maximum (so
spikes survive, unlike plain striding). A 200 000-epoch history becomes ≤ 2 000 points
in a few milliseconds, and an unchanged history is not re-plotted at all.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from nnviz.app import theme
from nnviz.app.panel import Panel, register_panel
from nnviz.app.plot_helpers import fine_ceil, format_number, set_range_cached
from nnviz.app.views.common import ink, plot_font, style_plot

Array = np.ndarray
MAX_POINTS = 600  # ~one point per 2-3 pixels at 1920 wide: painting wide pens is the cost


def thin(x: Array, y: Array, max_points: int = MAX_POINTS) -> tuple[Array, Array]:
    """Finite (x, y) pairs, reduced to at most about ``max_points`` by per-bucket min/max.

    The first and last finite points are always kept.
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    n = min(len(x), len(y))
    x, y = x[:n], y[:n]
    ok = np.isfinite(x) & np.isfinite(y)
    if not ok.all():
        x, y = x[ok], y[ok]
    n = len(x)
    if n <= max_points:
        return x, y
    buckets = max(1, (max_points - 4) // 2)
    size = int(math.ceil(n / buckets))
    m = (n // size) * size
    blocks = y[:m].reshape(-1, size)
    base = np.arange(blocks.shape[0]) * size
    imin = blocks.argmin(axis=1)
    imax = blocks.argmax(axis=1)
    idx = [base + np.minimum(imin, imax), base + np.maximum(imin, imax)]
    if m < n:
        tail = y[m:]
        idx.append(np.array([m + int(tail.argmin()), m + int(tail.argmax())]))
    idx.append(np.array([0, n - 1]))
    keep = np.unique(np.concatenate([np.column_stack(idx[:2]).ravel(), *idx[2:]]))
    return x[keep], y[keep]


def _fmt_loss(v: float) -> str:
    """format_number, but fixed decimals in 1e-3…1e4 (a loss reads best that way)."""
    if not math.isfinite(v) or v == 0 or abs(v) < 1e-3 or abs(v) >= 1e4:
        return format_number(v)
    return f"{v:.4f}" if abs(v) < 1 else f"{v:.3f}"


def _last_finite(a: Array) -> float:
    a = np.asarray(a, dtype=float)
    if a.size == 0:
        return math.nan
    v = float(a[-1])
    if math.isfinite(v):
        return v
    fin = np.flatnonzero(np.isfinite(a))
    return float(a[fin[-1]]) if fin.size else math.nan


@register_panel
class LossView(Panel):
    """Train/test loss against epoch, accuracy or R² on the right axis."""

    panel_id = "loss"
    title = "Loss curves"
    default_area = "bottom"

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._snap = None
        self._history = None
        self._ranges: dict = {}  # set_range_cached: skip unchanged ranges
        self._metric: str | None = None  # "acc" | "r2"
        self._log = False

        bar = QHBoxLayout()
        bar.setContentsMargins(6, 4, 6, 0)
        self.log_check = QCheckBox("Log scale (loss)")
        self.log_check.toggled.connect(self.set_log_scale)
        self.summary = QLabel("")
        self.summary.setTextFormat(Qt.TextFormat.RichText)
        f = plot_font(self.font(), 1.2, bold=True)
        self.summary.setFont(f)
        bar.addWidget(self.log_check)
        bar.addSpacing(16)
        bar.addWidget(self.summary, 1)

        self.glw = pg.GraphicsLayoutWidget()
        self.glw.setBackground(theme.background())
        self.plot: pg.PlotItem = self.glw.addPlot(row=0, col=0)
        self.plot.setMenuEnabled(False)
        self.plot.hideButtons()
        # No grid: at 1920×1080 it costs several ms a frame, and the curves need none.
        self.plot.showAxis("right")
        self.metric_vb = pg.ViewBox(enableMenu=False)
        self.metric_vb.setMouseEnabled(False, False)
        self.plot.scene().addItem(self.metric_vb)
        self.plot.getAxis("right").linkToView(self.metric_vb)
        self.metric_vb.setXLink(self.plot)
        self.plot.getViewBox().sigResized.connect(self._sync_views)
        style_plot(self.plot, self.font(), bottom="epoch", left="loss", right="accuracy (%)")

        def curve(color, width, style=Qt.PenStyle.SolidLine):
            pen = pg.mkPen(color=color, width=width, style=style)
            return pg.PlotDataItem([], [], pen=pen, connect="finite", skipFiniteCheck=True)

        self.curves: dict[str, pg.PlotDataItem] = {
            # Solid pens only: a dash pattern on a long antialiased polyline costs ~10× more.
            "loss_train": curve(theme.TRAIN_COLOR, 3.0),
            "loss_test": curve(theme.TEST_COLOR, 3.0),
            "metric_train": curve(theme.ACCURACY_COLOR, 2.5),
            "metric_test": curve(theme.ACCURACY_TEST_COLOR, 2.5),
        }
        self.plot.addItem(self.curves["loss_train"])
        self.plot.addItem(self.curves["loss_test"])
        self.metric_vb.addItem(self.curves["metric_train"])
        self.metric_vb.addItem(self.curves["metric_test"])
        self.metric_vb.setYRange(0, 100, padding=0.02)

        self.diverged_line = pg.InfiniteLine(
            angle=90, movable=False, pen=pg.mkPen(color=(176, 0, 32), width=2,
                                                  style=Qt.PenStyle.DashLine),
            label="diverged", labelOpts={"position": 0.9, "color": (176, 0, 32),
                                         "fill": (255, 255, 255, 200)},
        )
        self.diverged_line.label.setFont(plot_font(self.font(), 1.15, bold=True))
        self.plot.addItem(self.diverged_line, ignoreBounds=True)
        self.diverged_line.hide()

        self.legend = pg.LegendItem(
            colCount=4, labelTextSize=f"{plot_font(self.font(), 1.15).pointSizeF():.0f}pt",
            labelTextColor=ink(), horSpacing=30,
        )
        self.glw.addItem(self.legend, row=1, col=0)
        self._legend_shown = True
        self._legend_names: dict[str, str] = {}
        for key in ("loss_train", "loss_test", "metric_train", "metric_test"):
            self.legend.addItem(self.curves[key], key)

        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(2)
        lay.addLayout(bar)
        lay.addWidget(self.glw, 1)
        self.setMinimumSize(320, 180)
        self._set_legend_text({"loss_train": "train loss", "loss_test": "test loss",
                               "metric_train": "train accuracy", "metric_test": "test accuracy"})

    #: Below this height the legend row would squash the curves to a sliver; the
    #: summary line above the plot names the colours instead.
    LEGEND_MIN_HEIGHT = 330

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        show = self.height() >= self.LEGEND_MIN_HEIGHT
        if show != self._legend_shown:
            self._legend_shown = show
            if show:
                self.glw.addItem(self.legend, row=1, col=0)
            else:
                self.glw.removeItem(self.legend)
            self.legend.setVisible(show)
            self._label_right_axis()

    def _label_right_axis(self) -> None:
        """The metric axis' name; short when the plot is too low for the long one
        (a rotated label longer than the axis is cut off at both ends)."""
        long_name = "accuracy (%)" if self._legend_shown else "acc %"
        label = "R²" if self._metric == "r2" else long_name
        if self.plot.getAxis("right").labelText != label:
            self.plot.setLabel("right", label)

    # ------------------------------------------------------------------ public API --------
    def set_snapshot(self, snapshot) -> None:
        self._snap = snapshot
        metric = "acc" if snapshot.task == "classification" else "r2"
        if metric != self._metric:
            self._metric = metric
            self._history = None
            self._label_right_axis()
            if metric == "acc":
                self.metric_vb.setYRange(0, 100, padding=0.02)
        if snapshot.history is not self._history:
            self._history = snapshot.history
            self._replot()
        self._update_labels()

    def export_items(self) -> list:
        return [self.glw.ci]

    def set_log_scale(self, on: bool) -> None:
        self._log = bool(on)
        if self.log_check.isChecked() != self._log:
            self.log_check.setChecked(self._log)
        self.plot.setLogMode(x=False, y=self._log)
        self._ranges.clear()
        self._history = None
        if self._snap is not None:
            self.set_snapshot(self._snap)
        self.plot.enableAutoRange(axis="y")

    def point_count(self) -> int:
        """How many points all curves hold (bounded by ~4 × MAX_POINTS)."""
        return sum(0 if c.xData is None else len(c.xData) for c in self.curves.values())

    # ------------------------------------------------------------------ drawing -----------
    def _sync_views(self) -> None:
        vb = self.plot.getViewBox()
        self.metric_vb.setGeometry(vb.sceneBoundingRect())
        self.metric_vb.linkedViewChanged(vb, self.metric_vb.XAxis)

    def _replot(self) -> None:
        h = self._snap.history
        epoch = np.asarray(h["epoch"], dtype=float)
        for key in ("loss_train", "loss_test"):
            y = np.asarray(h[key], dtype=float)
            if self._log:
                with np.errstate(all="ignore"):
                    y = np.where(y > 0, y, np.where(np.isfinite(y), 1e-12, np.nan))
            x, yy = thin(epoch, y)
            self.curves[key].setData(x, yy)
        if self._metric == "acc":
            pairs = (("metric_train", "acc_train"), ("metric_test", "acc_test"))
            scale, lo_clip = 100.0, None
        else:
            pairs = (("metric_train", "r2_train"), ("metric_test", "r2_test"))
            scale, lo_clip = 1.0, -1.0
        highest = 0.0
        for key in ("loss_train", "loss_test"):
            y = self.curves[key].yData
            if y is not None and y.size:
                finite = y[np.isfinite(y)]
                highest = max(highest, float(finite.max())) if finite.size else highest
        lowest = 0.0
        for key, src in pairs:
            y = np.asarray(h[src], dtype=float) * scale
            if lo_clip is not None:
                with np.errstate(all="ignore"):
                    y = np.where(np.isfinite(y), np.clip(y, lo_clip, 1.0), np.nan)
            x, yy = thin(epoch, y)
            self.curves[key].setData(x, yy)
            if yy.size:
                lowest = min(lowest, float(yy.min()))
        if self._metric == "r2":
            self.metric_vb.setYRange(lowest, 1.0, padding=0.03)
        n = len(epoch)
        self.plot.getViewBox().setLimits(xMin=None)
        if n:
            last = float(epoch[-1]) if math.isfinite(float(epoch[-1])) else 0.0
            y = None if self._log or not highest > 0 else (0.0, fine_ceil(highest))
            set_range_cached(self._ranges, self.plot, x=(0.0, fine_ceil(max(1.0, last))), y=y,
                             padding=0.02)
        if self._snap.diverged:
            self.diverged_line.setValue(float(self._snap.epoch) + 0.5)
            self.diverged_line.show()
        else:
            self.diverged_line.hide()

    def _set_legend_text(self, names: dict[str, str]) -> None:
        for sample, label in self.legend.items:
            key = next((k for k, c in self.curves.items() if c is sample.item), None)
            if key is None:
                continue
            text = names.get(key, "")
            if self._legend_names.get(key) != text:
                self._legend_names[key] = text
                label.setText(text)

    def _update_labels(self) -> None:
        s = self._snap
        h = s.history
        tr, te = _last_finite(h["loss_train"]), _last_finite(h["loss_test"])
        if self._metric == "acc":
            mtr, mte = _last_finite(h["acc_train"]), _last_finite(h["acc_test"])
            def fm(v):
                return ("—" if not math.isfinite(v) else f"{100 * v:.1f}%")
            mname = "accuracy"
        else:
            mtr, mte = _last_finite(h["r2_train"]), _last_finite(h["r2_test"])
            def fm(v):
                return ("—" if not math.isfinite(v) else f"{v:.3f}")
            mname = "R²"
        # Names only: a number that changes width every frame would re-lay out the plot
        # (and rebuild its axes) at every frame; the summary line carries the numbers.
        self._set_legend_text({
            "loss_train": "train loss", "loss_test": "test loss" if math.isfinite(te) else "test loss —",
            "metric_train": f"train {mname}", "metric_test": f"test {mname}",
        })
        tc = theme.hex_color(theme.TRAIN_COLOR)
        ec = theme.hex_color(theme.TEST_COLOR)
        ac = theme.hex_color(theme.ACCURACY_COLOR)
        text = (
            f"epoch {s.epoch} &nbsp;·&nbsp; <span style='color:{tc}'>train {_fmt_loss(tr)}</span>"
            f" &nbsp;·&nbsp; <span style='color:{ec}'>test {_fmt_loss(te)}</span>"
            f" &nbsp;·&nbsp; <span style='color:{ac}'>{'acc' if self._metric == 'acc' else 'R²'}"
            f" {fm(mtr)} / {fm(mte)}</span>"
        )
        if s.diverged:
            text += " &nbsp;<span style='color:#b00020'>· diverged</span>"
        if text != self.summary.text():
            self.summary.setText(text)
