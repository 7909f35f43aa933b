"""The View → Theme menu: light, projector (high contrast) and dark, remembered between
launches; presentation mode borrows the projector theme and gives the old one back."""

from __future__ import annotations

from PySide6.QtCore import QObject, QTimer
from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QApplication, QMainWindow, QMenu

from nnviz.app import theme
from nnviz.app.theming import apply_palette, refresh_palette_stylesheets, restyle_plots

SETTINGS_KEY = "view/theme"


class ThemeTools(QObject):
    """Owns the theme actions of one main window (``window.settings`` persists the choice)."""

    def __init__(self, window: QMainWindow, menu: QMenu):
        super().__init__(window)
        self.window = window
        self.menu = QMenu("Theme", window)
        self.group = QActionGroup(self.menu)
        self.actions: dict[str, QAction] = {}
        for name, th in theme.THEMES.items():
            action = QAction(th.label, self.menu)
            action.setCheckable(True)
            action.triggered.connect(lambda _=False, n=name: self.set_theme(n))
            self.group.addAction(action)
            self.menu.addAction(action)
            self.actions[name] = action
        cycle = QAction("Next theme", self.menu)
        cycle.setShortcut(QKeySequence("Ctrl+Shift+T"))
        cycle.triggered.connect(self.cycle)
        self.menu.addSeparator()
        self.menu.addAction(cycle)
        window.addAction(cycle)  # the shortcut works with the menu bar hidden (full screen)
        menu.addMenu(self.menu)
        self._before_presentation: str | None = None
        saved = window.settings.value(SETTINGS_KEY, theme.DEFAULT_THEME)
        self.set_theme(str(saved) if saved in theme.THEMES else theme.DEFAULT_THEME, remember=False)

    @property
    def name(self) -> str:
        return theme.current().name

    def set_theme(self, name: str, remember: bool = True) -> None:
        """Switch every widget and plot of the window to theme ``name``."""
        if name not in theme.THEMES:
            return
        old = theme.current()
        new = theme.set_current(name)
        self.actions[name].setChecked(True)
        app = QApplication.instance()
        if app is not None:
            apply_palette(app, new)
        if new is not old:  # views are built in the current theme: at start-up, no work
            self.restyle(old, 1.0)
        if remember:  # the user's own choice, kept even when presentation mode ends
            self.window.settings.setValue(SETTINGS_KEY, name)
            self._before_presentation = None

    def cycle(self) -> None:
        names = list(theme.THEMES)
        self.set_theme(names[(names.index(self.name) + 1) % len(names)])

    def restyle(self, old: theme.Theme | None = None, font_ratio: float = 1.0) -> None:
        """Restyle the plots for the current theme and font size, then redraw the panels."""
        w = self.window
        new = theme.current()
        restyle_plots(w, old or new, new, font_ratio)
        refresh_palette_stylesheets(w)
        for panel in getattr(w, "panels", {}).values():
            hook = getattr(panel, "theme_changed", None)
            if callable(hook):
                hook()
        if getattr(w, "latest", None) is not None:
            w._drawn = None  # every view redraws from the latest snapshot
            QTimer.singleShot(0, w._draw)

    # presentation mode borrows the projector theme
    def enter_presentation(self) -> None:
        if self._before_presentation is None:
            self._before_presentation = self.name
            self.set_theme(theme.PRESENTATION_THEME, remember=False)

    def leave_presentation(self) -> None:
        if self._before_presentation is not None:
            name, self._before_presentation = self._before_presentation, None
            self.set_theme(name, remember=False)
