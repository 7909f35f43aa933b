"""Tests for nnviz.engine.landscape: loss surfaces, directions, PCA planes, honest paths.

The fast batched surface is checked against the engine's own single-θ evaluation
(``functional.loss_batched``) at sampled grid points, for every output head, with and
without penalties, with partial chunks and two worker threads.
"""

from __future__ import annotations

import numpy as np
import pytest

from nnviz.engine import functional
from nnviz.engine.activations import get_activation
from nnviz.engine.config import Scenario
from nnviz.engine.heads import make_head
from nnviz.engine.landscape import (
    Directions,
    closed_form_least_squares,
    distance_from_plane,
    filter_normalise,
    honest_path,
    make_surface,
    path_extent,
    pca_directions,
    pca_surface,
    project,
    random_directions,
    random_surface,
    surface,
    surface_coarse_to_fine,
    two_param_slice,
    unproject,
)
from nnviz.engine.network import Network, flat_index
from nnviz.engine.trainer import Trainer


def make_net(sizes, act="tanh", output="sigmoid", loss="bce", task="classification", n_classes=2, seed=0):
    head = make_head(output, loss, task, n_classes)
    net = Network(sizes, [get_activation(act)] * (len(sizes) - 2), head)
    rng = np.random.default_rng(seed)
    net.set_theta(rng.normal(0.0, 0.8, net.n_params))
    return net


def make_data(net, n=37, seed=1):
    rng = np.random.default_rng(seed)
    X = rng.normal(0.0, 1.5, (n, net.sizes[0]))
    head = net.head
    y = np.sin(X[:, 0]) if head.task == "regression" else np.arange(n) % head.n_classes
    return X, head.targets(y)


NETS = [
    ("spiral-like tanh bce", dict(sizes=[2, 8, 8, 8, 1])),
    ("relu bce", dict(sizes=[3, 5, 4, 1], act="relu")),
    ("softmax ce", dict(sizes=[2, 4, 3], output="softmax", loss="ce", n_classes=3)),
    ("tanh mse", dict(sizes=[2, 4, 2, 1], output="tanh", loss="mse")),
    ("sigmoid mse regression",
     dict(sizes=[2, 3, 1], act="sigmoid", output="sigmoid", loss="mse", task="regression", n_classes=0)),
    ("linear regression", dict(sizes=[2, 1], output="linear", loss="mse", task="regression", n_classes=0)),
    ("logistic regression", dict(sizes=[2, 1])),
    ("elu two outputs softmax", dict(sizes=[2, 3, 2], act="elu", output="softmax", loss="ce", n_classes=2)),
]


def direct(net, origin, d1, d2, a, b, X, T, l1=0.0, l2=0.0):
    theta = origin + a * d1 + b * d2
    return functional.loss_batched(net, theta[None], X, T, l1, l2)[0]


@pytest.mark.parametrize("name,kw", NETS, ids=[n for n, _ in NETS])
@pytest.mark.parametrize("reg", [(0.0, 0.0), (0.01, 0.03)], ids=["noreg", "l1l2"])
def test_surface_equals_direct_loss(name, kw, reg):
    net = make_net(**kw)
    X, T = make_data(net)
    origin = net.theta.copy()
    dirs = random_directions(net, origin, 3)
    alphas = np.linspace(-1.0, 1.5, 13)
    betas = np.linspace(-0.7, 1.0, 9)
    for chunk, workers in [(None, 1), (5, 1), (7, 2)]:
        S = surface(net, origin, dirs.d1, dirs.d2, alphas, betas, X, T, *reg, chunk=chunk, workers=workers)
        assert S.shape == (len(betas), len(alphas))
        for bi, ai in [(0, 0), (3, 7), (8, 12), (5, 2), (8, 0)]:
            ref = direct(net, origin, dirs.d1, dirs.d2, alphas[ai], betas[bi], X, T, *reg)
            np.testing.assert_allclose(S[bi, ai], ref, rtol=1e-10)


def test_surface_every_point_spiral_trainer():
    sc = Scenario()
    sc.data.dataset = "spiral"
    sc.model.hidden = [8] * 6
    sc.data.n = 500
    tr = Trainer(sc)
    net, X, T = tr.net, tr.dataset.X_train, tr.T_train
    dirs = random_directions(net, net.theta, 0)
    g = np.linspace(-1, 1, 11)
    S = surface(net, net.theta, dirs.d1, dirs.d2, g, g, X, T)
    aa, bb = np.meshgrid(g, g)
    thetas = net.theta + aa.reshape(-1, 1) * dirs.d1 + bb.reshape(-1, 1) * dirs.d2
    ref = functional.loss_batched(net, thetas, X, T).reshape(S.shape)
    np.testing.assert_allclose(S, ref, rtol=1e-10)


def test_two_param_slice_of_logistic_regression_is_the_hand_computed_loss():
    net = make_net([1, 1])  # one neuron: θ = (w, b)
    rng = np.random.default_rng(5)
    x = rng.normal(0, 2, 20)
    t = (x + rng.normal(0, 1, 20) > 0).astype(float)
    X, T = x[:, None], t[:, None]
    net.set_theta(np.array([0.7, -0.3]))
    s = two_param_slice(net, None, 0, 1, span=2.0, resolution=21, X=X, T=T)
    assert s.labels == ("W0[0,0]", "b0[0]")
    np.testing.assert_allclose(s.alphas, np.linspace(0.7 - 2, 0.7 + 2, 21))
    np.testing.assert_allclose(s.betas, np.linspace(-0.3 - 2, -0.3 + 2, 21))
    for bi, b in enumerate(s.betas):
        for ai, w in enumerate(s.alphas):
            p = 1.0 / (1.0 + np.exp(-(w * x + b)))
            hand = -np.mean(t * np.log(p) + (1 - t) * np.log(1 - p))
            np.testing.assert_allclose(s.loss[bi, ai], hand, rtol=1e-10)
    # the plane's coordinates are the parameters themselves
    path = np.array([[0.7, -0.3], [0.5, 0.1], [-1.0, 2.0]])
    np.testing.assert_allclose(project(path, s.origin, s.d1, s.d2), path, atol=1e-14)
    np.testing.assert_allclose(distance_from_plane(path, s.origin, s.d1, s.d2), 0.0, atol=1e-14)


def test_two_param_slice_ranges_and_trainer_penalty():
    sc = Scenario()
    sc.data.dataset = "gate-xor"
    sc.model.hidden = [2]
    sc.training.l2 = 0.1
    tr = Trainer(sc)
    s = two_param_slice(tr, None, 0, 4, ranges=((-1, 1), (0, 2)), resolution=5)
    assert s.loss.shape == (5, 5)
    theta = tr.net.theta.copy()
    theta[0], theta[4] = s.alphas[3], s.betas[1]
    ref = functional.loss_batched(tr.net, theta[None], tr.dataset.X_train, tr.T_train, 0.0, 0.1)[0]
    np.testing.assert_allclose(s.loss[1, 3], ref, rtol=1e-10)
    with pytest.raises(ValueError):
        two_param_slice(tr, None, 2, 2)


def test_filter_normalisation():
    net = make_net([3, 6, 4, 2], output="softmax", loss="ce", n_classes=2)
    theta = net.theta.copy()
    theta[net.slots[1].start : net.slots[1].start + 4] = 0.0  # neuron 0 of layer 1: all-zero weights
    dirs = random_directions(net, theta, np.random.default_rng(11))
    for d in (dirs.d1, dirs.d2):
        assert np.all(d[net.bias_mask == 1] == 0.0)
        for layer in range(net.n_layers):
            w_norm = np.linalg.norm(net.layer_weights(layer, theta), axis=1)
            d_norm = np.linalg.norm(net.layer_weights(layer, d), axis=1)
            np.testing.assert_allclose(d_norm, w_norm, rtol=1e-12)
    assert not np.allclose(dirs.d1, dirs.d2)
    again = random_directions(net, theta, 11)
    np.testing.assert_array_equal(again.d1, dirs.d1)
    mask = np.ones(net.n_params)
    mask[net.slots[0].start : net.slots[0].stop] = 0.0  # layer 0 frozen
    masked = random_directions(net, theta, 11, mask=mask)
    assert np.all(masked.d1[: net.slots[0].stop] == 0.0)
    assert np.all(filter_normalise(net, np.zeros(net.n_params), theta) == 0.0)


def in_plane_path(p=30, k=12, seed=0):
    rng = np.random.default_rng(seed)
    origin = rng.normal(size=p)
    u, v = rng.normal(size=p), rng.normal(size=p)
    coeff = rng.normal(size=(k, 2)) * [3.0, 0.5]
    path = origin + coeff[:, :1] * u + coeff[:, 1:] * v
    path[-1] = origin
    return path, origin


def test_pca_round_trip_in_plane():
    path, origin = in_plane_path()
    plane = pca_directions(path)
    np.testing.assert_allclose(plane.origin, origin)
    np.testing.assert_allclose(unproject(plane.coords, plane.origin, plane.d1, plane.d2), path, atol=1e-10)
    np.testing.assert_allclose(project(path, plane.origin, plane.d1, plane.d2), plane.coords, atol=1e-10)
    np.testing.assert_allclose(plane.distance, 0.0, atol=1e-10)
    np.testing.assert_allclose(distance_from_plane(path, plane.origin, plane.d1, plane.d2), 0.0, atol=1e-10)
    ev = plane.explained_variance
    assert ev[0] >= ev[1] >= 0 and sum(ev) <= 1 + 1e-12
    np.testing.assert_allclose(sum(ev), 1.0, rtol=1e-10)  # in-plane path: all variance in 2 PCs
    gram = [plane.d1 @ plane.d1, plane.d2 @ plane.d2, plane.d1 @ plane.d2]
    np.testing.assert_allclose(gram, [1, 1, 0], atol=1e-12)
    assert plane.coords[0, 0] >= 0 and plane.coords[0, 1] >= 0
    assert plane.directions.labels[0].startswith("PC1 (")


def test_pca_of_a_real_trajectory():
    sc = Scenario()
    sc.model.hidden = [4, 2]
    sc.training.epochs = 5
    tr = Trainer(sc)
    tr.train(5)
    pts = tr.trajectory.points
    plane = pca_directions(pts, tr.net.theta)
    ev = plane.explained_variance
    assert ev[0] >= ev[1] >= 0 and sum(ev) <= 1 + 1e-12
    assert np.all(plane.distance >= 0) and plane.distance[-1] < 1e-12
    # off-plane distance is exactly the residual after projection
    rec = unproject(plane.coords, plane.origin, plane.d1, plane.d2)
    np.testing.assert_allclose(np.linalg.norm(pts - rec, axis=1), plane.distance, atol=1e-10)
    surf, hp = pca_surface(tr, resolution=9)
    assert surf.loss.shape == (9, 9) and surf.explained_variance == ev
    true = functional.loss_batched(tr.net, pts, tr.dataset.X_train, tr.T_train)
    np.testing.assert_allclose(hp.true_loss, true, rtol=1e-12)
    np.testing.assert_allclose(hp.distance, plane.distance, atol=1e-10)
    (a0, a1), (b0, b1) = path_extent(hp.coords)
    assert a0 <= hp.coords[:, 0].min() and a1 >= hp.coords[:, 0].max()
    assert b0 <= hp.coords[:, 1].min() and b1 >= hp.coords[:, 1].max()


def test_pca_degenerate_paths():
    one = pca_directions(np.ones((1, 5)))
    assert one.explained_variance == (0.0, 0.0)
    np.testing.assert_allclose([one.d1 @ one.d1, one.d2 @ one.d2, one.d1 @ one.d2], [1, 1, 0], atol=1e-12)
    line = pca_directions(np.array([[0.0, 0, 1], [0, 0, 2], [0, 0, 3]]))
    assert line.explained_variance[0] == pytest.approx(1.0) and line.explained_variance[1] == 0.0
    np.testing.assert_allclose(line.distance, 0.0, atol=1e-12)


def test_project_round_trip_non_orthogonal():
    net = make_net([2, 5, 3, 1])
    dirs = random_directions(net, net.theta, 2)
    coords = np.random.default_rng(0).normal(size=(7, 2))
    pts = unproject(coords, net.theta, dirs.d1, dirs.d2)
    np.testing.assert_allclose(project(pts, net.theta, dirs.d1, dirs.d2), coords, rtol=1e-9, atol=1e-12)
    off = pts + 0.1 * np.random.default_rng(1).normal(size=pts.shape)
    # least squares: the residual is orthogonal to both directions
    res = off - unproject(project(off, net.theta, dirs.d1, dirs.d2), net.theta, dirs.d1, dirs.d2)
    np.testing.assert_allclose(res @ np.stack([dirs.d1, dirs.d2], 1), 0.0, atol=1e-10)


def test_honest_path_losses():
    net = make_net([2, 4, 1])
    X, T = make_data(net)
    path, origin = in_plane_path(p=net.n_params, k=6, seed=3)
    path *= 0.3
    origin = path[-1]
    plane = pca_directions(path)
    hp = honest_path(net, path, plane.origin, plane.d1, plane.d2, X, T)
    np.testing.assert_allclose(hp.true_loss, hp.plane_loss, rtol=1e-10)
    np.testing.assert_allclose(hp.distance, 0.0, atol=1e-10)
    off = path + 0.5 * np.random.default_rng(0).normal(size=path.shape)
    hp2 = honest_path(net, off, origin, plane.d1, plane.d2, X, T, 0.01, 0.02)
    np.testing.assert_allclose(hp2.true_loss, functional.loss_batched(net, off, X, T, 0.01, 0.02), rtol=1e-12)
    proj = unproject(hp2.coords, origin, plane.d1, plane.d2)
    plane_ref = functional.loss_batched(net, proj, X, T, 0.01, 0.02)
    np.testing.assert_allclose(hp2.plane_loss, plane_ref, rtol=1e-10)
    assert np.all(hp2.distance > 0) and np.all((hp2.relative_distance > 0) & (hp2.relative_distance <= 1))


def test_coarse_to_fine():
    net = make_net([2, 6, 1])
    X, T = make_data(net)
    dirs = random_directions(net, net.theta, 0)
    gen = surface_coarse_to_fine(
        net, net.theta, dirs.d1, dirs.d2, (-1, 1), (-2, 0.5), X, T, 0.0, 0.01, labels=dirs.labels
    )
    frames = list(gen)
    assert [f.loss.shape for f in frames] == [(11, 11), (26, 26), (51, 51)]
    for f in frames:
        full = surface(net, net.theta, dirs.d1, dirs.d2, f.alphas, f.betas, X, T, 0.0, 0.01)
        np.testing.assert_allclose(f.loss, full, rtol=1e-12)
    assert frames[-1].labels == dirs.labels


def test_make_surface_and_helpers():
    net = make_net([2, 3, 1])
    X, T = make_data(net)
    d = np.zeros(net.n_params)
    d1, d2 = d.copy(), d.copy()
    d1[0], d2[1] = 1.0, 1.0
    s = make_surface(net, net.theta, Directions(d1, d2, ("a", "b")), np.linspace(-1, 1, 5),
                     np.linspace(-1, 1, 4), X, T)
    assert s.loss.shape == (4, 5) and s.extent == (-1.0, 1.0, -1.0, 1.0)
    a, b, v = s.argmin()
    assert v == s.loss.min()
    np.testing.assert_allclose(v, direct(net, net.theta, d1, d2, a, b, X, T), rtol=1e-10)


def test_random_surface_from_trainer_and_frozen():
    sc = Scenario()
    sc.model.hidden = [3]
    sc.model.freeze.layers = [0]
    tr = Trainer(sc)
    s = random_surface(tr, span=0.5, resolution=7)
    assert s.loss.shape == (7, 7)
    assert np.all(s.d1[: tr.net.slots[0].stop] == 0.0)
    np.testing.assert_allclose(s.loss[3, 3], tr.evaluate().objective, rtol=1e-10)


def test_closed_form_least_squares_is_the_surface_minimum():
    rng = np.random.default_rng(0)
    x = rng.uniform(-3, 3, 40) + 5.0
    y = 1.7 * x - 0.4 + rng.normal(0, 0.3, 40)
    w, b = closed_form_least_squares(x, y)
    slope, intercept = np.polyfit(x, y, 1)
    np.testing.assert_allclose([w[0], b], [slope, intercept], rtol=1e-10)
    net = make_net([1, 1], output="linear", loss="mse", task="regression", n_classes=0)
    theta = np.append(w, b)
    _, g = functional.loss_and_grad_batched(net, theta[None], x[:, None], y[:, None])
    np.testing.assert_allclose(g, 0.0, atol=1e-10)
    s = two_param_slice(net, theta, 0, 1, span=0.5, resolution=21, X=x[:, None], T=y[:, None])
    a, bb, _ = s.argmin()
    assert (a, bb) == (pytest.approx(w[0]), pytest.approx(b))
    W2, b2 = closed_form_least_squares(rng.normal(size=(30, 3)), rng.normal(size=30))
    assert W2.shape == (3,) and isinstance(b2, float)


@pytest.mark.parametrize("layers", [(0, 0), (2, 2), (6, 6), (3, 5), (6, 1)])
def test_two_param_slices_through_any_layer_equal_direct_loss(layers):
    """Slices whose parameters sit in later layers reuse the earlier layers' outputs
    (computed once); every grid point must still equal a full forward pass."""
    sc = Scenario()
    sc.data.dataset = "spiral"
    sc.model.hidden = [8] * 6
    sc.data.n = 200
    sc.training.l1, sc.training.l2 = 0.001, 0.01
    tr = Trainer(sc)
    net = tr.net
    tr.train(3)
    sizes = net.sizes
    i = flat_index(sizes, layers[0], 1, 0)
    j = flat_index(sizes, layers[1], sizes[layers[1]], 0)  # a bias
    s = two_param_slice(tr, None, i, j, span=1.5, resolution=9)
    aa, bb = np.meshgrid(s.alphas, s.betas)
    thetas = np.repeat(net.theta[None], aa.size, axis=0)
    thetas[:, i], thetas[:, j] = aa.ravel(), bb.ravel()
    ref = functional.loss_batched(net, thetas, tr.dataset.X_train, tr.T_train, 0.001, 0.01)
    np.testing.assert_allclose(s.loss.ravel(), ref, rtol=1e-10)
