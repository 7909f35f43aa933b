"""A lesson's comparison (A/B) side by side: a second window trains variant B next to A.

The second window is a full main window with its own worker, so each side shows every
panel it needs and trains at its own pace; play, pause and reset in window A are
mirrored to B, so a lecturer starts both with one key. B keeps nothing: its settings
live in a temporary folder, it never autosaves and never touches the recent-files list.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from PySide6.QtCore import QEvent, QObject, QSettings
from PySide6.QtWidgets import QMainWindow

from nnviz.app import theme


class SideBySide(QObject):
    """Window B for lesson file ``path``, tiled to the right of ``primary`` and linked to it."""

    def __init__(self, primary: QMainWindow, path: str | Path):
        super().__init__(primary)
        from nnviz.app.main_window import MainWindow

        self.primary = primary
        self._folder = tempfile.TemporaryDirectory(prefix="nnviz-compare-")
        settings = QSettings(str(Path(self._folder.name) / "compare.ini"), QSettings.Format.IniFormat)
        settings.setValue("session/autosave", False)
        settings.setValue("view/theme", theme.current().name)  # the theme is app-wide
        self.companion = MainWindow(settings=settings)
        lecture = self.companion.lecture
        lecture.autosave_action.setChecked(False)
        lecture.recent_enabled = False
        self.ok = lecture.open_lesson(path)
        self.companion.setWindowTitle(f"B · {self.companion.windowTitle()}")
        # B is for watching: its half of the screen goes to the views (View menu brings
        # the controls back)
        self.companion.controls_dock.hide()
        primary.setWindowTitle(f"A · {primary.windowTitle().removeprefix('A · ')}")
        primary.toolbar.playToggled.connect(self._mirror_play)
        primary.toolbar.resetRequested.connect(self.companion.reset)
        primary.installEventFilter(self)
        self.companion.installEventFilter(self)
        self._tile()
        self.companion.show()

    def _mirror_play(self, on: bool) -> None:
        if self.companion is not None:
            (self.companion.play if on else self.companion.pause)()

    def _tile(self) -> None:
        """A on the left half of the screen, B on the right (full screen stays as it is)."""
        screen = self.primary.screen()
        if screen is None or self.primary.isFullScreen():
            return
        area = screen.availableGeometry()
        half = area.width() // 2
        self.primary.setGeometry(area.x(), area.y(), half, area.height())
        self.companion.setGeometry(area.x() + half, area.y(), area.width() - half, area.height())

    def eventFilter(self, obj, event) -> bool:
        if event.type() == QEvent.Type.Close:
            if obj is self.primary and self.companion is not None:
                self.companion.close()  # closing A closes B
            if obj is self.companion:
                self._unlink()
        return False

    def _unlink(self) -> None:
        if self.companion is None:
            return
        try:
            self.primary.toolbar.playToggled.disconnect(self._mirror_play)
            self.primary.toolbar.resetRequested.disconnect(self.companion.reset)
        except (RuntimeError, TypeError):
            pass
        self.companion = None
        self.primary.setWindowTitle(self.primary.windowTitle().removeprefix("A · "))
