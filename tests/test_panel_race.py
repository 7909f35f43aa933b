"""Tests for the optimiser-race panel (offscreen)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from PySide6.QtCore import Qt

from nnviz.app.panels.race_drawing import PathDecimator, column_peaks
from nnviz.app.panels.race_panel import RACE_FUNCTIONS, RacePanel
from nnviz.engine.race import Race, default_racers
from nnviz.engine.testfunctions import canyon, get_test_function


@pytest.fixture
def panel(qtbot):
    p = RacePanel()
    qtbot.addWidget(p)
    p.resize(1280, 720)
    p.show()
    yield p
    p.pause()


def _by_hand(name: str, steps: int, function=None) -> Race:
    race = Race(function or get_test_function(name), racers=default_racers(name))
    race.step(steps)
    return race


def _assert_drawn_path(drawn, full, pixel):
    rows, start = [], 0
    for p in drawn:  # each drawn point is a later point of the path
        hits = np.flatnonzero((full[start:] == p).all(axis=1))
        assert hits.size, p
        rows.append(start + int(hits[0]))
        start = rows[-1] + 1
    assert rows[0] == 0
    np.testing.assert_array_equal(drawn[-1], full[-1])
    rows.append(len(full))
    px, py = pixel
    for a, b in zip(rows[:-1], rows[1:], strict=True):
        skipped = full[a + 1 : b]
        assert np.all((np.abs(skipped[:, 0] - full[a, 0]) < px) & (np.abs(skipped[:, 1] - full[a, 1]) < py))


def test_path_decimation_keeps_visible_zigzags():
    # a zig-zag 3 pixels tall survives; a pile of sub-pixel steps does not
    n = 400
    zig = np.column_stack([np.linspace(0, 1, n), 0.03 * (-1.0) ** np.arange(n)])
    dec = PathDecimator(max_points=1000)
    x, y = dec.update(zig, (0.01, 0.01))
    assert len(x) == n  # x moves 0.0025 < 1 px a step, but y jumps 6 px every step
    pile = np.vstack([[[0.0, 0.0]], 1e-4 * np.random.default_rng(0).standard_normal((500, 2)) + 1.0])
    x, y = dec.update(pile, (0.01, 0.01))
    assert len(x) < 10 and (x[0], y[0]) == (0.0, 0.0) and (x[-1], y[-1]) == tuple(pile[-1])
    # incremental: appending points gives what a fresh pass gives
    grown = np.vstack([pile, [[2.0, 2.0], [2.001, 2.0], [3.0, 1.0]]])
    x2, y2 = dec.update(grown, (0.01, 0.01))
    x3, y3 = PathDecimator(max_points=1000).update(grown, (0.01, 0.01))
    np.testing.assert_array_equal(x2, x3)
    np.testing.assert_array_equal(y2, y3)
    # column peaks keep a spike
    xs = np.arange(10_000.0)
    ys = np.ones(10_000)
    ys[5_000] = 1e6
    cx, cy = column_peaks(xs, ys, (0, 10_000), 100)
    assert len(cx) <= 202 and cy.max() == 1e6 and cx[0] == 0 and cx[-1] == 9_999


@pytest.mark.parametrize("name", ["rosenbrock", "canyon", "saddle", "himmelblau"])
def test_paths_equal_the_race_stepped_by_hand(qtbot, panel, name):
    panel.set_function(name)
    panel.step(25)
    for _ in range(5):
        qtbot.mouseClick(panel.step_button, Qt.MouseButton.LeftButton)
    ref = _by_hand(name, 30)
    assert panel.race.t == 30 and panel.step_label.text() == "step 30"
    for mine, theirs in zip(panel.race.racers, ref.racers, strict=True):
        assert mine.label == theirs.label
        np.testing.assert_array_equal(mine.path_array, theirs.path_array)
        np.testing.assert_array_equal(mine.losses, theirs.losses)
        # what is drawn is the path: its points in order, leaving out only points within a
        # pixel of the previous drawn one
        x, y = panel.paths[mine.label].getData()
        _assert_drawn_path(np.column_stack([x, y]), theirs.path_array, panel._pixel_size())
        hx, hy = panel.heads[mine.label].getData()
        assert (hx[0], hy[0]) == tuple(theirs.path_array[-1])


def test_every_function_is_offered_and_set_function_works(panel):
    combo = panel.function_combo
    assert [combo.itemData(i) for i in range(combo.count())] == list(RACE_FUNCTIONS)
    panel.step(5)
    panel.set_function("Beale")  # titles work too
    assert panel.function_name == "beale" and panel.race.function.name == "beale"
    assert panel.function_combo.currentText() == "Beale"
    assert panel.race.t == 0 and tuple(panel.race.start) == get_test_function("beale").start
    assert not panel.kappa_row.isVisibleTo(panel)
    x, y = panel.minima.getData()
    assert (x[0], y[0]) == (3.0, 0.5)
    # the learning-rate sliders show the function's defaults
    assert panel.sliders["GD"]["lr"].value() == default_racers("beale")[0].lr
    panel.set_function("canyon")
    assert panel.kappa_row.isVisibleTo(panel)
    panel.function_combo.setCurrentIndex(0)
    panel.function_combo.activated.emit(0)
    assert panel.function_name == "rosenbrock"
    with pytest.raises(ValueError, match="unknown test function"):
        panel.set_function("sphere")


def test_sliders_change_the_racers_live(panel):
    panel.set_function("rosenbrock")
    panel.step(10)
    momentum = panel.sliders["Momentum"]["momentum"]
    momentum.slider.setValue(momentum.slider.value() - 20)  # as a drag does: emits valueChanged
    mu = momentum.value()
    assert mu == pytest.approx(0.7)
    racer = panel.race.racer("Momentum")
    assert racer.optimizer.momentum == pytest.approx(mu) and racer.spec.config.momentum == mu
    assert racer.t == 10 and racer.optimizer.s_momentum_buffer is not None  # state kept: no restart
    lr = panel.sliders["GD"]["lr"]
    lr.edit.setText("0.0025")
    lr.edit.editingFinished.emit()
    assert panel.race.racer("GD").spec.lr == 0.0025
    beta2 = panel.sliders["Adam"]["beta2"]
    beta2.edit.setText("0.99")
    beta2.edit.editingFinished.emit()
    assert panel.race.racer("Adam").optimizer.beta2 == 0.99
    panel.step(10)

    # the same changes by hand, on the engine's race, give the same paths
    ref = _by_hand("rosenbrock", 10)
    for label, change in (("Momentum", {"momentum": mu}), ("Adam", {"beta2": 0.99})):
        i = [s.label for s in ref.specs].index(label)
        spec = replace(ref.specs[i], config=replace(ref.specs[i].config, **change))
        ref.racers[i].spec = ref.specs[i] = spec
        ref.racers[i].optimizer.configure(spec.config)
    ref.specs[0] = ref.racers[0].spec = replace(ref.specs[0], lr=0.0025)
    ref.step(10)
    for mine, theirs in zip(panel.race.racers, ref.racers, strict=True):
        np.testing.assert_array_equal(mine.path_array, theirs.path_array)
    # and reset keeps the new settings
    panel.reset()
    assert panel.race.t == 0 and panel.race.racer("GD").spec.lr == 0.0025


def test_kappa_slider_changes_the_canyon_live(panel):
    panel.set_function("canyon")
    panel.step(20)
    before = panel.race.racer("GD").theta.copy()
    panel.kappa_slider.edit.setText("400")
    panel.kappa_slider.edit.editingFinished.emit()
    assert panel.race.function.hessian(np.zeros(2))[1, 1] == pytest.approx(400.0)
    assert panel.race.t == 20
    np.testing.assert_array_equal(panel.race.racer("GD").theta, before)  # not restarted
    assert "κ = 400" in panel.note.text()
    panel.step(1)
    f = canyon(400.0)
    assert panel.race.racer("GD").loss == pytest.approx(float(f.value(panel.race.racer("GD").theta)))


def test_a_diverged_racer_stops_with_a_marker(panel):
    panel.set_function("rosenbrock")
    lr = panel.sliders["GD"]["lr"]
    lr.edit.setText("10")
    lr.edit.editingFinished.emit()
    panel.step(100)  # must not raise
    gd = panel.race.racer("GD")
    assert gd.diverged
    x, y = panel.crosses["GD"].getData()
    assert len(x) == 1 and (x[0], y[0]) == tuple(gd.path_array[-1])
    assert "diverged" in panel.legend_text("GD")
    assert "GD stopped" in panel.note.text()
    assert not panel.race.racer("Adam").diverged and panel.race.racer("Adam").t == 100
    assert "diverged" not in panel.legend_text("Adam")
    panel.play()
    panel._tick()  # playing on with a diverged racer is fine too
    assert panel.race.running


def test_momentum_beats_gd_on_the_canyon_in_seconds(qtbot, panel):
    panel.set_function("canyon")
    panel.play()
    assert panel.playing and not panel.step_button.isEnabled()
    qtbot.waitUntil(lambda: panel.race.t >= 40, timeout=5000)
    panel.pause()
    assert not panel.playing and panel.step_button.isEnabled()
    # at the default speed (60 steps/s) 150 steps take 2.5 s
    panel.step(150 - panel.race.t)
    gd, mom = panel.race.racer("GD").loss, panel.race.racer("Momentum").loss
    assert mom < gd / 100


def test_dragging_the_start_restarts_every_racer(panel):
    panel.set_function("himmelblau")
    panel.step(10)
    panel.start.setPos(-4.0, 2.5)  # what a drag does
    assert tuple(panel.race.start) == (-4.0, 2.5)
    assert panel.race.t == 0
    for r in panel.race.racers:
        assert len(r.path) == 1 and tuple(r.theta) == (-4.0, 2.5)
    panel.step(3)
    ref = Race("himmelblau", start=(-4.0, 2.5), racers=default_racers("himmelblau"))
    ref.step(3)
    np.testing.assert_array_equal(panel.race.racer("Adam").path_array, ref.racer("Adam").path_array)


def test_newton_box_and_arrow(panel):
    panel.set_function("rosenbrock")
    info = panel.race.newton_info()
    assert "Newton's next step" in panel.newton_text and "eigenvalues" in panel.newton_text
    assert f"{info.eigenvalues[1]:.4g}" in panel.newton_text
    assert panel.newton_arrow.isVisible()
    x, y = panel.newton_line.getData()
    np.testing.assert_allclose([x[1], y[1]], info.next_theta)
    panel.set_function("saddle")
    assert "negative eigenvalue" in panel.newton_text
    panel.set_included("Newton", False)
    assert panel.newton_text == "" and not panel.paths["Newton"].isVisible()
    assert "Newton" not in [item.text for _, item in panel.legend.items]
