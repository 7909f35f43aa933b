"""Stress: 500 seeded random control changes interleaved with play, pause, reset and
steps while training. Nothing may raise (pytest-qt fails a test on an exception in a
Qt slot), Qt may not warn, the app must still answer, and memory must stay bounded."""

from __future__ import annotations

import os
import random
import time

import pytest
from PySide6.QtCore import QSettings, qInstallMessageHandler
from PySide6.QtWidgets import QApplication

pytest.importorskip("pytestqt")

import nnviz.app.main as app_main  # noqa: E402
from nnviz.app.controls.training_controls import REG_RATES  # noqa: E402
from nnviz.app.main import make_app  # noqa: E402
from nnviz.app.main_window import MainWindow  # noqa: E402
from nnviz.engine.config import ACTIVATIONS, DATASETS, OPTIMIZERS  # noqa: E402

ACTIONS = 500
TIME_LIMIT = 60.0  # seconds for the whole run, a safety net on slow machines
HARMLESS = ("propagateSizeHints",)
DATASET_CHOICES = [d for d in DATASETS if d != "csv"]


def rss_bytes() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def choose(combo, data) -> None:
    index = combo.findData(data)
    assert index >= 0, data
    combo.setCurrentIndex(index)
    combo.activated.emit(index)


def slide_to(value_slider, value: float) -> None:
    value_slider.slider.setValue(value_slider._to_tick(value))


def type_into(value_slider, text: str) -> None:
    value_slider.edit.setText(text)
    value_slider.edit.editingFinished.emit()


@pytest.mark.skipif(not os.path.exists("/proc/self/statm"), reason="needs /proc for the RSS")
def test_random_control_changes_while_training(qtbot, tmp_path, monkeypatch):
    monkeypatch.setattr(app_main, "show_error", lambda *a: None)
    monkeypatch.setenv("NNVIZ_NO_DIALOGS", "1")
    messages: list[str] = []
    previous = qInstallMessageHandler(lambda _m, _c, text: messages.append(str(text)))
    try:
        _run(qtbot, tmp_path, messages)
    finally:
        qInstallMessageHandler(previous)
    bad = [m for m in messages if not any(h in m for h in HARMLESS)]
    assert not bad, bad[:10]


def _run(qtbot, tmp_path, messages) -> None:
    make_app()
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    w = MainWindow(None, settings=settings)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitUntil(lambda: w.latest is not None and w.frames_drawn > 0, timeout=10_000)
    rss0 = rss_bytes()
    rng = random.Random(0)
    tc, nc, dc = w.controls.training, w.controls.network, w.controls.data
    tb = w.toolbar

    def big_network() -> None:
        while nc.layers.value() < 8:
            nc.layers.plus.click()
        for stepper in nc.neurons[:8]:
            while stepper.value() < 16:
                stepper.plus.click()

    def step() -> None:
        if tb.step_batch_action.isEnabled():
            rng.choice((tb.step_batch_action, tb.step_epoch_action)).trigger()

    actions = [
        (6, lambda: slide_to(tc.lr, 10 ** rng.uniform(-5, 1))),
        (2, lambda: type_into(tc.lr, rng.choice(("1e-5", "0.003", "0.1", "3", "10", "abc", "-1")))),
        (3, lambda: slide_to(tc.batch, rng.randint(1, 100))),
        (1, lambda: tc.full_batch.click()),
        (3, lambda: slide_to(tc.dropout, rng.choice((0.0, 0.1, 0.3, 0.5, 0.9)))),
        (2, lambda: slide_to(tc.l1, rng.choice(REG_RATES))),
        (2, lambda: slide_to(tc.l2, rng.choice(REG_RATES))),
        (3, lambda: choose(tc.optimizer, rng.choice(OPTIMIZERS))),
        (1, lambda: tc.shuffle.click()),
        (3, lambda: nc.layers.plus.click()),
        (3, lambda: nc.layers.minus.click()),
        (2, lambda: rng.choice(nc.neurons[: max(1, nc.layers.value())]).plus.click()),
        (1, lambda: rng.choice(nc.neurons[: max(1, nc.layers.value())]).minus.click()),
        (1, big_network),
        (3, lambda: choose(nc.activation, rng.choice(ACTIVATIONS))),
        (3, lambda: choose(dc.combo, rng.choice(DATASET_CHOICES + ["sine", "blobs"]))),
        (1, lambda: dc.classes.setValue(rng.randint(2, 8))),
        (1, lambda: slide_to(dc.noise, rng.randint(0, 50))),
        (1, lambda: rng.choice(list(w.controls.features.boxes.values())).click()),
        (1, lambda: tb.speed.setCurrentIndex(rng.randrange(tb.speed.count()))),
        (6, w.play),
        (4, w.pause),
        (2, lambda: tb.reset_action.trigger()),
        (4, step),
    ]
    weights = [a[0] for a in actions]
    funcs = [a[1] for a in actions]
    start = time.perf_counter()
    for _i in range(ACTIONS):
        rng.choices(funcs, weights)[0]()
        QApplication.processEvents()
        if rng.random() < 0.3:
            qtbot.wait(rng.randint(1, 20))
        assert time.perf_counter() - start < TIME_LIMIT, "the stress run is far too slow"

    # the app still answers: a sane configuration, paused, one step changes the counter
    w.pause()
    slide_to(tc.lr, 0.01)
    if tc.full_batch.isChecked():
        tc.full_batch.click()
    tb.speed.setCurrentIndex(tb.speed.count() - 1)
    qtbot.waitUntil(lambda: not w.session.worker.playing, timeout=10_000)
    tb.reset_action.trigger()
    qtbot.waitUntil(lambda: w.session.call(lambda t: (t.epoch, t.step)) == (0, 0), timeout=10_000)
    qtbot.waitUntil(lambda: tb.step_batch_action.isEnabled(), timeout=10_000)
    tb.step_batch_action.trigger()
    qtbot.waitUntil(lambda: w.session.call(lambda t: t.step) == 1, timeout=10_000)
    frames = w.frames_drawn
    qtbot.waitUntil(lambda: w.frames_drawn > frames or w.latest.step == 1, timeout=10_000)

    growth = rss_bytes() - rss0
    print(f"stress: {ACTIONS} actions in {time.perf_counter() - start:.1f} s, "
          f"RSS growth {growth / 2**20:.0f} MB, {len(messages)} Qt messages")
    assert growth < 300 * 2**20
    w.close()
    assert w.session.thread.isFinished()
