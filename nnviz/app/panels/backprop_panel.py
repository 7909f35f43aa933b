"""Backpropagation, step by step, with every number of the chain rule.

The panel walks one gradient-descent step of a small network (≤ 12 weights and biases)
on one example, the way the lectures do it on the board:

0. the network with its inputs, weights and target;
1. **forward**: net and out of every neuron, written on the drawing and as sums;
2. the **error** E = ½(target − out)² and ∂E/∂out;
3. **backward**, one weight at a time (output layer first): the gradient as the product
   of its chain-rule factors ∂E/∂out · ∂out/∂net · ∂net/∂w with their numbers (for a
   hidden neuron, ∂E/∂out is the sum over its downstream paths, shown term by term),
   and that weight's update w′ = w − η·g;
4. the **update** of every weight and the error after it ("went down by …").

Buttons: back, forward, backward (next weight), reset. Every number (inputs, weights,
biases, target, η) is editable in the boxes on the right, or by clicking a weight on
the drawing; any edit recomputes the whole trace with ``trace_from_arrays`` (a few
microseconds, fine on the GUI thread). The default content is the lectures' worked
example (``worked_example()``); "Current network" takes the training network from
the latest snapshot when it has at most ``MAX_TRACE_PARAMS`` parameters.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter, QPen
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from nnviz.app import theme
from nnviz.app.panel import Panel, register_panel
from nnviz.app.views.common import ink, plot_font
from nnviz.engine.activations import Activation, get_activation
from nnviz.engine.backprop_trace import (
    MAX_TRACE_PARAMS,
    WORKED_EXAMPLE,
    BackpropTrace,
    WeightTrace,
    trace_from_arrays,
)
from nnviz.engine.heads import make_head
from nnviz.engine.snapshot import Snapshot

Array = np.ndarray

#: Colours of the three chain-rule factors, used in the equations and on the drawing.
BACKPROP_PANEL_ERROR = (213, 94, 0)  # ∂E/∂out
BACKPROP_PANEL_SLOPE = (170, 60, 150)  # ∂out/∂net
BACKPROP_PANEL_INPUT = (0, 130, 95)  # ∂net/∂w
BACKPROP_PANEL_CURRENT = (176, 0, 32)
_GREY = (120, 120, 120)
_ACT_SYMBOL = {"sigmoid": "σ", "tanh": "tanh", "relu": "ReLU", "leaky_relu": "leakyReLU",
               "softplus": "softplus", "elu": "ELU", "linear": "", "softmax": "softmax"}

#: What the slides do with the numbers, so that students can match them.
BACKPROP_PANEL_ROUNDING_NOTE = (
    "Numbers are shown to 4 decimals. The slides cut them to 2 (out_h1 = 0.5065 appears there as 0.50), "
    "so the last digit may differ from the board.")


#: The slides' names of the worked example's weights.
BACKPROP_PANEL_SLIDE_NAMES = {
    "w(x1→h1)": "w1", "w(x2→h1)": "w2", "w(x1→h2)": "w3", "w(x2→h2)": "w4",
    "w(h1→o1)": "w5", "w(h2→o1)": "w6",
}


def backprop_panel_fmt(v: float) -> str:
    """4 decimals; 4 significant digits below 0.001 so small gradients stay readable."""
    if not math.isfinite(v):
        return "nan" if math.isnan(v) else ("∞" if v > 0 else "−∞")
    if v == 0:
        return "0"
    if abs(v) < 1e-3 or abs(v) >= 1e5:
        return f"{v:.4g}".replace("-", "−")
    return f"{v:.4f}".replace("-", "−")


def fmsb_font(font: QFont) -> QFont:
    """``font`` in bold."""
    b = QFont(font)
    b.setBold(True)
    return b


def _col(text: str, c: tuple[int, int, int], bold: bool = False) -> str:
    w = "font-weight:bold;" if bold else ""
    return f"<span style='color:{theme.hex_color(c)};{w}'>{text}</span>"


@dataclass
class BackpropModel:
    """The editable numbers of the traced network (weights as (fan_in, fan_out))."""

    weights: list[Array]
    biases: list[Array | None]
    x: Array
    target: Array
    lr: float
    hidden: list[Activation]
    output: str = "sigmoid"
    loss: str = "mse"
    trace_biases: bool = True
    source: str = "the lectures' worked example"
    input_names: list[str] = field(default_factory=list)
    aliases: dict[str, str] = field(default_factory=dict)  # weight name → the slides' name
    l1: float = 0.0  # the training's penalties, so the gradient shown is the one it uses
    l2: float = 0.0

    @classmethod
    def worked(cls) -> BackpropModel:
        ex = WORKED_EXAMPLE
        return cls(
            weights=[np.array(ex["hidden"], dtype=float), np.array(ex["output"], dtype=float)],
            biases=[None, None], x=np.array(ex["x"], dtype=float),
            target=np.atleast_1d(np.array(ex["target"], dtype=float)), lr=float(ex["lr"]),
            hidden=[get_activation("sigmoid")], aliases=dict(BACKPROP_PANEL_SLIDE_NAMES),
        )

    def copy(self) -> BackpropModel:
        return BackpropModel(
            [W.copy() for W in self.weights], [None if b is None else b.copy() for b in self.biases],
            self.x.copy(), self.target.copy(), self.lr, list(self.hidden), self.output, self.loss,
            self.trace_biases, self.source, list(self.input_names), dict(self.aliases), self.l1, self.l2)

    def trace(self) -> BackpropTrace:
        return trace_from_arrays(
            self.weights, self.x, self.target, biases=self.biases, lr=self.lr,
            hidden_activation=self.hidden, output=self.output, loss=self.loss,
            trace_biases=self.trace_biases, l1=self.l1, l2=self.l2)


def backprop_panel_model_from_snapshot(s: Snapshot, example: int = 0) -> BackpropModel:
    """The snapshot's network as an editable model; raises ValueError saying why not."""
    sizes = list(s.sizes)
    n_w = sum(a * b for a, b in zip(sizes[:-1], sizes[1:], strict=False))
    n_b = sum(sizes[1:])
    if n_w > MAX_TRACE_PARAMS:
        raise ValueError(
            f"This network ({'-'.join(map(str, sizes))}) has {n_w} weights and {n_b} biases; the "
            f"step-by-step view shows at most {MAX_TRACE_PARAMS}. Use a small network such as 2-2-1.")
    trace_biases = n_w + n_b <= MAX_TRACE_PARAMS
    Ws = [np.array(W, dtype=float) for W in s.weights]
    bs = [np.array(b, dtype=float) for b in s.biases]
    if not all(np.all(np.isfinite(W)) for W in Ws) or not all(np.all(np.isfinite(b)) for b in bs):
        raise ValueError("The network's weights are not finite (the run diverged). Reset it first.")
    ds = s.dataset
    X = np.asarray(getattr(ds, "X_train", np.empty((0, sizes[0]))), dtype=float)
    if X.shape[0] == 0:
        raise ValueError("The training set is empty.")
    i = min(max(0, example), X.shape[0] - 1)
    head = make_head(s.output, s.loss, s.task, s.n_classes)
    T = head.targets(np.asarray(ds.y_train)[i:i + 1])[0]
    hidden = [get_activation(a, s.leaky_slope, s.elu_alpha) for a in s.activations]
    model = BackpropModel(Ws, list(bs), X[i].copy(), np.asarray(T, dtype=float), float(s.lr), hidden,
                          s.output, s.loss, trace_biases,
                          f"the current network, training example {i + 1}",
                          [str(f) for f in s.features],
                          l1=float(getattr(s, "l1", 0.0) or 0.0), l2=float(getattr(s, "l2", 0.0) or 0.0))
    model.trace()  # raises ValueError for an unsupported output/loss pair
    return model


# ====================================================================== drawing =======
class BackpropDiagram(QWidget):
    """The network with the walk's numbers written on it (QPainter, scales with size)."""

    weightClicked = Signal(str)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.trace: BackpropTrace | None = None
        self.stage = 0
        self.current: WeightTrace | None = None
        self.done: set[str] = set()
        self.reached: set[str] = set()  # neurons whose δ has been computed
        self._label_rects: list[tuple[QRectF, str]] = []
        self.setMinimumSize(360, 260)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMouseTracking(False)

    def set_state(self, trace: BackpropTrace | None, stage: int, current: WeightTrace | None,
                  done: set[str], reached: set[str]) -> None:
        self.trace, self.stage, self.current, self.done, self.reached = trace, stage, current, done, reached
        self.update()

    # -- geometry -----------------------------------------------------------------------
    def _names(self) -> list[list[str]]:
        t = self.trace
        assert t is not None
        names = [list(t.input_names)]
        for layer in range(1, len(t.sizes)):
            names.append([n.name for n in t.examples[0].neurons if n.layer == layer])
        return names

    def mousePressEvent(self, ev) -> None:  # noqa: N802 - Qt API
        p = ev.position()
        for rect, name in self._label_rects:
            if rect.contains(p):
                self.weightClicked.emit(name)
                return
        super().mousePressEvent(ev)

    # -- painting -----------------------------------------------------------------------
    def paintEvent(self, _ev) -> None:  # noqa: N802 - Qt API
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.fillRect(self.rect(), QColor(*theme.background()))
        self._label_rects = []
        t = self.trace
        if t is None:
            p.end()
            return
        try:
            self._paint(p, t)
        finally:
            p.end()

    def _fonts(self) -> tuple[QFont, QFont, QFont]:
        base = QFont(self.font())
        n_max = max(self.trace.sizes) if self.trace is not None else 2
        size = min(self.width() / 52.0, self.height() / (9.0 * max(2, n_max) / 2 + 6))
        size = max(10.0, min(20.0, size))
        f = QFont(base)
        f.setPointSizeF(size)
        b = QFont(f)
        b.setBold(True)
        s = QFont(f)
        s.setPointSizeF(max(9.0, size * 0.85))
        return f, b, s

    def _box(self, p: QPainter, center: QPointF, lines: list[tuple[str, tuple[int, int, int], bool]],
             font: QFont, bold: QFont, anchor: str = "top",
             frame: tuple[int, int, int] | None = None) -> QRectF:
        """Text lines in a white box; anchor 'top' (centre of the top edge at ``center``),
        'left' (middle of the left edge) or 'right' (middle of the right edge)."""
        fm, fmb = QFontMetricsF(font), QFontMetricsF(bold)
        widths = [(fmb if b else fm).horizontalAdvance(s) for s, _, b in lines]
        lh = max(fm.height(), fmb.height())
        w = max(widths) + 12 if widths else 0
        h = lh * len(lines) + 6
        if anchor == "top":
            r = QRectF(center.x() - w / 2, center.y(), w, h)
        elif anchor == "left":
            r = QRectF(center.x(), center.y() - h / 2, w, h)
        elif anchor == "right":
            r = QRectF(center.x() - w, center.y() - h / 2, w, h)
        else:
            r = QRectF(center.x() - w / 2, center.y() - h / 2, w, h)
        p.setPen(QPen(QColor(*frame), 2.5) if frame else QPen(QColor(200, 200, 200), 1))
        p.setBrush(QColor(*theme.background(), 235))
        p.drawRoundedRect(r, 4, 4)
        y = r.top() + 3
        for (s, c, b), _w in zip(lines, widths, strict=True):
            p.setFont(bold if b else font)
            p.setPen(QColor(*c))
            p.drawText(QRectF(r.left() + 6, y, w - 12, lh), Qt.AlignmentFlag.AlignCenter, s)
            y += lh
        return r

    def _neuron_lines(self, t: BackpropTrace, name: str, layer: int
                      ) -> list[tuple[str, tuple[int, int, int], bool]]:
        """The numbers written under neuron ``name`` at the current stage."""
        fmt = backprop_panel_fmt
        ex = t.examples[0]
        cur = self.current
        is_source = cur is not None and not cur.is_bias and cur.source == name
        src_c = BACKPROP_PANEL_INPUT if is_source else ink()
        if layer == 0:
            j = list(t.input_names).index(name)
            return [(f"{name} = {fmt(ex.x[j])}", src_c, is_source)]
        n = next(m for m in ex.neurons if m.name == name)
        lines: list[tuple[str, tuple[int, int, int], bool]] = []
        if self.stage >= 1:
            lines.append((f"net {fmt(n.net)}", ink(), False))
            lines.append((f"out {fmt(n.out)}", src_c, is_source))
        else:
            lines.append(("net ?", _GREY, False))
            lines.append(("out ?", _GREY, False))
        bias = next((w for w in t.weights if w.is_bias and w.target == name), None)
        if bias is not None:
            is_cur_b = cur is not None and cur.name == bias.name
            after = self.stage >= self._update_stage()
            btxt = f"b′ {fmt(bias.new_value)}" if after else f"b {fmt(bias.value)}"
            lines.append((btxt, BACKPROP_PANEL_CURRENT if is_cur_b else ink(), is_cur_b))
        if name in self.reached:
            lines.append((f"δ {fmt(n.dE_dnet)}", BACKPROP_PANEL_SLOPE, False))
        if layer == len(t.sizes) - 1:
            k = n.index
            lines.append((f"target {fmt(ex.target[k])}", ink(), False))
            if self.stage >= 2:
                lines.append((f"∂E/∂out {fmt(n.dE_dout)}", BACKPROP_PANEL_ERROR, True))
        return lines

    def _paint(self, p: QPainter, t: BackpropTrace) -> None:
        f, fb, fs = self._fonts()
        names = self._names()
        cur = self.current
        fmt = backprop_panel_fmt
        fm, fms = QFontMetricsF(fb), QFontMetricsF(fs)
        fmsb = QFontMetricsF(fmsb_font(fs))
        W, H = float(self.width()), float(self.height())
        top = 8.0
        L = len(names)
        # the numbers of every neuron, to size the layout
        boxes = {nm: self._neuron_lines(t, nm, layer) for layer, col in enumerate(names) for nm in col}
        def box_size(lines) -> tuple[float, float]:
            w = max((fmsb if b else fms).horizontalAdvance(s_) for s_, _, b in lines) + 12
            return w, fms.height() * len(lines) + 6
        sizes = {nm: box_size(lines) for nm, lines in boxes.items()}
        # radius: the preferred size, shrunk until every column fits its circles and boxes
        r = max(16.0, min(44.0, fm.height() * 1.2))
        for col in names:
            slot = (H - 2 * top) / max(1, len(col))
            tallest = max(sizes[nm][1] for nm in col)
            r = min(r, (slot - tallest - 10) / 2)
        r = max(10.0, r)
        left = max(r, sizes[names[0][0]][0] / 2 if names[0] else r,
                   *(sizes[nm][0] / 2 for nm in names[0])) + 8
        right = max(r, *(sizes[nm][0] / 2 for nm in names[-1])) + 8
        pos: dict[str, QPointF] = {}
        for layer, col in enumerate(names):
            x = left + (W - left - right) * (layer / max(1, L - 1))
            slot = (H - 2 * top) / max(1, len(col))
            for j, nm in enumerate(col):
                y = max(top + r, top + slot * j + slot / 2 - sizes[nm][1] / 2)
                pos[nm] = QPointF(x, y)

        # edges ------------------------------------------------------------------------
        for w in t.weights:
            if w.is_bias:
                continue
            a, b = pos[w.source], pos[w.target]
            is_cur = cur is not None and cur.name == w.name
            color = QColor(*BACKPROP_PANEL_CURRENT) if is_cur else QColor(150, 150, 150)
            p.setPen(QPen(color, 5 if is_cur else 2))
            p.drawLine(a, b)

        # neurons and their numbers -----------------------------------------------------
        for layer, col in enumerate(names):
            for nm in col:
                c = pos[nm]
                is_target = cur is not None and cur.target == nm
                is_source = cur is not None and not cur.is_bias and cur.source == nm
                ring = BACKPROP_PANEL_CURRENT if is_target else BACKPROP_PANEL_INPUT if is_source else ink()
                p.setPen(QPen(QColor(*ring), 4 if (is_target or is_source) else 2))
                p.setBrush(_node_fill(layer == 0))
                p.drawEllipse(c, r, r)
                p.setFont(fb if r >= 18 else fs)
                p.setPen(QColor(*ink()))
                p.drawText(QRectF(c.x() - r, c.y() - r, 2 * r, 2 * r), Qt.AlignmentFlag.AlignCenter, nm)
                rect = self._box(p, QPointF(c.x(), c.y() + r + 4), boxes[nm], fs, fmsb_font(fs), anchor="top")
                bias = next((w for w in t.weights if w.is_bias and w.target == nm), None)
                if bias is not None:
                    self._label_rects.append((rect, bias.name))

        # edge labels, on top: near the target, except edges that climb (they would run into
        # the number box under the target neuron), which are labelled near their source
        updated = self.stage >= self._update_stage()
        for w in t.weights:
            if w.is_bias:
                continue
            a, b = pos[w.source], pos[w.target]
            k = 0.28 if a.y() > b.y() + 1.0 else 0.7
            c = QPointF(a.x() + (b.x() - a.x()) * k, a.y() + (b.y() - a.y()) * k)
            is_cur = cur is not None and cur.name == w.name
            text = fmt(w.new_value) if updated else fmt(w.value)
            color = BACKPROP_PANEL_CURRENT if is_cur else BACKPROP_PANEL_INPUT if updated else ink()
            rect = self._box(p, c, [(text, color, is_cur)], fs, fb, anchor="center",
                             frame=BACKPROP_PANEL_CURRENT if is_cur else None)
            self._label_rects.append((rect, w.name))

        # the error, top right
        if self.stage >= 2:
            lines = [(f"E = {fmt(t.error)}", BACKPROP_PANEL_ERROR, True)]
            if updated:
                d = t.error_after - t.error
                lines.append((f"after: {fmt(t.error_after)}",
                              BACKPROP_PANEL_INPUT if d < 0 else BACKPROP_PANEL_CURRENT, True))
            self._box(p, QPointF(W - 8, 12 + fm.height()), lines, fb, fb, anchor="right")

    def _update_stage(self) -> int:
        return 3 + (len(self.trace.weights) if self.trace is not None else 0)


# ====================================================================== panel =========
@register_panel
class BackpropPanel(Panel):
    """One training step of a small network, number by number."""

    panel_id = "backprop"
    title = "Backprop step by step"
    default_area = "right"
    default_visible = False
    needs_layers = False

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._snap: Snapshot | None = None
        self.model = BackpropModel.worked()
        self.trace: BackpropTrace = self.model.trace()
        self.stage = 0
        self.status = ""
        self.editors: dict[str, QLineEdit] = {}
        self._editor_key: tuple | None = None
        big = plot_font(self.font(), 1.2)
        bold = plot_font(self.font(), 1.2, bold=True)

        bar = QHBoxLayout()
        bar.setContentsMargins(6, 4, 6, 0)

        def button(text: str, tip: str, slot) -> QPushButton:
            b = QPushButton(text)
            b.setFont(bold)
            b.setToolTip(tip)
            b.clicked.connect(slot)
            bar.addWidget(b)
            return b

        self.back_button = button("◀ Back", "Go back one step", self.back)
        self.forward_button = button("Forward ▶", "The forward pass, then the error", self.forward)
        self.backward_button = button("Next weight ▶", "Backward: the next weight's gradient (output "
                                      "layer first), then the update", self.next_weight)
        self.reset_button = button("Reset", "Back to the start of the step", self.reset)
        bar.addSpacing(16)
        self.apply_button = button("Take the step", "w ← w′: use the updated weights and start again",
                                   self.take_step)
        bar.addStretch(1)
        self.example_button = button("Lecture example", "The worked example from the slides",
                                     self.load_worked_example)
        self.network_button = button("Current network", "Trace the training network (≤ 12 weights)",
                                     self.use_current_network)

        self.step_label = QLabel("")
        self.step_label.setFont(plot_font(self.font(), 1.3, bold=True))
        self.step_label.setContentsMargins(8, 0, 8, 0)
        self.step_label.setWordWrap(True)

        self.diagram = BackpropDiagram()
        self.diagram.setFont(self.font())
        self.diagram.weightClicked.connect(self.focus_editor)

        # the editor column (filled by _rebuild_editors)
        self.edit_box = QWidget()
        self.edit_grid = QGridLayout(self.edit_box)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setMinimumWidth(250)
        scroll.setMaximumWidth(360)
        self.scroll = scroll

        self.equation = QLabel("")
        self.equation.setTextFormat(Qt.TextFormat.RichText)
        self.equation.setFont(plot_font(self.font(), 1.3))
        self.equation.setWordWrap(True)
        self.equation.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.equation.setStyleSheet(
            "QLabel { background: palette(base); padding: 8px; border-top: 1px solid #ccc; }"
        )
        self.equation.setMinimumHeight(120)
        self.equation.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.note = QLabel(BACKPROP_PANEL_ROUNDING_NOTE)
        self.note.setWordWrap(True)
        self.note.setFont(plot_font(self.font(), 1.0))
        self.note.setContentsMargins(8, 0, 8, 2)

        self.message = QLabel("")
        self.message.setWordWrap(True)
        self.message.setFont(big)
        self.message.setStyleSheet("QLabel { color: #b00020; }")
        self.message.setContentsMargins(8, 0, 8, 0)
        self.message.hide()

        top = QHBoxLayout()
        top.setContentsMargins(0, 0, 0, 0)
        top.addWidget(self.diagram, 1)
        top.addWidget(scroll)

        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(2)
        lay.addLayout(bar)
        lay.addWidget(self.message)
        lay.addWidget(self.step_label)
        lay.addLayout(top, 5)
        lay.addWidget(self.equation, 2)
        lay.addWidget(self.note)
        self.setMinimumSize(520, 420)
        self._rebuild_editors()
        self._refresh()

    def resizeEvent(self, ev) -> None:  # noqa: N802 - Qt API
        """Grow the equations with the panel: on a projector the panel is the whole screen."""
        super().resizeEvent(ev)
        base = plot_font(self.font(), 1.3).pointSizeF()
        size = max(base, min(24.0, self.width() / 85.0, self.height() / 45.0))
        f = self.equation.font()
        if abs(f.pointSizeF() - size) > 0.25:
            f.setPointSizeF(size)
            self.equation.setFont(f)

    # ------------------------------------------------------------------ stages ------------
    @property
    def order(self) -> list[WeightTrace]:
        """The weights in the order the walk visits them: output layer first."""
        return sorted(self.trace.weights, key=lambda w: -w.layer)

    @property
    def n_stages(self) -> int:
        """Stages: 0 start, 1 forward, 2 error, one per weight, then the update."""
        return 4 + len(self.trace.weights)

    @property
    def update_stage(self) -> int:
        return 3 + len(self.trace.weights)

    def current_weight(self) -> WeightTrace | None:
        k = self.stage - 3
        order = self.order
        return order[k] if 0 <= k < len(order) else None

    def forward(self) -> None:
        """The forward pass, then (pressed again) the error."""
        if self.stage < 2:
            self.stage += 1
        self._refresh()

    def next_weight(self) -> None:
        """The next weight's gradient (after the forward pass and the error), then the update."""
        if self.stage < 3:
            self.stage = 3
        elif self.stage < self.update_stage:
            self.stage += 1
        self._refresh()

    def back(self) -> None:
        self.stage = max(0, self.stage - 1)
        self._refresh()

    def reset(self) -> None:
        self.stage = 0
        self._refresh()

    def set_stage(self, stage: int) -> None:
        self.stage = max(0, min(self.update_stage, int(stage)))
        self._refresh()

    def take_step(self) -> None:
        """Replace the weights by the updated ones and go back to the forward pass."""
        t = self.trace
        m = self.model
        for w in t.weights:
            if w.is_bias:
                b = m.biases[w.layer]
                if b is not None:
                    b[w.col] = w.new_value
            else:
                m.weights[w.layer][w.row, w.col] = w.new_value
        self._recompute(keep_stage=False)
        self.stage = 1
        self._sync_editors()
        self._refresh()

    # ------------------------------------------------------------------ sources -----------
    def load_worked_example(self) -> None:
        self.model = BackpropModel.worked()
        self._recompute(keep_stage=False)
        self._rebuild_editors()
        self._refresh()

    def use_current_network(self) -> bool:
        """Trace the latest snapshot's network; False (and a message saying why) if it can't."""
        if self._snap is None:
            self._show_message("No network yet: start the training (or load a scenario) first.")
            return False
        try:
            model = backprop_panel_model_from_snapshot(self._snap)
        except ValueError as exc:
            self._show_message(str(exc))
            return False
        self.model = model
        self._recompute(keep_stage=False)
        self._rebuild_editors()
        self._refresh()
        if not model.trace_biases:
            self._show_message("The biases are treated as constants (with them the network has more than "
                               f"{MAX_TRACE_PARAMS} parameters).")
        return True

    def set_snapshot(self, snapshot: Snapshot) -> None:
        self._snap = snapshot
        sizes = list(snapshot.sizes)
        n_w = sum(a * b for a, b in zip(sizes[:-1], sizes[1:], strict=False))
        ok = n_w <= MAX_TRACE_PARAMS
        self.network_button.setToolTip(
            f"Trace the training network ({'-'.join(map(str, sizes))}, {n_w} weights)" if ok else
            f"The training network has {n_w} weights; the step-by-step view shows at most {MAX_TRACE_PARAMS}")

    # ------------------------------------------------------------------ editing -----------
    def set_value(self, key: str, value: float | str) -> bool:
        """Edit one number as the user would: 'x1', 't1', 'lr', 'w(x1→h1)', 'b(h1)'."""
        ed = self.editors.get(key)
        if ed is None:
            raise KeyError(key)
        ed.setText(str(value))
        return self._on_edit(key)

    def focus_editor(self, key: str) -> None:
        ed = self.editors.get(key)
        if ed is not None:
            self.scroll.ensureWidgetVisible(ed)
            ed.setFocus()
            ed.selectAll()

    def _rebuild_editors(self) -> None:
        box = QWidget()
        grid = QGridLayout(box)
        grid.setContentsMargins(6, 6, 6, 6)
        grid.setVerticalSpacing(1)
        self.edit_box, self.edit_grid = box, grid
        self.scroll.setWidget(box)  # the scroll area deletes the previous one
        self.editors = {}
        font = plot_font(self.font(), 1.1)
        bold = plot_font(self.font(), 1.1, bold=True)
        row = 0

        def header(text: str) -> None:
            nonlocal row
            lab = QLabel(text)
            lab.setFont(bold)
            grid.addWidget(lab, row, 0, 1, 2)
            row += 1

        def editor(key: str, label: str, value: float) -> None:
            nonlocal row
            lab = QLabel(label)
            lab.setFont(font)
            ed = QLineEdit(backprop_panel_fmt(value).replace("−", "-"))
            ed.setFont(font)
            ed.setMaximumWidth(120)
            ed.editingFinished.connect(lambda k=key: self._on_edit(k))
            grid.addWidget(lab, row, 0)
            grid.addWidget(ed, row, 1)
            self.editors[key] = ed
            row += 1

        t = self.trace
        header("Inputs")
        for name, v in zip(t.input_names, t.examples[0].x, strict=True):
            editor(name, name, v)
        header("Target")
        outs = [n.name for n in t.examples[0].neurons if n.layer == len(t.sizes) - 1]
        for k, v in enumerate(t.examples[0].target):
            editor(f"t{k + 1}", f"target of {outs[k]}", v)
        header("Weights")
        for w in t.weights:
            if not w.is_bias:
                editor(w.name, w.name, w.value)
        if any(w.is_bias for w in t.weights):
            header("Biases")
            for w in t.weights:
                if w.is_bias:
                    editor(w.name, w.name, w.value)
        header("Learning rate")
        editor("lr", "η", t.lr)
        grid.setRowStretch(row, 1)
        self._editor_key = (tuple(t.sizes), tuple(w.name for w in t.weights))

    def _sync_editors(self) -> None:
        t = self.trace
        values = {name: v for name, v in zip(t.input_names, t.examples[0].x, strict=True)}
        values.update({f"t{k + 1}": v for k, v in enumerate(t.examples[0].target)})
        values.update({w.name: w.value for w in t.weights})
        values["lr"] = t.lr
        for key, ed in self.editors.items():
            if key in values and not ed.hasFocus():
                ed.setText(backprop_panel_fmt(values[key]).replace("−", "-"))
                ed.setStyleSheet("")

    def _on_edit(self, key: str) -> bool:
        ed = self.editors.get(key)
        if ed is None:
            return False
        text = ed.text().strip().replace("−", "-").replace(",", ".")
        try:
            v = float(text)
            if not math.isfinite(v):
                raise ValueError
        except ValueError:
            ed.setStyleSheet("QLineEdit { background: #ffd6d6; }")
            self._show_message(f"“{ed.text()}” is not a number.")
            return False
        m = self.model.copy()
        t = self.trace
        if key == "lr":
            m.lr = v
        elif key.startswith("t") and key[1:].isdigit():
            m.target[int(key[1:]) - 1] = v
        elif key in t.input_names:
            m.x[list(t.input_names).index(key)] = v
        else:
            w = t.weight(key)
            if w.is_bias:
                b = m.biases[w.layer]
                if b is None:
                    return False
                b[w.col] = v
            else:
                m.weights[w.layer][w.row, w.col] = v
        try:
            trace = m.trace()
        except ValueError as exc:
            ed.setStyleSheet("QLineEdit { background: #ffd6d6; }")
            self._show_message(str(exc))
            return False
        ed.setStyleSheet("")
        self.model, self.trace = m, trace
        self.message.hide()
        self._refresh()
        return True

    def _recompute(self, keep_stage: bool = True) -> None:
        self.trace = self.model.trace()
        self.message.hide()
        if not keep_stage:
            self.stage = 0
        self.stage = min(self.stage, self.update_stage)

    def _show_message(self, text: str) -> None:
        self.status = text
        self.message.setText(text)
        self.message.show()

    # ------------------------------------------------------------------ text --------------
    def equation_text(self) -> str:
        """The equation area's text without markup (for tests and the clipboard)."""
        import re

        html = self.equation.text().replace("<br>", "\n").replace("&nbsp;", " ")
        return re.sub(r"<[^>]+>", "", html).replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")

    def _refresh(self) -> None:
        t = self.trace
        cur = self.current_weight()
        order = self.order
        k = self.stage - 3
        done = {w.name for w in order[:max(0, k)]}
        reached = {w.target for w in order[:max(0, k + 1)]} if self.stage >= 3 else set()
        self.diagram.set_state(t, self.stage, cur, done, reached)
        self.back_button.setEnabled(self.stage > 0)
        self.forward_button.setEnabled(self.stage < 2)
        self.backward_button.setEnabled(self.stage < self.update_stage)
        self.apply_button.setEnabled(self.stage >= self.update_stage)
        n_w = len(t.weights)
        titles = {0: "Start: inputs, weights and target", 1: "1 · Forward pass: net and out of every neuron",
                  2: "2 · The error E and ∂E/∂out"}
        if self.stage in titles:
            title = titles[self.stage]
        elif cur is not None:
            alias = self.model.aliases.get(cur.name)
            title = f"3 · Backward, weight {k + 1} of {n_w}: ∂E/∂{cur.name}" + (
                f" ({alias} on the slides)" if alias else "")
        else:
            title = "4 · Update every weight: w′ = w − η·∂E/∂w"
        self.step_label.setText(f"{title}   <span style='color:{theme.muted_hex()};font-weight:normal'>"
                                f"({self.model.source})</span>")
        self.step_label.setTextFormat(Qt.TextFormat.RichText)
        self.equation.setText(self._equation_html(cur))

    def _net_sum(self, name: str) -> str:
        """'0.0500·0.1400 + 0.1000·0.1900' for neuron ``name``."""
        t = self.trace
        ex = t.examples[0]
        neurons = {n.name: n for n in ex.neurons}
        n = neurons[name]
        layer = n.layer - 1
        prev = list(ex.x) if layer == 0 else [m.out for m in ex.neurons if m.layer == n.layer - 1]
        W = self.model.weights[layer]
        fmt = backprop_panel_fmt
        parts = [f"{fmt(prev[i])}·{fmt(W[i, n.index])}" for i in range(W.shape[0])]
        b = self.model.biases[layer]
        if b is not None:
            parts.append(backprop_panel_fmt(float(b[n.index])))
        return " + ".join(parts)

    def _equation_html(self, cur: WeightTrace | None) -> str:
        t = self.trace
        ex = t.examples[0]
        fmt = backprop_panel_fmt
        lines: list[str] = []
        if self.stage == 0:
            lines.append("Press <b>Forward ▶</b> to compute every neuron's net input and output.")
            lines.append("Edit any number on the right (or click a weight on the drawing); everything "
                         "is recomputed at once.")
        elif self.stage == 1:
            for n in ex.neurons:
                g = _ACT_SYMBOL.get(n.activation, n.activation)
                lines.append(f"net<sub>{n.name}</sub> = {self._net_sum(n.name)} = <b>{fmt(n.net)}</b>"
                             f"&nbsp;&nbsp;&nbsp; out<sub>{n.name}</sub> = {g}({fmt(n.net)}) = "
                             f"<b>{fmt(n.out)}</b>")
        elif self.stage == 2:
            outs = [n for n in ex.neurons if n.layer == len(t.sizes) - 1]
            if t.loss == "mse":
                pairs = zip(outs, ex.target, strict=True)
                terms = " + ".join(f"({fmt(tv)} − {fmt(n.out)})²" for n, tv in pairs)
                lines.append(f"E = ½·[{terms}] = " + _col(f"<b>{fmt(ex.error)}</b>", BACKPROP_PANEL_ERROR))
                for n, tv in zip(outs, ex.target, strict=True):
                    lines.append(f"∂E/∂out<sub>{n.name}</sub> = out − target = {fmt(n.out)} − {fmt(tv)} = "
                                 + _col(f"<b>{fmt(n.dE_dout)}</b>", BACKPROP_PANEL_ERROR))
            elif t.loss == "bce":
                n, tv = outs[0], ex.target[0]
                lines.append(f"E = −[t·log out + (1 − t)·log(1 − out)] = −[{fmt(tv)}·log {fmt(n.out)} + "
                             f"{fmt(1 - tv)}·log {fmt(1 - n.out)}] = "
                             + _col(f"<b>{fmt(ex.error)}</b>", BACKPROP_PANEL_ERROR))
                lines.append(f"∂E/∂out<sub>{n.name}</sub> = (out − t) / (out·(1 − out)) = "
                             + _col(f"<b>{fmt(n.dE_dout)}</b>", BACKPROP_PANEL_ERROR))
            else:
                lines.append("E = −Σ target<sub>k</sub>·log out<sub>k</sub> = "
                             + _col(f"<b>{fmt(ex.error)}</b>", BACKPROP_PANEL_ERROR))
                for n, tv in zip(outs, ex.target, strict=True):
                    lines.append(f"∂E/∂net<sub>{n.name}</sub> = out − target = {fmt(n.out)} − {fmt(tv)} = "
                                 f"<b>{fmt(n.dE_dnet)}</b> (softmax and cross-entropy together)")
        elif cur is not None:
            lines += self._weight_lines(cur)
        else:
            lines.append("Every weight moves against its gradient: w′ = w − η·∂E/∂w with η = "
                         f"{fmt(t.lr)}:")
            row = []
            for w in self.order:
                row.append(f"{w.name}: {fmt(w.value)} → <b>{fmt(w.new_value)}</b>")
            lines.append("&nbsp;&nbsp;·&nbsp;&nbsp;".join(row))
            d = t.error_after - t.error
            if math.isfinite(d):
                how = (_col(f"went down by {fmt(-d)}", BACKPROP_PANEL_INPUT, True) if d < 0 else
                       _col(f"went UP by {fmt(d)}: η is too large", BACKPROP_PANEL_CURRENT, True))
            else:
                how = _col("is not finite", BACKPROP_PANEL_CURRENT, True)
            lines.append(f"Forward again with the new weights: E = {fmt(t.error)} → "
                         f"<b>{fmt(t.error_after)}</b>: the error {how}.")
        return "<br>".join(lines)

    def _weight_lines(self, w: WeightTrace) -> list[str]:
        t = self.trace
        fmt = backprop_panel_fmt
        fac = w.factors[0]
        tgt = w.target
        ex = t.examples[0]
        n = next(m for m in ex.neurons if m.name == tgt)
        src = "1 (the bias input)" if w.is_bias else (
            f"x<sub>{w.source[1:]}</sub>" if w.source in t.input_names else f"out<sub>{w.source}</sub>")
        e_c, s_c, i_c = BACKPROP_PANEL_ERROR, BACKPROP_PANEL_SLOPE, BACKPROP_PANEL_INPUT
        lines = []
        if fac.dout_dnet is not None:
            lines.append(
                f"∂E/∂{w.name} = {_col(f'∂E/∂out<sub>{tgt}</sub>', e_c)} · "
                f"{_col(f'∂out<sub>{tgt}</sub>/∂net<sub>{tgt}</sub>', s_c)}"
                f" · {_col(f'∂net<sub>{tgt}</sub>/∂{w.name}', i_c)}")
            lines.append(
                f"= {_col(fmt(fac.dE_dout), e_c, True)} · {_col(fmt(fac.dout_dnet), s_c, True)} · "
                f"{_col(fmt(fac.dnet_dw), i_c, True)} = <b>{fmt(w.data_gradient)}</b>"
                f"&nbsp;&nbsp;&nbsp;<span style='color:{theme.muted_hex()}'>({_col('error', e_c)}, "
                f"{_col('activation slope', s_c)}, {_col('input along the weight', i_c)})</span>")
        else:
            lines.append(f"∂E/∂{w.name} = {_col(f'∂E/∂net<sub>{tgt}</sub>', e_c)} · "
                         f"{_col(f'∂net<sub>{tgt}</sub>/∂{w.name}', i_c)} = "
                         f"{_col(fmt(fac.dE_dnet), e_c, True)} · "
                         f"{_col(fmt(fac.dnet_dw), i_c, True)} = <b>{fmt(w.data_gradient)}</b>")
        if n.terms:
            parts = " + ".join(f"δ<sub>{pt.via}</sub>·w({tgt}→{pt.via})" for pt in n.terms)
            nums = " + ".join(f"{fmt(pt.dE_dnet)}·{fmt(pt.weight)}" for pt in n.terms)
            lines.append(f"{_col(f'∂E/∂out<sub>{tgt}</sub>', e_c)} = {parts} = {nums} = "
                         f"{_col(fmt(n.dE_dout), e_c, True)}"
                         f"&nbsp;&nbsp;<span style='color:{theme.muted_hex()}'>"
                         "(δ = ∂E/∂net, already computed for the layer above)</span>")
        lines.append(f"<span style='color:{theme.muted_hex()}'>∂net<sub>{tgt}</sub>/∂{w.name} "
                     f"is what arrives along the weight: {src} = {fmt(fac.dnet_dw)} "
                     "(not the weight itself).</span>")
        if w.penalty_gradient:
            lines.append(f"plus the regularisation term {fmt(w.penalty_gradient)}: "
                         f"∂/∂w = <b>{fmt(w.gradient)}</b>")
        if w.frozen:
            lines.append(f"{w.name} is frozen: it keeps its value {fmt(w.value)}.")
        else:
            lines.append(f"Update: {w.name}′ = w − η·g = {fmt(w.value)} − {fmt(t.lr)}·{fmt(w.gradient)} = "
                         f"<b>{fmt(w.new_value)}</b>")
        return lines


def _node_fill(is_input: bool) -> QColor:
    """Input nodes a pale blue, the others a pale cream; deep tints on a dark page."""
    if theme.current().dark:
        return QColor(34, 52, 74) if is_input else QColor(70, 56, 30)
    return QColor(235, 242, 250) if is_input else QColor(255, 246, 230)
