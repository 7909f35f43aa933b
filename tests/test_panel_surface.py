"""Tests for the loss-surface panel and its service thread (offscreen, one test under Xvfb)."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest
from PySide6.QtCore import QThread

from nnviz.app.panels.surface_gl import NO_GL_NOTE
from nnviz.app.panels.surface_panel import SurfacePanel
from nnviz.app.panels.surface_service import SurfaceRequest, SurfaceService, compute
from nnviz.engine import functional
from nnviz.engine.config import Scenario
from nnviz.engine.heads import make_head
from nnviz.engine.landscape import closed_form_least_squares, random_directions
from nnviz.engine.snapshot import network_from_snapshot, take_snapshot
from nnviz.engine.trainer import Trainer

TIMEOUT = 20_000  # ms: the machine is shared


def _snapshot(dataset: str, hidden: list[int], epochs: int = 5):
    sc = Scenario()
    sc.data.dataset = dataset
    sc.model.hidden = hidden
    t = Trainer(sc)
    t.train(epochs)
    return take_snapshot(t)


@pytest.fixture(scope="module")
def line_snap():
    return _snapshot("line", [], 20)


@pytest.fixture(scope="module")
def circle_snap():
    return _snapshot("circle", [4, 2])


@pytest.fixture(scope="module")
def spiral_snap():
    return _snapshot("spiral", [8] * 6)


@pytest.fixture
def panel(qtbot):
    p = SurfacePanel()
    qtbot.addWidget(p)
    p.resize(900, 650)
    p.show()
    yield p
    p.shutdown()
    assert not p.service.is_running()


def _targets(snap):
    head = make_head(snap.output, snap.loss, snap.task, snap.n_classes)
    return head.targets(snap.dataset.y_train)


def _wait_final(qtbot, p, honest: bool = False):
    def done():
        ok = p._shown is not None and p._shown_final and p._shown_id == p._req_id
        return ok and (not honest or p._honest is not None)

    qtbot.waitUntil(done, timeout=TIMEOUT)


# ------------------------------------------------------------------------------ panel --
def test_panel_accepts_several_models(qtbot, panel, line_snap, circle_snap, spiral_snap):
    assert panel.panel_id == "surface" and panel.title == "Loss surface"
    expected = {"line": "params", "circle": "pca", "spiral": "pca"}
    for name, snap in (("line", line_snap), ("circle", circle_snap), ("spiral", spiral_snap)):
        panel.set_snapshot(snap)
        _wait_final(qtbot, panel)
        assert panel.slice_kind == expected[name], name
        assert panel._shown.loss.shape == (51, 51)
        assert np.isfinite(panel._shown.loss).all()
        assert panel.note_text == ""
        # the current point is drawn at the projection of theta
        x, y = panel.now.getData()
        assert len(x) == 1 and np.isfinite(x[0]) and np.isfinite(y[0])


def test_diverged_snapshot_shows_a_message(qtbot, panel, circle_snap):
    panel.set_snapshot(circle_snap)
    _wait_final(qtbot, panel)
    theta = np.full_like(circle_snap.theta, np.nan)
    traj = circle_snap.trajectory.copy()
    traj[-1] = np.inf
    bad = dataclasses.replace(circle_snap, theta=theta, trajectory=traj, status="diverged",
                              message="Training diverged")
    made = panel.requests_made
    panel.set_snapshot(bad)  # must not raise
    assert "not finite" in panel.note_text
    assert panel.note.isVisibleTo(panel)
    assert panel.requests_made == made  # nothing is computed for NaN parameters
    x, _ = panel.now.getData()
    assert x is None or len(x) == 0
    panel.set_snapshot(circle_snap)  # recovers
    assert panel.note_text == ""


def test_service_surface_equals_loss_batched(qtbot, spiral_snap):
    net = network_from_snapshot(spiral_snap)
    X, T = spiral_snap.dataset.X_train, _targets(spiral_snap)
    service = SurfaceService()
    got = []
    service.surfaceReady.connect(lambda rid, surf, final: got.append((rid, surf, final)))
    try:
        req = SurfaceRequest(net=net, X=X, T=T, theta=spiral_snap.theta.copy(), kind="random",
                             trajectory=spiral_snap.trajectory, steps=spiral_snap.trajectory_steps,
                             l1=1e-3, l2=1e-2)
        rid = service.submit(req)
        qtbot.waitUntil(lambda: any(g[2] for g in got), timeout=TIMEOUT)
    finally:
        assert service.shutdown()
    assert [g[1].loss.shape[0] for g in got] == [11, 26, 51]
    assert all(g[0] == rid for g in got)
    surf = got[-1][1]
    rng = np.random.default_rng(1)
    for _ in range(12):
        a, b = rng.integers(0, 51, size=2)
        theta = surf.theta_at(surf.alphas[a], surf.betas[b])
        want = functional.loss_batched(net, theta[None, :], X, T, 1e-3, 1e-2)[0]
        assert surf.loss[b, a] == pytest.approx(want, rel=1e-10)
    # the random directions are the seeded filter-normalised ones
    dirs = random_directions(net, spiral_snap.theta, 0)
    np.testing.assert_allclose(surf.d1, dirs.d1)


def test_honest_path_reports_true_losses(qtbot, panel, spiral_snap):
    panel.set_snapshot(spiral_snap)
    _wait_final(qtbot, panel, honest=True)
    h = panel._honest
    assert panel.slice_kind == "pca"
    assert panel._inset_visible and h.max_distance > 0
    net = network_from_snapshot(spiral_snap)
    X, T = spiral_snap.dataset.X_train, _targets(spiral_snap)
    k = len(h.steps)
    idx = np.searchsorted(spiral_snap.trajectory_steps, h.steps[[0, k // 2, k - 1]].astype(int))
    want = functional.loss_batched(net, spiral_snap.trajectory[idx], X, T)
    np.testing.assert_allclose(h.path.true_loss[[0, k // 2, k - 1]], want, rtol=1e-10)
    x, y = panel.inset_true.getData()
    np.testing.assert_array_equal(x, h.steps)
    assert any("leaves the plane" in t for t in panel._legend_text.values())


def test_exact_slice_hides_the_inset(qtbot, panel, line_snap):
    panel.set_snapshot(line_snap)
    _wait_final(qtbot, panel, honest=True)
    assert panel.slice_kind == "params"
    assert panel._honest.max_distance == pytest.approx(0.0, abs=1e-12)
    assert not panel._inset_visible


def test_switching_slice_kinds(qtbot, panel, circle_snap):
    panel.set_snapshot(circle_snap)
    _wait_final(qtbot, panel)
    assert panel._shown.labels[0].startswith("PC1 (") and "%" in panel._shown.labels[0]
    assert panel.plot.getAxis("bottom").labelText == panel._shown.labels[0]

    panel.kind_combo.setCurrentIndex(1)
    panel.kind_combo.activated.emit(1)  # what a user's choice sends
    _wait_final(qtbot, panel)
    assert panel.slice_kind == "random"
    assert panel._shown.labels[0].startswith("random direction 1")
    assert panel.new_dirs.isVisibleTo(panel) and not panel.param_a.isVisibleTo(panel)
    d1 = panel._shown.d1.copy()
    panel.new_dirs.click()
    _wait_final(qtbot, panel)
    assert "seed 1" in panel._shown.labels[0]
    assert not np.allclose(panel._shown.d1, d1)

    panel.set_slice_kind("params")
    _wait_final(qtbot, panel)
    names = [network_from_snapshot(circle_snap).param_name(i) for i in panel.parameters]
    assert panel._shown.labels == tuple(names)
    assert panel.param_a.isVisibleTo(panel)

    panel.set_slice_kind("PCA of the trajectory")
    _wait_final(qtbot, panel)
    assert panel.slice_kind == "pca"
    with pytest.raises(ValueError):
        panel.set_slice_kind("diagonal")


def test_select_parameter_changes_the_axes(qtbot, panel, circle_snap):
    panel.set_snapshot(circle_snap)
    _wait_final(qtbot, panel)
    net = network_from_snapshot(circle_snap)
    panel.select_parameter(3)  # A
    panel.select_parameter(7)  # B
    _wait_final(qtbot, panel)
    assert panel.slice_kind == "params" and panel.parameters == (3, 7)
    assert panel.plot.getAxis("bottom").labelText == net.param_name(3)
    assert panel.plot.getAxis("left").labelText == net.param_name(7)
    assert panel.param_a.currentText() == net.param_name(3)
    # the surface's axes are the two parameters' own values around the current ones
    assert panel._shown.extent[0] < circle_snap.theta[3] < panel._shown.extent[1]
    assert panel._shown.extent[2] < circle_snap.theta[7] < panel._shown.extent[3]
    panel.select_parameter(10)  # A again (alternating)
    _wait_final(qtbot, panel)
    assert panel.parameters == (10, 7)
    assert panel.plot.getAxis("bottom").labelText == net.param_name(10)
    # the combo does the same
    panel.param_b.setCurrentIndex(2)
    panel.param_b.activated.emit(2)
    assert panel.parameters == (10, 2)


def test_start_drag_restarts_from_there(qtbot, panel, circle_snap, line_snap):
    panel.set_snapshot(circle_snap)
    panel.select_parameter(3)
    panel.select_parameter(5)
    _wait_final(qtbot, panel)
    assert panel.start.movable
    with qtbot.waitSignal(panel.command, timeout=2000) as blocker:
        panel.start.setPos(0.75, -1.25)
        panel.start.sigPositionChangeFinished.emit(panel.start)
    name, theta = blocker.args
    assert name == "restart_from"
    expected = circle_snap.trajectory[0].copy()
    expected[3], expected[5] = 0.75, -1.25
    np.testing.assert_array_equal(theta, expected)
    # the dropped target stays put until the restarted run arrives
    panel.set_snapshot(circle_snap)
    assert (panel.start.pos().x(), panel.start.pos().y()) == (0.75, -1.25)

    panel.set_slice_kind("pca")  # only two-parameter slices can restart
    assert not panel.start.movable


def test_closed_form_star_for_linear_regression(qtbot, panel, line_snap):
    panel.set_snapshot(line_snap)
    _wait_final(qtbot, panel)
    ds = line_snap.dataset
    w, b = closed_form_least_squares(ds.X_train, ds.y_train)
    x, y = panel.star.getData()
    assert (x[0], y[0]) == pytest.approx((w[0], b))
    assert panel.star_text.isVisible() and "least squares" in panel.star_text.textItem.toPlainText()
    # the star lies inside the picture and is the surface's lowest point (up to the grid)
    s = panel._shown
    a_min, b_min, _ = s.argmin()
    da, db = s.alphas[1] - s.alphas[0], s.betas[1] - s.betas[0]
    assert abs(a_min - w[0]) <= da and abs(b_min - b) <= db
    # swapped axes: the star follows
    panel.set_parameters(1, 0)
    _wait_final(qtbot, panel)
    x, y = panel.star.getData()
    assert (x[0], y[0]) == pytest.approx((b, w[0]))


def test_lesson_names_pick_the_parameters(qtbot, line_snap):
    p = SurfacePanel()
    qtbot.addWidget(p)
    try:
        p.set_parameters("b0[0]", "W0[0,0]")  # before any snapshot, as a lesson loader would
        p.show()
        p.set_snapshot(line_snap)
        _wait_final(qtbot, p)
        assert p.parameters == (1, 0)
        assert p._shown.labels == ("b0[0]", "W0[0,0]")
    finally:
        p.shutdown()


def test_stale_requests_are_dropped(qtbot, spiral_snap, panel):
    net = network_from_snapshot(spiral_snap)
    X, T = spiral_snap.dataset.X_train, _targets(spiral_snap)
    service = SurfaceService()
    seen = []
    service.surfaceReady.connect(lambda rid, surf, final: seen.append((rid, final)))
    try:
        with service.paused():  # hold the thread so all five are queued before it starts
            ids = [service.submit(SurfaceRequest(net=net, X=X, T=T, theta=spiral_snap.theta, kind="random",
                                                 seed=k)) for k in range(5)]
        qtbot.waitUntil(lambda: (ids[-1], True) in seen, timeout=TIMEOUT)
    finally:
        service.shutdown()
    assert {rid for rid, _ in seen} == {ids[-1]}
    # a superseded request is abandoned between levels, too
    levels = list(compute(SurfaceRequest(net=net, X=X, T=T, theta=spiral_snap.theta), current=iter(
        [True, True, False, False]).__next__))
    assert [k for k, _ in levels] == ["plan", "surface", "path"]
    # and the panel ignores results that are not for its latest request
    panel.set_snapshot(spiral_snap)
    _wait_final(qtbot, panel)
    shown, dropped = panel._shown, panel.stale_dropped
    panel._on_surface(panel._req_id - 1, shown, True)
    assert panel._shown is shown and panel.stale_dropped == dropped + 1


def test_requests_are_throttled_and_skip_hidden_panels(qtbot, circle_snap):
    p = SurfacePanel()
    qtbot.addWidget(p)
    try:
        p.set_snapshot(circle_snap)  # never shown: nothing is computed
        assert p.requests_made == 0
        p.show()
        qtbot.waitUntil(lambda: p.requests_made == 1, timeout=TIMEOUT)
        _wait_final(qtbot, p)
        # "training": thirty new snapshots in a quarter of a second → at most one more request now
        rng = np.random.default_rng(0)
        t0 = time.perf_counter()
        for _ in range(30):
            theta = circle_snap.theta + 1e-3 * rng.standard_normal(circle_snap.theta.shape)
            p.set_snapshot(dataclasses.replace(circle_snap, theta=theta))
            qtbot.wait(8)
        elapsed = time.perf_counter() - t0
        assert p.requests_made <= 2 + int(elapsed / p.REQUEST_INTERVAL)
        # the trailing request brings the picture up to date (PCA: the origin is the current point)
        qtbot.waitUntil(lambda: p._last_key == p._request_key(), timeout=TIMEOUT)
        _wait_final(qtbot, p)
        np.testing.assert_array_equal(p._shown.origin, theta)
    finally:
        p.shutdown()


def test_shutdown_leaves_no_thread_running(qtbot, line_snap):
    p = SurfacePanel()
    qtbot.addWidget(p)
    p.show()
    p.set_snapshot(line_snap)
    thread: QThread = p.service.thread
    assert thread.isRunning()
    p.shutdown()
    assert thread.isFinished() and not thread.isRunning()
    p.shutdown()  # idempotent
    assert p.service.submit(SurfaceRequest(net=network_from_snapshot(line_snap), X=np.zeros((1, 1)),
                                           T=np.zeros((1, 1)), theta=line_snap.theta)) == -1


def test_log_scale_changes_the_colour_levels(qtbot, panel, spiral_snap):
    panel.set_snapshot(spiral_snap)
    _wait_final(qtbot, panel)
    lo, hi = panel.colorbar.levels()
    panel.log_check.setChecked(True)
    llo, lhi = panel.colorbar.levels()
    assert lhi == pytest.approx(np.log10(np.nanmax(panel._shown.loss)))
    assert (llo, lhi) != (lo, hi)
    assert panel.colorbar.getAxis("right").labelText.startswith("log")


# ---------------------------------------------------------------------------------- 3-D --
def test_3d_falls_back_to_2d_offscreen(qtbot, panel, line_snap):
    panel.set_snapshot(line_snap)
    panel.three_d.setChecked(True)
    assert not panel.three_d.isChecked()
    assert not panel.showing_3d
    assert panel.stack.currentWidget() is panel.glw
    assert NO_GL_NOTE in panel.note_text and panel.note.isVisibleTo(panel)
    assert panel._gl is None  # no GL widget was ever created


_XVFB_SCRIPT = textwrap.dedent(
    """
    import json, sys, time
    from PySide6.QtWidgets import QApplication
    app = QApplication([])
    from nnviz.app.worker import protect_none_refcount
    protect_none_refcount()
    from nnviz.engine.config import Scenario
    from nnviz.engine.trainer import Trainer
    from nnviz.engine.snapshot import take_snapshot
    from nnviz.app.panels.surface_panel import SurfacePanel
    sc = Scenario(); sc.data.dataset = "line"; sc.model.hidden = []
    t = Trainer(sc); t.train(20); snap = take_snapshot(t)
    p = SurfacePanel(); p.resize(800, 600); p.show(); p.set_snapshot(snap)
    t0 = time.time()
    while time.time() - t0 < 30 and not (p._shown is not None and p._shown_final):
        app.processEvents(); time.sleep(0.01)
    p.set_3d(True)
    for _ in range(40):
        app.processEvents(); time.sleep(0.01)
    img = p._gl.view.grabFramebuffer() if p._gl is not None else p.grab().toImage()
    img.save(sys.argv[1])
    colours = set()
    for y in range(0, img.height(), 4):
        for x in range(0, img.width(), 4):
            colours.add(img.pixel(x, y))
    print(json.dumps({"showing_3d": p.showing_3d, "note": p.note_text, "colours": len(colours),
                      "size": [img.width(), img.height()]}))
    p.shutdown()
    """
)


@pytest.mark.xvfb
def test_3d_view_renders_under_xvfb(xvfb_display, tmp_path):
    png = tmp_path / "surface3d.png"
    env = dict(os.environ, DISPLAY=xvfb_display, QT_QPA_PLATFORM="xcb")
    proc = subprocess.run([sys.executable, "-c", _XVFB_SCRIPT, str(png)], env=env, capture_output=True,
                          text=True, timeout=180)
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["showing_3d"], result
    assert NO_GL_NOTE not in result["note"]
    assert png.exists() and png.stat().st_size > 1000
    assert result["colours"] > 50, result  # a coloured surface, not a blank (one-colour) frame
