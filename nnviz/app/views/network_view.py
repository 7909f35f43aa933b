"""The network diagram: every neuron as a live heatmap tile, every weight as a link.

Layout (Playground style, done better): one column per layer (the input features, each
hidden layer, the output layer); each neuron is a tile showing its output over the input
plane (a strip with a curve for 1-D data); links between tiles are coloured by the
weight's sign (orange negative, blue positive) with width and opacity ∝ |w|; every
neuron with a bias, the output included, has a small bias square at its lower-left
corner coloured the same way.

Interaction. Hovering a link or bias shows its name, value and gradient (live while
training); clicking it opens a small inline editor; Ctrl+click or the right-click menu's
"Use for loss surface" selects it. Hovering a neuron emits ``neuronHovered`` so the output
view can show that neuron's map.

Speed. The scene is rebuilt only when the architecture changes. A frame maps every layer's
grid outputs through the palette with one vectorised lookup, hands each tile a QImage that
views that buffer, and recolours all links of a layer in one item's ``paint`` — no
per-link QGraphicsItems, no Python-side pen churn outside the paint.
"""

from __future__ import annotations

import math
import time

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QFontMetricsF,
    QImage,
    QPainter,
    QPainterPath,
    QPen,
    QPolygonF,
)
from PySide6.QtWidgets import (
    QFrame,
    QGraphicsItem,
    QGraphicsScene,
    QGraphicsSimpleTextItem,
    QGraphicsTextItem,
    QGraphicsView,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QToolTip,
    QVBoxLayout,
    QWidget,
)

from nnviz.app import theme
from nnviz.app.panel import Panel, register_panel
from nnviz.app.views.common import (
    MISSING,
    finite_absmax,
    neuron_kind,
    plot_font,
    pretty_feature,
    rgb,
)
from nnviz.app.views.common import (
    input_feature_map as _input_map,
)
from nnviz.app.views.common import (
    neuron_rgba as _neuron_rgba,
)
from nnviz.engine.network import flat_index

Array = np.ndarray
_N_SAMPLES = 17  # points per link for hit-testing
_HIT_TOLERANCE = 6.0  # px


def _over(color: tuple[int, int, int], alpha: int, back: tuple[int, int, int]) -> tuple[int, int, int]:
    """``color`` at opacity ``alpha`` (0–255) over ``back``, as one opaque colour."""
    a = alpha / 255.0
    return tuple(int(round(b + (c - b) * a)) for c, b in zip(color, back, strict=True))  # type: ignore[return-value]


def _fmt(v: float) -> str:
    if not math.isfinite(v):
        return str(v)
    if v == 0:
        return "0"
    a = abs(v)
    if a >= 1e4 or a < 1e-3:
        return f"{v:.3e}".replace("-", "−")
    return f"{v:.4f}".replace("-", "−")


def parse_value(text: str) -> float:
    """A typed parameter value: accepts '−0.5', '1e-3', '0,25'. Raises ValueError."""
    t = str(text).strip().replace("−", "-").replace("\u2212", "-")
    if "," in t and "." not in t:
        t = t.replace(",", ".")
    if not t:
        raise ValueError("type a number")
    try:
        value = float(t)
    except ValueError:
        raise ValueError(f"'{text}' is not a number") from None
    if not math.isfinite(value):
        raise ValueError("the value must be finite")
    return value


# ===================================================================== scene items =======
class NeuronTile(QGraphicsItem):
    """One neuron: its map (image or curve), a border, its bias square, a dropped overlay."""

    def __init__(self, layer: int, unit: int, has_bias: bool):
        super().__init__()
        self.layer = layer  # −1 = input feature
        self.unit = unit
        self.has_bias = has_bias
        self.size = 40.0
        self.bias_size = 10.0
        self.image: QImage | None = None
        self._image_buf: Array | None = None  # keeps the QImage's memory alive
        self.curve: QPolygonF | None = None
        self.bias_color = QColor(*theme.NEUTRAL)
        self.dropped = False
        self.hovered = False
        self.bias_hovered = False
        self.bias_selected = False
        self.missing = True
        self.setZValue(2)

    # geometry in item coordinates: the tile is (0, 0, size, size)
    def tile_rect(self) -> QRectF:
        return QRectF(0, 0, self.size, self.size)

    def bias_rect(self) -> QRectF:
        b = self.bias_size
        return QRectF(-0.5 * b, self.size - 0.5 * b, b, b)

    def boundingRect(self) -> QRectF:
        b = self.bias_size
        return QRectF(-0.5 * b - 4, -4, self.size + 0.5 * b + 8, self.size + 0.5 * b + 8)

    def set_image(self, buf: Array | None) -> None:
        """``buf``: (h, w, 4) uint8 C-contiguous RGBA, row 0 drawn at the top."""
        if buf is None:
            self.image, self._image_buf, self.missing = None, None, True
        else:
            buf = np.ascontiguousarray(buf)
            h, w = buf.shape[:2]
            self._image_buf = buf
            self.image = QImage(buf.data, w, h, 4 * w, QImage.Format.Format_RGBA8888)
            self.missing = False
        self.update()

    def paint(self, p: QPainter, option, widget=None) -> None:
        r = self.tile_rect()
        p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, True)
        if self.image is not None:
            if self.curve is not None:
                p.fillRect(r, QColor(255, 255, 255))
                p.setOpacity(0.55)
                p.drawImage(r, self.image)
                p.setOpacity(1.0)
            else:
                p.drawImage(r, self.image)
        else:
            p.fillRect(r, rgb(MISSING))
        if self.curve is not None:
            p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
            pen = QPen(QColor(30, 30, 30), max(1.5, self.size / 28))
            pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
            p.setPen(pen)
            p.setClipRect(r)
            p.drawPolyline(self.curve)
            p.setClipping(False)
        if self.dropped:
            p.fillRect(r, QColor(120, 120, 120, 190))
            p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
            p.setPen(QPen(QColor(255, 255, 255, 230), max(2.0, self.size / 16)))
            m = self.size * 0.25
            p.drawLine(QPointF(m, m), QPointF(self.size - m, self.size - m))
            p.drawLine(QPointF(self.size - m, m), QPointF(m, self.size - m))
        p.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        if self.hovered:
            p.setPen(QPen(QColor(*theme.ink()), 3))
        else:
            p.setPen(QPen(QColor(110, 110, 110), 1))
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawRect(r)
        if self.has_bias:
            br = self.bias_rect()
            p.setBrush(QBrush(self.bias_color))
            if self.bias_selected:
                pen = QPen(QColor(*theme.ink()), 3, Qt.PenStyle.DashLine)
            elif self.bias_hovered:
                pen = QPen(QColor(*theme.ink()), 3)
            else:
                pen = QPen(QColor(60, 60, 60), 1.2)
            p.setPen(pen)
            p.drawRect(br)


class LinkLayer(QGraphicsItem):
    """All the links of one network layer (fan_in × fan_out), painted in one item."""

    def __init__(self, layer: int, fan_in: int, fan_out: int):
        super().__init__()
        self.layer = layer
        self.fan_in = fan_in
        self.fan_out = fan_out
        n = fan_in * fan_out
        self.paths: list[QPainterPath] = []
        self.samples = np.zeros((n, _N_SAMPLES, 2))
        self.colors: list[QColor] = [QColor(*MISSING)] * n
        self.widths = np.ones(n)
        self.order = np.arange(n)
        self.visible_mask = np.ones(n, dtype=bool)
        self.hovered: int | None = None
        self.selected: set[int] = set()
        self._bounds = QRectF()
        self.setZValue(0)

    @property
    def n_links(self) -> int:
        return self.fan_in * self.fan_out

    def set_geometry(self, starts: Array, ends: Array) -> None:
        """``starts`` (fan_in, 2) source anchors, ``ends`` (fan_out, 2) target anchors."""
        self.prepareGeometryChange()
        p0 = np.repeat(starts, self.fan_out, axis=0)  # link i = row * fan_out + col
        p3 = np.tile(ends, (self.fan_in, 1))
        xm = 0.5 * (p0[:, 0] + p3[:, 0])
        p1 = np.column_stack([xm, p0[:, 1]])
        p2 = np.column_stack([xm, p3[:, 1]])
        t = np.linspace(0.0, 1.0, _N_SAMPLES)[None, :, None]
        u = 1.0 - t
        self.samples = (
            u**3 * p0[:, None] + 3 * u * u * t * p1[:, None] + 3 * u * t * t * p2[:, None]
            + t**3 * p3[:, None]
        )
        self.paths = []
        for a, b, c, d in zip(p0, p1, p2, p3, strict=True):
            path = QPainterPath(QPointF(*a))
            path.cubicTo(QPointF(*b), QPointF(*c), QPointF(*d))
            self.paths.append(path)
        if len(p0):
            lo = self.samples.reshape(-1, 2).min(axis=0)
            hi = self.samples.reshape(-1, 2).max(axis=0)
            self._bounds = QRectF(lo[0] - 12, lo[1] - 12, hi[0] - lo[0] + 24, hi[1] - lo[1] + 24)
        else:
            self._bounds = QRectF()
        self.update()

    def boundingRect(self) -> QRectF:
        return self._bounds

    def set_style(self, colors: list[QColor], widths: Array, order: Array) -> None:
        self.colors, self.widths, self.order = colors, widths, order
        self.update()

    def paint(self, p: QPainter, option, widget=None) -> None:
        if not self.paths:
            return
        p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        p.setBrush(Qt.BrushStyle.NoBrush)
        for i in sorted(self.selected):
            if i < len(self.paths):
                pen = QPen(QColor(*theme.ink()), self.widths[i] + 6, Qt.PenStyle.DashLine)
                p.setPen(pen)
                p.drawPath(self.paths[i])
        if self.hovered is not None and self.hovered < len(self.paths):
            p.setPen(QPen(QColor(*theme.ink()), self.widths[self.hovered] + 5))
            p.drawPath(self.paths[self.hovered])
        for i in self.order:
            pen = QPen(self.colors[i], float(self.widths[i]))
            pen.setCapStyle(Qt.PenCapStyle.RoundCap)
            p.setPen(pen)
            p.drawPath(self.paths[i])

    def nearest(self, x: float, y: float) -> tuple[int, float]:
        """(link index, distance in px) of the link closest to (x, y); (−1, inf) if none."""
        if self.n_links == 0 or not self.paths:
            return -1, math.inf
        if not self._bounds.contains(QPointF(x, y)):
            return -1, math.inf
        a = self.samples[:, :-1]
        b = self.samples[:, 1:]
        ab = b - a
        ap = np.array([x, y]) - a
        denom = np.maximum((ab * ab).sum(-1), 1e-12)
        t = np.clip((ap * ab).sum(-1) / denom, 0.0, 1.0)
        d = ap - ab * t[..., None]
        dist = np.sqrt((d * d).sum(-1)).min(axis=1)
        i = int(np.argmin(dist))
        return i, float(dist[i])


# ===================================================================== inline editor =====
class _ValueLineEdit(QLineEdit):
    def __init__(self, on_escape):
        super().__init__()
        self._on_escape = on_escape

    def keyPressEvent(self, event) -> None:
        if event.key() == Qt.Key.Key_Escape:
            self._on_escape()
            return
        super().keyPressEvent(event)


class ParamEditor(QFrame):
    """A small frame over the diagram: 'W1[0,2] = [0.431 ]', Enter applies, Esc closes."""

    def __init__(self, parent: QWidget, on_commit, on_close):
        super().__init__(parent)
        self.setObjectName("paramEditor")
        self.setStyleSheet(
            "#paramEditor { background: palette(base); border: 2px solid palette(text); border-radius: 6px; }"
        )
        self._on_commit = on_commit
        self.target: tuple[int, int, int] | None = None
        lay = QVBoxLayout(self)
        lay.setContentsMargins(8, 6, 8, 6)
        row = QHBoxLayout()
        self.name = QLabel()
        self.edit = _ValueLineEdit(on_close)
        self.edit.setMinimumWidth(110)
        self.edit.returnPressed.connect(self._commit)
        row.addWidget(self.name)
        row.addWidget(self.edit)
        lay.addLayout(row)
        self.error = QLabel()
        self.error.setStyleSheet("color: #b00020;")
        self.error.hide()
        lay.addWidget(self.error)
        hint = QLabel("Enter to apply · Esc to cancel")
        lay.addWidget(hint)
        self.hide()

    def open(self, target: tuple[int, int, int], name: str, value: float, at: QPointF) -> None:
        self.target = target
        self.name.setText(f"<b>{name}</b> =")
        self.edit.setText(_fmt(value) if math.isfinite(value) else "")
        self.error.hide()
        self.adjustSize()
        par = self.parentWidget()
        x = int(min(max(4, at.x() + 12), max(4, par.width() - self.width() - 4)))
        y = int(min(max(4, at.y() + 12), max(4, par.height() - self.height() - 4)))
        self.move(x, y)
        self.show()
        self.raise_()
        self.edit.setFocus()
        self.edit.selectAll()

    def show_error(self, message: str) -> None:
        self.error.setText(message)
        self.error.show()
        self.adjustSize()

    def _commit(self) -> None:
        self._on_commit(self.edit.text())


# ===================================================================== the canvas ========
class _Canvas(QGraphicsView):
    """The QGraphicsView: one device pixel per scene unit; forwards input to the panel."""

    def __init__(self, owner: NetworkView):
        super().__init__()
        self._owner = owner
        self.setScene(QGraphicsScene(self))
        self.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setBackgroundBrush(QColor(*theme.background()))
        self.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.setMouseTracking(True)
        self.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.MinimalViewportUpdate)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.NoContextMenu)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._owner._relayout()

    def mouseMoveEvent(self, event) -> None:
        self._owner._on_mouse_move(self.mapToScene(event.position().toPoint()),
                                   event.globalPosition().toPoint())
        super().mouseMoveEvent(event)

    def mousePressEvent(self, event) -> None:
        pos = self.mapToScene(event.position().toPoint())
        if self._owner._on_mouse_press(pos, event.position(), event.button(),
                                       event.modifiers(), event.globalPosition().toPoint()):
            event.accept()
            return
        super().mousePressEvent(event)

    def leaveEvent(self, event) -> None:
        self._owner._on_leave()
        super().leaveEvent(event)


# ===================================================================== the panel =========
@register_panel
class NetworkView(Panel):
    """The network diagram panel (see the module docstring)."""

    panel_id = "network"
    title = "Network"
    default_area = "right"

    #: (flat parameter index, new value) after the user typed a value for a link or bias.
    paramEdited = Signal(int, float)
    #: flat parameter index chosen with Ctrl+click or "Use for loss surface".
    linkSelected = Signal(int)
    #: (layer, unit): layer −1 is an input feature, 0..n_layers−1 the network's layers.
    neuronHovered = Signal(int, int)
    #: the pointer left the neuron that was hovered.
    hoverCleared = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._last_full = 0.0
        self._deferred = None
        self._defer_timer = QTimer(self)
        self._defer_timer.setSingleShot(True)
        self._defer_timer.timeout.connect(self._draw_deferred)
        self.canvas = _Canvas(self)
        self.scene: QGraphicsScene = self.canvas.scene()
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.canvas)
        self.editor = ParamEditor(self.canvas.viewport(), self._commit_editor, self._close_editor)
        self.setMinimumSize(320, 160)

        self._snap = None
        self._key: tuple | None = None
        self.tiles: list[list[NeuronTile]] = []  # per column: inputs, hidden…, output
        self.links: list[LinkLayer] = []
        self._headers: list[tuple[QGraphicsSimpleTextItem, QGraphicsSimpleTextItem]] = []
        self._labels: list[tuple[NeuronTile, QGraphicsSimpleTextItem, str]] = []
        self._legend: QGraphicsTextItem | None = None
        self._message: QGraphicsSimpleTextItem | None = None
        self._tile_px = 40.0
        self._input_key: tuple | None = None
        self._example = 0
        self._hover: tuple | None = None
        self._hover_global = None
        self._selected: list[tuple[int, int, int]] = []
        self.last_error = ""
        self._relayout_pending = False

    # ------------------------------------------------------------------ public API --------
    #: Large networks (hundreds of antialiased curved links) redraw at most this often;
    #: painting them at 30 fps would take most of the GUI thread's time.
    LARGE_NETWORK_LINKS = 100
    LARGE_NETWORK_INTERVAL_S = 0.1

    def set_snapshot(self, snapshot) -> None:
        links = sum(a * b for a, b in zip(snapshot.sizes[:-1], snapshot.sizes[1:], strict=False))
        if links > self.LARGE_NETWORK_LINKS and tuple(snapshot.sizes) == getattr(self, "_drawn_sizes", None):
            wait = self._last_full + self.LARGE_NETWORK_INTERVAL_S - time.perf_counter()
            if wait > 0:
                self._deferred = snapshot
                if not self._defer_timer.isActive():
                    self._defer_timer.start(int(wait * 1000) + 1)
                return
        self._deferred = None
        self._last_full = time.perf_counter()
        self._drawn_sizes = tuple(snapshot.sizes)
        self._draw_snapshot(snapshot)

    def _draw_deferred(self) -> None:
        if self._deferred is not None:
            snapshot, self._deferred = self._deferred, None
            self._last_full = time.perf_counter()
            self._draw_snapshot(snapshot)

    def _draw_snapshot(self, snapshot) -> None:
        key = (
            tuple(snapshot.sizes), tuple(snapshot.features), tuple(snapshot.activations),
            snapshot.output, snapshot.task, getattr(snapshot.dataset, "input_dim", 2),
            tuple(round(float(p), 3) for p in snapshot.dropout),
        )
        self._snap = snapshot
        if key != self._key:
            self._key = key
            self._rebuild()
        self._update_tiles()
        self._update_links()
        self._update_biases()
        self._update_dropout()
        self._refresh_tooltip()

    def theme_changed(self) -> None:
        """New page and ink colours: repaint the canvas and rebuild the labels."""
        self.canvas.setBackgroundBrush(QColor(*theme.background()))
        self._key = None

    def export_items(self) -> list:
        """The QGraphicsView; render its ``scene()`` with a QPainter (PNG or QSvgGenerator)."""
        return [self.canvas]

    def set_highlight_example(self, i: int) -> None:
        """Grey out the units dropped for example ``i`` of the last batch (default 0)."""
        self._example = max(0, int(i))
        self._update_dropout()

    def edit_param(self, layer: int, row: int, col: int, value) -> int | None:
        """Validate and emit ``paramEdited`` for W_layer[row, col] (row == fan_in: bias).

        ``value`` may be a number or typed text. Returns the flat index, or None (and sets
        ``last_error``, shown in the editor if it is open) when the value is rejected.
        """
        sizes = self._sizes()
        try:
            number = parse_value(value) if isinstance(value, str) else float(value)
            if not math.isfinite(number):
                raise ValueError("the value must be finite")
            index = flat_index(sizes, layer, row, col)
        except (ValueError, IndexError, TypeError) as exc:
            self.last_error = str(exc)
            if self.editor.isVisible():
                self.editor.show_error(self.last_error)
            return None
        self.last_error = ""
        self.paramEdited.emit(index, number)
        return index

    def select_param(self, layer: int, row: int, col: int) -> int | None:
        """Mark a link or bias as chosen (for the loss surface) and emit ``linkSelected``."""
        try:
            index = flat_index(self._sizes(), layer, row, col)
        except IndexError:
            return None
        target = (layer, row, col)
        if target in self._selected:
            self._selected.remove(target)
        self._selected.append(target)
        self._selected = self._selected[-2:]
        self._apply_selection()
        self.linkSelected.emit(index)
        return index

    def open_editor(self, layer: int, row: int, col: int, at: QPointF | None = None) -> None:
        """Show the inline editor for W_layer[row, col] (row == fan_in: the bias)."""
        if self._snap is None:
            return
        at = at if at is not None else QPointF(self.canvas.width() / 3, self.canvas.height() / 3)
        self.editor.open((layer, row, col), self.param_name(layer, row, col),
                         self.param_value(layer, row, col)[0], at)

    def param_name(self, layer: int, row: int, col: int) -> str:
        if row == self._sizes()[layer]:
            return f"b{layer}[{col}]"
        return f"W{layer}[{row},{col}]"

    def param_value(self, layer: int, row: int, col: int) -> tuple[float, float]:
        """(value, gradient) of W_layer[row, col] or the bias (row == fan_in)."""
        s = self._snap
        if s is None:
            return math.nan, math.nan
        if row == s.sizes[layer]:
            return float(s.biases[layer][col]), float(s.grads_b[layer][col])
        return float(s.weights[layer][row, col]), float(s.grads_W[layer][row, col])

    def link_pen(self, layer: int, row: int, col: int) -> QPen:
        """The pen the link W_layer[row, col] is drawn with (for tests and exports)."""
        ll = self.links[layer]
        i = row * ll.fan_out + col
        return QPen(ll.colors[i], float(ll.widths[i]))

    def tile(self, layer: int, unit: int) -> NeuronTile:
        """The tile of neuron ``unit`` of ``layer`` (−1: input feature)."""
        return self.tiles[layer + 1][unit]

    def tile_center(self, layer: int, unit: int) -> QPointF:
        """Viewport position of a tile's centre."""
        t = self.tile(layer, unit)
        c = t.mapToScene(t.tile_rect().center())
        return QPointF(self.canvas.mapFromScene(c))

    def bias_center(self, layer: int, unit: int) -> QPointF:
        t = self.tile(layer, unit)
        return QPointF(self.canvas.mapFromScene(t.mapToScene(t.bias_rect().center())))

    def link_point(self, layer: int, row: int, col: int) -> QPointF:
        """Viewport position of the middle of link W_layer[row, col]."""
        ll = self.links[layer]
        x, y = ll.samples[row * ll.fan_out + col, _N_SAMPLES // 2]
        return QPointF(self.canvas.mapFromScene(QPointF(x, y)))

    # ------------------------------------------------------------------ building ----------
    def _sizes(self) -> tuple[int, ...]:
        return tuple(self._snap.sizes) if self._snap is not None else ()

    def _rebuild(self) -> None:
        s = self._snap
        self._close_editor()
        self._clear_hover(emit=True)
        self.scene.clear()
        self.tiles, self.links, self._headers, self._labels = [], [], [], []
        self._selected = []
        self._input_key = None
        sizes = list(s.sizes)
        n_layers = len(sizes) - 1
        for l_idx in range(n_layers):
            ll = LinkLayer(l_idx, sizes[l_idx], sizes[l_idx + 1])
            self.scene.addItem(ll)
            self.links.append(ll)
        for col, width in enumerate(sizes):
            column = []
            for unit in range(width):
                t = NeuronTile(col - 1, unit, has_bias=col > 0)
                self.scene.addItem(t)
                column.append(t)
            self.tiles.append(column)
        # headers
        for col, width in enumerate(sizes):
            if col == 0:
                top, bottom = "Input", f"{width} feature{'s' if width != 1 else ''}"
            elif col == n_layers:
                top = "Output"
                bottom = {"sigmoid": "sigmoid", "softmax": f"softmax · {width}",
                          "tanh": "tanh", "linear": "linear"}.get(s.output, s.output)
            else:
                act = s.activations[col - 1] if col - 1 < len(s.activations) else ""
                top, bottom = f"Hidden {col}", f"{width} {act}"
                p = s.dropout[col - 1] if col - 1 < len(s.dropout) else 0.0
                if p > 0:
                    bottom += f" · drop {p:.0%}"
            a, b = QGraphicsSimpleTextItem(top), QGraphicsSimpleTextItem(bottom)
            a.setData(0, (top, f"H{col}" if 0 < col < n_layers else top))
            b.setData(0, (bottom, str(width) if col == 0 else bottom.split(" · ")[0]))
            for it in (a, b):
                it.setZValue(3)
                self.scene.addItem(it)
            self._headers.append((a, b))
        # labels: input features on the left, output units on the right
        for unit, name in enumerate(s.features):
            self._add_label(self.tiles[0][unit], pretty_feature(name), "left")
        out_names = self._output_names(s)
        for unit, name in enumerate(out_names):
            self._add_label(self.tiles[-1][unit], name, "right")
        # legend
        neg, pos = theme.hex_color(theme.NEGATIVE), theme.hex_color(theme.POSITIVE)
        self._legend = QGraphicsTextItem()
        self._legend.setHtml(
            f"<span style='color:{neg}'>━━</span> w&nbsp;&lt;&nbsp;0 &nbsp; "
            f"<span style='color:{pos}'>━━</span> w&nbsp;&gt;&nbsp;0 &nbsp; width&nbsp;∝&nbsp;|w|"
            f" &nbsp; <span style='color:{pos}'>■</span> bias &nbsp;·&nbsp; "
            f"<span style='color:{theme.muted_hex()}'>hover: value &amp; gradient · click: edit</span>"
        )
        self._legend.setZValue(3)
        self.scene.addItem(self._legend)
        self._message = QGraphicsSimpleTextItem("")
        self._message.setZValue(4)
        self._message.setBrush(QColor(176, 0, 32))
        self.scene.addItem(self._message)
        self._relayout()

    @staticmethod
    def _output_names(s) -> list[str]:
        n_out = s.sizes[-1]
        if s.task == "classification":
            if s.output == "softmax":
                return [f"class {k}" for k in range(n_out)]
            return ["P(blue)" if s.output == "sigmoid" else "ŷ"]
        return ["ŷ" if n_out == 1 else f"ŷ{k + 1}" for k in range(n_out)]

    def _add_label(self, tile: NeuronTile, text: str, side: str) -> None:
        item = QGraphicsSimpleTextItem(text)
        item.setZValue(3)
        item.setBrush(QColor(*theme.ink()))
        self.scene.addItem(item)
        self._labels.append((tile, item, side))

    # ------------------------------------------------------------------ layout ------------
    def _relayout(self) -> None:
        if not self.tiles:
            return
        vp = self.canvas.viewport()
        W, H = float(max(vp.width(), 200)), float(max(vp.height(), 150))
        self.scene.setSceneRect(0, 0, W, H)
        base = self.font()
        label_font = plot_font(base, 1.8)
        head_font = plot_font(base, 1.4, bold=True)
        sub_font = plot_font(base, 1.25)
        legend_font = plot_font(base, 1.2)
        fm_label = QFontMetricsF(label_font)
        fm_head = QFontMetricsF(head_font)
        fm_sub = QFontMetricsF(sub_font)

        left_w = max((fm_label.horizontalAdvance(it.text()) for t, it, side in self._labels
                      if side == "left"), default=0.0)
        right_w = max((fm_label.horizontalAdvance(it.text()) for t, it, side in self._labels
                       if side == "right"), default=0.0)
        if self._legend is not None:
            self._legend.setFont(legend_font)
            self._legend.setTextWidth(W - 16)
        legend_h = self._legend.boundingRect().height() if self._legend is not None else 0.0
        top = 8 + fm_head.height() + fm_sub.height() + 10
        bottom = legend_h + 8
        margin_l = 12 + left_w + 10
        margin_r = 12 + right_w + 10
        n_cols = len(self.tiles)
        max_units = max(len(c) for c in self.tiles)
        avail_h = max(40.0, H - top - bottom)
        avail_w = max(60.0, W - margin_l - margin_r)
        gap_ratio = 0.28
        t_h = avail_h / (max_units + (max_units - 1) * gap_ratio)
        spacing_guess = avail_w / max(1, n_cols - 1) if n_cols > 1 else avail_w
        T = min(110.0, t_h, spacing_guess * 0.42 if n_cols > 1 else avail_w)
        T = max(10.0, math.floor(T))
        self._tile_px = T
        gap = T * gap_ratio
        if n_cols > 1:
            xs = [margin_l + i * (avail_w - T) / (n_cols - 1) for i in range(n_cols)]
        else:
            xs = [margin_l + (avail_w - T) / 2]
        bias = float(min(16.0, max(7.0, T * 0.22)))
        col_spacing = (xs[1] - xs[0]) if n_cols > 1 else avail_w
        for col, column in enumerate(self.tiles):
            n = len(column)
            total = n * T + (n - 1) * gap
            y0 = top + (avail_h - total) / 2
            for unit, tile in enumerate(column):
                tile.prepareGeometryChange()
                tile.size = T
                tile.bias_size = bias
                tile.setPos(xs[col], y0 + unit * (T + gap))
                tile.update()
        # links: from the right edge of a source tile to the left edge of a target tile
        for ll in self.links:
            src = self.tiles[ll.layer]
            dst = self.tiles[ll.layer + 1]
            starts = np.array([[t.x() + T, t.y() + T / 2] for t in src]).reshape(-1, 2)
            ends = np.array([[t.x(), t.y() + T / 2] for t in dst]).reshape(-1, 2)
            ll.set_geometry(starts, ends)
        # headers: full text when it fits, compact otherwise
        for a, b in self._headers:
            a.setFont(head_font)
            b.setFont(sub_font)
            for it in (a, b):  # measured as drawn: font metrics alone under-estimate it
                full, short = it.data(0)
                it.setText(full)
                if it.boundingRect().width() > col_spacing * 0.9:
                    it.setText(short)
        # still too wide for their neighbours (large fonts, many layers): smaller type
        if len(self._headers) > 1:
            for row, font in ((0, head_font), (1, sub_font)):
                items = [pair[row] for pair in self._headers]
                gap = QFontMetricsF(font).height() * 0.6  # white space between neighbours
                need = max((p.boundingRect().width() + q.boundingRect().width()) / 2 + gap
                           for p, q in zip(items, items[1:], strict=False)) / max(col_spacing, 1.0)
                if need > 1.0:
                    smaller = QFont(font)
                    smaller.setPointSizeF(max(6.0, font.pointSizeF() / need))
                    for it in items:
                        it.setFont(smaller)
        for col, (a, b) in enumerate(self._headers):
            cx = xs[col] + T / 2
            a.setPos(cx - a.boundingRect().width() / 2, 8)
            b.setPos(cx - b.boundingRect().width() / 2, 8 + fm_head.height())
            a.setBrush(QColor(*theme.ink()))
            b.setBrush(QColor(*theme.muted()))
        for tile, item, side in self._labels:
            item.setFont(label_font)
            br = item.boundingRect()
            y = tile.y() + T / 2 - br.height() / 2
            if side == "left":
                item.setPos(tile.x() - 10 - br.width(), y)
            else:
                item.setPos(tile.x() + T + 10, y)
            item.setVisible(T >= 14 or side == "left")
        if self._legend is not None:
            self._legend.setPos(8, H - legend_h - 2)
        if self._message is not None:
            self._message.setFont(sub_font)
            self._message.setPos(12, top - fm_sub.height() - 2)
        if self._snap is not None:
            self._update_tiles()

    # ------------------------------------------------------------------ per-frame ---------
    def _stride(self, G: int) -> int:
        return max(1, int(G // max(self._tile_px, 24.0)))

    def _update_tiles(self) -> None:
        s = self._snap
        if s is None or not self.tiles:
            return
        grid = s.grid
        if self._message is not None:
            msg = ""
            if grid is None:
                msg = "no neuron maps (diverged, or no plane to draw)"
            self._message.setText(msg)
        if grid is None:
            for column in self.tiles:
                for t in column:
                    t.curve = None
                    t.set_image(None)
            return
        one_d = grid.ys is None
        # inputs: recomputed only when the grid or tile size changes
        ikey = (tuple(grid.extent), len(grid.xs), self._tile_px, tuple(s.features))
        if ikey != self._input_key:
            self._input_key = ikey
            for unit, name in enumerate(s.features):
                vals = _input_map(name, grid.xs, grid.ys)
                if vals is not None and not one_d:
                    st = self._stride(vals.shape[0])
                    vals = vals[::-st, ::st]
                if vals is None:
                    self.tiles[0][unit].curve = None
                    self.tiles[0][unit].set_image(None)
                    continue
                rgba = _neuron_rgba(s, -1, unit, vals)
                self._set_tile(self.tiles[0][unit], vals, rgba, finite_absmax(vals), one_d)
        for l_idx, arr in enumerate(grid.layers):
            if l_idx + 1 >= len(self.tiles):
                break
            column = self.tiles[l_idx + 1]
            kind = neuron_kind(s, l_idx)
            scale = finite_absmax(arr) if kind == "symmetric" else None
            if not one_d:
                st = self._stride(arr.shape[0])
                sub = arr[::-st, ::st]  # rows flipped: y increases upward on screen
            else:
                sub = arr
            if kind == "class":
                for unit, tile in enumerate(column):
                    vals = sub[..., unit]
                    self._set_tile(tile, vals, _neuron_rgba(s, l_idx, unit, vals), 1.0, one_d,
                                   offset=0.5)
                continue
            rgba_all = _neuron_rgba(s, l_idx, 0, sub, scale=scale)  # kind is per layer
            rgba_all = np.moveaxis(rgba_all, -2, 0)  # (units, …, 4)
            for unit, tile in enumerate(column):
                if unit >= rgba_all.shape[0]:
                    break
                rng = 1.0 if kind in ("bounded",) else (scale or 1.0)
                off = 0.5 if kind == "prob" else 0.0
                self._set_tile(tile, sub[..., unit], rgba_all[unit], rng, one_d, offset=off)

    def _set_tile(self, tile: NeuronTile, vals: Array, rgba: Array | None, rng: float,
                  one_d: bool, offset: float = 0.0) -> None:
        if rgba is None:
            tile.curve = None
            tile.set_image(None)
            return
        if not one_d:
            tile.curve = None
            tile.set_image(rgba)
            return
        # 1-D: a faded colour strip along x with the neuron's curve on top
        T = tile.size
        v = np.asarray(vals, dtype=float)
        with np.errstate(all="ignore"):
            y = (v - offset) / max(rng if offset == 0 else 0.5, 1e-12)
            y = np.clip(np.where(np.isfinite(y), y, 0.0), -1.0, 1.0)
        xs = np.linspace(2.0, T - 2.0, v.size)
        ys = T / 2 - y * (T * 0.42)
        tile.curve = QPolygonF([QPointF(a, b) for a, b in zip(xs, ys, strict=True)])
        tile.set_image(np.ascontiguousarray(rgba[None, :, :]))

    def _update_links(self) -> None:
        s = self._snap
        if s is None or not self.links:
            return
        with np.errstate(all="ignore"):
            mags = [np.abs(np.asarray(W, float)).ravel() for W in s.weights]
            allm = np.concatenate(mags) if mags else np.zeros(0)
            fin = allm[np.isfinite(allm)]
            ref = float(np.percentile(fin, 98)) if fin.size else 1.0
        ref = ref if ref > 1e-9 else 1.0
        T = self._tile_px
        max_w = float(min(12.0, max(2.5, T / 7.0)))
        neg, pos = theme.NEGATIVE, theme.POSITIVE
        back = theme.background()  # links are pre-mixed with the page
        for ll, W, m in zip(self.links, s.weights, mags, strict=False):
            w = np.asarray(W, float).ravel()
            with np.errstate(all="ignore"):
                rel = np.clip(m / ref, 0.0, 1.0)
            finite = np.isfinite(rel)
            rel = np.where(finite, rel, 0.0)
            widths = 0.6 + (max_w - 0.6) * rel
            alphas = np.rint(255 * (0.12 + 0.88 * rel)).astype(int)
            # Opaque colours, pre-mixed with the background: a translucent wide
            # antialiased stroke costs Qt's raster engine ~5× more to paint (46 against
            # 9 ms for the spiral 6×8 net), and strong links are drawn on top anyway.
            colors = []
            for wi, a, ok in zip(w, alphas, finite, strict=True):
                if not ok:
                    colors.append(QColor(*_over(MISSING, 200, back)))
                else:
                    colors.append(QColor(*_over(pos if wi >= 0 else neg, int(a), back)))
            order = np.argsort(rel, kind="stable")
            ll.set_style(colors, widths, order)

    def _update_biases(self) -> None:
        s = self._snap
        if s is None:
            return
        with np.errstate(all="ignore"):
            allb = np.concatenate([np.abs(np.asarray(b, float)) for b in s.biases])
            fin = allb[np.isfinite(allb)]
            ref = float(fin.max()) if fin.size else 1.0
        ref = max(ref, 1e-9)
        for l_idx, b in enumerate(s.biases):
            if l_idx + 1 >= len(self.tiles):
                break
            for unit, tile in enumerate(self.tiles[l_idx + 1]):
                v = float(b[unit]) if unit < len(b) else math.nan
                if not math.isfinite(v):
                    tile.bias_color = rgb(MISSING)
                elif v == 0:
                    tile.bias_color = QColor(*theme.NEUTRAL)
                else:
                    strength = 0.35 + 0.65 * min(1.0, abs(v) / ref)
                    tile.bias_color = QColor(*theme.value_color(math.copysign(strength, v)))
                tile.update()

    def _update_dropout(self) -> None:
        s = self._snap
        if s is None or not self.tiles:
            return
        masks = s.dropout_masks
        for h in range(len(self.tiles) - 2):
            mask = masks[h] if h < len(masks) else None
            column = self.tiles[h + 1]
            if mask is None or mask.ndim != 2 or mask.shape[0] == 0:
                dropped = [False] * len(column)
            else:
                row = mask[self._example % mask.shape[0]]
                dropped = [unit < row.shape[0] and not bool(row[unit])
                           for unit in range(len(column))]
            for tile, d in zip(column, dropped, strict=True):
                if tile.dropped != d:
                    tile.dropped = d
                    tile.update()

    def _apply_selection(self) -> None:
        for ll in self.links:
            ll.selected = {r * ll.fan_out + c for (lay, r, c) in self._selected
                           if lay == ll.layer and r < ll.fan_in}
            ll.update()
        sizes = self._sizes()
        for col, column in enumerate(self.tiles[1:]):
            for unit, tile in enumerate(column):
                tile.bias_selected = (col, sizes[col], unit) in self._selected
                tile.update()

    # ------------------------------------------------------------------ interaction -------
    def hit_test(self, pos: QPointF) -> tuple | None:
        """What is under scene point ``pos``: ('bias', layer, unit), ('neuron', layer, unit),
        ('link', layer, row, col) or None."""
        if not self.tiles:
            return None
        for col, column in enumerate(self.tiles):
            for unit, tile in enumerate(column):
                local = tile.mapFromScene(pos)
                if tile.has_bias and tile.bias_rect().adjusted(-2, -2, 2, 2).contains(local):
                    return ("bias", col - 1, unit)
        for col, column in enumerate(self.tiles):
            for unit, tile in enumerate(column):
                if tile.tile_rect().contains(tile.mapFromScene(pos)):
                    return ("neuron", col - 1, unit)
        best, best_d = None, _HIT_TOLERANCE
        for ll in self.links:
            i, d = ll.nearest(pos.x(), pos.y())
            if i >= 0 and d <= max(best_d, ll.widths[i] / 2 + 2) and (best is None or d < best_d):
                best, best_d = ("link", ll.layer, i // ll.fan_out, i % ll.fan_out), d
        return best

    def _param_of(self, hit: tuple) -> tuple[int, int, int] | None:
        if hit is None:
            return None
        if hit[0] == "link":
            return hit[1], hit[2], hit[3]
        if hit[0] == "bias":
            layer, unit = hit[1], hit[2]
            return layer, self._sizes()[layer], unit
        return None

    def _tooltip_text(self, hit: tuple) -> str:
        s = self._snap
        if s is None:
            return ""
        if hit[0] == "neuron":
            layer, unit = hit[1], hit[2]
            if layer < 0:
                return f"<b>input {pretty_feature(s.features[unit])}</b>"
            n_layers = len(s.sizes) - 1
            if layer == n_layers - 1:
                head = f"<b>output {self._output_names(s)[unit]}</b> · {s.output}"
            else:
                head = f"<b>hidden {layer + 1}, neuron {unit}</b> · {s.activations[layer]}"
            b = float(s.biases[layer][unit])
            return f"{head}<br>bias b{layer}[{unit}] = {_fmt(b)}"
        param = self._param_of(hit)
        layer, row, col = param
        value, grad = self.param_value(layer, row, col)
        name = self.param_name(layer, row, col)
        if hit[0] == "link":
            src = (pretty_feature(s.features[row]) if layer == 0 else f"h{layer}[{row}]")
            n_layers = len(s.sizes) - 1
            dst = "output" if layer == n_layers - 1 else f"h{layer + 1}"
            where = f"{src} → {dst}[{col}]"
        else:
            where = "bias of " + ("output" if layer == len(s.sizes) - 2 else f"h{layer + 1}")
            where += f"[{col}]"
        return (
            f"<b>{name}</b> &nbsp; <span style='color:{theme.muted_hex()}'>{where}</span><br>"
            f"value&nbsp;&nbsp;&nbsp;&nbsp;{_fmt(value)}<br>"
            f"gradient&nbsp;{_fmt(grad)}<br>"
            f"<span style='color:{theme.muted_hex()}'>click: edit · Ctrl+click: use for loss surface</span>"
        )

    def _set_hover(self, hit: tuple | None) -> None:
        old = self._hover
        if old == hit:
            return
        # clear the old highlight
        if old is not None:
            if old[0] == "neuron":
                self.tile(old[1], old[2]).hovered = False
                self.tile(old[1], old[2]).update()
            elif old[0] == "bias":
                self.tile(old[1], old[2]).bias_hovered = False
                self.tile(old[1], old[2]).update()
            elif old[0] == "link":
                self.links[old[1]].hovered = None
                self.links[old[1]].update()
        self._hover = hit
        if hit is not None:
            if hit[0] == "neuron":
                self.tile(hit[1], hit[2]).hovered = True
                self.tile(hit[1], hit[2]).update()
            elif hit[0] == "bias":
                self.tile(hit[1], hit[2]).bias_hovered = True
                self.tile(hit[1], hit[2]).update()
            elif hit[0] == "link":
                ll = self.links[hit[1]]
                ll.hovered = hit[2] * ll.fan_out + hit[3]
                ll.update()
        was_neuron = old is not None and old[0] == "neuron"
        is_neuron = hit is not None and hit[0] == "neuron"
        if is_neuron:
            self.neuronHovered.emit(hit[1], hit[2])
        elif was_neuron:
            self.hoverCleared.emit()

    def hover_at(self, pos: QPointF, global_pos=None) -> tuple | None:
        """Hover the scene point ``pos`` (what a mouse move does); returns the hit."""
        hit = self.hit_test(pos)
        self._set_hover(hit)
        self._hover_global = global_pos
        if hit is not None and global_pos is not None:
            QToolTip.showText(global_pos, self._tooltip_text(hit), self.canvas.viewport())
        elif global_pos is not None:
            QToolTip.hideText()
        return hit

    def _on_mouse_move(self, pos: QPointF, global_pos) -> None:
        self.hover_at(pos, global_pos)

    def _on_leave(self) -> None:
        QToolTip.hideText()
        self._clear_hover(emit=True)

    def _clear_hover(self, emit: bool) -> None:
        if self._hover is None:
            return
        was_neuron = self._hover[0] == "neuron"
        if self.tiles:
            self._set_hover(None)
        else:
            self._hover = None
            if was_neuron and emit:
                self.hoverCleared.emit()

    def _refresh_tooltip(self) -> None:
        hit = self._hover
        if hit is None or self._hover_global is None or not QToolTip.isVisible():
            return
        if hit[0] in ("link", "bias"):
            QToolTip.showText(self._hover_global, self._tooltip_text(hit), self.canvas.viewport())

    def _on_mouse_press(self, pos: QPointF, view_pos: QPointF, button, modifiers,
                        global_pos) -> bool:
        hit = self.hit_test(pos)
        param = self._param_of(hit)
        if param is None:
            if self.editor.isVisible():
                self._close_editor()
            return False
        layer, row, col = param
        ctrl = bool(modifiers & Qt.KeyboardModifier.ControlModifier)
        if button == Qt.MouseButton.LeftButton and ctrl:
            self.select_param(layer, row, col)
            return True
        if button == Qt.MouseButton.LeftButton:
            QToolTip.hideText()
            self.open_editor(layer, row, col, view_pos)
            return True
        if button == Qt.MouseButton.RightButton:
            menu = self._context_menu(layer, row, col, view_pos)
            QTimer.singleShot(0, lambda: menu.popup(global_pos))
            return True
        return False

    def _context_menu(self, layer: int, row: int, col: int, view_pos: QPointF) -> QMenu:
        menu = QMenu(self)
        name = self.param_name(layer, row, col)
        menu.addAction(f"Edit {name}…", lambda: self.open_editor(layer, row, col, view_pos))
        menu.addAction("Use for loss surface", lambda: self.select_param(layer, row, col))
        return menu

    def _commit_editor(self, text: str) -> None:
        target = self.editor.target
        if target is None:
            return
        if self.edit_param(*target, text) is not None:
            self._close_editor()

    def _close_editor(self) -> None:
        self.editor.hide()
        self.editor.target = None
        self.canvas.setFocus()

    def changeEvent(self, event) -> None:
        super().changeEvent(event)
        from PySide6.QtCore import QEvent

        if event.type() == QEvent.Type.FontChange:
            self._relayout()
