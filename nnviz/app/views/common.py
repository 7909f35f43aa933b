"""Helpers shared by the views: colour mapping of neuron maps, labels and plot styling.

Everything here is pure NumPy/Qt and safe with NaN or infinite inputs (a diverged run):
non-finite values map to a neutral grey and never raise or warn.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtGui import QColor, QFont

from nnviz.app import theme

Array = np.ndarray

#: Colour of values that are not finite (a diverged run) and of units with no data.
MISSING = (190, 190, 190)

#: Outline and text colour on plots: the current theme's (dark on light pages).
ink = theme.ink

_SUBSCRIPTS = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


def pretty_feature(name: str) -> str:
    """'x1' → 'x₁', 'x1^2' → 'x₁²', 'x1x2' → 'x₁x₂', 'sin_x1' → 'sin x₁'."""
    out = name.replace("sin_", "sin ").replace("^2", "²")
    pieces = []
    i = 0
    while i < len(out):
        ch = out[i]
        pieces.append(ch)
        if ch == "x":
            j = i + 1
            while j < len(out) and out[j].isdigit():
                pieces.append(out[j].translate(_SUBSCRIPTS))
                j += 1
            i = j
            continue
        i += 1
    return "".join(pieces)


def rgb(color: tuple[int, int, int], alpha: int = 255) -> QColor:
    return QColor(int(color[0]), int(color[1]), int(color[2]), int(alpha))


def diverging_lut_with_missing(n: int = 256) -> Array:
    """(n + 1, 4) uint8: the diverging LUT, then one extra row for non-finite values."""
    lut = np.empty((n + 1, 4), dtype=np.uint8)
    lut[:n] = theme.diverging_lut(n)
    lut[n, :3] = MISSING
    lut[n, 3] = 255
    return lut


def ramp_lut_with_missing(color: tuple[int, int, int], n: int = 256) -> Array:
    """(n + 1, 4) uint8 from white (0) to ``color`` (1), plus the missing row."""
    t = np.linspace(0.0, 1.0, n)[:, None]
    white = np.array(theme.NEUTRAL, dtype=float)
    rgb_ = white + (np.array(color, dtype=float) - white) * t
    lut = np.empty((n + 1, 4), dtype=np.uint8)
    lut[:n, :3] = np.clip(np.round(rgb_), 0, 255).astype(np.uint8)
    lut[:n, 3] = 255
    lut[n, :3] = MISSING
    lut[n, 3] = 255
    return lut


DIVERGING = diverging_lut_with_missing()


def finite_absmax(values: Array, floor: float = 1e-12) -> float:
    """max |v| over the finite entries (``floor`` if there are none)."""
    a = np.asarray(values, dtype=float)
    with np.errstate(all="ignore"):
        fin = np.abs(a[np.isfinite(a)])
    if fin.size == 0:
        return floor
    m = float(fin.max())
    return m if m > floor else floor


def map_signed(values: Array, lut: Array = DIVERGING) -> Array:
    """Values in [-1, 1] (clipped; NaN → missing) → RGBA uint8 through ``lut``.

    ``lut`` has n colour rows plus a last row for missing values.
    """
    n = lut.shape[0] - 1
    v = np.asarray(values, dtype=float)
    with np.errstate(all="ignore"):
        idx = np.rint((np.clip(v, -1.0, 1.0) + 1.0) * (0.5 * (n - 1)))
    idx = np.where(np.isfinite(idx), idx, n).astype(np.intp)
    return lut[idx]


def map_unit(values: Array, lut: Array) -> Array:
    """Values in [0, 1] (clipped; NaN → missing) → RGBA uint8 through ``lut``."""
    n = lut.shape[0] - 1
    v = np.asarray(values, dtype=float)
    with np.errstate(all="ignore"):
        idx = np.rint(np.clip(v, 0.0, 1.0) * (n - 1))
    idx = np.where(np.isfinite(idx), idx, n).astype(np.intp)
    return lut[idx]


# ---------------------------------------------------------------- neuron maps -----------
BOUNDED_SIGNED = {"tanh", "softsign"}


def input_feature_map(name: str, xs: Array, ys: Array | None) -> Array | None:
    """One input feature over the grid: (G, G) rows = y, or (G,) for 1-D; None if unknown."""
    if ys is None:
        x1 = np.asarray(xs, dtype=float)
        x2 = None
    else:
        x1, x2 = np.meshgrid(np.asarray(xs, float), np.asarray(ys, float))
    fns = {
        "x1": lambda: x1,
        "x2": lambda: x2,
        "x1^2": lambda: x1 * x1,
        "x2^2": lambda: None if x2 is None else x2 * x2,
        "x1x2": lambda: None if x2 is None else x1 * x2,
        "sin_x1": lambda: np.sin(x1),
        "sin_x2": lambda: None if x2 is None else np.sin(x2),
    }
    fn = fns.get(name)
    return None if fn is None else fn()


def neuron_values(snapshot, layer: int, unit: int) -> Array | None:
    """Raw values of one neuron over the grid (layer −1 = input feature), or None."""
    grid = snapshot.grid
    if grid is None:
        return None
    if layer < 0:
        if not 0 <= unit < len(snapshot.features):
            return None
        return input_feature_map(snapshot.features[unit], grid.xs, grid.ys)
    if not 0 <= layer < len(grid.layers):
        return None
    arr = grid.layers[layer]
    if not 0 <= unit < arr.shape[-1]:
        return None
    return arr[..., unit]


def neuron_kind(snapshot, layer: int, unit: int = 0) -> str:
    """How a neuron's values are coloured: 'bounded' ([-1, 1] as is), 'prob' (2p − 1),
    'class' (a softmax unit, white → its class colour) or 'symmetric' (/ max |v|)."""
    n_layers = len(snapshot.sizes) - 1
    if layer < 0:
        return "symmetric"
    if layer < n_layers - 1:
        act = snapshot.activations[layer] if layer < len(snapshot.activations) else "linear"
        return "bounded" if act in BOUNDED_SIGNED else "symmetric"
    out = snapshot.output
    if out == "softmax":
        return "class"
    if out == "sigmoid":
        return "prob"
    if out == "tanh":
        return "bounded"
    return "symmetric"


def neuron_rgba(snapshot, layer: int, unit: int, values: Array | None = None,
                scale: float | None = None) -> Array | None:
    """RGBA uint8 image of one neuron's map (same shape as the map plus a channel axis).

    ``scale`` overrides the symmetric scale (e.g. a whole layer's max |v|).
    """
    if values is None:
        values = neuron_values(snapshot, layer, unit)
    if values is None:
        return None
    kind = neuron_kind(snapshot, layer, unit)
    with np.errstate(all="ignore"):
        if kind == "bounded":
            return map_signed(values)
        if kind == "prob":
            return map_signed(2.0 * np.asarray(values, float) - 1.0)
        if kind == "class":
            color = theme.CLASS_COLORS[unit % len(theme.CLASS_COLORS)]
            return map_unit(values, class_ramp(color))
        s = finite_absmax(values) if scale is None else max(float(scale), 1e-12)
        return map_signed(np.asarray(values, float) / s)


_RAMPS: dict[tuple[int, int, int], Array] = {}


def class_ramp(color: tuple[int, int, int]) -> Array:
    lut = _RAMPS.get(color)
    if lut is None:
        lut = _RAMPS[color] = ramp_lut_with_missing(color)
    return lut


def softmax_blend(probs: Array, discretize: bool = False) -> Array:
    """(…, k) class probabilities → RGBA uint8 blending CLASS_COLORS (NaN → missing).

    Uncertain regions fade toward white, so the boundaries read clearly.
    """
    p = np.asarray(probs, dtype=float)
    k = p.shape[-1]
    colors = np.array([theme.CLASS_COLORS[i % len(theme.CLASS_COLORS)] for i in range(k)], float)
    out = np.empty(p.shape[:-1] + (4,), dtype=np.uint8)
    out[..., 3] = 255
    with np.errstate(all="ignore"):
        bad = ~np.all(np.isfinite(p), axis=-1)
        p = np.where(np.isfinite(p), p, 0.0)
        if discretize:
            onehot = np.zeros_like(p)
            np.put_along_axis(onehot, np.argmax(p, axis=-1)[..., None], 1.0, axis=-1)
            mix = onehot @ colors
            conf = np.full(p.shape[:-1], 1.0)
        else:
            total = p.sum(axis=-1, keepdims=True)
            total = np.where(total > 0, total, 1.0)
            p = p / total
            mix = p @ colors
            conf = (p.max(axis=-1) - 1.0 / k) / (1.0 - 1.0 / k) if k > 1 else np.ones(p.shape[:-1])
        white = np.array(theme.NEUTRAL, dtype=float)
        mix = white + (mix - white) * (0.35 + 0.65 * np.clip(conf, 0, 1))[..., None]
        out[..., :3] = np.clip(np.round(mix), 0, 255).astype(np.uint8)
    out[bad, :3] = MISSING
    return out


def class_color(k: int, n_classes: int) -> tuple[int, int, int]:
    """The colour of class ``k``: orange/blue for binary data, Okabe–Ito otherwise."""
    if n_classes <= 2:
        return theme.NEGATIVE if k == 0 else theme.POSITIVE
    return theme.CLASS_COLORS[k % len(theme.CLASS_COLORS)]


# ---------------------------------------------------------------- plot styling ----------
def plot_font(widget_font: QFont, scale: float = 1.0, bold: bool = False) -> QFont:
    """A font for plot text: the widget's font, scaled (never below 11 pt)."""
    f = QFont(widget_font)
    size = f.pointSizeF() if f.pointSizeF() > 0 else 10.0
    f.setPointSizeF(max(11.0, size * scale))
    f.setBold(bold)
    return f


def style_plot(plot_item, widget_font: QFont, bottom: str = "", left: str = "",
               right: str | None = None) -> None:
    """Large ticks and axis labels for a projected pyqtgraph PlotItem."""
    tick = plot_font(widget_font, 1.15, bold=theme.current().bold_plots)
    label_pt = plot_font(widget_font, 1.35).pointSizeF()
    ink_hex = theme.ink_hex()
    for name in ("bottom", "left", "right", "top"):
        ax = plot_item.getAxis(name)
        ax.setStyle(tickFont=tick, tickTextOffset=6)
        ax.enableAutoSIPrefix(False)  # "loss (×0.001)" confuses students
        ax.setPen(rgb(ink()))
        ax.setTextPen(rgb(ink()))
    style = {"font-size": f"{label_pt:.0f}pt", "color": ink_hex,
             "font-weight": "bold" if theme.current().bold_plots else "normal"}
    if bottom:
        plot_item.setLabel("bottom", bottom, **style)
    if left:
        plot_item.setLabel("left", left, **style)
    if right is not None:
        plot_item.setLabel("right", right, **style)
