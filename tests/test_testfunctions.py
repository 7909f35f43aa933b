"""Tests for nnviz.engine.testfunctions: analytic derivatives against finite differences."""

from __future__ import annotations

import numpy as np
import pytest

from nnviz.engine.testfunctions import TEST_FUNCTIONS, canyon, get_test_function, rosenbrock

FUNCTIONS = list(TEST_FUNCTIONS.values()) + [canyon(7.0, 30.0), canyon(1000.0), rosenbrock(2.0, 20.0)]
IDS = [f"{f.name}:{f.formula}" for f in FUNCTIONS]
H = 1e-5


def sample_points(f, n=25, seed=0):
    rng = np.random.default_rng(seed)
    (x0, x1), (y0, y1) = f.domain
    return np.column_stack([rng.uniform(x0, x1, n), rng.uniform(y0, y1, n)])


def fd_gradient(f, p):
    e = np.eye(2) * H
    return np.stack([(f.value(p + e[i]) - f.value(p - e[i])) / (2 * H) for i in range(2)], axis=-1)


def fd_hessian(f, p):
    e = np.eye(2) * H
    cols = [(f.gradient(p + e[i]) - f.gradient(p - e[i])) / (2 * H) for i in range(2)]
    return np.stack(cols, axis=-1)


@pytest.mark.parametrize("f", FUNCTIONS, ids=IDS)
def test_gradient_matches_central_differences(f):
    p = sample_points(f)
    g = f.gradient(p)
    assert g.shape == (len(p), 2)
    scale = 1.0 + np.abs(g).max()
    np.testing.assert_allclose(g, fd_gradient(f, p), rtol=1e-6, atol=1e-7 * scale)


@pytest.mark.parametrize("f", FUNCTIONS, ids=IDS)
def test_hessian_matches_central_differences(f):
    p = sample_points(f, seed=1)
    h = f.hessian(p)
    assert h.shape == (len(p), 2, 2)
    np.testing.assert_array_equal(h, np.swapaxes(h, -1, -2))
    scale = 1.0 + np.abs(h).max()
    np.testing.assert_allclose(h, fd_hessian(f, p), rtol=1e-6, atol=1e-7 * scale)


@pytest.mark.parametrize("f", FUNCTIONS, ids=IDS)
def test_minima_and_hints(f):
    for m in f.minima:
        assert f.value(np.array(m)) == pytest.approx(f.min_value, abs=1e-12)
        np.testing.assert_allclose(f.gradient(np.array(m)), 0.0, atol=1e-9)
        assert np.all(np.linalg.eigvalsh(f.hessian(np.array(m))) > 0)
    for s in f.stationary:
        np.testing.assert_allclose(f.gradient(np.array(s)), 0.0, atol=1e-12)
    (x0, x1), (y0, y1) = f.domain
    assert x0 <= f.start[0] <= x1 and y0 <= f.start[1] <= y1
    xs, ys, Z = f.grid(30)
    assert Z.shape == (30, 30)
    np.testing.assert_allclose(Z[7, 11], f.value(np.array([xs[11], ys[7]])))
    # vectorised over any leading shape, scalar point too
    pts = sample_points(f, 6).reshape(2, 3, 2)
    assert f.value(pts).shape == (2, 3) and f.gradient(pts).shape == (2, 3, 2)
    assert f.hessian(pts).shape == (2, 3, 2, 2) and f.hessian(np.array(f.start)).shape == (2, 2)


def test_known_values():
    r = get_test_function("rosenbrock")
    assert r.value(np.array([0.0, 0.0])) == 1.0
    assert r.value(np.array([-1.2, 1.0])) == pytest.approx(24.2)
    assert get_test_function("beale").value(np.array([0.0, 0.0])) == pytest.approx(14.203125)
    assert get_test_function("saddle").value(np.array([1.0, 2.0])) == -3.0
    assert get_test_function("rastrigin").value(np.array([0.0, 0.0])) == 0.0
    assert len(get_test_function("himmelblau").minima) == 4
    c = canyon(50.0)
    np.testing.assert_allclose(np.linalg.eigvalsh(c.hessian(np.zeros(2))), [1.0, 50.0])
    rc = canyon(50.0, 45.0)
    np.testing.assert_allclose(np.linalg.eigvalsh(rc.hessian(np.zeros(2))), [1.0, 50.0])
    assert rc.value(np.array([1.0, 1.0]) / np.sqrt(2)) == pytest.approx(0.5)
    with pytest.raises(ValueError, match="choose one of"):
        get_test_function("nope")
    with pytest.raises(ValueError):
        canyon(-1.0)
