"""GUI tests of the main window (pytest-qt, offscreen): the toolbar's commands, every
kind of control, live changes versus rebuilds, divergence, panel commands, bad files
on launch and closing while training.

The trainer lives on the worker thread; the tests read it only through
``window.session.call(fn)``, which runs ``fn(trainer)`` there.
"""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QSettings, Qt, qInstallMessageHandler

pytest.importorskip("pytestqt")

import nnviz.app.main as app_main  # noqa: E402
from nnviz.app.main import create_window, make_app  # noqa: E402
from nnviz.app.main_window import MainWindow  # noqa: E402

TIMEOUT = 10_000  # ms


# ---------------------------------------------------------------------- helpers -------
@pytest.fixture(autouse=True)
def _no_dialogs(monkeypatch):
    """No modal message box may block a test."""
    errors: list[tuple[str, str]] = []
    monkeypatch.setattr(app_main, "show_error", lambda _p, title, text: errors.append((title, text)))
    monkeypatch.setenv("NNVIZ_NO_DIALOGS", "1")
    return errors


@pytest.fixture
def settings(tmp_path):
    return QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def qt_messages():
    """Qt's warnings while the test runs (the previous handler is restored after)."""
    messages: list[str] = []

    def handler(_mode, _context, message):
        messages.append(str(message))

    previous = qInstallMessageHandler(handler)
    yield messages
    qInstallMessageHandler(previous)


def open_window(qtbot, settings, scenario=None) -> MainWindow:
    make_app()
    window = MainWindow(scenario, settings=settings)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.latest is not None and window.frames_drawn > 0, timeout=TIMEOUT)
    return window


@pytest.fixture
def window(qtbot, settings):
    w = open_window(qtbot, settings)
    yield w
    w.shutdown()


def counters(w: MainWindow) -> tuple[int, int]:
    return w.session.call(lambda t: (t.epoch, t.step))


def trainer_value(w: MainWindow, fn):
    return w.session.call(fn)


def wait_trainer(qtbot, w: MainWindow, predicate, timeout: int = TIMEOUT) -> None:
    """Wait until ``predicate(trainer)`` holds on the worker thread."""
    qtbot.waitUntil(lambda: bool(w.session.call(predicate)), timeout=timeout)


def pause_and_settle(qtbot, w: MainWindow) -> None:
    w.pause()
    qtbot.waitUntil(lambda: not w.session.worker.playing, timeout=TIMEOUT)
    qtbot.waitUntil(lambda: w.toolbar.step_batch_action.isEnabled(), timeout=TIMEOUT)


def choose(combo, data) -> None:
    """Pick ``data`` in ``combo`` as a user would (``activated`` is what the controls hear)."""
    index = combo.findData(data)
    assert index >= 0, data
    combo.setCurrentIndex(index)
    combo.activated.emit(index)


def slide_to(value_slider, value: float) -> float:
    """Move a value slider's handle to the tick nearest ``value``; returns the value."""
    value_slider.slider.setValue(value_slider._to_tick(value))
    return value_slider.value()


# ---------------------------------------------------------------------- toolbar -------
def test_start_shows_epoch_zero_and_step_buttons_enabled(window):
    assert counters(window) == (0, 0)
    tb = window.toolbar
    assert not tb.play_action.isChecked()
    assert tb.step_batch_action.isEnabled() and tb.step_epoch_action.isEnabled()
    assert "Epoch 0" in tb.counter.text()


def test_play_pause_and_steps_change_the_counters(qtbot, window):
    tb = window.toolbar
    tb.play_action.trigger()  # the toolbar's Play button
    assert tb.play_action.isChecked()
    assert not tb.step_batch_action.isEnabled() and not tb.step_epoch_action.isEnabled()
    qtbot.waitUntil(lambda: counters(window)[0] >= 3, timeout=TIMEOUT)

    tb.play_action.trigger()  # Pause
    qtbot.waitUntil(lambda: not window.session.worker.playing, timeout=TIMEOUT)
    qtbot.waitUntil(lambda: tb.step_batch_action.isEnabled(), timeout=TIMEOUT)
    assert tb.step_epoch_action.isEnabled()
    paused = counters(window)
    qtbot.wait(100)  # (the counters must stay put while paused)
    assert counters(window) == paused

    epoch, step = paused
    tb.step_batch_action.trigger()
    wait_trainer(qtbot, window, lambda t: t.step == step + 1)
    epoch, step = counters(window)
    tb.step_epoch_action.trigger()
    wait_trainer(qtbot, window, lambda t: t.epoch == epoch + 1)
    assert counters(window)[1] > step

    # the counter label follows the snapshots
    qtbot.waitUntil(lambda: f"Epoch {epoch + 1:,}" in tb.counter.text(), timeout=TIMEOUT)

    tb.reset_action.trigger()
    wait_trainer(qtbot, window, lambda t: (t.epoch, t.step) == (0, 0))


def test_step_buttons_do_nothing_while_playing(qtbot, window):
    window.play()
    qtbot.waitUntil(lambda: window.session.worker.playing, timeout=TIMEOUT)
    assert not window.toolbar.step_batch_action.isEnabled()
    # even a direct command is ignored by the worker while it plays
    before = window.session.call(lambda t: t.step)
    window.session.step_batch()
    pause_and_settle(qtbot, window)
    assert window.session.call(lambda t: t.step) >= before


# ---------------------------------------------------------------------- controls ------
def test_typed_learning_rate_reaches_the_trainer(qtbot, window):
    edit = window.controls.training.lr.edit
    edit.selectAll()
    qtbot.keyClicks(edit, "0.1")
    qtbot.keyClick(edit, Qt.Key.Key_Return)
    wait_trainer(qtbot, window, lambda t: t.base_lr == pytest.approx(0.1))
    assert window.scenario.training.optimizer.lr == pytest.approx(0.1)
    # a later rebuild (new data) keeps the rate the slider shows
    choose(window.controls.data.combo, "xor")
    wait_trainer(qtbot, window, lambda t: t.scenario.data.dataset == "xor")
    assert trainer_value(window, lambda t: t.base_lr) == pytest.approx(0.1)


def test_live_training_controls_reach_the_trainer(qtbot, window):
    tc = window.controls.training
    slide_to(tc.batch, 25)
    wait_trainer(qtbot, window, lambda t: t.scenario.training.batch_size == 25)
    assert trainer_value(window, lambda t: t.batch_size) == 25

    slide_to(tc.l2, 0.01)
    wait_trainer(qtbot, window, lambda t: t.scenario.training.l2 == pytest.approx(0.01))
    assert trainer_value(window, lambda t: t._l2_mask is not None)

    slide_to(tc.dropout, 0.25)
    wait_trainer(qtbot, window, lambda t: t.dropout == pytest.approx([0.25, 0.25]))

    choose(tc.optimizer, "adam")
    wait_trainer(qtbot, window, lambda t: t.optimizer.name == "adam")
    assert trainer_value(window, lambda t: t.scenario.training.optimizer.name) == "adam"
    # live changes never rebuild: still the same [2, 4, 2, 1] network
    assert trainer_value(window, lambda t: t.net.sizes) == [2, 4, 2, 1]


def test_activation_change_rebuilds(qtbot, window):
    choose(window.controls.network.activation, "relu")
    wait_trainer(qtbot, window, lambda t: t.scenario.model.activation == "relu")


def test_hidden_layer_buttons_rebuild_and_reset(qtbot, window):
    window.session.step_epoch()
    window.session.step_epoch()
    wait_trainer(qtbot, window, lambda t: t.epoch == 2)
    layers = window.controls.network.layers
    qtbot.mouseClick(layers.plus, Qt.MouseButton.LeftButton)
    wait_trainer(qtbot, window, lambda t: t.net.sizes == [2, 4, 2, 2, 1])
    assert counters(window) == (0, 0)
    qtbot.mouseClick(layers.minus, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(layers.minus, Qt.MouseButton.LeftButton)
    wait_trainer(qtbot, window, lambda t: t.net.sizes == [2, 4, 1])
    assert layers.value() == 1
    # one neuron more in the first layer
    qtbot.mouseClick(window.controls.network.neurons[0].plus, Qt.MouseButton.LeftButton)
    wait_trainer(qtbot, window, lambda t: t.net.sizes == [2, 5, 1])


def test_dataset_noise_and_features_rebuild(qtbot, window):
    dc = window.controls.data
    choose(dc.combo, "xor")
    wait_trainer(qtbot, window, lambda t: t.scenario.data.dataset == "xor")
    assert dc.thumb_buttons["xor"].isChecked()

    slide_to(dc.noise, 20)
    wait_trainer(qtbot, window, lambda t: t.scenario.data.noise == pytest.approx(0.2))

    box = window.controls.features.boxes["x1^2"]
    assert not box.isChecked()
    box.click()
    assert box.isChecked()
    wait_trainer(qtbot, window, lambda t: "x1^2" in (t.scenario.data.features or ()))
    assert trainer_value(window, lambda t: t.net.sizes[0]) == 3

    # a 1-D dataset: the 2-D-only features are disabled and dropped
    choose(dc.combo, "sine")
    wait_trainer(qtbot, window, lambda t: t.scenario.data.dataset == "sine")
    assert trainer_value(window, lambda t: t.dataset.input_dim) == 1
    assert not window.controls.features.boxes["x2"].isEnabled()


def test_live_learning_rate_change_keeps_the_weights(qtbot, window):
    window.play()
    qtbot.waitUntil(lambda: counters(window)[0] >= 2, timeout=TIMEOUT)
    pause_and_settle(qtbot, window)
    before = trainer_value(window, lambda t: t.net.theta.copy())
    epoch_before = counters(window)
    lr = slide_to(window.controls.training.lr, 0.3)
    assert lr == pytest.approx(0.3, rel=0.1)
    wait_trainer(qtbot, window, lambda t: t.base_lr == lr)
    after = trainer_value(window, lambda t: t.net.theta.copy())
    assert np.array_equal(before, after)
    assert counters(window) == epoch_before


def test_architecture_change_resets_the_network(qtbot, window):
    window.session.step_epoch()
    wait_trainer(qtbot, window, lambda t: t.epoch == 1)
    initial = trainer_value(window, lambda t: t.initial_theta.copy())
    trained = trainer_value(window, lambda t: t.net.theta.copy())
    assert not np.array_equal(initial, trained)
    # changing the weight seed keeps the sizes but must start from new weights
    window.controls.network.seed.setValue(7)
    wait_trainer(qtbot, window, lambda t: t.scenario.training.seed == 7)
    assert counters(window) == (0, 0)
    fresh = trainer_value(window, lambda t: t.net.theta.copy())
    assert fresh.shape == initial.shape and not np.array_equal(fresh, initial)
    # and back: the same seed gives the same initial weights
    window.controls.network.seed.setValue(0)
    wait_trainer(qtbot, window, lambda t: t.scenario.training.seed == 0)
    assert np.array_equal(trainer_value(window, lambda t: t.net.theta.copy()), initial)


# -------------------------------------------------------------------- divergence -----
def test_divergence_shows_the_error_banner(qtbot, window):
    choose(window.controls.data.combo, "reg-plane")
    wait_trainer(qtbot, window, lambda t: t.scenario.data.dataset == "reg-plane")
    window.session.set_live("lr", 10.0)
    wait_trainer(qtbot, window, lambda t: t.base_lr == 10.0)
    window.play()
    qtbot.waitUntil(lambda: window.banner.kind == "error", timeout=TIMEOUT)
    assert "diverged" in window.banner.text().lower()
    assert window.banner.isVisible()
    assert trainer_value(window, lambda t: t.status) == "diverged"
    assert trainer_value(window, lambda t: bool(np.all(np.isfinite(t.net.theta))))
    qtbot.waitUntil(lambda: not window.toolbar.play_action.isChecked(), timeout=TIMEOUT)
    # Reset goes back to the initial weights and clears the banner
    window.toolbar.reset_action.trigger()
    wait_trainer(qtbot, window, lambda t: t.status == "ready" and t.epoch == 0)
    qtbot.waitUntil(lambda: window.banner.kind != "error", timeout=TIMEOUT)
    assert not window.banner.isVisible()


# ----------------------------------------------------------------- bad scenario ------
def test_bad_scenario_file_reports_and_opens_the_default(qtbot, settings, tmp_path, _no_dialogs):
    bad = tmp_path / "broken.toml"
    bad.write_text("[model\nhidden = [4, ", encoding="utf-8")
    make_app()
    w = create_window(str(bad), settings=settings)
    qtbot.addWidget(w)
    try:
        assert len(_no_dialogs) == 1
        title, text = _no_dialogs[0]
        assert "scenario" in title.lower() and "broken.toml" in text
        assert w.banner.kind == "warning" and "Could not open" in w.banner.text()
        qtbot.waitUntil(lambda: w.session.thread.isRunning(), timeout=TIMEOUT)
        assert w.session.call(lambda t: (t.scenario.data.dataset, t.net.sizes)) == ("circle", [2, 4, 2, 1])
    finally:
        w.shutdown()


def test_missing_scenario_file_reports_too(qtbot, settings, tmp_path, _no_dialogs):
    make_app()
    w = create_window(str(tmp_path / "nope.toml"), settings=settings)
    qtbot.addWidget(w)
    try:
        assert len(_no_dialogs) == 1
        qtbot.waitUntil(lambda: w.session.thread.isRunning(), timeout=TIMEOUT)
        assert w.session.call(lambda t: t.scenario.data.dataset) == "circle"
    finally:
        w.shutdown()


# ---------------------------------------------------------------- panel commands -----
def test_dropout_panel_command_reaches_the_trainer(qtbot, window):
    window._on_panel_command("dropout", "set_live", ("dropout", 0.3))
    wait_trainer(qtbot, window, lambda t: t.dropout == pytest.approx([0.3, 0.3]))
    # the sidebar shows it too
    assert window.controls.training.dropout.value() == pytest.approx(0.3)


def test_surface_panel_restart_from_resets_to_theta(qtbot, window):
    window.session.step_epoch()
    wait_trainer(qtbot, window, lambda t: t.epoch == 1)
    n = trainer_value(window, lambda t: t.net.n_params)
    theta = np.linspace(-0.5, 0.5, n)
    window._on_panel_command("surface", "restart_from", theta)
    wait_trainer(qtbot, window, lambda t: t.epoch == 0 and np.array_equal(t.net.theta, theta))
    assert np.array_equal(trainer_value(window, lambda t: t.initial_theta), theta)
    assert counters(window) == (0, 0)


def test_impossible_panel_command_shows_a_warning(window):
    window._on_panel_command("surface", "fly", None)
    assert window.banner.kind == "warning" and "fly" in window.banner.text()


# ------------------------------------------------------------------------ closing ----
def test_closing_while_training_exits_cleanly(qtbot, settings, qt_messages):
    w = open_window(qtbot, settings)
    w.play()
    frames = w.frames_drawn
    qtbot.waitUntil(lambda: w.frames_drawn >= frames + 3, timeout=TIMEOUT)
    assert w.session.worker.playing
    assert w.close()
    assert w.session.thread.isFinished()
    assert not w.session.running
    qtbot.wait(50)  # let deleteLater and the like run
    assert not [m for m in qt_messages if "QThread: Destroyed" in m]
    # the layout was saved
    assert settings.value("window/state") is not None
