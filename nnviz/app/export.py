"""Export any panel as an image for slides: PNG at a chosen width, SVG, or the clipboard.

We render widgets with Qt directly instead of pyqtgraph's exporters: its SVGExporter is
broken with PySide6 ≥ 6.12 (pyqtgraph #3485), and rendering the whole panel also keeps
its legends, labels and side tables, which a plot-only exporter drops. PNG scales the
painter, so a 3840-pixel image has sharp lines and text rather than enlarged pixels;
SVG goes through QSvgGenerator and stays vector (paths and text).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QPoint, QRectF, QSize
from PySide6.QtGui import QColor, QGuiApplication, QImage, QPainter, QRegion
from PySide6.QtSvg import QSvgGenerator
from PySide6.QtWidgets import QWidget

#: The logical size panels are laid out at before scaling, a 16:9 slide.
SLIDE_SIZE = QSize(1280, 720)


class ExportError(OSError):
    """An image that could not be written; the message is for a person."""


@contextlib.contextmanager
def _transparent(widget: QWidget, enabled: bool) -> Iterator[None]:
    """Temporarily clear the background of the widget's pyqtgraph views."""
    if not enabled:
        yield
        return
    import pyqtgraph as pg

    views = widget.findChildren(pg.GraphicsView)
    if isinstance(widget, pg.GraphicsView):
        views.append(widget)
    saved = [(v, v.backgroundBrush(), v.styleSheet(), v.viewport().autoFillBackground()) for v in views]
    for view in views:
        view.setBackground(None)
        view.setStyleSheet("background: transparent")
        view.viewport().setAutoFillBackground(False)
    try:
        yield
    finally:
        for view, brush, sheet, fill in saved:
            view.setBackgroundBrush(brush)
            view.setStyleSheet(sheet)
            view.viewport().setAutoFillBackground(fill)


def render_image(widget: QWidget, width: int = 1920, transparent: bool = False) -> QImage:
    """The widget drawn into an image ``width`` pixels wide, keeping its aspect ratio."""
    if width < 16 or width > 16384:
        raise ExportError(f"the width must be between 16 and 16384 pixels, not {width}")
    size = widget.size()
    if size.width() < 2 or size.height() < 2:
        widget.resize(SLIDE_SIZE)
        size = widget.size()
    scale = width / size.width()
    image = QImage(width, max(1, round(size.height() * scale)), QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(QColor(0, 0, 0, 0) if transparent else QColor(255, 255, 255))
    flags = QWidget.RenderFlag.DrawChildren
    if not transparent:
        flags |= QWidget.RenderFlag.DrawWindowBackground
    with _transparent(widget, transparent):
        painter = QPainter(image)
        try:
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
            painter.scale(scale, scale)
            widget.render(painter, QPoint(0, 0), QRegion(), flags)
        finally:
            painter.end()
    return image


def export_png(widget: QWidget, path: str | Path, width: int = 1920, transparent: bool = False) -> Path:
    path = Path(path)
    image = render_image(widget, width, transparent)
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    if not image.save(buffer, "PNG"):
        raise ExportError(f"could not encode {path.name} as PNG")
    _write(path, bytes(data.data()))
    return path


def svg_bytes(widget: QWidget, title: str = "") -> bytes:
    """The widget as an SVG document (vector paths and text)."""
    size = widget.size()
    if size.width() < 2 or size.height() < 2:
        widget.resize(SLIDE_SIZE)
        size = widget.size()
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    generator = QSvgGenerator()
    generator.setOutputDevice(buffer)
    generator.setSize(size)
    generator.setViewBox(QRectF(0, 0, size.width(), size.height()))
    generator.setTitle(title or widget.windowTitle() or "nnviz")
    generator.setDescription("Exported from nnviz")
    painter = QPainter(generator)
    try:
        flags = QWidget.RenderFlag.DrawChildren | QWidget.RenderFlag.DrawWindowBackground
        widget.render(painter, QPoint(0, 0), QRegion(), flags)
    finally:
        painter.end()
    return bytes(data.data())


def export_svg(widget: QWidget, path: str | Path, title: str = "") -> Path:
    path = Path(path)
    _write(path, svg_bytes(widget, title))
    return path


def copy_to_clipboard(widget: QWidget, width: int = 1920) -> None:
    clipboard = QGuiApplication.clipboard()
    if clipboard is None:
        raise ExportError("no clipboard is available")
    clipboard.setImage(render_image(widget, width), mode=clipboard.Mode.Clipboard)


def _write(path: Path, data: bytes) -> None:
    from nnviz.atomicfile import atomic_write

    try:
        atomic_write(path, data)
    except OSError as exc:
        raise ExportError(f"cannot write {path}: {exc.strerror or exc}") from None


__all__ = [
    "ExportError", "SLIDE_SIZE", "copy_to_clipboard", "export_png", "export_svg",
    "render_image", "svg_bytes",
]
