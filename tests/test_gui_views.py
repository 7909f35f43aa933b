"""The network, output and loss views: every configuration draws, frames update in place,
the editing/hover/click signals carry the right values, long histories stay bounded and
the rendered panels show the orange/blue palette.

pyqtgraph or NumPy warnings fail these tests (``filterwarnings("error")``).
"""

from __future__ import annotations

import dataclasses
import functools
import math

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QToolTip

import nnviz.app.views  # noqa: F401  (registers the panels)
from nnviz.app import theme
from nnviz.app.panel import PANELS
from nnviz.app.views.loss_view import MAX_POINTS, LossView, thin
from nnviz.app.views.network_view import NetworkView, parse_value
from nnviz.app.views.output_view import OutputView
from nnviz.engine.config import Scenario
from nnviz.engine.network import flat_index
from nnviz.engine.snapshot import take_snapshot
from nnviz.engine.trainer import Trainer

pytestmark = pytest.mark.filterwarnings("error")

SIZE = (1280, 720)
TOLERANCE = 40  # per channel, as in test_gui_screenshot


# ------------------------------------------------------------------------ snapshots ------
def _trainer(dataset: str, hidden, features=None, **training) -> Trainer:
    sc = Scenario()
    sc.data.dataset = dataset
    sc.model.hidden = list(hidden)
    if features:
        sc.data.features = list(features)
    for key, value in training.items():
        if key == "lr":
            sc.training.optimizer.lr = value
        else:
            setattr(sc.training, key, value)
    return Trainer(sc)


@functools.cache
def snap(name: str, epochs: int = 5):
    """Snapshots of the configurations every view must draw (cached: they are immutable)."""
    if name == "circle":
        t = _trainer("circle", [4, 2])
    elif name == "spiral_deep":
        t = _trainer("spiral", [16] * 8)
    elif name == "no_hidden":
        t = _trainer("circle", [])
    elif name == "blobs":
        t = _trainer("blobs", [8])
    elif name == "sine":
        t = _trainer("sine", [8], ["x1"])
    elif name == "all_features_dropout":
        t = _trainer("circle", [6, 3], ["x1", "x2", "x1^2", "x2^2", "x1x2", "sin_x1", "sin_x2"],
                     dropout=0.5)
    elif name == "diverged":
        t = _trainer("reg-plane", [4], lr=1e6)
        for _ in range(50):
            t.train(1)
            if t.status == "diverged":
                break
        assert t.status == "diverged"
        return take_snapshot(t)
    elif name == "nan":
        return _with_nans(snap("circle", epochs))
    elif name == "regression":
        t = _trainer("reg-gauss", [3])
    elif name == "empty_test":
        # classification: the engine's regression head cannot take an empty test set yet
        base = _trainer("xor", [3])
        ds = base.dataset
        empty = dataclasses.replace(
            ds, points_test=np.empty((0, 2)), y_test=np.empty(0), X_test=np.empty((0, 2)))
        sc = base.scenario
        t = Trainer(sc, dataset=empty)
    else:
        raise KeyError(name)
    t.train(epochs)
    return take_snapshot(t)


def _with_nans(s):
    nan_like = lambda arrays: tuple(np.full_like(a, np.nan) for a in arrays)  # noqa: E731
    grid = dataclasses.replace(s.grid, layers=nan_like(s.grid.layers))
    history = {k: np.concatenate([v, np.full((2, *v.shape[1:]), np.nan)])
               for k, v in s.history.items()}
    history["loss_train"][-1] = np.inf
    weights = list(s.weights)
    weights[0] = weights[0].copy()
    weights[0][0, 0] = np.nan
    weights[-1] = np.full_like(weights[-1], np.inf)
    return dataclasses.replace(
        s, status="diverged", weights=tuple(weights), biases=nan_like(s.biases),
        grads_W=nan_like(s.grads_W), grads_b=nan_like(s.grads_b), grid=grid, history=history,
    )


CONFIGS = ["circle", "spiral_deep", "no_hidden", "blobs", "sine", "all_features_dropout",
           "diverged", "nan", "empty_test", "regression", "circle"]


def _show(qtbot, cls):
    w = cls()
    qtbot.addWidget(w)
    w.resize(*SIZE)
    w.show()
    qtbot.waitExposed(w)
    return w


def _draw(w, s) -> None:
    """Feed a snapshot and draw it now (the network view throttles large networks)."""
    w.set_snapshot(s)
    if isinstance(w, NetworkView) and getattr(w, "_deferred", None) is not None:
        w._draw_deferred()


def _image(w) -> np.ndarray:
    img = w.grab().toImage().convertToFormat(QImage.Format.Format_RGB888)
    h, width = img.height(), img.width()
    arr = np.frombuffer(img.constBits(), dtype=np.uint8, count=img.sizeInBytes())
    return arr.reshape(h, img.bytesPerLine())[:, : 3 * width].reshape(h, width, 3).copy()


def _count_near(arr: np.ndarray, color) -> int:
    d = np.abs(arr.astype(int) - np.array(color, dtype=int)).max(axis=-1)
    return int((d <= TOLERANCE).sum())


# ------------------------------------------------------------------------ registry -------
def test_views_are_registered_with_their_ids():
    assert PANELS["network"] is NetworkView and NetworkView.title == "Network"
    assert PANELS["output"] is OutputView and OutputView.title == "Output"
    assert PANELS["loss"] is LossView and LossView.title == "Loss curves"
    assert LossView.default_area == "bottom"


# ------------------------------------------------------------------------ all configs ----
@pytest.mark.parametrize("cls", [NetworkView, OutputView, LossView])
def test_view_draws_every_configuration(qtbot, cls):
    w = _show(qtbot, cls)
    for name in CONFIGS:
        s = snap(name)
        _draw(w, s)
        _draw(w, s)  # a second frame of the same architecture: the in-place path
        qtbot.wait(1)
        arr = _image(w)
        distinct = len(np.unique(arr.reshape(-1, 3)[::7], axis=0))
        assert distinct > 8, f"{cls.__name__} looks blank for {name}"
        if cls is NetworkView:
            assert [len(c) for c in w.tiles] == list(s.sizes), name
            assert len(w.links) == len(s.sizes) - 1
        elif cls is OutputView:
            assert len(w.train_points.data) == s.dataset.n_train, name
            assert len(w.test_points.data) == s.dataset.n_test
        else:
            assert w.curves["loss_train"].xData is not None
            assert np.all(np.isfinite(w.curves["loss_train"].yData)), name
    assert w.export_items()


# ------------------------------------------------------------------------ network --------
def test_network_links_and_tiles_update_after_training(qtbot):
    w = _show(qtbot, NetworkView)
    t = _trainer("circle", [4, 2])
    first = take_snapshot(t)
    _draw(w, first)
    pens0 = [(w.link_pen(0, r, c).color().rgba(), w.link_pen(0, r, c).widthF())
             for r in range(2) for c in range(4)]
    img0 = w.tile(0, 1)._image_buf.copy()
    bias0 = w.tile(1, 0).bias_color.rgba()
    t.train(40)
    _draw(w, take_snapshot(t))
    pens1 = [(w.link_pen(0, r, c).color().rgba(), w.link_pen(0, r, c).widthF())
             for r in range(2) for c in range(4)]
    assert pens0 != pens1
    assert not np.array_equal(img0, w.tile(0, 1)._image_buf)
    assert bias0 != w.tile(1, 0).bias_color.rgba()
    # sign → colour: a positive weight is drawn blue, a negative one orange
    W = take_snapshot(t).weights[0]
    r, c = np.unravel_index(np.argmax(W), W.shape)
    assert _on_white_ramp(w.link_pen(0, r, c).color().getRgb()[:3], theme.POSITIVE)
    r, c = np.unravel_index(np.argmin(W), W.shape)
    assert _on_white_ramp(w.link_pen(0, r, c).color().getRgb()[:3], theme.NEGATIVE)


def _on_white_ramp(rgb, color) -> bool:
    """Is ``rgb`` ``color`` at some opacity > 0 over white (links are pre-mixed, opaque)?"""
    white, target, got = (np.array(v, float) for v in ((255, 255, 255), color, rgb))
    a = float(np.dot(got - white, target - white) / np.dot(target - white, target - white))
    return 0.05 < a <= 1.0 and bool(np.all(np.abs(white + a * (target - white) - got) <= 2.0))


def test_network_edit_param_emits_the_flat_index(qtbot):
    w = _show(qtbot, NetworkView)
    s = snap("circle")
    _draw(w, s)
    with qtbot.waitSignal(w.paramEdited, timeout=1000) as sig:
        assert w.edit_param(1, 2, 1, 0.5) == flat_index(s.sizes, 1, 2, 1)
    assert sig.args == [flat_index(s.sizes, 1, 2, 1), 0.5]
    # the output neuron's bias (Playground hides it) is editable too; typed text is parsed
    with qtbot.waitSignal(w.paramEdited, timeout=1000) as sig:
        w.edit_param(2, s.sizes[2], 0, "−1,5")
    assert sig.args == [flat_index(s.sizes, 2, s.sizes[2], 0), -1.5]
    with qtbot.assertNotEmitted(w.paramEdited):
        assert w.edit_param(0, 0, 0, "abc") is None
        assert w.edit_param(0, 0, 0, "inf") is None
        assert w.edit_param(0, 5, 0, 1.0) is None  # no such row
    assert w.last_error


def test_parse_value_accepts_lecture_notation():
    assert parse_value(" −0.25 ") == -0.25
    assert parse_value("1e-3") == 0.001
    assert parse_value("0,5") == 0.5
    for bad in ("", "w", "nan", "1e999"):
        with pytest.raises(ValueError):
            parse_value(bad)


def test_network_click_on_link_opens_editor_and_enter_applies(qtbot):
    w = _show(qtbot, NetworkView)
    s = snap("circle")
    _draw(w, s)
    vp = w.canvas.viewport()
    qtbot.mouseClick(vp, Qt.MouseButton.LeftButton, pos=w.link_point(0, 1, 2).toPoint())
    assert w.editor.isVisible()
    assert w.editor.target == (0, 1, 2)
    assert "W0[1,2]" in w.editor.name.text()
    # bad text: an error is shown, nothing is emitted, the editor stays open
    w.editor.edit.setText("two")
    with qtbot.assertNotEmitted(w.paramEdited):
        qtbot.keyClick(w.editor.edit, Qt.Key.Key_Return)
    assert w.editor.isVisible() and w.editor.error.text()
    w.editor.edit.setText("0.25")
    with qtbot.waitSignal(w.paramEdited, timeout=1000) as sig:
        qtbot.keyClick(w.editor.edit, Qt.Key.Key_Return)
    assert sig.args == [flat_index(s.sizes, 0, 1, 2), 0.25]
    assert not w.editor.isVisible()
    # a bias square: row == fan_in
    qtbot.mouseClick(vp, Qt.MouseButton.LeftButton, pos=w.bias_center(1, 0).toPoint())
    assert w.editor.target == (1, s.sizes[1], 0)
    qtbot.keyClick(w.editor.edit, Qt.Key.Key_Escape)
    assert not w.editor.isVisible()


def test_network_ctrl_click_selects_link_for_the_loss_surface(qtbot):
    w = _show(qtbot, NetworkView)
    s = snap("circle")
    _draw(w, s)
    with qtbot.waitSignal(w.linkSelected, timeout=1000) as sig:
        qtbot.mouseClick(w.canvas.viewport(), Qt.MouseButton.LeftButton,
                         Qt.KeyboardModifier.ControlModifier,
                         w.link_point(1, 3, 1).toPoint())
    assert sig.args == [flat_index(s.sizes, 1, 3, 1)]
    assert not w.editor.isVisible()
    assert w.links[1].selected == {3 * s.sizes[2] + 1}


def test_network_hover_emits_neuron_and_clears(qtbot):
    w = _show(qtbot, NetworkView)
    _draw(w, snap("circle"))
    vp = w.canvas.viewport()
    with qtbot.waitSignal(w.neuronHovered, timeout=1000) as sig:
        qtbot.mouseMove(vp, w.tile_center(0, 3).toPoint())
    assert sig.args == [0, 3]
    assert w.tile(0, 3).hovered
    with qtbot.waitSignal(w.neuronHovered, timeout=1000) as sig:
        qtbot.mouseMove(vp, w.tile_center(-1, 1).toPoint())
    assert sig.args == [-1, 1]  # an input feature
    with qtbot.waitSignal(w.hoverCleared, timeout=1000):
        qtbot.mouseMove(vp, QPoint(3, 3))
    assert not w.tile(-1, 1).hovered


def test_network_link_tooltip_shows_name_value_and_gradient(qtbot):
    w = _show(qtbot, NetworkView)
    s = snap("circle")
    _draw(w, s)
    pos = w.canvas.mapToScene(w.link_point(0, 1, 2).toPoint())
    hit = w.hover_at(QPointF(pos), w.canvas.viewport().mapToGlobal(QPoint(10, 10)))
    assert hit == ("link", 0, 1, 2)
    text = QToolTip.text() or w._tooltip_text(hit)
    assert "W0[1,2]" in text and "gradient" in text
    value = float(s.weights[0][1, 2])
    assert f"{abs(value):.4f}" in text


def test_network_greys_out_dropped_units(qtbot):
    w = _show(qtbot, NetworkView)
    s = snap("all_features_dropout")
    _draw(w, s)
    for h, mask in enumerate(s.dropout_masks):
        assert mask is not None
        for example in (0, 1):
            w.set_highlight_example(example)
            dropped = [w.tile(h, u).dropped for u in range(s.sizes[h + 1])]
            assert dropped == [not bool(v) for v in mask[example]]
    assert any(w.tile(0, u).dropped for u in range(6)) or any(
        w.tile(1, u).dropped for u in range(3))


def test_network_scales_to_eight_layers_of_sixteen(qtbot):
    w = _show(qtbot, NetworkView)
    _draw(w, snap("spiral_deep"))
    sizes = [t.size for col in w.tiles for t in col]
    assert min(sizes) >= 14  # still a readable thumbnail at 1280×720
    tops = [t.y() for t in w.tiles[1]]
    assert max(tops) + sizes[0] <= w.canvas.viewport().height()  # everything fits
    # labels keep their size however many neurons there are
    _, label, _ = w._labels[0]
    assert label.font().pointSizeF() >= 11


# ------------------------------------------------------------------------ output ---------
def test_output_click_adds_a_point_at_data_coordinates(qtbot):
    w = _show(qtbot, OutputView)
    _draw(w, snap("circle"))
    w.add_combo.setCurrentIndex(1)  # class 1 (blue)
    pos = w.view_to_widget(2.0, -3.0).toPoint()
    with qtbot.waitSignal(w.pointAdded, timeout=1000) as sig:
        qtbot.mouseClick(w.glw.viewport(), Qt.MouseButton.LeftButton, pos=pos)
    x, y, k = sig.args
    assert abs(x - 2.0) < 0.1 and abs(y + 3.0) < 0.1 and k == 1
    w.add_combo.setCurrentIndex(w.add_combo.count() - 1)  # "nothing"
    with qtbot.assertNotEmitted(w.pointAdded):
        qtbot.mouseClick(w.glw.viewport(), Qt.MouseButton.LeftButton, pos=pos)


def test_output_kclass_combo_and_1d_click(qtbot):
    w = _show(qtbot, OutputView)
    _draw(w, snap("blobs"))
    assert [w.add_combo.itemData(i) for i in range(3)] == [0, 1, 2]
    _draw(w, snap("sine"))
    with qtbot.waitSignal(w.pointAdded, timeout=1000) as sig:
        assert w.add_point_at(0.5, 0.7)
    assert sig.args[:2] == [0.5, 0.7]
    assert not w.image.isVisible()
    assert len(w.fit_curve.xData) == len(snap("sine").grid.xs)


def test_output_show_neuron_changes_the_image_and_clear_restores(qtbot):
    w = _show(qtbot, OutputView)
    _draw(w, snap("circle"))
    out = w.image.image.copy()
    w.show_neuron(0, 1)
    assert not np.array_equal(out, w.image.image)
    assert w.caption.isVisible()
    _draw(w, snap("circle"))  # frames keep showing the neuron
    assert not np.array_equal(out, w.image.image)
    w.show_neuron(-1, 0)  # an input feature: x₁
    assert not np.array_equal(out, w.image.image)
    w.clear_neuron()
    assert np.array_equal(out, w.image.image)
    assert not w.caption.isVisible()


def test_output_discretize_and_show_test(qtbot):
    w = _show(qtbot, OutputView)
    _draw(w, snap("circle"))
    smooth = len(np.unique(w.image.image.reshape(-1, 4), axis=0))
    w.discretize_check.setChecked(True)
    hard = np.unique(w.image.image.reshape(-1, 4), axis=0)
    assert len(hard) <= 2 < smooth
    w.set_show_test(False)
    assert not w.test_points.isVisible() and not w.test_check.isChecked()
    w.test_check.setChecked(True)
    assert w.test_points.isVisible()


def test_output_regression_colours_points_by_value(qtbot):
    w = _show(qtbot, OutputView)
    s = snap("regression")
    _draw(w, s)
    y = s.dataset.y_train
    brushes = [p.brush().color().getRgb()[:3] for p in w.train_points.points()]
    hi, lo = int(np.argmax(y)), int(np.argmin(y))
    assert brushes[hi][2] > brushes[hi][0]  # most positive: blue
    assert brushes[lo][0] > brushes[lo][2]  # most negative: orange


# ------------------------------------------------------------------------ loss -----------
def _long_history(s, n: int):
    rng = np.random.default_rng(0)
    epoch = np.arange(n, dtype=float)
    loss = 1.0 / (1.0 + 0.001 * epoch) + 0.01 * rng.random(n)
    loss[123_456] = 5.0  # a spike that thinning must keep
    loss[-10:] = np.nan  # a diverged tail
    hist = {k: np.full((n, *v.shape[1:]), np.nan) for k, v in s.history.items()}
    hist.update(epoch=epoch, loss_train=loss, loss_test=loss * 1.1,
                acc_train=np.linspace(0.5, 1.0, n), acc_test=np.linspace(0.4, 0.9, n))
    return dataclasses.replace(s, history=hist, epoch=n - 1)


def test_loss_view_long_history_is_bounded(qtbot):
    w = _show(qtbot, LossView)
    s = _long_history(snap("circle"), 200_000)
    _draw(w, s)
    for key, curve in w.curves.items():
        n = 0 if curve.xData is None else len(curve.xData)
        assert n <= MAX_POINTS + 4, key
    assert w.point_count() <= 4 * (MAX_POINTS + 4)
    y = w.curves["loss_train"].yData
    assert np.all(np.isfinite(y))
    assert y.max() == 5.0  # the spike survived
    assert "train loss" in w._legend_names["loss_train"]


def test_thin_keeps_ends_and_drops_non_finite():
    x = np.arange(10_000, dtype=float)
    y = np.sin(x / 100)
    y[5] = np.nan
    tx, ty = thin(x, y, 500)
    assert len(tx) <= 504 and tx[0] == 0 and tx[-1] == 9_999
    assert np.all(np.isfinite(ty))
    assert np.all(np.diff(tx) > 0)
    sx, sy = thin(x[:100], y[:100], 500)
    assert len(sx) == 99  # short series: only the NaN dropped


def test_loss_view_log_scale_and_metric_axis(qtbot):
    w = _show(qtbot, LossView)
    _draw(w, snap("circle", 20))
    assert w.plot.getAxis("right").labelText in ("accuracy (%)", "acc %")
    acc = w.curves["metric_test"].yData
    assert acc.min() >= 0 and acc.max() <= 100
    w.log_check.setChecked(True)
    assert w.plot.getAxis("left").logMode
    assert np.all(np.isfinite(w.curves["loss_train"].yData))
    _draw(w, snap("empty_test"))
    xs = w.curves["loss_test"].xData
    assert xs is None or len(xs) == 0
    assert "test loss —" in w._legend_names["loss_test"]
    _draw(w, snap("regression"))
    assert w.plot.getAxis("right").labelText == "R²"


def test_loss_view_summary_shows_current_values(qtbot):
    w = _show(qtbot, LossView)
    s = snap("circle", 20)
    _draw(w, s)
    text = w.summary.text()
    assert f"epoch {s.epoch}" in text
    assert f"{s.history['loss_train'][-1]:.4f}" in text
    assert "%" in text


# ------------------------------------------------------------------------ palette --------
@pytest.mark.parametrize("cls", [NetworkView, OutputView, LossView])
def test_rendered_view_shows_orange_and_blue(qtbot, cls, tmp_path):
    w = _show(qtbot, cls)
    _draw(w, snap("circle", 30))
    qtbot.wait(5)
    path = tmp_path / f"view_{cls.panel_id}.png"
    assert w.grab().save(str(path))
    arr = _image(w)
    assert arr.shape[:2] == (SIZE[1], SIZE[0])
    assert len(np.unique(arr.reshape(-1, 3)[::5], axis=0)) > 20  # not blank
    assert _count_near(arr, theme.NEGATIVE) >= 30, "no orange"
    assert _count_near(arr, theme.POSITIVE) >= 30, "no blue"


def test_snapshots_in_this_module_are_what_they_claim():
    assert snap("diverged").diverged
    assert snap("no_hidden").sizes == (2, 1)
    assert snap("blobs").n_classes == 3 and snap("blobs").output == "softmax"
    assert snap("sine").grid.ys is None
    assert snap("empty_test").dataset.n_test == 0
    assert math.isnan(float(snap("nan").biases[0][0]))
