"""Start the desktop application: ``run_app()`` or ``run_app("lesson.toml")``."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QGuiApplication
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from nnviz.app.settings import APPLICATION, ORGANIZATION
from nnviz.engine.config import Scenario

#: Base font size in points: readable on a laptop, large enough for the back row.
BASE_POINT_SIZE = 11


def show_error(parent: QWidget | None, title: str, text: str) -> None:
    """A readable message box (tests replace this to avoid a modal dialog)."""
    QMessageBox.warning(parent, title, text)


def make_app(argv: list[str] | None = None) -> QApplication:
    """The QApplication (the existing one if there is one), named and with a readable font."""
    from nnviz.app.worker import protect_none_refcount

    protect_none_refcount()
    app = QApplication.instance()
    if app is None:
        QApplication.setHighDpiScaleFactorRoundingPolicy(
            Qt.HighDpiScaleFactorRoundingPolicy.PassThrough)
        app = QApplication(argv if argv is not None else sys.argv[:1])
    if not hasattr(app, "_nnviz_gc") and not os.environ.get("NNVIZ_NO_GC_TIMER"):
        # Python's collector may run on any thread, in the middle of a paint, and free a
        # Qt wrapper that is in use there: a segfault (seen in tests). pyqtgraph's helper
        # turns automatic collection off and collects on the GUI thread from a timer.
        from pyqtgraph.util.garbage_collector import GarbageCollector

        app._nnviz_gc = GarbageCollector(interval=1.0)  # type: ignore[attr-defined]
    from PySide6.QtGui import QIcon

    from nnviz.paths import resources_dir

    icon = resources_dir() / "icons" / "nnviz.svg"
    if icon.exists():
        app.setWindowIcon(QIcon(str(icon)))
    QGuiApplication.setDesktopFileName("nnviz")
    app.setOrganizationName(ORGANIZATION)
    app.setApplicationName(APPLICATION)
    app.setApplicationDisplayName("nnviz")
    font = QFont(app.font())
    if font.pointSizeF() < BASE_POINT_SIZE:
        font.setPointSizeF(BASE_POINT_SIZE)
        app.setFont(font)
    return app  # type: ignore[return-value]


def initial_scenario(scenario_path: str | None) -> tuple[Scenario | None, str]:
    """The scenario to start with and, if the file could not be used, why."""
    if not scenario_path:
        return None, ""
    from nnviz.scenario import ScenarioError, load_scenario

    try:
        return load_scenario(scenario_path), ""
    except ScenarioError as exc:
        return None, str(exc)
    except Exception as exc:  # noqa: BLE001 - never a traceback for a bad file
        return None, f"{scenario_path}: {exc}"


def create_window(scenario_path: str | None = None, settings=None):
    """Build the main window for ``scenario_path`` (default experiment if None or bad).

    A bad file is reported in a message box and the default experiment opens instead.
    """
    from nnviz.app.main_window import MainWindow

    scenario, problem = initial_scenario(scenario_path)
    if problem:
        show_error(None, "Cannot open scenario",
                   f"{problem}\n\nThe default experiment opens instead.")
    window = MainWindow(scenario, settings=settings)
    if problem:
        window.show_warning(f"Could not open the scenario: {problem}")
    if scenario is not None and scenario.lesson.title:
        window.lecture.lesson_path = Path(scenario_path) if scenario_path else None
        window.lecture.apply_lesson_view(scenario)
    fresh_start = scenario_path is None and not problem
    window.lecture.apply_site_config(opened_something=not fresh_start)
    if fresh_start and window.lecture.lesson_path is None:
        window.lecture.restore_autosave()  # switchable: File ▸ Autosave on quit
    return window


def _screenshot_when_drawn(app, window) -> None:
    """With NNVIZ_SCREENSHOT=path, save a PNG of the window once it has drawn a frame
    (used by the packaging test to check an installed copy really draws)."""
    path = os.environ.get("NNVIZ_SCREENSHOT")
    if not path:
        return
    from PySide6.QtCore import QTimer

    def attempt(tries: list[int] = [0]) -> None:  # noqa: B006 - a counter shared by the calls
        tries[0] += 1
        if window.frames_drawn > 0 or tries[0] > 100:
            window.grab().save(path)
        else:
            QTimer.singleShot(100, attempt)

    QTimer.singleShot(200, attempt)


def _close_on_ctrl_c(window) -> None:
    """Ctrl+C in the terminal closes the window the normal way (autosave, the training
    thread stopped) instead of a KeyboardInterrupt traceback from whatever Python code
    happened to run. Python only sees the signal when it runs, hence the idle timer."""
    import signal

    from PySide6.QtCore import QTimer

    signal.signal(signal.SIGINT, lambda *_: window.close())
    tick = QTimer(window)
    tick.timeout.connect(lambda: None)
    tick.start(200)


def run_app(scenario_path: str | None = None) -> int:
    """Open the main window and run until it is closed; returns the exit code."""
    app = make_app()
    if os.environ.get("QT_QPA_PLATFORM") == "offscreen" and os.environ.get("NNVIZ_QUIT_AFTER"):
        from PySide6.QtCore import QTimer

        QTimer.singleShot(int(float(os.environ["NNVIZ_QUIT_AFTER"]) * 1000), app.quit)
    window = create_window(scenario_path)
    window.show()
    _screenshot_when_drawn(app, window)
    _close_on_ctrl_c(window)
    code = app.exec()
    window.shutdown()
    return int(code)
