"""Geometry, shapes and labels of every built-in generator (nnviz.data.GENERATORS)."""

from __future__ import annotations

import numpy as np
import pytest

from nnviz.data import GENERATORS, DataError
from nnviz.data.gates import TRUTH_TABLES
from nnviz.engine.config import CLASSIFICATION_DATASETS, DATASETS, REGRESSION_DATASETS

ONE_D = ("sine", "poly", "line")


def gen(name: str, seed: int = 0, **kwargs):
    return GENERATORS[name](np.random.default_rng(seed), **kwargs)


def by_class(raw, k: int) -> np.ndarray:
    return raw.points[raw.labels == k]


def test_registry_matches_config_names():
    assert set(GENERATORS) | {"csv"} == set(DATASETS)


@pytest.mark.parametrize("name", sorted(GENERATORS))
@pytest.mark.parametrize("n", [7, 40])
def test_shapes_dtypes_and_labels(name, n):
    raw = gen(name, n=n, noise=0.2)
    expected_n = 4 if name.startswith("gate-") else n
    dim = 1 if name in ONE_D else 2
    assert raw.points.shape == (expected_n, dim)
    assert raw.points.dtype == np.float64
    assert raw.labels.shape == (expected_n,)
    assert np.all(np.isfinite(raw.points))
    xmin, xmax, ymin, ymax = raw.extent
    assert xmin < xmax and ymin < ymax
    if name in CLASSIFICATION_DATASETS:
        assert raw.task == "classification"
        assert raw.labels.dtype == np.int64
        assert raw.labels.min() >= 0 and raw.labels.max() < raw.n_classes
    else:
        assert name in REGRESSION_DATASETS
        assert raw.task == "regression" and raw.n_classes == 0
        assert raw.labels.dtype == np.float64


@pytest.mark.parametrize("name, n", [("circle", 500), ("spiral", 500), ("reg-plane", 1200),
                                     ("reg-gauss", 1200), ("moons", 500), ("sine", 30)])
def test_default_sizes(name, n):
    assert gen(name).points.shape[0] == n


@pytest.mark.parametrize("name", sorted(set(GENERATORS) - set(TRUTH_TABLES) - set(ONE_D)))
def test_plane_extent(name):
    assert gen(name).extent == (-6.0, 6.0, -6.0, 6.0)


def test_circle_geometry_at_zero_noise():
    raw = gen("circle", noise=0.0)
    r = np.hypot(raw.points[:, 0], raw.points[:, 1])
    assert np.all(r[raw.labels == 1] < 2.5)
    assert np.all(r[raw.labels == 0] > 3.5)
    assert np.all(r <= 5.0)
    assert np.sum(raw.labels == 1) == 250


def test_circle_noise_flips_labels_but_does_not_move_points():
    raw = gen("circle", noise=0.5)
    r = np.hypot(raw.points[:, 0], raw.points[:, 1])
    assert np.all((r < 2.5) | ((r > 3.5) & (r <= 5.0)))
    inside = r < 2.5
    flipped = np.mean(raw.labels != inside)
    assert 0.05 < flipped < 0.5


def test_xor_sign_agreement_and_padding():
    raw = gen("xor", noise=0.0)
    x, y = raw.points.T
    assert np.array_equal(raw.labels, (x * y >= 0).astype(np.int64))
    assert np.all(np.abs(raw.points) >= 0.3)
    assert np.all(np.abs(raw.points) <= 5.3)


def test_gauss_centres_and_spread():
    raw = gen("gauss", noise=0.0, n=2000)
    assert np.allclose(by_class(raw, 1).mean(axis=0), [2, 2], atol=0.1)
    assert np.allclose(by_class(raw, 0).mean(axis=0), [-2, -2], atol=0.1)
    assert by_class(raw, 1).std() == pytest.approx(np.sqrt(0.5), rel=0.1)
    wide = gen("gauss", noise=0.5, n=2000)
    assert by_class(wide, 1).std() == pytest.approx(np.sqrt(0.5 + 7 * 0.5), rel=0.1)


def test_spiral_follows_playground_formula_at_zero_noise():
    raw = gen("spiral", noise=0.0)
    x, y = raw.points.T
    r = np.hypot(x, y)
    assert np.all(r <= 5.0)
    t = 1.75 * (r / 5.0) * 2 * np.pi
    arm = np.where(raw.labels == 1, 0.0, np.pi)
    assert np.allclose(x, r * np.sin(t + arm))
    assert np.allclose(y, r * np.cos(t + arm))
    assert np.sum(raw.labels == 1) == np.sum(raw.labels == 0) == 250


def test_spiral_noise_moves_points():
    clean, noisy = gen("spiral", noise=0.0), gen("spiral", noise=0.5)
    delta = noisy.points - clean.points
    assert np.all(np.abs(delta) <= 0.5) and np.abs(delta).max() > 0.3


def test_reg_plane_label():
    raw = gen("reg-plane", noise=0.0)
    assert np.all(np.abs(raw.points) <= 6.0)
    assert np.allclose(raw.labels, raw.points.sum(axis=1) / 10.0)
    noisy = gen("reg-plane", noise=0.5)
    assert not np.allclose(noisy.labels, noisy.points.sum(axis=1) / 10.0)


def _playground_reg_gauss(x: float, y: float) -> float:
    """Playground's per-point loop, written out as a reference."""
    bumps = [(-4, 2.5, 1), (0, 2.5, -1), (4, 2.5, 1), (-4, -2.5, -1), (0, -2.5, 1), (4, -2.5, -1)]
    label = 0.0
    for cx, cy, sign in bumps:
        d = np.hypot(x - cx, y - cy)
        new = sign * min(max(1 - d / 2, 0.0), 1.0)
        if abs(new) > abs(label):
            label = new
    return label


def test_reg_gauss_matches_reference_loop():
    raw = gen("reg-gauss", noise=0.0, n=300)
    expected = [_playground_reg_gauss(x, y) for x, y in raw.points]
    assert np.allclose(raw.labels, expected)
    assert raw.labels.min() >= -1 and raw.labels.max() <= 1
    assert raw.labels.min() < -0.5 and raw.labels.max() > 0.5


def test_moons_lie_on_two_half_circles():
    raw = gen("moons", noise=0.0)
    u = raw.points / 3.5 + [0.5, 0.25]
    upper, lower = u[raw.labels == 1], u[raw.labels == 0]
    assert np.allclose(np.hypot(*upper.T), 1.0) and np.all(upper[:, 1] >= -1e-12)
    assert np.allclose(np.hypot(*(lower - [1.0, 0.5]).T), 1.0)
    assert np.all(lower[:, 1] <= 0.5 + 1e-12)
    assert np.all(np.abs(raw.points) <= 6.0)


@pytest.mark.parametrize("k", [2, 3, 5])
def test_blobs_have_k_classes_on_a_circle(k):
    raw = gen("blobs", classes=k, n=100 * k, noise=0.0)
    assert raw.n_classes == k
    assert np.array_equal(np.unique(raw.labels), np.arange(k))
    assert np.all(np.bincount(raw.labels) == 100)
    centres = np.array([by_class(raw, j).mean(axis=0) for j in range(k)])
    assert np.allclose(np.hypot(*centres.T), 3.5, atol=0.15)


def test_blobs_noise_widens_and_bad_k_fails():
    assert gen("blobs", noise=0.5).points.std() > gen("blobs", noise=0.0).points.std()
    with pytest.raises(DataError, match="at least 2 classes"):
        gen("blobs", classes=1)


def test_checkerboard_parity():
    raw = gen("checkerboard", noise=0.0)
    cells = np.floor(raw.points / 3.0).sum(axis=1)
    assert np.array_equal(raw.labels, (cells % 2).astype(np.int64))
    assert np.all(np.abs(raw.points) <= 6.0)
    noisy = gen("checkerboard", noise=0.2)
    noisy_cells = np.floor(noisy.points / 3.0).sum(axis=1) % 2
    assert 0.02 < np.mean(noisy.labels != noisy_cells) < 0.4


def _perceptron_separates(points: np.ndarray, labels: np.ndarray) -> bool:
    X = np.column_stack([points, np.ones(len(points))])
    s = np.where(labels == 1, 1.0, -1.0)
    w = np.zeros(3)
    for _ in range(2000):
        wrong = np.flatnonzero(s * (X @ w) <= 0)
        if wrong.size == 0:
            return True
        w += s[wrong[0]] * X[wrong[0]]
    return False


def _gap(raw) -> float:
    a, b = by_class(raw, 0), by_class(raw, 1)
    return float(np.sqrt(((a[:, None, :] - b[None, :, :]) ** 2).sum(-1)).min())


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_linear_is_separable_and_margin_shrinks(seed):
    clean = gen("linear", seed=seed, noise=0.0)
    noisy = gen("linear", seed=seed, noise=0.8)
    assert _perceptron_separates(clean.points, clean.labels)
    assert _perceptron_separates(noisy.points, noisy.labels)
    assert _gap(clean) >= 2.0 - 1e-9
    assert _gap(noisy) < _gap(clean)
    assert np.all(np.abs(clean.points) <= 6.0)
    assert 0 < clean.labels.sum() < len(clean.labels)


@pytest.mark.parametrize("name, table", sorted(TRUTH_TABLES.items()))
def test_gate_truth_tables(name, table):
    raw = gen(name, seed=123, n=500, noise=0.5)  # n, noise and seed are ignored
    lookup = {tuple(p): int(y) for p, y in zip(raw.points, raw.labels, strict=True)}
    expected = {
        "gate-and": lambda a, b: a and b, "gate-or": lambda a, b: a or b,
        "gate-nand": lambda a, b: not (a and b), "gate-xor": lambda a, b: a != b,
        "gate-xnor": lambda a, b: a == b,
    }[name]
    assert len(lookup) == 4
    for a in (0, 1):
        for b in (0, 1):
            assert lookup[(float(a), float(b))] == int(expected(a, b))
    assert raw.extent == pytest.approx((-0.5, 1.5, -0.5, 1.5))
    assert raw.hold_out is False
    assert tuple(raw.labels) == table


def test_sine_and_poly_are_exact_at_zero_noise():
    sine = gen("sine", noise=0.0)
    x = sine.points[:, 0]
    assert np.all(np.diff(x) >= 0) and np.all(np.abs(x) <= 3.0)
    assert np.allclose(sine.labels, np.sin(x))
    poly = gen("poly", noise=0.0)
    x = poly.points[:, 0]
    assert np.allclose(poly.labels, 0.5 * x**3 - 2.0 * x)


def test_curve_noise_and_extent():
    noisy = gen("sine", noise=0.3, n=4000)
    residual = noisy.labels - np.sin(noisy.points[:, 0])
    assert residual.std() == pytest.approx(0.3, rel=0.1)
    xmin, xmax, ymin, ymax = noisy.extent
    assert xmin < noisy.points.min() and xmax > noisy.points.max()
    assert ymin < noisy.labels.min() and ymax > noisy.labels.max()


def test_line_is_exact_at_zero_noise_and_linear():
    data = gen("line", noise=0.0)
    x, y = data.points[:, 0], data.labels
    assert np.allclose(y, 0.8 * x + 0.5)
    assert np.all(np.diff(x) >= 0)
