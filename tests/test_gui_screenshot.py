"""Screenshots of the running app: under Xvfb (a real X11 platform, in a subprocess,
since this pytest process already runs Qt offscreen) and offscreen in-process. After 50
epochs the output view must show both palette colours: orange (class 0 / negative) and
blue (class 1 / positive)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QSettings
from PySide6.QtGui import QImage

from nnviz.app import theme

SIZE = (1280, 720)
EPOCHS = 50
TOLERANCE = 40  # per channel
MIN_PIXELS = 30  # of each colour in the output view

SCRIPT = textwrap.dedent("""
    import json, sys, time
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication
    import nnviz.app.main as app_main
    from nnviz.app.main import create_window, make_app

    png, info, ini = sys.argv[1:4]
    app_main.show_error = lambda *a: print("show_error:", a, file=sys.stderr)
    app = make_app()
    window = create_window(None, settings=QSettings(ini, QSettings.Format.IniFormat))
    window.resize(1280, 720)
    window.show()
    window.play()
    deadline = time.monotonic() + 60
    epoch = 0
    while time.monotonic() < deadline:
        app.processEvents()
        time.sleep(0.005)
        snap = window.latest
        epoch = snap.epoch if snap is not None else 0
        if epoch >= 50 and window._drawn is snap:
            break
    window.pause()
    for _ in range(20):  # let the last frame be drawn
        app.processEvents()
        time.sleep(0.01)
    ok = window.grab().save(png)
    rect = window.docks["output"].geometry()
    json.dump({"epoch": epoch, "saved": bool(ok), "platform": app.platformName(),
               "output": [rect.x(), rect.y(), rect.width(), rect.height()]}, open(info, "w"))
    window.close()
    sys.exit(0 if window.session.thread.isFinished() else 3)
""")


def colour_counts(png: Path, rect: list[int]) -> tuple[int, int, tuple[int, int]]:
    """(orange pixels, blue pixels, image size) inside ``rect`` of the PNG."""
    img = QImage(str(png)).convertToFormat(QImage.Format.Format_RGB888)
    w, h = img.width(), img.height()
    bpl = img.bytesPerLine()
    data = np.frombuffer(img.constBits(), dtype=np.uint8, count=bpl * h).reshape(h, bpl)
    rgb = data[:, : w * 3].reshape(h, w, 3).astype(int)
    x, y, rw, rh = rect
    region = rgb[max(0, y): y + rh, max(0, x): x + rw]
    assert region.size, f"the output view {rect} is outside the {w}x{h} image"

    def near(colour) -> int:
        return int(np.all(np.abs(region - np.array(colour)) <= TOLERANCE, axis=-1).sum())

    return near(theme.NEGATIVE), near(theme.POSITIVE), (w, h)


def check(png: Path, info: dict) -> None:
    assert png.exists() and info["saved"]
    orange, blue, size = colour_counts(png, info["output"])
    print(f"screenshot ({info.get('platform')}): epoch {info['epoch']}, "
          f"orange {orange} px, blue {blue} px")
    assert size == SIZE
    assert info["epoch"] >= EPOCHS
    assert orange >= MIN_PIXELS, "no orange in the output view"
    assert blue >= MIN_PIXELS, "no blue in the output view"


def test_screenshot_under_xvfb(xvfb_display, tmp_path):
    png, info = tmp_path / "window.png", tmp_path / "info.json"
    script = tmp_path / "shot.py"
    script.write_text(SCRIPT, encoding="utf-8")
    env = dict(os.environ, DISPLAY=xvfb_display, QT_QPA_PLATFORM="xcb")
    root = str(Path(__file__).resolve().parents[1])
    env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH")) if p)
    proc = subprocess.run(
        [sys.executable, str(script), str(png), str(info), str(tmp_path / "s.ini")],
        env=env, capture_output=True, text=True, timeout=120,
    )
    if proc.returncode != 0 and "could not connect to display" in proc.stderr.lower():
        pytest.skip(f"no X connection: {proc.stderr[-300:]}")
    if proc.returncode != 0 and 'platform plugin "xcb"' in proc.stderr:
        pytest.skip(f"the xcb platform plugin cannot load here: {proc.stderr[-300:]}")
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "show_error" not in proc.stderr
    result = json.loads(info.read_text())
    assert result["platform"] == "xcb"
    check(png, result)


def test_screenshot_offscreen(qtbot, tmp_path, monkeypatch):
    import nnviz.app.main as app_main
    from nnviz.app.main import create_window, make_app

    errors = []
    monkeypatch.setattr(app_main, "show_error", lambda *a: errors.append(a))
    app = make_app()
    window = create_window(None, settings=QSettings(str(tmp_path / "s.ini"),
                                                    QSettings.Format.IniFormat))
    qtbot.addWidget(window)
    window.resize(*SIZE)
    window.show()
    window.play()
    qtbot.waitUntil(lambda: window.latest is not None and window.latest.epoch >= EPOCHS
                    and window._drawn is window.latest, timeout=60_000)
    window.pause()
    qtbot.waitUntil(lambda: not window.session.worker.playing, timeout=10_000)
    qtbot.wait(100)
    png = tmp_path / "window.png"
    rect = window.docks["output"].geometry()
    info = {"epoch": window.latest.epoch, "saved": window.grab().save(str(png)),
            "platform": app.platformName(),
            "output": [rect.x(), rect.y(), rect.width(), rect.height()]}
    window.close()
    assert window.session.thread.isFinished()
    assert not errors
    check(png, info)
