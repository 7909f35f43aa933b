"""Dropout masks: which units the last training batch dropped, and what that means.

p is the probability of *dropping* a unit (the torch convention); kept units are
multiplied by 1/(1−p) during training (inverted dropout), so the expected activation is
unchanged and evaluation needs no mask and no scaling.

For every hidden layer with p > 0 the last batch's mask (``Snapshot.dropout_masks``,
True = kept) is drawn as a grid, examples (rows) × units (columns), kept and dropped in
two clearly different colours, with the kept fraction measured from the mask next to
1 − p and the scale factor 1/(1−p). A "drop probability p" slider applies live through
``command("set_live", ("dropout", p))``. The train/eval switch shows the difference:
in eval every unit is kept and nothing is scaled.

Clicking a row emits ``highlightExample(row)`` (the main window forwards it to the
network view's ``set_highlight_example``, which greys out that example's dropped units).
"""

from __future__ import annotations

import math
import time

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSlider,
    QVBoxLayout,
    QWidget,
)

from nnviz.app import theme
from nnviz.app.panel import Panel, register_panel
from nnviz.app.views.common import ink, plot_font, style_plot
from nnviz.engine.snapshot import Snapshot

Array = np.ndarray

KEPT = getattr(theme, "DROPOUT_KEPT", (0, 158, 115))
DROPPED = getattr(theme, "DROPOUT_DROPPED", (64, 64, 64))
HIGHLIGHT = (176, 0, 32)
#: The slider's range: 0 … 0.9 in steps of 0.05.
P_MAX, P_STEP = 0.9, 0.05
#: While a value the user set has not come back in a snapshot, keep showing it this long.
PENDING_SECONDS = 2.0
#: Draw cell borders when the mask has at most this many rows and columns.
GRID_MAX_ROWS, GRID_MAX_COLS = 48, 40
#: More layers than this are drawn in two rows.
MAX_PER_ROW = 4


def dropout_panel_rgba(mask: Array) -> Array:
    """bool (rows, cols) → RGBA uint8, kept / dropped colours."""
    out = np.empty(mask.shape + (4,), dtype=np.uint8)
    out[...] = (*DROPPED, 255)
    out[mask] = (*KEPT, 255)
    return out


def dropout_panel_grid_lines(rows: int, cols: int) -> tuple[Array, Array]:
    """x, y (with NaN breaks) of the cell borders of a rows × cols grid."""
    xs, ys = [], []
    for r in range(rows + 1):
        xs += [0.0, float(cols), np.nan]
        ys += [float(r), float(r), np.nan]
    for c in range(cols + 1):
        xs += [float(c), float(c), np.nan]
        ys += [0.0, float(rows), np.nan]
    return np.array(xs), np.array(ys)


class _MaskPlot:
    """One layer's mask: a plot with the image, cell borders, a row highlight, stats."""

    def __init__(self, panel: DropoutPanel, glw: pg.GraphicsLayoutWidget, row: int, col: int):
        self.plot: pg.PlotItem = glw.addPlot(row=2 * row, col=col)
        p = self.plot
        p.setMenuEnabled(False)
        p.hideButtons()
        p.setMouseEnabled(False, False)
        p.getViewBox().invertY(True)
        p.getViewBox().setDefaultPadding(0.0)
        style_plot(p, panel.font(), bottom="unit", left="example" if col == 0 else "")
        self.image = pg.ImageItem(axisOrder="row-major")
        p.addItem(self.image)
        self.grid = pg.PlotDataItem([], [], pen=pg.mkPen(255, 255, 255, 200, width=1.5), connect="finite")
        self.grid.setZValue(5)
        p.addItem(self.grid)
        self.highlight = pg.PlotDataItem([], [], pen=pg.mkPen(*HIGHLIGHT, width=4))
        self.highlight.setZValue(10)
        p.addItem(self.highlight)
        self.message = pg.TextItem("", color=ink(), anchor=(0.5, 0.5))
        self.message.setFont(plot_font(panel.font(), 1.2, bold=True))
        p.addItem(self.message, ignoreBounds=True)
        self.stats = pg.LabelItem("", justify="center")
        glw.addItem(self.stats, row=2 * row + 1, col=col)
        self.shape: tuple[int, int] | None = None
        self.layer = -1



@register_panel
class DropoutPanel(Panel):
    """The last batch's dropout masks, a live drop-probability slider, train vs eval."""

    panel_id = "dropout"
    title = "Dropout"
    default_area = "right"
    default_visible = False
    needs_layers = False  # the masks and p are in every snapshot

    #: The row (example of the last batch) the user clicked.
    highlightExample = Signal(int)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._snap: Snapshot | None = None
        self._eval = False
        self._example: int | None = None
        self._pending: tuple[float, float] | None = None  # (p, time set)
        self._plots: list[_MaskPlot] = []
        self._layers_key: tuple | None = None
        self.displayed_masks: dict[int, Array] = {}  # hidden layer → bool mask as drawn
        self.measured: dict[int, tuple[float, float, float]] = {}  # layer → (kept fraction, 1−p, scale)
        big = plot_font(self.font(), 1.2)
        bold = plot_font(self.font(), 1.2, bold=True)

        bar = QHBoxLayout()
        bar.setContentsMargins(6, 4, 6, 0)
        pl = QLabel("drop probability p")
        pl.setFont(bold)
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setRange(0, int(round(P_MAX / P_STEP)))
        self.slider.setPageStep(2)
        self.slider.setMinimumWidth(180)
        self.slider.setToolTip("Probability of DROPPING a unit on each training step (0 … 0.9)")
        self.slider.valueChanged.connect(self._on_slider)
        self.slider.sliderReleased.connect(self._on_released)
        self.p_label = QLabel("")
        self.p_label.setFont(bold)
        self.p_label.setMinimumWidth(250)
        bar.addWidget(pl)
        bar.addWidget(self.slider, 2)
        bar.addWidget(self.p_label)
        bar.addSpacing(16)
        self.train_button = QPushButton("train")
        self.eval_button = QPushButton("eval")
        self.mode_group = QButtonGroup(self)
        for i, b in enumerate((self.train_button, self.eval_button)):
            b.setCheckable(True)
            b.setFont(bold)
            b.setMinimumWidth(80)
            b.setStyleSheet("QPushButton { padding: 4px 10px; } "
                            "QPushButton:checked { background: #282828; color: white; }")
            self.mode_group.addButton(b, i)
            bar.addWidget(b)
        self.train_button.setChecked(True)
        self.mode_group.idToggled.connect(self._on_mode)
        bar.addSpacing(16)
        for color, text in ((KEPT, "kept"), (DROPPED, "dropped (output 0)")):
            sw = QLabel("")
            sw.setFixedSize(26, 26)
            sw.setStyleSheet("background: rgb({},{},{}); border: 1px solid #333;".format(*color))
            lab = QLabel(text)
            lab.setFont(big)
            bar.addWidget(sw)
            bar.addWidget(lab)
        bar.addStretch(1)

        self.note = QLabel("")
        self.note.setTextFormat(Qt.TextFormat.RichText)
        self.note.setWordWrap(True)
        self.note.setFont(big)
        self.note.setContentsMargins(8, 0, 8, 0)

        self.holder = QWidget()
        hl = QVBoxLayout(self.holder)
        hl.setContentsMargins(0, 0, 0, 0)
        self.glw = self._fresh_glw(None)
        self.empty = QLabel("")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setWordWrap(True)
        self.empty.setFont(plot_font(self.font(), 1.5, bold=True))
        self.empty.setStyleSheet("QLabel { background: palette(base); color: palette(text); }")

        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(2)
        lay.addLayout(bar)
        lay.addWidget(self.note)
        lay.addWidget(self.holder, 1)
        lay.addWidget(self.empty, 1)
        self.empty.hide()
        self.setMinimumSize(420, 300)
        self._set_slider(0.0)
        self._update_note()

    # ------------------------------------------------------------------ public API --------
    @property
    def p(self) -> float:
        return round(self.slider.value() * P_STEP, 4)

    @property
    def eval_mode(self) -> bool:
        return self._eval

    def set_p(self, p: float) -> None:
        """Set the slider as a user would (emits the live command)."""
        self.slider.setValue(int(round(min(P_MAX, max(0.0, float(p))) / P_STEP)))
        if self.slider.isSliderDown():
            return
        self._emit_p()

    def set_eval_mode(self, on: bool) -> None:
        (self.eval_button if on else self.train_button).setChecked(True)

    def highlight_row(self, row: int | None) -> None:
        """Outline example ``row`` of the batch in every mask (None: no outline)."""
        self._example = None if row is None or row < 0 else int(row)
        self._draw_highlight()

    def set_snapshot(self, snapshot: Snapshot) -> None:
        self._snap = snapshot
        ps = [float(v) for v in snapshot.dropout]
        self._sync_slider(max(ps) if ps else 0.0)
        self._update()

    # ------------------------------------------------------------------ slider ------------
    def _set_slider(self, p: float) -> None:
        self.slider.blockSignals(True)
        self.slider.setValue(int(round(min(P_MAX, max(0.0, p)) / P_STEP)))
        self.slider.blockSignals(False)
        self._update_p_label()

    def _sync_slider(self, p: float) -> None:
        if self.slider.isSliderDown():
            return
        if self._pending is not None:
            want, since = self._pending
            if abs(want - p) > 1e-9 and time.monotonic() - since < PENDING_SECONDS:
                return
            self._pending = None
        if abs(self.p - p) > 1e-9:
            self._set_slider(p)

    def _on_slider(self, _value: int) -> None:
        self._update_p_label()
        if not self.slider.isSliderDown():
            self._emit_p()

    def _on_released(self) -> None:
        self._emit_p()

    def _emit_p(self) -> None:
        p = self.p
        self._pending = (p, time.monotonic())
        self.command.emit("set_live", ("dropout", p))
        self._update_note()

    def _update_p_label(self) -> None:
        p = self.p
        keep = 1.0 - p
        scale = f"×{1.0 / keep:.2f}" if keep > 0 else "—"
        self.p_label.setText(f"p = {p:.2f}   (keep {keep:.0%}, kept {scale})")

    def _on_mode(self, button_id: int, checked: bool) -> None:
        if not checked:
            return
        self._eval = button_id == 1
        self._update()

    # ------------------------------------------------------------------ drawing -----------
    def _fresh_glw(self, old: pg.GraphicsLayoutWidget | None) -> pg.GraphicsLayoutWidget:
        """A new, empty view in ``old``'s place (Qt deletes ``old`` later): rebuilding
        whole views, not removing plots one by one, leaves no half-deleted item behind."""
        new = pg.GraphicsLayoutWidget()
        new.setBackground(theme.background())
        new.scene().sigMouseClicked.connect(self._on_click)
        lay = self.holder.layout()
        if old is None:
            lay.addWidget(new)
        else:
            lay.replaceWidget(old, new)
            old.hide()
            old.deleteLater()
        self._plots = []
        return new

    def _update_note(self) -> None:
        if self._eval:
            self.note.setText("<b>Evaluation uses no mask:</b> every unit is kept and nothing is scaled "
                              "(×1). The scaling during training already made the expected activation equal.")
        else:
            p = self.p
            scale = f"1/(1−p) = {1.0 / (1.0 - p):.2f}" if p < 1 else "—"
            self.note.setText(f"<b>Training:</b> each unit is dropped with probability p (set to 0); the "
                              f"kept units are multiplied by {scale}, so on average the layer's output is "
                              "unchanged.")

    def _update(self) -> None:
        self._update_note()
        s = self._snap
        if s is None:
            return
        n_hidden = max(0, len(s.sizes) - 2)
        ps = list(s.dropout)[:n_hidden]
        layers = [i for i, p in enumerate(ps) if p > 0]
        if n_hidden == 0:
            self._show_empty("No hidden layers, so there is nothing to drop.\n"
                             "Add a hidden layer to use dropout.")
            return
        if not layers:
            self._show_empty("No layer uses dropout (p = 0).\nMove the “drop probability p” slider to "
                             "switch it on.")
            return
        self.empty.hide()
        self.holder.show()
        key = tuple(layers)
        if key != self._layers_key:
            self._layers_key = key
            self.glw = self._fresh_glw(self.glw)
            per_row = len(layers) if len(layers) <= MAX_PER_ROW else int(math.ceil(len(layers) / 2))
            self._plots = [_MaskPlot(self, self.glw, i // per_row, i % per_row) for i in range(len(layers))]
        self.displayed_masks = {}
        self.measured = {}
        masks = s.dropout_masks
        for mp, layer in zip(self._plots, layers, strict=True):
            mp.layer = layer
            p = float(ps[layer])
            mask = masks[layer] if layer < len(masks) else None
            units = s.sizes[layer + 1]
            mp.plot.setTitle(f"layer {layer + 1} · p = {p:.2f}",
                             size=f"{plot_font(self.font(), 1.2).pointSizeF():.0f}pt", color=theme.ink_hex())
            if mask is None or np.ndim(mask) != 2 or mask.size == 0:
                self._no_mask(mp, units, "no training step yet")
                continue
            mask = np.asarray(mask, dtype=bool)
            shown = np.ones_like(mask) if self._eval else mask
            self.displayed_masks[layer] = shown
            self._draw_mask(mp, shown)
            keep = 1.0 - p
            frac = float(mask.mean())
            self.measured[layer] = (frac, keep, 1.0 / keep if keep > 0 else math.nan)
            size = f"{plot_font(self.font(), 1.1).pointSizeF():.0f}pt"
            if self._eval:
                mp.stats.setText("eval: all kept · scale ×1", size=size, color=theme.ink_hex())
            else:
                mp.stats.setText(
                    f"kept {int(mask.sum())}/{mask.size} = {frac:.0%} &nbsp;(1−p = {keep:.0%})<br>"
                    f"kept units ×{1.0 / keep:.2f}", size=size, color=theme.ink_hex())
        self._draw_highlight()

    def _show_empty(self, text: str) -> None:
        self.displayed_masks = {}
        self.measured = {}
        self.empty.setText(text)
        self.holder.hide()
        self.empty.show()

    def _no_mask(self, mp: _MaskPlot, units: int, text: str) -> None:
        mp.image.clear()
        mp.grid.setData([], [])
        mp.shape = None
        mp.message.setText(text)
        mp.message.setPos(units / 2.0, 0.5)
        mp.message.show()
        mp.stats.setText("")
        mp.plot.setXRange(0, max(1, units), padding=0)
        mp.plot.setYRange(0, 1, padding=0)

    def _draw_mask(self, mp: _MaskPlot, shown: Array) -> None:
        rows, cols = shown.shape
        mp.message.hide()
        mp.image.setImage(dropout_panel_rgba(shown), autoLevels=False)
        if mp.shape != (rows, cols):
            mp.shape = (rows, cols)
            mp.image.setRect(0, 0, cols, rows)
            if rows <= GRID_MAX_ROWS and cols <= GRID_MAX_COLS:
                mp.grid.setData(*dropout_panel_grid_lines(rows, cols))
            else:
                mp.grid.setData([], [])
            mp.plot.setXRange(0, cols, padding=0)
            mp.plot.setYRange(0, rows, padding=0)
            ax = mp.plot.getAxis("bottom")
            step = max(1, int(math.ceil(cols / 8)))
            ax.setTicks([[(c + 0.5, str(c + 1)) for c in range(0, cols, step)]])
            ay = mp.plot.getAxis("left")
            ystep = max(1, int(math.ceil(rows / 10)))
            ay.setTicks([[(r + 0.5, str(r + 1)) for r in range(0, rows, ystep)]])

    def _draw_highlight(self) -> None:
        for mp in self._plots:
            if self._example is None or mp.shape is None or self._example >= mp.shape[0]:
                mp.highlight.setData([], [])
                continue
            r, c = self._example, mp.shape[1]
            mp.highlight.setData([0, c, c, 0, 0], [r, r, r + 1, r + 1, r])

    def _on_click(self, ev) -> None:
        pos = ev.scenePos()
        for mp in self._plots:
            if mp.shape is None:
                continue
            vb = mp.plot.getViewBox()
            if not vb.sceneBoundingRect().contains(pos):
                continue
            pt = vb.mapSceneToView(pos)
            row = int(math.floor(pt.y()))
            if 0 <= row < mp.shape[0] and 0 <= pt.x() <= mp.shape[1]:
                self.highlight_row(row)
                self.highlightExample.emit(row)
                ev.accept()
            return
