"""The Trainer: reproducibility, divergence, batching, live changes, freezing, early
stopping, Newton, dropout, trajectories, the grid pass, statistics and the lectures'
worked backprop example."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest

from nnviz.data import Dataset, transform_features
from nnviz.engine import DIVERGED, READY, STOPPED_EARLY, EngineError, Trainer, functional
from nnviz.engine.config import (
    DataConfig,
    EarlyStoppingConfig,
    FreezeConfig,
    InitConfig,
    LayerParams,
    ModelConfig,
    OptimizerConfig,
    Scenario,
    ScheduleConfig,
    TrainingConfig,
)
from nnviz.engine.trajectory import TrajectoryRecorder


def scenario(dataset="circle", n=60, noise=0.0, features=None, hidden=(4, 2), activation="tanh",
             output="auto", loss="auto", init=None, optimizer=None, **training) -> Scenario:
    return Scenario(
        data=DataConfig(dataset=dataset, n=n, noise=noise, features=features),
        model=ModelConfig(hidden=list(hidden), activation=activation, output=output, loss=loss,
                          init=init or InitConfig()),
        training=TrainingConfig(optimizer=optimizer or OptimizerConfig(), **training),
    )


def hand_dataset(X, y, task="regression", n_classes=0, X_test=None, y_test=None) -> Dataset:
    X = np.asarray(X, dtype=float)
    X_test = X if X_test is None else np.asarray(X_test, dtype=float)
    y_test = y if y_test is None else y_test
    return Dataset(
        name="hand", task=task, n_classes=n_classes, input_dim=X.shape[1],
        points_train=X, points_test=X_test, y_train=y, y_test=y_test,
        features=("x1", "x2")[: X.shape[1]], X_train=X, X_test=X_test,
        extent=(-3.0, 3.0, -3.0, 3.0),
    )


def regression_data(n=23, seed=0) -> Dataset:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 2))
    y = X @ np.array([0.7, -1.2]) + 0.3 + 0.1 * rng.normal(size=n)
    return hand_dataset(X, y)


def manual_sgd_step(tr: Trainer, rows: slice, lr: float) -> np.ndarray:
    """theta after one plain SGD step on the mean gradient of the given training rows."""
    X, T = tr.dataset.X_train[rows], tr.T_train[rows]
    _, g = functional.loss_and_grad_batched(tr.net, tr.net.theta[None], X, T)
    return tr.net.theta - lr * g[0]


# ---------------------------------------------------------------------- reproducibility
def test_same_scenario_and_seed_reproduce_bit_for_bit():
    sc = scenario(dataset="spiral", n=80, noise=0.2, dropout=0.2, epochs=4, seed=5,
                  optimizer=OptimizerConfig(name="adam", lr=0.01))
    a, b = Trainer(sc), Trainer(sc)
    a.train(4)
    b.train(4)
    np.testing.assert_array_equal(a.net.theta, b.net.theta)
    np.testing.assert_array_equal(a.initial_theta, b.initial_theta)
    np.testing.assert_array_equal(a.dataset.X_train, b.dataset.X_train)
    np.testing.assert_array_equal(a.dataset.y_test, b.dataset.y_test)
    assert [h.loss_train for h in a.history] == [h.loss_train for h in b.history]
    assert [h.loss_test for h in a.history] == [h.loss_test for h in b.history]
    np.testing.assert_array_equal(a.trajectory.points, b.trajectory.points)

    sc.training.seed = 6  # another training seed: other weights, same data
    c = Trainer(sc)
    c.train(4)
    assert not np.array_equal(a.initial_theta, c.initial_theta)
    assert not np.array_equal(a.net.theta, c.net.theta)
    np.testing.assert_array_equal(a.dataset.X_train, c.dataset.X_train)
    sc.data.seed = 1  # another data seed: other points
    assert not np.array_equal(Trainer(sc).dataset.X_train, a.dataset.X_train)


def test_dropout_rate_does_not_change_the_shuffle_order_or_initial_weights():
    sc = scenario(n=40, dropout=0.0)
    a = Trainer(sc)
    sc.training.dropout = 0.5
    b = Trainer(sc)
    np.testing.assert_array_equal(a.initial_theta, b.initial_theta)
    a.step_batch()
    b.step_batch()
    np.testing.assert_array_equal(a._perm, b._perm)


# --------------------------------------------------------------------------- divergence
@pytest.mark.parametrize("activation", ["tanh", "relu"])
def test_divergence_is_caught_and_training_stops_quietly(activation):
    tr = Trainer(scenario(dataset="reg-plane", n=100, hidden=[8], activation=activation,
                          optimizer=OptimizerConfig(lr=1e6)))
    tr.train(20)
    assert tr.status == DIVERGED and not tr.can_train
    assert "smaller learning rate" in tr.message
    match = re.search(r"epoch (\d+)", tr.message)
    assert match and int(match.group(1)) in (tr.epoch, tr.epoch + 1)
    assert tr.epoch < 20
    assert np.all(np.isfinite(tr.net.theta))
    assert np.all(np.isfinite(tr.trajectory.points))

    # nothing happens afterwards, and nothing raises
    theta, step, epoch, n_hist = tr.net.theta.copy(), tr.step, tr.epoch, len(tr.history)
    assert tr.step_batch() is False
    assert tr.run_epoch() is None
    tr.train(5)
    np.testing.assert_array_equal(tr.net.theta, theta)
    assert (tr.step, tr.epoch, len(tr.history), tr.status) == (step, epoch, n_hist, DIVERGED)
    tr.evaluate()
    tr.grid_outputs(10)
    tr.predict(tr.dataset.X_test)

    # a new start with a sensible learning rate trains again
    tr.set_lr(0.01)
    tr.set_params(tr.initial_theta)
    assert tr.status == READY
    assert tr.run_epoch() is not None and tr.epoch == epoch + 1


def test_set_lr_refuses_nonsense():
    tr = Trainer(scenario(n=20))
    for bad in (0.0, -1.0, math.inf, math.nan):
        with pytest.raises(EngineError, match="learning rate"):
            tr.set_lr(bad)


# ------------------------------------------------------------------------------ batches
def test_last_partial_batch_is_used_and_averaged_over_its_own_size():
    ds = regression_data(n=23)  # 23 = 3 * 6 + 5
    sc = scenario(hidden=[3], batch_size=6, shuffle=False, optimizer=OptimizerConfig(lr=0.1))
    tr = Trainer(sc, ds)
    assert tr.n_train == 23 and tr.batch_size == 6
    assert [tr.step_batch() for _ in range(3)] == [False, False, False]
    expected = manual_sgd_step(tr, slice(18, 23), 0.1)
    assert tr.step_batch() is True  # the 5-example remainder ends the epoch
    np.testing.assert_allclose(tr.net.theta, expected, rtol=1e-12, atol=1e-14)
    assert (tr.step, tr.epoch, len(tr.history)) == (4, 1, 1)

    tr.train(3)
    assert tr.step == 4 * math.ceil(23 / 6)
    tr.set_batch_size(10)
    tr.run_epoch()
    assert tr.step == 16 + 3  # ceil(23 / 10)


def test_full_batch_and_oversized_batches_are_one_step_per_epoch():
    ds = regression_data(n=23)
    for b in ("full", 23, 1000):
        tr = Trainer(scenario(hidden=[3], batch_size=b, shuffle=False), ds)
        expected = manual_sgd_step(tr, slice(0, 23), tr.lr)
        tr.run_epoch()
        assert tr.step == 1
        np.testing.assert_allclose(tr.net.theta, expected, rtol=1e-12, atol=1e-14)


def test_shuffle_off_keeps_the_data_order():
    ds = regression_data(n=20)
    tr = Trainer(scenario(hidden=[3], batch_size=5, shuffle=False, optimizer=OptimizerConfig(lr=0.05)), ds)
    for k in range(4):
        expected = manual_sgd_step(tr, slice(5 * k, 5 * k + 5), 0.05)
        tr.step_batch()
        np.testing.assert_allclose(tr.net.theta, expected, rtol=1e-12, atol=1e-14)
    # the second epoch is in the same order again
    expected = manual_sgd_step(tr, slice(0, 5), 0.05)
    tr.step_batch()
    np.testing.assert_allclose(tr.net.theta, expected, rtol=1e-12, atol=1e-14)


def test_shuffle_on_reorders_every_epoch():
    ds = regression_data(n=20)
    tr = Trainer(scenario(hidden=[3], batch_size=5, shuffle=True, optimizer=OptimizerConfig(lr=0.05)), ds)
    in_order = manual_sgd_step(tr, slice(0, 5), 0.05)
    tr.step_batch()
    perm1 = tr._perm.copy()
    assert sorted(perm1.tolist()) == list(range(20)) and perm1.tolist() != list(range(20))
    assert not np.allclose(tr.net.theta, in_order)
    tr.run_epoch()
    tr.step_batch()
    assert tr._perm.tolist() != perm1.tolist()


def test_schedule_sets_the_learning_rate_of_each_epoch():
    ds = regression_data(n=10)
    sched = ScheduleConfig(name="step", step_size=1, gamma=0.5)
    tr = Trainer(scenario(hidden=[], batch_size="full", shuffle=False, schedule=sched,
                          optimizer=OptimizerConfig(lr=0.2)), ds)
    for epoch in range(3):
        assert tr.lr == pytest.approx(0.2 * 0.5**epoch)
        expected = manual_sgd_step(tr, slice(0, 10), 0.2 * 0.5**epoch)
        tr.run_epoch()
        np.testing.assert_allclose(tr.net.theta, expected, rtol=1e-12, atol=1e-14)


# ------------------------------------------------------------------------ live changes
def _state(tr: Trainer) -> dict[str, np.ndarray]:
    return {k: v.copy() for k, v in tr.optimizer.state_arrays().items()}


@pytest.mark.parametrize(
    "change",
    [
        lambda tr: tr.set_lr(0.5),
        lambda tr: tr.set_optimizer_params(momentum=0.3),
        lambda tr: tr.set_regularisation(l1=0.01, l2=0.02),
        lambda tr: tr.set_dropout(0.3),
        lambda tr: tr.set_dropout([0.2, 0.0]),
        lambda tr: tr.set_batch_size(7),
        lambda tr: tr.set_batch_size("full"),
        lambda tr: tr.set_shuffle(False),
        lambda tr: tr.set_schedule(ScheduleConfig(name="exponential", gamma=0.9)),
    ],
    ids=["lr", "momentum", "regularisation", "dropout", "dropout-list", "batch", "batch-full",
         "shuffle", "schedule"],
)
def test_live_changes_keep_weights_and_optimizer_state(change):
    tr = Trainer(scenario(n=60, batch_size=10, optimizer=OptimizerConfig(momentum=0.9)))
    for _ in range(4):
        tr.step_batch()
    theta, state, opt, step, epoch = tr.net.theta.copy(), _state(tr), tr.optimizer, tr.step, tr.epoch
    assert np.any(state["s_momentum_buffer"] != 0)
    change(tr)
    np.testing.assert_array_equal(tr.net.theta, theta)
    assert tr.optimizer is opt and opt.t == 4
    for k, v in state.items():
        np.testing.assert_array_equal(tr.optimizer.state_arrays()[k], v)
    assert (tr.step, tr.epoch, tr.status) == (step, epoch, READY)
    assert tr.run_epoch() is not None  # and training goes on


def test_live_momentum_and_lr_change_continue_the_old_buffer():
    ds = regression_data(n=20)
    tr = Trainer(scenario(hidden=[3], batch_size=5, shuffle=False,
                          optimizer=OptimizerConfig(lr=0.05, momentum=0.9)), ds)
    tr.step_batch()
    tr.step_batch()
    buf = tr.optimizer.s_momentum_buffer.copy()
    tr.set_optimizer_params(momentum=0.5)
    tr.set_lr(0.2)
    theta = tr.net.theta.copy()
    tr.step_batch()
    new_buf = 0.5 * buf + tr.grad
    np.testing.assert_allclose(tr.optimizer.s_momentum_buffer, new_buf, rtol=1e-13)
    np.testing.assert_allclose(tr.net.theta, theta - 0.2 * new_buf, rtol=1e-13, atol=1e-15)
    assert tr.scenario.training.optimizer.momentum == 0.5


def test_live_adam_betas_keep_the_moments():
    tr = Trainer(scenario(n=40, optimizer=OptimizerConfig(name="adam", lr=0.01)))
    tr.step_batch()
    m, v = tr.optimizer.s_exp_avg.copy(), tr.optimizer.s_exp_avg_sq.copy()
    tr.set_optimizer_params(beta1=0.5, beta2=0.9)
    np.testing.assert_array_equal(tr.optimizer.s_exp_avg, m)
    tr.step_batch()
    assert tr.optimizer.t == 2
    np.testing.assert_allclose(tr.optimizer.s_exp_avg, 0.5 * m + 0.5 * tr.grad, rtol=1e-13, atol=1e-18)
    np.testing.assert_allclose(tr.optimizer.s_exp_avg_sq, 0.9 * v + 0.1 * tr.grad**2, rtol=1e-13, atol=1e-18)


def test_a_refused_live_change_leaves_the_optimizer_as_it_was():
    """Nesterov with momentum 0 is refused; the running optimiser must keep momentum 0.9."""
    tr = Trainer(scenario(n=40, optimizer=OptimizerConfig(momentum=0.9)))
    tr.step_batch()
    with pytest.raises(EngineError, match="Nesterov"):
        tr.set_optimizer_params(nesterov=True, momentum=0.0)
    assert tr.scenario.training.optimizer.momentum == 0.9
    assert (tr.optimizer.momentum, tr.optimizer.nesterov) == (0.9, False)


def test_set_optimizer_switches_with_fresh_state_and_kept_weights():
    tr = Trainer(scenario(n=40, optimizer=OptimizerConfig(momentum=0.9)))
    tr.step_batch()
    theta = tr.net.theta.copy()
    tr.set_optimizer("adam", lr=0.01)
    assert tr.optimizer.name == "adam" and tr.optimizer.t == 0
    np.testing.assert_array_equal(tr.net.theta, theta)
    with pytest.raises(EngineError, match="unknown optimizer"):
        tr.set_optimizer("lbfgs")
    assert tr.optimizer.name == "adam"


def test_reset_gives_the_same_initial_weights():
    sc = scenario(n=40, init=InitConfig(name="he_normal", bias=0.1))
    tr = Trainer(sc)
    first = tr.net.theta.copy()
    np.testing.assert_array_equal(first, tr.initial_theta)
    tr.train(3)
    assert not np.array_equal(tr.net.theta, first)
    tr.reset()
    np.testing.assert_array_equal(tr.net.theta, first)
    assert (tr.epoch, tr.step, tr.history, tr.status, len(tr.trajectory)) == (0, 0, [], READY, 1)
    np.testing.assert_array_equal(Trainer(sc).net.theta, first)
    assert np.all(tr.net.b(0) == 0.1)


# ---------------------------------------------------------------------- initial params
def test_initial_params_and_gate():
    sc = scenario(dataset="gate-and", n=None, hidden=[], output="sigmoid", loss="bce")
    sc.model.initial_params = [LayerParams(layer=0, W=[[20.0], [20.0]], b=[-30.0])]
    tr = Trainer(sc)
    np.testing.assert_array_equal(tr.net.W(0), [[20.0], [20.0]])
    np.testing.assert_array_equal(tr.net.b(0), [-30.0])
    X = tr.dataset.X_train
    np.testing.assert_array_equal(X, [[0, 0], [0, 1], [1, 0], [1, 1]])
    out = tr.predict(X)[:, 0]
    np.testing.assert_allclose(out, 1 / (1 + np.exp(-np.array([-30.0, -10.0, -10.0, 10.0]))), rtol=1e-12)
    np.testing.assert_array_equal(tr.net.head.predict_class(tr.predict(X)), [0, 0, 0, 1])
    assert tr.initial_stats.acc_train == 1.0


@pytest.mark.parametrize(
    "params, hidden, pattern",
    [
        ([LayerParams(layer=0, W=[[1.0], [2.0], [3.0]])], [],
         r"layer 0 W has shape \(3, 1\), expected \(2, 1\)"),
        ([LayerParams(layer=0, b=[1.0, 2.0])], [], r"layer 0 b has 2 values, expected 1"),
        ([LayerParams(layer=1, W=[[1.0, 2.0]])], [2], r"layer 1 W has shape \(1, 2\), expected \(2, 1\)"),
        ([LayerParams(layer=3, b=[0.0])], [2], r"layer 3 does not exist"),
        ([LayerParams(layer=-1, b=[0.0])], [2], r"layer -1 does not exist"),
    ],
)
def test_initial_params_shape_errors_name_the_layer(params, hidden, pattern):
    sc = scenario(dataset="gate-and", n=None, hidden=hidden)
    sc.model.initial_params = params
    with pytest.raises(EngineError, match=pattern):
        Trainer(sc)


# ------------------------------------------------------------------------------ freeze
def test_frozen_biases_stay_put():
    sc = scenario(n=60, init=InitConfig(bias=0.3), optimizer=OptimizerConfig(name="adam", lr=0.05), l2=0.01)
    sc.model.freeze = FreezeConfig(biases=True)
    tr = Trainer(sc)
    tr.train(3)
    for layer in range(tr.net.n_layers):
        np.testing.assert_array_equal(tr.net.b(layer), 0.3)
        assert not np.array_equal(tr.net.W(layer), Trainer(sc).net.W(layer))


def test_frozen_layer_and_frozen_weights():
    sc = scenario(n=60, optimizer=OptimizerConfig(lr=0.1, momentum=0.9), l1=0.01, l2=0.01,
                  init=InitConfig(bias=0.2))
    sc.model.freeze = FreezeConfig(layers=[0], weights=[2])
    tr = Trainer(sc)
    W0, b0, W1, W2, b2 = (tr.net.W(0).copy(), tr.net.b(0).copy(), tr.net.W(1).copy(),
                          tr.net.W(2).copy(), tr.net.b(2).copy())
    tr.train(3)
    np.testing.assert_array_equal(tr.net.W(0), W0)
    np.testing.assert_array_equal(tr.net.b(0), b0)
    np.testing.assert_array_equal(tr.net.W(2), W2)
    assert not np.array_equal(tr.net.b(2), b2)
    assert not np.array_equal(tr.net.W(1), W1)


def test_newton_respects_frozen_biases():
    sc = scenario(n=40, hidden=[2], optimizer=OptimizerConfig(name="newton", lr=0.5, damping=0.1),
                  batch_size="full", init=InitConfig(bias=0.1))
    sc.model.freeze = FreezeConfig(biases=True)
    tr = Trainer(sc)
    tr.train(2)
    assert tr.status == READY
    for layer in range(2):
        np.testing.assert_array_equal(tr.net.b(layer), 0.1)
    assert not np.array_equal(tr.net.theta, tr.initial_theta)


# ---------------------------------------------------------------------- early stopping
def test_early_stopping_restores_the_best_epoch():
    sc = scenario(dataset="xor", n=100, noise=0.5, hidden=[32, 32], activation="relu",
                  optimizer=OptimizerConfig(name="adam", lr=0.01),
                  early_stopping=EarlyStoppingConfig(enabled=True, patience=3))
    tr = Trainer(sc)
    thetas = []
    tr.train(300, callback=lambda stats: thetas.append(tr.net.theta.copy()))
    assert tr.status == STOPPED_EARLY and not tr.can_train
    assert tr.epoch < 300
    losses = [h.loss_test for h in tr.history]
    best = int(np.argmin(losses)) + 1  # epochs count from 1
    assert tr.epoch == best + 3
    np.testing.assert_array_equal(tr.net.theta, thetas[best - 1])
    assert "Early stopping" in tr.message and f"best weights (epoch {best})" in tr.message
    assert tr.run_epoch() is None and tr.step_batch() is False


# ------------------------------------------------------------------------------ Newton
def test_newton_fits_a_small_logistic_regression():
    sc = scenario(dataset="circle", n=80, hidden=[], init=InitConfig(name="zeros"), batch_size="full",
                  optimizer=OptimizerConfig(name="newton", lr=1.0))
    tr = Trainer(sc)
    assert (tr.net.head.output, tr.net.n_params) == ("sigmoid", 3)
    start = tr.initial_stats.loss_train
    tr.train(6)
    assert tr.status == READY
    assert tr.history[-1].loss_train < start
    assert np.linalg.norm(tr.full_grad) < 1e-10  # quadratic convergence to the optimum
    # the same problem by plain gradient descent is still far from it
    sc.training.optimizer = OptimizerConfig(name="sgd", lr=0.1)
    gd = Trainer(sc)
    gd.train(6)
    assert np.linalg.norm(gd.full_grad) > 1e-6


def test_newton_is_refused_for_big_networks():
    big = scenario(n=40, hidden=[32, 32], optimizer=OptimizerConfig(name="newton"))
    with pytest.raises(EngineError, match=str(functional.MAX_NEWTON_PARAMS)):
        Trainer(big)
    big.training.optimizer = OptimizerConfig(name="sgd")
    tr = Trainer(big)
    assert tr.net.n_params > functional.MAX_NEWTON_PARAMS
    with pytest.raises(EngineError, match="Newton"):
        tr.set_optimizer("newton")
    assert tr.optimizer.name == "sgd" and tr.scenario.training.optimizer.name == "sgd"


# ----------------------------------------------------------------------------- dropout
def test_evaluation_uses_no_dropout():
    sc = scenario(n=60, hidden=[16, 8], dropout=0.5, batch_size=10)
    tr = Trainer(sc)
    tr.train(2)
    sc.training.dropout = 0.0
    plain = Trainer(sc)
    plain.set_params(tr.net.theta)
    a, b = tr.evaluate(), tr.evaluate()
    assert (a.loss_train, a.loss_test) == (b.loss_train, b.loss_test)
    assert a.loss_train == plain.evaluate().loss_train
    assert a.loss_train == pytest.approx(
        float(functional.loss_batched(tr.net, tr.net.theta, tr.dataset.X_train, tr.T_train)[0]), rel=1e-12
    )
    X = tr.dataset.X_test
    np.testing.assert_array_equal(tr.predict(X), tr.predict(X))
    np.testing.assert_array_equal(tr.predict(X), plain.predict(X))
    np.testing.assert_array_equal(tr.grid_outputs(12).output, plain.grid_outputs(12).output)
    np.testing.assert_array_equal(tr.layer_outputs()[0], plain.layer_outputs()[0])


def test_training_masks_drop_about_p_and_scale_kept_units():
    p = 0.3
    tr = Trainer(scenario(n=100, hidden=[200, 5], dropout=[p, 0.0], batch_size=50))
    tr.step_batch()
    ws = tr._ws_last
    mask = ws.masks[0]
    assert mask.shape == (200, 50) and ws.masks[1] is None
    kept = mask > 0
    np.testing.assert_array_equal(mask[kept], 1.0 / (1.0 - p))
    assert abs(kept.mean() - (1 - p)) < 0.03
    # the layer's output is the activation times the mask
    np.testing.assert_array_equal(ws.a_aug[1][:-1], ws.h[0] * mask)
    masks = tr.dropout_masks
    assert masks[0].dtype == bool and masks[0].shape == (50, 200) and masks[1] is None
    np.testing.assert_array_equal(masks[0], kept.T)
    first = masks[0].copy()
    tr.step_batch()
    assert not np.array_equal(tr.dropout_masks[0], first)  # fresh masks every step


def test_dropout_masks_before_training_and_set_dropout_validation():
    tr = Trainer(scenario(n=40, hidden=[4, 3]))
    assert tr.dropout_masks == [None, None]
    tr.step_batch()
    assert tr.dropout_masks == [None, None]
    for bad in (1.0, -0.1, [0.2, 1.5]):
        with pytest.raises(EngineError, match="dropout"):
            tr.set_dropout(bad)
    tr.set_dropout(0.5)
    tr.step_batch()
    assert [m.shape for m in tr.dropout_masks] == [(10, 4), (10, 3)]


# -------------------------------------------------------------------------- trajectory
def test_trajectory_stays_bounded_and_evenly_spaced():
    sc = scenario(n=40, hidden=[3], batch_size=1, trajectory_capacity=20)
    tr = Trainer(sc)
    assert tr.n_train == 20
    tr.train(25)
    assert tr.step == 500
    steps, points = tr.trajectory.steps, tr.trajectory.points
    assert 10 <= len(steps) <= 20 and points.shape == (len(steps), tr.net.n_params)
    assert steps[0] == 0
    gaps = np.diff(steps)
    assert np.all(gaps == gaps[0]) and gaps[0] > 1
    assert steps[-1] > 500 - gaps[0] - 1
    np.testing.assert_array_equal(points[0], tr.initial_theta)
    if steps[-1] == 500:
        np.testing.assert_array_equal(points[-1], tr.net.theta)


def test_trajectory_recorder_directly():
    rec = TrajectoryRecorder(2, every=1, capacity=20)
    for step in range(501):
        rec.offer(step, np.array([step, -step], dtype=float))
    assert len(rec) <= 20
    np.testing.assert_array_equal(rec.points[:, 0], rec.steps)
    np.testing.assert_array_equal(rec.points[:, 1], -rec.steps)
    assert rec.steps[0] == 0 and len(set(np.diff(rec.steps))) == 1
    every3 = TrajectoryRecorder(1, every=3, capacity=100)
    for step in range(10):
        every3.offer(step, np.array([step], dtype=float))
    assert every3.steps.tolist() == [0, 3, 6, 9]


# -------------------------------------------------------------------------- grid pass
def _grid_points(g) -> np.ndarray:
    if g.ys is None:
        return g.xs[:, None]
    gx, gy = np.meshgrid(g.xs, g.ys)
    return np.column_stack([gx.ravel(), gy.ravel()])


@pytest.mark.parametrize(
    "kwargs, n_out",
    [
        ({"dataset": "circle"}, 1),
        ({"dataset": "circle", "features": ["x1", "x2", "x1^2", "sin_x1"]}, 1),
        ({"dataset": "sine", "hidden": [5]}, 1),
        ({"dataset": "blobs", "hidden": [3]}, 3),
        ({"dataset": "reg-plane", "hidden": [], "features": ["x1x2", "x2^2"]}, 1),
    ],
    ids=["circle", "transformed", "sine-1d", "softmax", "no-hidden"],
)
def test_grid_outputs_match_predict(kwargs, n_out):
    tr = Trainer(scenario(n=60, **kwargs))
    tr.train(2)
    g = tr.grid_outputs(50)
    ds = tr.dataset
    one_d = ds.input_dim == 1
    shape = (50,) if one_d else (50, 50)
    assert g.output.shape == (*shape, n_out)
    assert (g.ys is None) == one_d and g.xs.shape == (50,)
    assert g.extent == tuple(ds.extent) and g.xs[0] == ds.extent[0] and g.xs[-1] == ds.extent[1]
    X = transform_features(_grid_points(g), ds.features)
    assert X.shape[1] == len(ds.features)
    np.testing.assert_allclose(g.output, tr.predict(X).reshape(*shape, n_out), rtol=1e-12, atol=1e-14)
    hidden = tr.layer_outputs(X)[:-1]
    assert len(g.layers) == len(hidden) + 1
    for grid_layer, rows in zip(g.layers, hidden, strict=False):
        np.testing.assert_allclose(grid_layer, rows.reshape(*shape, -1), rtol=1e-12, atol=1e-14)


def test_grid_outputs_are_not_changed_by_later_calls():
    """A GridOutputs handed to a view (via a Snapshot) must not change under it."""
    tr = Trainer(scenario(n=60, hidden=[1, 3]))
    g1 = tr.grid_outputs(20)
    saved = [layer.copy() for layer in g1.layers]
    tr.train(3)
    tr.grid_outputs(20)
    for layer, before in zip(g1.layers, saved, strict=True):
        np.testing.assert_array_equal(layer, before)


# ------------------------------------------------------------------------------ stats
def test_per_epoch_stats_are_sane_and_consistent():
    sc = scenario(n=80, hidden=[5, 4], activation="sigmoid", l1=0.001, l2=0.01,
                  optimizer=OptimizerConfig(name="adam", lr=0.01))
    tr = Trainer(sc)
    tr.train(6)
    assert len(tr.history) == 6 == tr.epoch
    assert [h.epoch for h in tr.history] == list(range(1, 7))
    for h in tr.history:
        assert 0.0 <= h.acc_train <= 1.0 and 0.0 <= h.acc_test <= 1.0
        assert math.isnan(h.r2_train)
        assert h.objective > h.loss_train > 0
        assert len(h.layers) == 3
        for ls in h.layers:
            values = [ls.z_mean, ls.z_std, ls.a_mean, ls.a_std, ls.weight_norm, ls.grad_norm,
                      ls.grad_mean_abs, ls.grad_max_abs, ls.delta_mean_abs, ls.update_ratio]
            assert all(math.isfinite(v) for v in values)
            assert 0.0 <= ls.saturation <= 1.0
    # the numbers are the real ones
    last = tr.history[-1]
    X, T = tr.dataset.X_train, tr.T_train
    loss = float(functional.loss_batched(tr.net, tr.net.theta, X, T)[0])
    assert last.loss_train == pytest.approx(loss, rel=1e-12)
    _, g = functional.loss_and_grad_batched(tr.net, tr.net.theta[None], X, T)
    for layer, ls in enumerate(last.layers):
        assert ls.weight_norm == pytest.approx(np.linalg.norm(tr.net.W(layer)), rel=1e-12)
        assert ls.grad_norm == pytest.approx(np.linalg.norm(tr.net.layer_weights(layer, g[0])), rel=1e-9)
    y_pred = tr.net.head.predict_class(tr.predict(X))
    assert last.acc_train == np.mean(y_pred == tr.dataset.y_train)
    assert tr.initial_stats.epoch == 0 and math.isnan(tr.initial_stats.layers[0].update_ratio)


def test_regression_stats_report_r2():
    tr = Trainer(scenario(dataset="reg-plane", n=100, hidden=[4], optimizer=OptimizerConfig(lr=0.01)))
    tr.train(5)
    h = tr.history[-1]
    assert math.isnan(h.acc_train) and math.isfinite(h.r2_train) and h.r2_train <= 1.0
    y = tr.predict(tr.dataset.X_test)
    t = tr.T_test
    assert h.r2_test == pytest.approx(1 - np.sum((y - t) ** 2) / np.sum((t - t.mean()) ** 2), rel=1e-10)


def test_saturation_is_high_for_saturated_tanh():
    tr = Trainer(scenario(n=60, hidden=[8], init=InitConfig(name="normal", std=20.0)))
    assert tr.initial_stats.layers[0].saturation > 0.8
    calm = Trainer(scenario(n=60, hidden=[8], init=InitConfig(name="normal", std=0.01)))
    assert calm.initial_stats.layers[0].saturation == 0.0


def test_deep_sigmoid_network_has_vanishing_gradients():
    tr = Trainer(scenario(n=100, hidden=[8] * 8, activation="sigmoid"))  # xavier_uniform
    stats = tr.run_epoch()
    first, last = stats.layers[0].grad_norm, stats.layers[-1].grad_norm
    assert 0 < first < 1e-3 * last
    norms = [ls.grad_norm for ls in stats.layers]
    assert norms[-1] == max(norms) and norms[0] == min(norms)
    relu = Trainer(scenario(n=100, hidden=[8] * 8, activation="relu", init=InitConfig(name="he_normal")))
    rs = relu.run_epoch()
    assert rs.layers[0].grad_norm > 1e-2 * rs.layers[-1].grad_norm


# --------------------------------------------------------------------- lecture example
def test_lecture_worked_backprop_example():
    ds = hand_dataset([[0.05, 0.10]], np.array([0.1]))
    sc = scenario(hidden=[2], activation="sigmoid", output="sigmoid", loss="mse", batch_size=1,
                  shuffle=False, optimizer=OptimizerConfig(lr=1.0))
    sc.model.initial_params = [
        LayerParams(layer=0, W=[[0.14, 0.24], [0.19, 0.29]], b=[0.0, 0.0]),
        LayerParams(layer=1, W=[[0.35], [0.40]], b=[0.0]),
    ]
    sc.model.freeze = FreezeConfig(biases=True)
    tr = Trainer(sc, ds)
    h, out = tr.layer_outputs()
    out_h1, out_h2 = h[0]
    assert out_h1 == pytest.approx(1 / (1 + math.exp(-0.026)), rel=1e-12)  # net_h1 = .05*.14 + .10*.19
    assert out_h2 == pytest.approx(1 / (1 + math.exp(-0.041)), rel=1e-12)  # net_h2 = .05*.24 + .10*.29
    assert round(out_h1, 4) == 0.5065 and round(out_h1, 2) == 0.51  # slide: 0.50 (truncated)
    assert round(out_h2, 4) == 0.5102 and round(out_h2, 2) == 0.51
    net_o1 = 0.35 * out_h1 + 0.40 * out_h2
    assert round(net_o1, 2) == 0.38
    assert out[0, 0] == pytest.approx(1 / (1 + math.exp(-net_o1)), rel=1e-12)
    assert round(out[0, 0], 2) == 0.59
    error = 0.5 * (0.1 - out[0, 0]) ** 2
    assert round(error, 2) == 0.12
    assert tr.initial_stats.loss_train == pytest.approx(error, rel=1e-12)

    # one SGD step with lr 1: the output weights move by -δ_o · out_h, δ_o = (out - t) out (1 - out)
    o = out[0, 0]
    delta_o = (o - 0.1) * o * (1 - o)
    tr.step_batch()
    expected_w1 = [0.35 - delta_o * out_h1, 0.40 - delta_o * out_h2]
    np.testing.assert_allclose(tr.net.W(1)[:, 0], expected_w1, rtol=1e-12)
    np.testing.assert_array_equal(tr.net.b(0), [0.0, 0.0])
    np.testing.assert_array_equal(tr.net.b(1), [0.0])
    assert tr.history[-1].loss_train < error


def test_per_step_log_is_off_by_default_and_bounded_when_on():
    sc = Scenario()
    sc.data.n = 100
    trainer = Trainer(sc)
    trainer.train(1)
    assert len(trainer.step_log) == 0
    trainer.record_steps = True
    trainer.train(2)
    steps = list(trainer.step_log)
    assert [s.step for s in steps] == list(range(trainer.step - len(steps) + 1, trainer.step + 1))
    assert all(math.isfinite(s.batch_loss) and s.grad_norm > 0 for s in steps)
    assert len(steps[0].layer_grad_norms) == trainer.net.n_layers
    assert trainer.step_log.maxlen is not None


def test_latest_stats_describe_the_restored_weights_after_early_stopping():
    from nnviz.engine.snapshot import take_snapshot

    sc = Scenario()
    sc.data.dataset, sc.data.noise, sc.data.n, sc.data.train_fraction = "xor", 0.5, 120, 0.3
    sc.model.hidden = [16, 16]
    sc.training.optimizer.name, sc.training.optimizer.lr = "adam", 0.03
    sc.training.early_stopping.enabled, sc.training.early_stopping.patience = True, 3
    trainer = Trainer(sc)
    trainer.train(400)
    assert trainer.status == STOPPED_EARLY
    best = min(row.loss_test for row in trainer.history)
    assert trainer.current_stats.loss_test == pytest.approx(best, rel=1e-12)
    assert take_snapshot(trainer, with_grid=False).latest.loss_test == pytest.approx(best, rel=1e-12)


def test_refused_settings_raise_instead_of_being_clamped():
    trainer = Trainer(Scenario())
    with pytest.raises(EngineError, match="L2"):
        trainer.set_regularisation(l2=-1.0)
    with pytest.raises(EngineError, match="2 hidden layers"):
        trainer.set_dropout([0.1, 0.2, 0.3])


def test_after_divergence_a_smaller_learning_rate_trains_on_from_healthy_weights():
    sc = Scenario()
    sc.data.dataset = "reg-plane"
    sc.training.optimizer.lr = 10.0
    trainer = Trainer(sc)
    trainer.train(50)
    assert trainer.status == DIVERGED
    assert np.abs(trainer.net.theta).max() < 1e3  # not the exploding last-but-one step
    trainer.set_lr(0.01)
    trainer.status = READY  # what the GUI does when the rate is lowered
    trainer.train(20)
    assert trainer.status == READY
    assert trainer.current_stats.loss_train < trainer.initial_stats.loss_train
