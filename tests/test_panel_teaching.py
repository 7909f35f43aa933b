"""Tests for the five teaching panels: activations, neurons, dropout, gradients, backprop.

Every panel must appear, follow training, and survive a diverged run (NaN/inf), empty
data, a network without hidden layers, a wide deep network (8 layers × 16 units) and
1-D data. Then each panel's lesson is checked with its own numbers.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt

from nnviz.app.panels.activation_panel import ActivationPanel, activation_panel_flat_regions
from nnviz.app.panels.backprop_panel import BackpropPanel, backprop_panel_fmt
from nnviz.app.panels.dropout_panel import DROPPED, KEPT, DropoutPanel
from nnviz.app.panels.gradient_panel import MAX_COLUMNS, GradientPanel, gradient_panel_thin_columns
from nnviz.app.panels.neurons_panel import NeuronsPanel, neurons_panel_pca
from nnviz.app.worker import protect_none_refcount
from nnviz.engine.activations import get_activation
from nnviz.engine.backprop_trace import worked_example
from nnviz.engine.config import ACTIVATIONS, Scenario
from nnviz.engine.snapshot import take_snapshot
from nnviz.engine.stats import SATURATION_SLOPE
from nnviz.engine.trainer import Trainer

protect_none_refcount()  # PySide6 6.12 on Python 3.11: see nnviz.app.worker

PANELS = (ActivationPanel, NeuronsPanel, DropoutPanel, GradientPanel, BackpropPanel)


# ---------------------------------------------------------------------- snapshots -----
def make_trainer(hidden=(8, 8), activation="tanh", dropout=0.0, dataset="circle", init=None, lr=None,
                 epochs=3) -> Trainer:
    sc = Scenario()
    sc.data.dataset = dataset
    sc.model.hidden = list(hidden)
    sc.model.activation = activation
    sc.training.dropout = dropout
    if init is not None:
        sc.model.init.name, sc.model.init.std = init
    if lr is not None:
        sc.training.optimizer.lr = lr
    t = Trainer(sc)
    t.train(epochs)
    return t


def snap_of(t: Trainer):
    return take_snapshot(t, with_layers=True)


def nan_snapshot(s, value=np.nan):
    """The snapshot with every array a view might draw replaced by NaN (or ``value``)."""
    def fill(a):
        return np.full(np.shape(a), value)

    def tup(x):
        return None if x is None else tuple(fill(a) for a in x)

    history = {k: (fill(v) if k.startswith(("layer_", "loss", "acc", "objective")) else v)
               for k, v in s.history.items()}
    return dataclasses.replace(
        s, status="diverged", message="diverged", weights=tup(s.weights), biases=tup(s.biases),
        grads_W=tup(s.grads_W), grads_b=tup(s.grads_b), theta=fill(s.theta), history=history,
        grid=None, layer_outputs=tup(s.layer_outputs), preactivations=tup(s.preactivations),
        batch_outputs=tup(s.batch_outputs), grid_lines=tup(s.grid_lines))


def empty_snapshot(s):
    """No rows anywhere: no training examples, no batch, no history."""
    def rows0(x):
        return None if x is None else tuple(np.empty((0,) + np.shape(a)[1:]) for a in x)

    history = {k: np.empty((0,) + np.shape(v)[1:]) for k, v in s.history.items()}
    return dataclasses.replace(
        s, history=history, layer_outputs=rows0(s.layer_outputs), preactivations=rows0(s.preactivations),
        batch_outputs=rows0(s.batch_outputs), grid_lines=None, grid_lines_input=None, grid=None,
        dropout_masks=tuple(None if m is None else np.empty((0, m.shape[1]), bool) for m in s.dropout_masks))


@pytest.fixture(scope="module")
def trained():
    """A dropout network and snapshots of it at two moments of training."""
    t = make_trainer(hidden=(8, 8), dropout=0.3, epochs=3)
    first = snap_of(t)
    t.train(20)
    return first, snap_of(t)


@pytest.fixture(scope="module")
def odd_snapshots(trained):
    """Snapshots every panel must survive."""
    out = {}
    t = make_trainer(dataset="reg-plane", lr=50.0, epochs=0)
    for _ in range(200):
        t.train(1)
        if t.status == "diverged":
            break
    assert t.status == "diverged"
    out["diverged"] = snap_of(t)
    out["nan"] = nan_snapshot(trained[1])
    out["inf"] = nan_snapshot(trained[1], np.inf)
    out["empty"] = empty_snapshot(trained[1])
    out["no_hidden"] = snap_of(make_trainer(hidden=(), epochs=2))
    out["untrained"] = snap_of(make_trainer(hidden=(4, 2), dropout=0.5, epochs=0))
    out["wide_deep"] = snap_of(make_trainer(hidden=(16,) * 8, activation="relu", dropout=0.2, epochs=2))
    out["one_d"] = snap_of(make_trainer(hidden=(3,), dataset="sine", epochs=2))
    out["one_unit"] = snap_of(make_trainer(hidden=(1,), epochs=2))
    out["no_layers_extra"] = take_snapshot(make_trainer(hidden=(4,), epochs=1), with_layers=False)
    return out


@pytest.fixture
def show(qtbot):
    def _show(cls, size=(1100, 700)):
        w = cls()
        qtbot.addWidget(w)
        w.resize(*size)
        w.show()
        qtbot.waitExposed(w)
        return w
    return _show


# ---------------------------------------------------------------------- all panels ----
@pytest.mark.parametrize("cls", PANELS, ids=lambda c: c.panel_id)
def test_panel_is_registered_and_appears(cls, show, trained):
    from nnviz.app.panel import PANELS as REGISTRY

    assert REGISTRY[cls.panel_id] is cls
    assert cls.title
    w = show(cls)
    w.set_snapshot(trained[1])
    assert w.isVisible()
    img = w.grab().toImage()
    assert img.width() >= 1000 and img.height() >= 600


@pytest.mark.parametrize("cls", PANELS, ids=lambda c: c.panel_id)
@pytest.mark.parametrize("kind", ["diverged", "nan", "inf", "empty", "no_hidden", "untrained", "wide_deep",
                                  "one_d", "one_unit", "no_layers_extra"])
def test_panel_survives(cls, kind, show, trained, odd_snapshots, qtbot):
    w = show(cls, (900, 600))
    w.set_snapshot(trained[1])
    w.set_snapshot(odd_snapshots[kind])
    qtbot.wait(1)
    w.grab()  # painting must not raise either
    w.set_snapshot(trained[1])  # and it recovers
    w.grab()


@pytest.mark.parametrize("tab", range(4))
def test_neurons_survive_in_every_tab(tab, show, trained, odd_snapshots):
    w = show(NeuronsPanel, (900, 600))
    w.set_tab(tab)
    for snap in (trained[1], *odd_snapshots.values(), trained[0]):
        w.set_snapshot(snap)
        w.grab()
    w.set_overlaid(True)
    w.set_tab(0)
    for snap in odd_snapshots.values():
        w.set_snapshot(snap)


def test_no_hidden_layers_is_said(show, odd_snapshots):
    s = odd_snapshots["no_hidden"]
    a = show(ActivationPanel)
    a.set_snapshot(s)
    assert "no hidden layers" in a.h_message.toPlainText()
    n = show(NeuronsPanel)
    n.set_snapshot(s)
    assert n.stack.currentWidget() is n.empty and "No hidden layers" in n.empty.text()
    d = show(DropoutPanel)
    d.set_snapshot(s)
    assert d.empty.isVisible() and "No hidden layers" in d.empty.text()


# ---------------------------------------------------------------------- activations ---
def test_activation_readout_is_g_and_its_slope(show, trained):
    w = show(ActivationPanel)
    w.set_snapshot(trained[1])
    for name in ACTIVATIONS:
        w.set_shown(name, True)
    for z in (-2.5, 0.3, 1.7):
        w.z_spin.setValue(z)  # typed value
        assert w.z == pytest.approx(z)
        values = w.readout_values()
        assert set(values) == set(ACTIVATIONS)
        for name, (g, d) in values.items():
            act = get_activation(name, trained[1].leaky_slope, trained[1].elu_alpha)
            assert g == pytest.approx(float(act(np.array([z]))[0]))
            assert d == pytest.approx(float(act.grad(np.array([z]))[0]))
        text = w.readout.text()
        sig = get_activation("sigmoid")
        assert f"{float(sig(np.array([z]))[0]):.4f}" in text
        assert f"{float(sig.grad(np.array([z]))[0]):.4f}" in text
        assert all(line.value() == pytest.approx(z) for line in w.z_lines)
    w.z_slider.setValue(-120)  # the slider moves the line too
    assert w.z == pytest.approx(-1.2)
    w.set_shown("relu", False)
    assert "relu" not in w.readout_values()
    assert not w.g_curves["relu"].isVisible()


def test_activation_curves_are_the_engine_functions(show, trained):
    w = show(ActivationPanel)
    w.set_snapshot(trained[1])
    x, y = w.d_curves["tanh"].getData()
    assert np.allclose(y, 1 - np.tanh(x) ** 2)
    x, y = w.g_curves["sigmoid"].getData()
    assert np.allclose(y, 1 / (1 + np.exp(-x)))


def test_activation_histogram_follows_training_and_shades_the_flat_tails(show, trained):
    first, later = trained
    w = show(ActivationPanel)
    w.set_snapshot(first)
    h1 = w.hist.getData()[1].copy()
    assert h1.sum() == pytest.approx(100.0)  # % of the layer's pre-activations
    w.set_snapshot(later)
    assert not np.allclose(h1, w.hist.getData()[1])
    # tanh layer: flat where |tanh z| > 0.97
    shades = [r for r in w.shades if r.isVisible()]
    assert len(shades) == 4  # two tails, in the g′ plot and in the histogram
    lo, hi = sorted(shades[0].getRegion())
    edge = math.atanh(0.97)
    assert hi == pytest.approx(-edge, abs=0.02)
    regions = activation_panel_flat_regions("sigmoid", 6.0)
    g = get_activation("sigmoid")
    inside = np.array([regions[0][1] - 0.05])
    assert float(g.grad(inside)[0]) < SATURATION_SLOPE * 0.25
    assert activation_panel_flat_regions("linear", 6.0) == []


def test_activation_saturation_equals_history(show):
    t = make_trainer(hidden=(6, 6, 4), activation="sigmoid", init=("normal", 3.0), epochs=2)
    s = snap_of(t)
    w = show(ActivationPanel)
    w.set_snapshot(s)
    expected = s.history["layer_saturation"][-1][:3]
    assert expected.max() > 0.1  # large weights: sigmoid units saturate
    assert np.allclose(w.saturation_values, expected)
    heights = w.sat_bars.opts["height"]
    assert np.allclose(heights, expected * 100)
    for v, text in zip(expected, w.sat_texts, strict=False):
        assert text.toPlainText().rstrip("%") in (f"{v * 100:.0f}", f"{v * 100:.1f}")


# ---------------------------------------------------------------------- neurons -------
def test_neurons_distributions_follow_training(show, trained):
    first, later = trained
    w = show(NeuronsPanel)
    w.set_tab("Distributions")
    w.set_snapshot(first)
    c1 = w.dist.counts.copy()
    assert c1.shape[0] == 8
    w.set_snapshot(later)
    assert not np.allclose(c1, w.dist.counts)
    mean, std, frac = w.dist.stats
    A = later.layer_outputs[0]
    assert np.allclose(mean, A.mean(axis=0))
    assert np.allclose(std, A.std(axis=0))
    assert np.allclose(frac, (np.abs(A) > 0.97).mean(axis=0))
    assert "μ" in w.dist.small[0][2].toPlainText()
    w.set_overlaid(True)
    assert len(w.dist.over_curves) == 8
    assert "sat" in w.dist.over_legend.items[0][1].text


def test_neurons_batch_heatmap_is_the_last_batch(show, trained):
    w = show(NeuronsPanel)
    w.set_tab("Batch heatmap")
    w.set_snapshot(trained[1])
    w.set_layer(1)
    assert np.array_equal(w.batch.values, trained[1].batch_outputs[1].T)
    assert w.batch.image.image.shape[:2] == (8, trained[1].batch_outputs[1].shape[0])


def test_neuron_maps_show_every_unit(show, trained):
    w = show(NeuronsPanel)
    w.set_tab("Neuron maps")
    w.set_snapshot(trained[1])
    assert len(w.maps.cells) == 8
    img = w.maps.cells[0][1].image
    assert img.shape[:2] == trained[1].grid.layers[0].shape[:2]


def test_hidden_space_two_units_and_pca(show):
    t = make_trainer(hidden=(6, 2), epochs=5)
    s = snap_of(t)
    w = show(NeuronsPanel)
    w.set_tab("Hidden space")
    w.set_snapshot(s)
    w.set_layer(1)  # two units: the points are the activations themselves
    assert w.space.mode == "units"
    assert np.allclose(w.space.coords, s.layer_outputs[1])
    x, y = w.space.lines["hid"][0].getData()
    assert np.allclose(x[:60], s.grid_lines[1][0, :, 0]) and np.allclose(y[:60], s.grid_lines[1][0, :, 1])
    w.set_layer(0)  # six units: PCA, labelled
    assert w.space.mode == "pca"
    assert "PC 1" in w.space.hid_plot.getAxis("bottom").labelText
    assert "PCA" in w.space.hid_plot.titleLabel.text
    before = w.space.coords.copy()
    t.train(10)
    w.set_snapshot(snap_of(t))
    assert not np.allclose(before, w.space.coords)


def test_pca_is_stable_and_explains_variance():
    rng = np.random.default_rng(0)
    A = rng.normal(size=(200, 5)) * np.array([5.0, 2.0, 0.1, 0.1, 0.1])
    mean, comps, ratios = neurons_panel_pca(A)
    assert abs(comps[0, 0]) > 0.99 and ratios[0] > ratios[1] > 0
    _, comps2, _ = neurons_panel_pca(A, previous=-comps)
    assert np.allclose(comps2, -comps)


# ---------------------------------------------------------------------- dropout -------
def test_dropout_mask_image_equals_the_snapshot_mask(show, trained):
    first, later = trained
    w = show(DropoutPanel)
    w.set_snapshot(first)
    m1 = {k: v.copy() for k, v in w.displayed_masks.items()}
    assert set(m1) == {0, 1}
    for layer in (0, 1):
        mask = first.dropout_masks[layer]
        assert np.array_equal(m1[layer], mask)
        img = w._plots[layer].image.image
        assert np.array_equal(img[mask][:, :3], np.tile(KEPT, (int(mask.sum()), 1)))
        assert np.array_equal(img[~mask][:, :3], np.tile(DROPPED, (int((~mask).sum()), 1)))
        frac, keep, scale = w.measured[layer]
        assert frac == pytest.approx(mask.mean()) and keep == pytest.approx(0.7)
        assert scale == pytest.approx(1 / 0.7)
    w.set_snapshot(later)  # refreshed every snapshot
    assert np.array_equal(w.displayed_masks[0], later.dropout_masks[0])
    assert not all(np.array_equal(m1[k], w.displayed_masks[k]) for k in m1)
    assert "×1.43" in w._plots[0].stats.text


def test_dropout_eval_mode_keeps_everything(show, trained):
    w = show(DropoutPanel)
    w.set_snapshot(trained[1])
    w.eval_button.click()
    assert w.eval_mode
    for layer, shown in w.displayed_masks.items():
        assert shown.all()
        assert not trained[1].dropout_masks[layer].all()
        img = w._plots[layer].image.image
        assert np.all(img[..., :3] == np.array(KEPT, dtype=np.uint8))
    assert "evaluation uses no mask" in w.note.text().lower()
    w.train_button.click()
    assert np.array_equal(w.displayed_masks[0], trained[1].dropout_masks[0])


def test_dropout_slider_applies_live(show, trained, qtbot):
    w = show(DropoutPanel)
    w.set_snapshot(trained[1])
    assert w.p == pytest.approx(0.3)  # follows the snapshot
    assert w.slider.maximum() * 0.05 == pytest.approx(0.9)
    with qtbot.waitSignal(w.command, timeout=1000) as blocker:
        w.set_p(0.5)
    assert blocker.args == ["set_live", ("dropout", 0.5)]
    with qtbot.waitSignal(w.command, timeout=1000) as blocker:
        w.slider.setValue(w.slider.maximum())  # keyboard / click on the groove
    assert blocker.args == ["set_live", ("dropout", 0.9)]
    assert "drop probability p" in [lab.text() for lab in w.findChildren(type(w.p_label))]
    w.set_snapshot(trained[1])  # a stale snapshot (still p = 0.3) does not pull the slider back
    assert w.p == pytest.approx(0.9)


def test_dropout_without_dropout_offers_the_slider(show, trained, qtbot):
    s = snap_of(make_trainer(hidden=(4,), dropout=0.0, epochs=1))
    w = show(DropoutPanel)
    w.set_snapshot(s)
    assert w.empty.isVisible() and "No layer uses dropout" in w.empty.text()
    assert w.slider.isEnabled() and w.slider.isVisible()
    with qtbot.waitSignal(w.command, timeout=1000) as blocker:
        w.set_p(0.2)
    assert blocker.args == ["set_live", ("dropout", 0.2)]


def test_dropout_row_click_highlights_an_example(show, trained, qtbot):
    w = show(DropoutPanel, (1000, 700))
    w.set_snapshot(trained[1])
    qtbot.wait(50)
    mp = w._plots[0]
    vb = mp.plot.getViewBox()
    scene_pt = vb.mapViewToScene(QPointF(2.5, 3.5))  # row 3 (0-based)
    view_pt = w.glw.mapFromScene(scene_pt)
    with qtbot.waitSignal(w.highlightExample, timeout=1000) as blocker:
        qtbot.mouseClick(w.glw.viewport(), Qt.MouseButton.LeftButton, pos=view_pt)
    assert blocker.args == [3]
    x, y = mp.highlight.getData()
    assert min(y) == 3 and max(y) == 4


# ---------------------------------------------------------------------- gradients -----
def test_gradient_heatmap_is_log_with_a_row_per_layer(show, trained):
    first, later = trained
    w = show(GradientPanel)
    w.set_snapshot(first)
    shape1 = w.heat_values.shape
    w.set_snapshot(later)
    gn = later.history["layer_grad_norm"]
    assert w.heat_values.shape == (3, gn.shape[0]) != shape1  # layers × epochs
    assert np.allclose(w.heat_values, np.log10(gn).T)
    assert w.heat_image.image.shape[:2] == (3, gn.shape[0])
    assert w.layer_axis.names == ["layer 1 (input side)", "layer 2", "output"]
    assert np.allclose(w.bar_values["grad_norm"], gn[-1])
    x0 = np.asarray(w.grad_bars.opts["x0"])
    width = np.asarray(w.grad_bars.opts["width"])
    assert np.allclose(x0 + width, np.log10(gn[-1]))  # bars on a log axis
    x, y = w.ratio_curves[0].getData()
    ur = later.history["layer_update_ratio"][:, 0]
    assert np.allclose(y, ur[np.isfinite(ur)])
    assert w.ref_line.value() == -3


def test_gradient_heatmap_thins_long_histories(show, trained):
    s = trained[1]
    T = 5000
    rng = np.random.default_rng(1)
    history = dict(s.history)
    history["epoch"] = np.arange(T, dtype=float)
    for k in ("layer_grad_norm", "layer_delta_mean_abs", "layer_update_ratio"):
        history[k] = 10 ** rng.uniform(-6, 0, size=(T, 3))
    w = show(GradientPanel)
    w.set_snapshot(dataclasses.replace(s, history=history))
    assert w.heat_values.shape[0] == 3 and w.heat_values.shape[1] <= MAX_COLUMNS
    means, centres = gradient_panel_thin_columns(np.log10(history["layer_grad_norm"]))
    assert np.allclose(w.heat_values, means.T) and centres[-1] <= T - 1


def test_deep_sigmoid_gradient_vanishes_in_the_bars(show):
    t = make_trainer(hidden=(8,) * 10, activation="sigmoid", init=("normal", 0.1), epochs=1)
    w = show(GradientPanel)
    w.set_snapshot(snap_of(t))
    g = w.bar_values["grad_norm"]
    assert len(g) == 11
    assert g[0] / g[-1] < 1e-3
    ends = np.asarray(w.grad_bars.opts["x0"]) + np.asarray(w.grad_bars.opts["width"])
    assert 10 ** (ends[0] - ends[-1]) < 1e-3  # what the bars show, not just the data
    assert "vanishing" in w.headline.text()
    w.delta_check.setChecked(False)
    assert len(w.delta_bars.opts["x0"]) == 0


# ---------------------------------------------------------------------- backprop ------
def test_backprop_worked_example_numbers(show):
    w = show(BackpropPanel)
    assert w.stage == 0
    w.forward()
    text = w.equation_text()
    for number in ("0.0260", "0.5065", "0.0410", "0.5102", "0.3814", "0.5942"):
        assert number in text
    assert "0.026" in text
    w.forward()
    assert w.stage == 2
    assert "0.1221" in w.equation_text() and "0.4942" in w.equation_text()
    assert "cut them to 2" in w.note.text()


def test_backprop_stepping_walks_every_weight(show):
    w = show(BackpropPanel)
    ref = worked_example()
    w.next_weight()  # straight to the first weight: the output layer's w5
    assert w.stage == 3
    cur = w.current_weight()
    assert cur.name == "w(h1→o1)" and "w5" in w.step_label.text()
    text = w.equation_text()
    g = ref.weight("w(h1→o1)")
    for v in (g.factors[0].dE_dout, g.factors[0].dout_dnet, g.factors[0].dnet_dw, g.gradient, g.new_value):
        assert backprop_panel_fmt(v) in text
    seen = [cur.name]
    while w.stage < w.update_stage:
        w.next_weight()
        if w.current_weight() is not None:
            seen.append(w.current_weight().name)
    assert len(seen) == 6 and len(set(seen)) == 6
    assert seen[:2] == ["w(h1→o1)", "w(h2→o1)"]  # backwards: the output layer first
    w.back()
    assert w.stage == w.update_stage - 1
    w.reset()
    assert w.stage == 0 and not w.back_button.isEnabled()


def test_backprop_editing_a_weight_changes_the_gradient(show):
    w = show(BackpropPanel)
    w.set_stage(3)
    before = w.trace.weight("w(h1→o1)").gradient
    text_before = w.equation_text()
    assert w.set_value("w(h1→o1)", "0.9")
    after = w.trace.weight("w(h1→o1)").gradient
    assert after != pytest.approx(before)
    assert w.equation_text() != text_before and backprop_panel_fmt(after) in w.equation_text()
    assert w.model.weights[1][0, 0] == 0.9
    assert w.set_value("x1", -1.5) and w.trace.examples[0].x[0] == -1.5
    assert w.set_value("t1", 0.8) and w.trace.examples[0].target[0] == 0.8
    assert w.set_value("lr", 0.1) and w.trace.lr == 0.1
    assert not w.set_value("w(x1→h1)", "abc")  # rejected, trace kept
    assert w.trace.weight("w(x1→h1)").value == pytest.approx(0.14)


def test_backprop_one_update_lowers_the_error(show):
    w = show(BackpropPanel)
    w.set_stage(w.update_stage)
    t = w.trace
    assert t.error_after < t.error
    assert "went down by" in w.equation_text()
    w.take_step()
    assert w.trace.error == pytest.approx(t.error_after)
    assert w.trace.weight("w(h1→o1)").value == pytest.approx(t.weight("w(h1→o1)").new_value)
    assert w.stage == 1


def test_backprop_uses_a_small_current_network_only(show, trained):
    w = show(BackpropPanel)
    assert not w.use_current_network()  # no snapshot yet
    w.set_snapshot(trained[1])
    assert not w.use_current_network()
    assert "at most 12" in w.status
    t = make_trainer(hidden=(2,), epochs=2)
    s = snap_of(t)
    w.set_snapshot(s)
    assert w.use_current_network()
    assert w.trace.sizes == (2, 2, 1)
    assert np.allclose(w.model.weights[0], s.weights[0])
    assert len(w.trace.weights) == 9  # 6 weights + 3 biases
    assert "b(o1)" in w.editors
    g1 = w.trace.weight("w(h1→o1)").gradient
    t.train(20)
    w.set_snapshot(snap_of(t))
    w.use_current_network()
    assert w.trace.weight("w(h1→o1)").gradient != pytest.approx(g1)
    w.set_snapshot(nan_snapshot(s))
    assert not w.use_current_network() and "diverged" in w.status
    w.load_worked_example()
    assert w.trace.weight("w(h1→o1)").value == pytest.approx(0.35)


def test_backprop_current_network_keeps_the_penalty(show):
    sc = Scenario()
    sc.model.hidden = [2]
    sc.training.l2 = 0.1
    t = Trainer(sc)
    t.train(1)
    w = show(BackpropPanel)
    w.set_snapshot(snap_of(t))
    assert w.use_current_network()
    wt = w.trace.weight("w(h1→o1)")
    assert wt.penalty_gradient == pytest.approx(0.1 * wt.value)
    w.set_stage(3)
    assert "regularisation" in w.equation_text()
