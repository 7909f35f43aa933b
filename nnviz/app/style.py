"""Font sizes for the screen, the projector and exported slides.

Lecturers ask for at least 20 pt on a projected 1920×1080 screen. Panels size their
plot text relative to the application font, so one number sets everything.
"""

from __future__ import annotations

from PySide6.QtGui import QFont
from PySide6.QtWidgets import QApplication

#: Ordinary use on a laptop.
SCREEN_POINT_SIZE = 11.0
#: Slides: panels are laid out at 1280×720 and exported 1.5× larger (1920 wide), so 14 pt
#: becomes 21 pt on the slide.
SLIDE_POINT_SIZE = 14.0


def set_point_size(app: QApplication, points: float) -> None:
    font = QFont(app.font())
    font.setPointSizeF(points)
    app.setFont(font)


def apply_slide_fonts(app: QApplication) -> None:
    """The font exported images use: large enough to read on a projected slide."""
    set_point_size(app, SLIDE_POINT_SIZE)
