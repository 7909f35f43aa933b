"""Restyle a whole window for a theme or a font size, without panels knowing about it.

Panels build their pyqtgraph plots once, with the fonts and colours of the moment. A
theme or font change walks every pyqtgraph scene in the window and restyles what
pyqtgraph draws itself (page, axes, tick text and fonts, axis labels, legends, titles,
text items in the old ink), sets the Qt palette for the widgets, and then the window
redraws every panel from the latest snapshot: whatever a panel colours itself, it reads
from ``theme.current()`` at draw time.
"""

from __future__ import annotations

import re
import sys

import pyqtgraph as pg
from PySide6.QtGui import QColor, QFont, QPalette
from PySide6.QtWidgets import QApplication, QStyleFactory, QWidget

from nnviz.app import theme
from nnviz.app.theme import Theme

_ROLE_COLORS = {
    QPalette.ColorRole.Window: "window",
    QPalette.ColorRole.Base: "base",
    QPalette.ColorRole.AlternateBase: "window",
    QPalette.ColorRole.Button: "button",
    QPalette.ColorRole.Highlight: "highlight",
    QPalette.ColorRole.WindowText: "text",
    QPalette.ColorRole.Text: "text",
    QPalette.ColorRole.ButtonText: "text",
    QPalette.ColorRole.ToolTipText: "text",
    QPalette.ColorRole.ToolTipBase: "base",
    QPalette.ColorRole.PlaceholderText: "muted",
}
_FONT_SIZE = re.compile(r"(\d+(?:\.\d+)?)pt")


def palette_for(th: Theme) -> QPalette:
    """A Qt palette in the theme's colours (disabled text greyed either way)."""
    pal = QPalette()
    for role, attr in _ROLE_COLORS.items():
        pal.setColor(role, QColor(*getattr(th, attr)))
    pal.setColor(QPalette.ColorRole.HighlightedText, QColor(255, 255, 255))
    pal.setColor(QPalette.ColorRole.BrightText, QColor(255, 80, 80))
    pal.setColor(QPalette.ColorRole.Link, QColor(*th.highlight))
    grey = QColor(*th.muted)
    grey.setAlpha(150)
    for role in (QPalette.ColorRole.WindowText, QPalette.ColorRole.Text, QPalette.ColorRole.ButtonText):
        pal.setColor(QPalette.ColorGroup.Disabled, role, grey)
    return pal


def apply_palette(app: QApplication, th: Theme) -> None:
    """Fusion draws every widget from the palette, so one palette themes the chrome."""
    if app.style().name().lower() != "fusion":
        fusion = QStyleFactory.create("Fusion")
        if fusion is not None:
            app.setStyle(fusion)
    app.setPalette(palette_for(th))


def restyle_plots(root: QWidget, old: Theme, new: Theme, font_ratio: float = 1.0) -> int:
    """Restyle every pyqtgraph view under ``root``; returns how many views were touched.

    ``font_ratio`` scales tick fonts and axis-label sizes (new app font / old one), so
    presentation mode and Ctrl+plus reach the axes too.
    """
    views = root.findChildren(pg.GraphicsView)
    for view in views:
        view.setBackground(QColor(*new.background))
        for item in view.scene().items():
            _restyle_item(item, old, new, font_ratio)
    _restyle_gl(root, new)
    return len(views)


def refresh_palette_stylesheets(root: QWidget) -> int:
    """Style sheets resolve ``palette(...)`` when they are applied: re-apply them."""
    n = 0
    for widget in [root, *root.findChildren(QWidget)]:
        sheet = widget.styleSheet()
        if "palette(" in sheet:
            widget.setStyleSheet("")
            widget.setStyleSheet(sheet)
            n += 1
    return n


def _restyle_item(item, old: Theme, new: Theme, ratio: float) -> None:
    ink = QColor(*new.ink)
    if isinstance(item, pg.AxisItem):
        item.setPen(ink)
        item.setTextPen(ink)
        font = item.style.get("tickFont")
        if font is not None or ratio != 1.0 or new.bold_plots != old.bold_plots:
            f = QFont(font) if font is not None else QFont(item.font())
            if ratio != 1.0 and f.pointSizeF() > 0:
                f.setPointSizeF(f.pointSizeF() * ratio)
            f.setBold(new.bold_plots)
            item.setStyle(tickFont=f)
            if ratio != 1.0 and getattr(item, "fixedWidth", None):
                item.setWidth(item.fixedWidth * ratio)  # a fixed width sized for the old font
        style = dict(item.labelStyle)
        style["color"] = theme.hex_color(new.ink)
        if ratio != 1.0 and "font-size" in style:
            style["font-size"] = _scale_size(style["font-size"], ratio)
        style["font-weight"] = "bold" if new.bold_plots else "normal"
        item.labelStyle = style
        item._updateLabel()
    elif isinstance(item, pg.LegendItem):
        item.setLabelTextColor(ink)
        back = QColor(*new.background)
        back.setAlpha(215)
        item.setBrush(back)
    elif isinstance(item, pg.LabelItem):
        opts = item.opts
        if _same(opts.get("color"), old.ink) or opts.get("color") is None:
            opts["color"] = theme.hex_color(new.ink)
        if ratio != 1.0 and isinstance(opts.get("size"), str):
            opts["size"] = _scale_size(opts["size"], ratio)
        item.setText(item.text)
    elif isinstance(item, pg.TextItem) and _same(item.textItem.defaultTextColor(), old.ink):
        item.setColor(ink)


def _restyle_gl(root: QWidget, new: Theme) -> None:
    # The 3-D view is created on first use: if its module was never imported there is
    # none to restyle (and importing PyOpenGL here would slow every theme switch).
    gl_module = sys.modules.get("pyqtgraph.opengl")
    if gl_module is None:
        return
    for gl in root.findChildren(gl_module.GLViewWidget):
        gl.setBackgroundColor(QColor(*new.background))


def _same(color, rgb: tuple[int, int, int]) -> bool:
    if color is None:
        return False
    try:
        c = pg.mkColor(color)
    except Exception:  # noqa: BLE001 - an unknown colour spec is simply not ours
        return False
    return (c.red(), c.green(), c.blue()) == tuple(rgb)


def _scale_size(text: str, ratio: float) -> str:
    return _FONT_SIZE.sub(lambda m: f"{float(m.group(1)) * ratio:.0f}pt", text)
