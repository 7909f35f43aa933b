"""Test set-up shared by every test module.

Qt runs offscreen unless a test asks for a real X server (the ``xvfb_display`` fixture
starts Xvfb when it is installed, for OpenGL and screenshot tests). Settings go to a
temporary folder so tests never touch the user's.
"""

from __future__ import annotations

import gc
import os
import shutil
import subprocess
import tempfile
import time

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault(
    "NNVIZ_SETTINGS_FILE", os.path.join(tempfile.mkdtemp(prefix="nnviz-test-settings-"), "settings.ini")
)
os.environ.setdefault("NNVIZ_NO_GC_TIMER", "1")  # tests collect between tests instead
os.environ.setdefault("NNVIZ_NO_RESTORE", "1")  # no window reopens another test's autosave
os.environ.setdefault("NNVIZ_DATA_DIR", tempfile.mkdtemp(prefix="nnviz-test-data-"))


@pytest.fixture(scope="session")
def xvfb_display():
    """A running Xvfb display number as ':N'; skips the test when Xvfb is not installed."""
    if shutil.which("Xvfb") is None:
        pytest.skip("Xvfb is not installed (CI installs it: .ci/run)")
    for number in range(99, 120):
        if os.path.exists(f"/tmp/.X{number}-lock"):
            continue
        proc = subprocess.Popen(
            ["Xvfb", f":{number}", "-screen", "0", "1920x1080x24", "-nolisten", "tcp"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        for _ in range(50):
            if os.path.exists(f"/tmp/.X11-unix/X{number}") or proc.poll() is not None:
                break
            time.sleep(0.1)
        if proc.poll() is None:
            yield f":{number}"
            proc.terminate()
            proc.wait(timeout=5)
            return
    pytest.skip("could not start Xvfb")


@pytest.fixture(autouse=True)
def _collect_garbage_between_tests():
    """Close this test's main windows and collect garbage between tests, on the main
    thread and never inside a Qt paint.

    Python's automatic collector can free a Qt wrapper while Qt is painting it (a
    segfault); the app avoids it the same way (pyqtgraph's GarbageCollector).
    """
    gc.disable()
    try:
        from PySide6.QtGui import QFont
        from PySide6.QtWidgets import QApplication

        app = QApplication.instance()
        font = QFont(app.font()) if app is not None else None
    except ImportError:
        font = None
    yield
    try:
        from PySide6.QtCore import QCoreApplication, QEvent
        from PySide6.QtWidgets import QApplication
    except ImportError:
        gc.collect()
        return
    app = QApplication.instance()
    if app is not None:
        if font is not None:
            app.setFont(font)  # export and presentation tests change the app-wide font
        from nnviz.app import theme

        if theme.current().name != theme.DEFAULT_THEME:  # theme tests change the app's palette
            from nnviz.app.theming import apply_palette

            apply_palette(app, theme.set_current(theme.DEFAULT_THEME))
        for widget in QApplication.topLevelWidgets():
            if widget.objectName() == "nnviz-main":
                widget.close()
                widget.deleteLater()
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        app.processEvents()
    gc.collect()
