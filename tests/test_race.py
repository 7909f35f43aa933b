"""Tests for nnviz.engine.race: the race is the engine's optimisers, step for step."""

from __future__ import annotations

import numpy as np
import pytest

from nnviz.engine.config import OptimizerConfig
from nnviz.engine.optimizers import make_optimizer
from nnviz.engine.race import Race, RacerSpec, default_racers
from nnviz.engine.testfunctions import TEST_FUNCTIONS, get_test_function


@pytest.mark.parametrize("name", list(TEST_FUNCTIONS))
def test_paths_equal_the_engine_optimisers_by_hand(name):
    f = get_test_function(name)
    race = Race(name)
    race.step(40)
    race.step()
    for spec, racer in zip(default_racers(name), race.racers, strict=True):
        opt = make_optimizer((2,), spec.config)
        theta = np.array(f.start, dtype=np.float64)
        path, losses = [theta.copy()], [float(f.value(theta))]
        for _ in range(41):
            h = f.hessian(theta) if opt.needs_hessian else None
            opt.step(theta, f.gradient(theta), spec.lr, h)
            if not (np.all(np.isfinite(theta)) and np.abs(theta).max() <= race.limit):
                break
            path.append(theta.copy())
            losses.append(float(f.value(theta)))
        np.testing.assert_array_equal(racer.path_array, np.array(path))
        np.testing.assert_array_equal(np.array(racer.losses), np.array(losses))
        assert racer.steps == list(range(len(path)))


def test_default_racers_cover_every_optimiser():
    labels = [r.label for r in default_racers("canyon")]
    assert labels == ["GD", "Momentum", "Nesterov", "Adagrad", "RMSprop", "Adam", "Newton"]
    names = {r.config.name for r in default_racers()}
    assert names == {"sgd", "adagrad", "rmsprop", "adam", "newton"}


def test_huge_learning_rate_diverges_cleanly():
    specs = [
        RacerSpec("wild", OptimizerConfig(name="sgd"), 1e3),
        RacerSpec("calm", OptimizerConfig(name="sgd"), 1e-4),
        RacerSpec("wild momentum", OptimizerConfig(name="sgd", momentum=0.9), 10.0),
    ]
    race = Race("rosenbrock", racers=specs)
    race.step(200)  # must not raise or warn into an exception
    wild, calm, wm = race.racers
    assert wild.diverged and wm.diverged and not calm.diverged
    assert "smaller learning rate" in wild.message or "ran off" in wild.message
    for r in race.racers:
        assert np.all(np.isfinite(r.path_array)) and np.all(np.isfinite(r.losses))
        np.testing.assert_array_equal(r.theta, r.path_array[-1])
    n = len(wild.path)
    race.step(10)
    assert len(wild.path) == n and len(calm.path) == 211
    assert race.running


def test_unbounded_saddle_runaway_is_flagged_not_raised():
    race = Race("saddle", racers=[RacerSpec("GD", OptimizerConfig(name="sgd"), 0.5)])
    race.step(200)
    (gd,) = race.racers
    assert gd.diverged and "ran off" in gd.message
    assert not race.running


def test_reset_and_start():
    race = Race("himmelblau")
    race.step(5)
    race.reset((1.0, -1.0))
    assert race.t == 0
    for r in race.racers:
        np.testing.assert_array_equal(r.path_array, [[1.0, -1.0]])
        assert not r.diverged and r.optimizer.t == 0
    race.step(3)
    race.reset()
    np.testing.assert_array_equal(race.racers[0].theta, [1.0, -1.0])
    with pytest.raises(ValueError):
        race.reset((np.nan, 0.0))


def test_path_is_bounded():
    race = Race("canyon", racers=[RacerSpec("GD", OptimizerConfig(name="sgd"), 0.001)], capacity=50)
    race.step(500)
    r = race.racers[0]
    assert len(r.path) <= 50 and len(r.losses) == len(r.path) == len(r.steps)
    assert r.steps[0] == 0 and r.steps[-1] == 500
    assert all(a < b for a, b in zip(r.steps, r.steps[1:], strict=False))


def test_newton_info_matches_the_newton_step():
    race = Race("himmelblau", start=(1.0, 1.0))
    info = race.newton_info()
    assert info is not None
    np.testing.assert_array_equal(info.hessian, get_test_function("himmelblau").hessian(np.array([1.0, 1.0])))
    race.step()
    newton = race.racer("Newton")
    np.testing.assert_array_equal(newton.theta, info.next_theta)
    np.testing.assert_allclose(info.step, -np.linalg.solve(info.hessian, info.gradient), rtol=1e-12)
    assert info.eigenvalues.shape == (2,)
    assert Race("rosenbrock", racers=default_racers()[:2]).newton_info() is None
