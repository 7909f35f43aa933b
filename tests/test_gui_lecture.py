"""Lecture-hall features in the window: lessons, classroom hiding, export, sessions,
presentation mode."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QSettings
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication

from nnviz.app.main import make_app
from nnviz.app.main_window import MainWindow
from nnviz.lessons import find_lesson


@pytest.fixture
def window(qtbot, tmp_path):
    make_app()
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    win = MainWindow(settings=settings)
    qtbot.addWidget(win)
    win.resize(1280, 720)
    win.show()
    qtbot.waitUntil(lambda: win.latest is not None, timeout=10000)
    yield win
    win.shutdown()


def trainer_state(win, fn):
    return win.session.call(fn)


def test_opening_a_lesson_applies_its_scenario_panels_and_caption(window, qtbot):
    assert window.lecture.open_lesson(find_lesson("vanishing-gradients"))
    qtbot.waitUntil(lambda: trainer_state(window, lambda t: t.net.n_layers) == 11, timeout=10000)
    assert window.docks["gradients"].isVisible()
    assert not window.docks["race"].isVisible()
    assert "Vanishing gradients" in window.lecture.caption.text()
    assert window.lecture.caption_bar.isVisible()


def test_classroom_hiding_hides_named_controls_and_is_saved_with_the_lesson(window):
    names = window.lecture.control_names()
    assert "dropout" in names and "data" in names
    window.lecture.set_hidden_controls(["data", "dropout"])
    data_group = window.controls.data
    assert not data_group.isVisibleTo(window)
    assert window.scenario.lesson.hidden_controls == ["data", "dropout"]
    window.lecture.set_hidden_controls([])
    assert data_group.isVisibleTo(window)


def test_export_all_writes_png_svg_and_the_scenario(window, tmp_path, qtbot):
    window.play()
    qtbot.waitUntil(lambda: window.frames_drawn > 3, timeout=10000)
    window.pause()
    written = window.lecture.export_all(str(tmp_path))
    names = {p.name for p in written}
    assert {"output.png", "output.svg", "network.png", "loss.png", "scenario.toml"} <= names
    assert QImage(str(tmp_path / "output.png")).width() == 1920


def test_session_round_trip_through_the_window_continues_bit_for_bit(window, tmp_path, qtbot):
    window.session.step_epoch()
    window.session.step_epoch()
    window.session.step_batch()
    qtbot.waitUntil(lambda: trainer_state(window, lambda t: t.step) == 51, timeout=10000)
    path = tmp_path / "run.nnviz"
    assert window.lecture.save_session(path)
    expected = trainer_state(window, lambda t: (t.run_epoch(), t.net.theta.copy())[1])
    assert window.lecture.open_session(path)
    qtbot.waitUntil(lambda: trainer_state(window, lambda t: t.step) == 51, timeout=10000)
    resumed = trainer_state(window, lambda t: (t.run_epoch(), t.net.theta.copy())[1])
    assert np.array_equal(expected, resumed)
    assert str(path) in window.lecture.recent_files()


def test_a_corrupt_session_is_refused_and_changes_nothing(window, tmp_path):
    bad = tmp_path / "bad.nnviz"
    bad.write_bytes(b"not a session")
    before = trainer_state(window, lambda t: t.net.theta.copy())
    assert not window.lecture.open_session(bad)
    assert np.array_equal(before, trainer_state(window, lambda t: t.net.theta.copy()))
    assert "Could not open the session" in window.statusBar().currentMessage()


def test_presentation_mode_makes_fonts_projector_sized_and_back(window):
    app = QApplication.instance()
    normal = app.font().pointSizeF()
    window.lecture.set_presentation(True)
    assert app.font().pointSizeF() >= 20
    assert window.panels["loss"].font().pointSizeF() >= 20
    window.lecture.set_presentation(False)
    assert app.font().pointSizeF() == pytest.approx(normal)


def test_text_scaling_is_bounded(window):
    app = QApplication.instance()
    before = app.font().pointSizeF()
    window.lecture.scale_fonts(1.15)
    assert app.font().pointSizeF() > before
    for _ in range(40):
        window.lecture.scale_fonts(1.15)
    assert app.font().pointSizeF() <= 40
    for _ in range(40):
        window.lecture.scale_fonts(1 / 1.15)
    assert app.font().pointSizeF() >= 8
    window.lecture.set_presentation(False)


def test_autosave_on_close_and_restore(qtbot, tmp_path, monkeypatch):
    monkeypatch.setenv("NNVIZ_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("NNVIZ_NO_RESTORE", raising=False)
    make_app()
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    first = MainWindow(settings=settings)
    qtbot.addWidget(first)
    first.show()
    first.session.step_epoch()
    qtbot.waitUntil(lambda: first.session.call(lambda t: t.epoch) == 1, timeout=10000)
    first.close()
    from nnviz.app.lecture import autosave_path

    assert autosave_path().exists()
    second = MainWindow(settings=settings)
    qtbot.addWidget(second)
    assert second.lecture.restore_autosave()
    qtbot.waitUntil(lambda: second.session.call(lambda t: t.epoch) == 1, timeout=10000)
    second.shutdown()


def test_site_configuration_opens_a_lesson_hides_controls_and_locks_autosave(qtbot, tmp_path, monkeypatch):
    site = tmp_path / "site.toml"
    site.write_text(
        'default_lesson = "xor"\nhidden_controls = ["dropout"]\nautosave = false\n'
        'recent_files = false\nlocked = ["autosave"]\n'
    )
    monkeypatch.setenv("NNVIZ_SITE_CONFIG", str(site))
    from nnviz.app import main as app_main

    make_app()
    settings = QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)
    win = app_main.create_window(None, settings=settings)
    qtbot.addWidget(win)
    try:
        assert win.lecture.lesson_path is not None and win.lecture.lesson_path.stem == "03-xor"
        assert win.scenario.lesson.hidden_controls == ["dropout"]
        assert not win.lecture.autosave_action.isChecked()
        assert not win.lecture.autosave_action.isEnabled()
        assert not win.lecture.recent_menu.menuAction().isVisible()
    finally:
        win.shutdown()


def test_recording_a_panel_while_training_writes_an_animated_gif(window, tmp_path, qtbot):
    from PIL import Image

    assert window.lecture.start_recording("loss")
    window.play()
    qtbot.waitUntil(lambda: len(window.lecture.recorder.frames) >= 4, timeout=15000)
    window.pause()
    path = window.lecture.stop_recording(str(tmp_path / "training.gif"))
    with Image.open(path) as gif:
        assert gif.format == "GIF" and gif.n_frames >= 4 and gif.width == 960
    assert window.lecture.recorder is None


# ------------------------------------------------------------------ themes -------------
def _page_colour(view) -> tuple[int, int, int]:
    """The colour of a plot's page, read from a grab of its top-left corner."""
    image = view.grab().toImage()
    c = image.pixelColor(3, 3)
    return c.red(), c.green(), c.blue()


def test_dark_theme_restyles_plots_widgets_and_is_remembered(window, qtbot):
    from nnviz.app import theme

    loss = window.panels["loss"]
    assert _page_colour(loss.glw) == (255, 255, 255)
    window.lecture.themes.set_theme("dark")
    qtbot.wait(50)
    dark = theme.THEMES["dark"]
    assert _page_colour(loss.glw) == dark.background
    axis = loss.plot.getAxis("bottom")
    assert axis.textPen().color().getRgb()[:3] == dark.ink
    assert f"color: {theme.hex_color(dark.ink)}" in axis.labelString()
    assert QApplication.instance().palette().window().color().getRgb()[:3] == dark.window
    net = window.panels["network"]
    assert net.canvas.backgroundBrush().color().getRgb()[:3] == dark.background
    assert window.settings.value("view/theme") == "dark"
    window.lecture.themes.set_theme("light")
    qtbot.wait(50)
    assert _page_colour(loss.glw) == (255, 255, 255)
    assert axis.textPen().color().getRgb()[:3] == theme.THEMES["light"].ink


def test_theme_cycle_visits_every_theme(window):
    from nnviz.app import theme

    seen = set()
    for _ in theme.THEMES:
        window.lecture.themes.cycle()
        seen.add(theme.current().name)
    assert seen == set(theme.THEMES)
    window.lecture.themes.set_theme("light")


def test_presentation_mode_uses_the_projector_theme_and_scales_axis_fonts(window, qtbot):
    from nnviz.app import theme

    window.lecture.themes.set_theme("dark")
    axis = window.panels["loss"].plot.getAxis("left")
    tick_before = axis.style["tickFont"].pointSizeF()
    window.lecture.set_presentation(True)
    assert theme.current().name == "projector"
    tick = axis.style["tickFont"]
    assert tick.pointSizeF() >= 20 and tick.pointSizeF() > 1.5 * tick_before and tick.bold()
    assert axis.textPen().color().getRgb()[:3] == (0, 0, 0)
    qtbot.waitUntil(lambda: window.controls_dock.width() >= window.controls.minimumWidth(), timeout=3000)
    window.lecture.set_presentation(False)
    assert theme.current().name == "dark"  # the lecturer's own theme comes back
    assert axis.style["tickFont"].pointSizeF() == pytest.approx(tick_before, rel=0.05)
    window.lecture.themes.set_theme("light")


def test_shortcuts_dialog_lists_the_menu_shortcuts(window):
    keys = dict(window.shortcut_list())
    assert keys["Space"] == "play / pause"
    assert "presentation mode" in keys.values()
    assert "next theme" in keys.values()
    assert any(k.startswith("Ctrl+S") for k in keys)


def test_recording_can_be_saved_as_an_mp4_video(window, tmp_path, qtbot):
    imageio_ffmpeg = pytest.importorskip("imageio_ffmpeg")

    assert window.lecture.start_recording("output")
    window.play()
    qtbot.waitUntil(lambda: len(window.lecture.recorder.frames) >= 6, timeout=15000)
    window.pause()
    path = window.lecture.stop_recording(str(tmp_path / "training.mp4"))
    data = path.read_bytes()
    assert data[4:8] == b"ftyp"  # an ISO media (MP4) file
    frames, seconds = imageio_ffmpeg.count_frames_and_secs(str(path))
    assert frames >= 6 and seconds > 0


def test_mp4_without_frames_is_a_clear_error(tmp_path):
    pytest.importorskip("imageio_ffmpeg")
    from PySide6.QtWidgets import QWidget

    from nnviz.app.export import ExportError
    from nnviz.app.recorder import PanelRecorder

    make_app()
    recorder = PanelRecorder(QWidget())
    with pytest.raises(ExportError, match="nothing was recorded"):
        recorder.save(tmp_path / "empty.mp4")
    assert not (tmp_path / "empty.mp4").exists()


def test_a_variant_side_by_side_trains_in_a_linked_second_window(window, qtbot, tmp_path, monkeypatch):
    monkeypatch.setenv("NNVIZ_DATA_DIR", str(tmp_path / "data"))
    lesson = find_lesson("03-xor")
    assert window.lecture.open_lesson(lesson)
    variant = lesson.parent / "variants" / "xor-perceptron.toml"
    link = window.lecture.open_side_by_side(variant)
    b = link.companion
    qtbot.addWidget(b)
    assert b.isVisible() and b.scenario.model.hidden == [] and window.scenario.model.hidden != []
    assert not b.controls_dock.isVisible() and window.controls_dock.isVisible()
    assert window.windowTitle().startswith("A · ") and b.windowTitle().startswith("B · ")
    window.toolbar.play_action.trigger()  # what Space does: both sides start
    qtbot.waitUntil(lambda: b.session.call(lambda t: t.epoch) > 3, timeout=10000)
    window.toolbar.play_action.trigger()
    qtbot.waitUntil(lambda: b.session.status != "running", timeout=5000)
    window.close()
    qtbot.waitUntil(lambda: not b.isVisible(), timeout=5000)  # closing A closes B
    assert not b.lecture.autosave_action.isChecked() and not b.lecture.recent_enabled
    assert b.settings.fileName() != window.settings.fileName()  # B keeps nothing of its own


def test_side_by_side_with_a_broken_file_warns_and_opens_nothing(window, tmp_path):
    bad = tmp_path / "broken.toml"
    bad.write_text("[model\nhidden = ", encoding="utf-8")
    before = {id(w) for w in QApplication.topLevelWidgets() if w.objectName() == "nnviz-main"}
    assert window.lecture.open_side_by_side(bad) is None
    after = {id(w) for w in QApplication.topLevelWidgets() if w.objectName() == "nnviz-main"}
    assert after == before
    assert "Cannot open the comparison" in window.banner.text()


def test_mp4_to_an_unwritable_place_is_a_clear_error(tmp_path):
    pytest.importorskip("imageio_ffmpeg")
    from PySide6.QtWidgets import QLabel

    from nnviz.app.export import ExportError
    from nnviz.app.recorder import PanelRecorder

    make_app()
    label = QLabel("frame")
    label.resize(64, 48)
    recorder = PanelRecorder(label, width=64)
    assert recorder.capture(force=True) and recorder.capture(force=True)
    with pytest.raises(ExportError, match="cannot write"):
        recorder.save(tmp_path / "no" / "such" / "folder" / "clip.mp4")
