"""Loss surfaces: two-dimensional slices through parameter space.

A slice is an origin θ₀ and two directions d₁, d₂ (flat vectors laid out like
``Network.theta``); the surface is the training objective at θ = θ₀ + α d₁ + β d₂ over
a grid of (α, β). Three kinds of slice serve the lectures (reference.md §3):

* ``two_param_slice``: d₁, d₂ are unit vectors e_i, e_j, and the origin has θ_i = θ_j = 0,
  so α and β *are* the two parameters' values and the axes read in their own units.
  For a one-neuron model ((w, b) of linear or logistic regression) this is the exact
  surface, and the training path drawn on it is exact too: the classic lecture picture.
* ``random_directions``: Gaussian directions, filter-normalised (Li et al. 2018), so
  that a step of 1 along a direction changes every neuron's incoming weights by as
  much as their own size, which makes pictures of differently scaled networks comparable.
* ``pca_directions``: the plane through the final checkpoint that best fits the
  training path. Checkpoints lie *off* that plane in general, so the loss drawn on the
  plane under the path is not the loss the optimiser saw (the known pitfall of the
  reference implementation, its issue #1). ``honest_path`` returns both losses and
  each checkpoint's distance from the plane so the GUI can say so.

Speed. A 51×51 grid is 2,601 full-training-set forward passes. ``surface`` evaluates
them in chunks of K parameter sets with the engine's column layout (units × examples
with a trailing row of ones):

* the first layer needs no per-point weights at all: θ is affine in (α, β), so its
  pre-activations are Z = Z(θ₀) + α Z(d₁) + β Z(d₂); the three products are computed
  once per grid and each point costs one (1 × 3)·(3 × units·n) product;
* deeper layers are one stacked product (K, fan_out, fan_in + 1) @ (K, fan_in + 1, n),
  which NumPy hands to BLAS matrix by matrix: ~0.8 µs per point for an 8×8 layer on
  250 examples. The affine trick is a loss there (5–10 µs: it triples the products
  and adds broadcast passes), and so is a bias added by broadcasting (2.3 µs);
* activations are written in place into the next layer's input buffer, whose
  per-point blocks are contiguous (the row layout's strided writes cost 35 % more);
* buffers are reused across chunks, sized so one layer's input and output fit in L2.

The floor is the activation itself: spiral 6×[8] on 250 points needs 2,601 × 250 × 48
≈ 31 M tanh evaluations, ~53 ms at 1.7 ns each, and the honest point-by-point loop
(~270 ms) pays the same 53 ms, so no exact float64 method can be more than ~5× faster
than the loop on one core. Measured on the 2-core development machine (best of 3,
``benchmarks/bench_landscape.py``): 87–90 ms on one thread, 50–58 ms with
``workers=2`` (NumPy releases the GIL in ufuncs and BLAS calls), against 265–270 ms
for the loop; 11×11 first frame in 4 ms.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from nnviz.engine.network import Network, columns_with_ones

if TYPE_CHECKING:
    from nnviz.engine.trainer import Trainer

Array = np.ndarray

#: Bytes of per-chunk working set the default chunk size aims at (one 1 MiB L2 cache).
CHUNK_BYTES = 1 << 20
#: Smallest and largest default chunk (parameter sets per batched pass).
MIN_CHUNK, MAX_CHUNK = 8, 256


# ----------------------------------------------------------------------- results --
@dataclass(frozen=True, eq=False)
class Surface:
    """The objective on a grid: ``loss[b, a]`` at θ = origin + alphas[a]·d1 + betas[b]·d2.

    ``labels`` name the two axes ("W0[0,0]", "PC1 (83.2 %)", "random 1"…);
    ``explained_variance`` holds the PCA ratios of the two directions, else None.
    Non-finite losses (overflowing regions far out) are kept as inf/nan for the view
    to clip: replacing them would hide where the model breaks down.
    """

    alphas: Array
    betas: Array
    loss: Array
    origin: Array
    d1: Array
    d2: Array
    labels: tuple[str, str]
    explained_variance: tuple[float, float] | None = None

    @property
    def extent(self) -> tuple[float, float, float, float]:
        """(α_min, α_max, β_min, β_max), for placing the image."""
        return (float(self.alphas[0]), float(self.alphas[-1]), float(self.betas[0]), float(self.betas[-1]))

    def theta_at(self, alpha: float, beta: float) -> Array:
        """The parameter vector at one point of the plane."""
        return self.origin + alpha * self.d1 + beta * self.d2

    def argmin(self) -> tuple[float, float, float]:
        """(α, β, loss) of the lowest finite grid value (nan if there is none)."""
        finite = np.where(np.isfinite(self.loss), self.loss, np.inf)
        b, a = np.unravel_index(int(np.argmin(finite)), finite.shape)
        value = float(finite[b, a])
        if not math.isfinite(value):
            return math.nan, math.nan, math.nan
        return float(self.alphas[a]), float(self.betas[b]), value


@dataclass(frozen=True, eq=False)
class Directions:
    """Two directions of a slice, with how to label them."""

    d1: Array
    d2: Array
    labels: tuple[str, str]
    explained_variance: tuple[float, float] | None = None


@dataclass(frozen=True, eq=False)
class PCAPlane:
    """The PCA plane of a training path.

    ``origin`` is the final point; ``d1``, ``d2`` are orthonormal; ``coords`` (k, 2)
    are the checkpoints' coordinates in the plane; ``distance`` (k,) how far each
    checkpoint lies off it (in parameter units, ‖θ − projection‖).
    """

    origin: Array
    d1: Array
    d2: Array
    explained_variance: tuple[float, float]
    coords: Array
    distance: Array

    @property
    def directions(self) -> Directions:
        return Directions(self.d1, self.d2, pca_labels(self.explained_variance), self.explained_variance)


@dataclass(frozen=True, eq=False)
class PathOnPlane:
    """A training path drawn on a slice, honestly.

    ``true_loss`` is the objective at the checkpoints themselves; ``plane_loss`` at
    their projections onto the plane (what the surface shows under the path).
    ``distance`` is each checkpoint's distance from the plane and
    ``relative_distance`` that distance over the checkpoint's distance from the origin
    (0: in the plane, 1: perpendicular to it; nan at the origin).
    """

    coords: Array
    distance: Array
    relative_distance: Array
    true_loss: Array
    plane_loss: Array


# ------------------------------------------------------------------- plane algebra --
def _basis(d1: Array, d2: Array) -> Array:
    return np.stack([np.asarray(d1, dtype=np.float64), np.asarray(d2, dtype=np.float64)], axis=1)


def project(path: Array, origin: Array, d1: Array, d2: Array) -> Array:
    """Coordinates (k, 2) of the least-squares projections of points (k, P) onto the plane.

    For orthonormal directions this is (θ − θ₀)·d; for any other pair it solves the
    2×2 normal equations, so ``unproject(project(p))`` returns every point that lies in
    the plane (e.g. filter-normalised random directions, which are not orthogonal).
    """
    path = np.atleast_2d(np.asarray(path, dtype=np.float64))
    D = _basis(d1, d2)
    rhs = (path - origin) @ D  # (k, 2)
    gram = D.T @ D
    if np.linalg.cond(gram) < 1e12:
        return np.linalg.solve(gram, rhs.T).T
    return np.linalg.lstsq(D, (path - origin).T, rcond=None)[0].T


def unproject(coords: Array, origin: Array, d1: Array, d2: Array) -> Array:
    """Points (k, P) of the plane at coordinates (k, 2): θ₀ + α d₁ + β d₂."""
    coords = np.atleast_2d(np.asarray(coords, dtype=np.float64))
    return origin + coords @ _basis(d1, d2).T


def distance_from_plane(path: Array, origin: Array, d1: Array, d2: Array) -> Array:
    """Distance (k,) of each point from the plane (its least-squares residual norm)."""
    path = np.atleast_2d(np.asarray(path, dtype=np.float64))
    residual = path - unproject(project(path, origin, d1, d2), origin, d1, d2)
    return np.sqrt(np.einsum("kp,kp->k", residual, residual))


# ----------------------------------------------------------------------- directions --
def filter_normalise(net: Network, direction: Array, theta: Array) -> Array:
    """Li et al.'s filter normalisation: each neuron's incoming weights d ← d·‖w‖/‖d‖.

    Biases get a zero direction (as in the reference setting) so the picture is not
    dominated by the bias, whose scale has nothing to do with the weights'. A neuron
    with all-zero weights (or a zero direction) gets a zero direction.
    """
    out = np.array(direction, dtype=np.float64)
    for layer, s in enumerate(net.slots):
        d = net.layer_weights(layer, out)  # (fan_out, fan_in) view into out
        w = net.layer_weights(layer, theta)
        w_norm = np.linalg.norm(w, axis=1, keepdims=True)
        d_norm = np.linalg.norm(d, axis=1, keepdims=True)
        scale = np.divide(w_norm, d_norm, out=np.zeros_like(w_norm), where=d_norm > 0)
        d *= scale
        s.block(out)[:, -1] = 0.0
    return out


def random_directions(
    net: Network,
    theta: Array,
    rng: np.random.Generator | int | None = 0,
    mask: Array | None = None,
) -> Directions:
    """Two filter-normalised Gaussian directions (Li et al. 2018).

    ``rng`` is a Generator or a seed: the same seed gives the same picture, so a
    lecturer can show the same slice again. ``mask`` (e.g. the trainer's trainable
    mask) zeroes directions of frozen parameters, which training never moves.
    """
    gen = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)
    theta = np.asarray(theta, dtype=np.float64)
    dirs = []
    for _ in range(2):
        d = gen.standard_normal(net.n_params)
        if mask is not None:
            d *= mask
        dirs.append(filter_normalise(net, d, theta))
    return Directions(dirs[0], dirs[1], ("random direction 1", "random direction 2"))


def pca_labels(ratios: tuple[float, float]) -> tuple[str, str]:
    """Axis labels with the explained-variance ratio, as in the reference pictures."""
    return (f"PC1 ({100 * ratios[0]:.1f} %)", f"PC2 ({100 * ratios[1]:.1f} %)")


def pca_directions(trajectory_points: Array, final: Array | None = None) -> PCAPlane:
    """The PCA plane of a path: SVD of (θ_i − θ_final), final point as origin.

    The differences are *not* centred: with the origin fixed at the final point, the
    uncentred SVD gives the plane through that point that minimises the summed squared
    distances of the checkpoints, which is what "how far off the plane is the path" is
    measured against. Ratios are S_k² / ΣS² (sorted, sum ≤ 1). Signs are fixed so the
    first checkpoint has non-negative coordinates, which keeps the picture from
    flipping as training adds points. With fewer than two independent differences the
    missing directions are completed to an orthonormal pair (their ratio is 0).
    """
    pts = np.atleast_2d(np.asarray(trajectory_points, dtype=np.float64))
    origin = pts[-1].copy() if final is None else np.asarray(final, dtype=np.float64).copy()
    p = pts.shape[1]
    if p < 2:
        raise ValueError("a plane needs at least two parameters")
    diffs = pts - origin
    _, s, vt = np.linalg.svd(diffs, full_matrices=False)
    total = float(np.sum(s * s))
    tol = (s[0] if s.size else 0.0) * max(diffs.shape) * np.finfo(float).eps
    rank = int(np.sum(s > tol)) if total > 0 else 0
    basis = [vt[k] for k in range(min(rank, 2))]
    for k in range(p):  # complete with standard basis vectors, Gram–Schmidt
        if len(basis) == 2:
            break
        e = np.zeros(p)
        e[k] = 1.0
        for b in basis:
            e -= (e @ b) * b
        norm = np.linalg.norm(e)
        if norm > 1e-8:
            basis.append(e / norm)
    d1, d2 = basis
    ratios = tuple(float(s[k] ** 2 / total) if (total > 0 and k < rank) else 0.0 for k in range(2))
    first = diffs[0]
    if first @ d1 < 0:
        d1 = -d1
    if first @ d2 < 0:
        d2 = -d2
    coords = diffs @ np.stack([d1, d2], axis=1)
    residual = diffs - coords @ np.stack([d1, d2])
    distance = np.sqrt(np.einsum("kp,kp->k", residual, residual))
    return PCAPlane(origin, d1, d2, (ratios[0], ratios[1]), coords, distance)


# --------------------------------------------------------------- fast batched loss --
def _column_targets(T: Array) -> Array:
    T = np.asarray(T, dtype=np.float64)
    if T.ndim == 1:
        T = T[:, None]
    return np.ascontiguousarray(T.T)


def default_chunk(net: Network, n_examples: int) -> int:
    """Parameter sets per batched pass: one layer's input and output buffers in L2.

    Larger chunks spill out of L2 and get slower (spiral 6×8, 51×51: 86 ms at 16–48,
    90 ms at 64–96, 103 ms at 128); much smaller ones pay more per-call overhead
    (93 ms at 8). The spiral benchmark gets 29.
    """
    widest = max(net.sizes[1:]) + 1
    per_point = 2 * widest * max(1, n_examples) * 8
    return int(min(MAX_CHUNK, max(MIN_CHUNK, CHUNK_BYTES // per_point)))


class _Buffers:
    """One thread's reusable arrays for chunks of ``k`` parameter sets, from layer
    ``start`` on (the layers before it are shared by every point and computed once)."""

    def __init__(self, net: Network, k: int, n: int, start: int = 0):
        self.k = k
        self.coef = np.ones((k, 3))
        self.theta = np.empty((k, net.n_params))
        self.z0 = np.empty((k, net.sizes[start + 1], n))
        # hidden outputs with a trailing ones row: (k, fan_out + 1, n); None before start
        self.a_aug = [np.ones((k, f + 1, n)) if layer >= start else None
                      for layer, f in enumerate(net.sizes[1:-1])]
        self.z_out = np.empty((k, net.sizes[-1], n))


class LossEvaluator:
    """The objective at many points θ = θ₀ + α d₁ + β d₂ of one plane, vectorised.

    Construction precomputes what every point shares: the layers before the first one
    the directions touch (a two-parameter slice of the output layer recomputes only that
    layer), that layer's three pre-activation products, and the column-layout targets.
    ``__call__`` evaluates flat arrays of (α, β). One evaluator serves a whole
    coarse-to-fine sequence.
    """

    def __init__(
        self,
        net: Network,
        origin: Array,
        d1: Array,
        d2: Array,
        X: Array,
        T: Array,
        l1: float = 0.0,
        l2: float = 0.0,
        chunk: int | None = None,
        workers: int = 1,
    ):
        self.net = net
        self.basis = np.stack([np.asarray(v, dtype=np.float64) for v in (origin, d1, d2)])
        if self.basis.shape[1] != net.n_params:
            raise ValueError(f"directions must have {net.n_params} entries, not {self.basis.shape[1]}")
        X = np.asarray(X, dtype=np.float64)
        self.n = X.shape[0]
        self.t_cols = _column_targets(T)
        if self.t_cols.shape != (net.sizes[-1], self.n):
            raise ValueError(f"targets must have shape ({self.n}, {net.sizes[-1]})")
        self.start = _first_moving_layer(net, self.basis[1], self.basis[2])
        a_aug = columns_with_ones(X)  # (d + 1, n)
        for layer in range(self.start):  # identical at every point: once, here
            z = net.slots[layer].block(self.basis[0]) @ a_aug
            a_aug = columns_with_ones(net.activations[layer].forward(z).T)
        first = net.slots[self.start]
        # Z of the first moving layer for θ₀, d₁, d₂: (3, fan_out · n), combined per
        # point by one product.
        self.p0 = np.stack([first.block(v) @ a_aug for v in self.basis]).reshape(3, -1)
        self.l1, self.l2 = float(l1), float(l2)
        self.chunk = int(chunk) if chunk else default_chunk(net, self.n)
        self.workers = max(1, int(workers))
        self._local = threading.local()

    # -- one chunk ----------------------------------------------------------------------
    def _buffers(self, k: int) -> _Buffers:
        bufs = getattr(self._local, "bufs", None)
        if bufs is None or bufs.k != k:
            bufs = self._local.bufs = _Buffers(self.net, k, self.n, self.start)
        return bufs

    def _chunk(self, alphas: Array, betas: Array, out: Array) -> None:
        net, k = self.net, len(alphas)
        buf = self._buffers(k)
        coef = buf.coef
        coef[:, 1] = alphas
        coef[:, 2] = betas
        # Products are written per point ((1 × 3)·(3 × m) each) rather than as one
        # (k × 3)·(3 × m) GEMM: OpenBLAS would run the big one on its own threads, whose
        # spinning afterwards steals the core from the training thread and from workers=2.
        theta = np.matmul(coef[:, None, :], self.basis, out=buf.theta[:, None, :])[:, 0]  # (k, P)
        last, start = net.n_layers - 1, self.start
        z0 = buf.z_out if start == last else buf.z0
        np.matmul(coef[:, None, :], self.p0, out=z0.reshape(k, 1, -1))
        if start < last:
            net.activations[start].forward(z0, out=buf.a_aug[start][:, :-1])
        for layer in range(start + 1, last + 1):
            s = net.slots[layer]
            m = theta[:, s.start : s.stop].reshape(k, s.fan_out, s.fan_in + 1)
            inp = buf.a_aug[layer - 1]
            if layer == last:
                np.matmul(m, inp, out=buf.z_out)
            else:
                z = buf.a_aug[layer][:, :-1]
                np.matmul(m, inp, out=z)
                net.activations[layer].forward(z, out=z)
        out[:] = self._data_loss(buf.z_out)
        if self.l1 or self.l2:
            w = theta * net.weight_mask
            if self.l1:
                out += self.l1 * np.abs(w).sum(axis=1)
            if self.l2:
                out += 0.5 * self.l2 * np.einsum("kp,kp->k", w, w)

    def _data_loss(self, z: Array) -> Array:
        """Mean loss over examples from the logits (k, n_out, n), column layout."""
        head, t = self.net.head, self.t_cols
        if head.loss == "bce":
            # softplus(z) − t·z; max(z, 0) + log1p(e^−|z|) is ~4× faster than logaddexp
            sp = np.abs(z)
            np.negative(sp, out=sp)
            np.exp(sp, out=sp)
            np.log1p(sp, out=sp)
            sp += np.maximum(z, 0.0)
            sp -= t * z
            per = sp.sum(axis=1)
        elif head.loss == "ce":
            shift = z.max(axis=1, keepdims=True)
            lse = np.log(np.exp(z - shift).sum(axis=1)) + shift[:, 0]
            per = lse - np.einsum("kon,on->kn", z, t)
        else:
            a = head.forward_generic(z) if head.output != "linear" else z
            diff = a - t
            per = 0.5 * np.einsum("kon,kon->kn", diff, diff)
        return per.mean(axis=-1)

    # -- public -------------------------------------------------------------------------
    def __call__(self, alphas: Array, betas: Array) -> Array:
        """Objective at the points (alphas[i], betas[i]); both flat arrays of equal length."""
        alphas = np.ascontiguousarray(alphas, dtype=np.float64).ravel()
        betas = np.ascontiguousarray(betas, dtype=np.float64).ravel()
        if alphas.shape != betas.shape:
            raise ValueError("alphas and betas must have the same length")
        out = np.empty(alphas.size)
        c = self.chunk
        starts = range(0, alphas.size, c)

        def run(start: int) -> None:
            stop = min(alphas.size, start + c)
            self._chunk(alphas[start:stop], betas[start:stop], out[start:stop])

        with np.errstate(all="ignore"):
            if self.workers == 1 or alphas.size <= c:
                for start in starts:
                    run(start)
            else:
                with ThreadPoolExecutor(max_workers=self.workers) as pool:
                    for _ in pool.map(run, starts):
                        pass
        return out


def _first_moving_layer(net: Network, d1: Array, d2: Array) -> int:
    """The first layer whose parameters either direction changes (the last if none)."""
    moving = np.flatnonzero((d1 != 0) | (d2 != 0))
    if moving.size == 0:
        return net.n_layers - 1
    first = int(moving[0])
    for layer, slot in enumerate(net.slots):
        if slot.start <= first < slot.stop:
            return layer
    return 0


def surface(
    net: Network,
    origin: Array,
    d1: Array,
    d2: Array,
    alphas: Array,
    betas: Array,
    X: Array,
    T: Array,
    l1: float = 0.0,
    l2: float = 0.0,
    chunk: int | None = None,
    workers: int = 1,
) -> Array:
    """Objective at θ₀ + α d₁ + β d₂ over the grid: shape (len(betas), len(alphas)).

    Rows follow β and columns α (image convention: ``loss[b, a]``). Values equal
    ``functional.loss_batched`` at each point to rounding (tests: rtol 1e-10).
    """
    alphas = np.asarray(alphas, dtype=np.float64).ravel()
    betas = np.asarray(betas, dtype=np.float64).ravel()
    ev = LossEvaluator(net, origin, d1, d2, X, T, l1, l2, chunk, workers)
    aa, bb = np.meshgrid(alphas, betas)
    return ev(aa.ravel(), bb.ravel()).reshape(len(betas), len(alphas))


def make_surface(
    net: Network,
    origin: Array,
    directions: Directions,
    alphas: Array,
    betas: Array,
    X: Array,
    T: Array,
    l1: float = 0.0,
    l2: float = 0.0,
    chunk: int | None = None,
    workers: int = 1,
) -> Surface:
    """``surface`` wrapped in a ``Surface`` with its axes, directions and labels."""
    loss = surface(net, origin, directions.d1, directions.d2, alphas, betas, X, T, l1, l2, chunk, workers)
    return Surface(
        np.asarray(alphas, dtype=np.float64), np.asarray(betas, dtype=np.float64), loss,
        np.asarray(origin, dtype=np.float64).copy(), directions.d1, directions.d2,
        directions.labels, directions.explained_variance,
    )


def surface_coarse_to_fine(
    net: Network,
    origin: Array,
    d1: Array,
    d2: Array,
    alpha_range: tuple[float, float],
    beta_range: tuple[float, float],
    X: Array,
    T: Array,
    l1: float = 0.0,
    l2: float = 0.0,
    resolutions: Sequence[int] = (11, 26, 51),
    chunk: int | None = None,
    workers: int = 1,
    labels: tuple[str, str] = ("α", "β"),
    explained_variance: tuple[float, float] | None = None,
) -> Iterator[Surface]:
    """Yield ever finer ``Surface``s of the same slice, so the view can draw at once.

    An 11×11 grid costs ~5 % of a 51×51 one. A level reuses the previous level's
    values where its grid contains them ((r − 1) divisible by (r_prev − 1): 26 → 51
    reuses 676 of 2,601 points), so the whole sequence costs little more than the
    finest grid alone. The generator can be abandoned between levels (e.g. when
    training moves the origin on).
    """
    d1 = np.asarray(d1, dtype=np.float64)
    d2 = np.asarray(d2, dtype=np.float64)
    ev = LossEvaluator(net, origin, d1, d2, X, T, l1, l2, chunk, workers)
    prev: tuple[int, Array] | None = None
    origin = np.asarray(origin, dtype=np.float64).copy()
    for r in resolutions:
        r = int(r)
        alphas = np.linspace(alpha_range[0], alpha_range[1], r)
        betas = np.linspace(beta_range[0], beta_range[1], r)
        loss = np.empty((r, r))
        todo = np.ones((r, r), dtype=bool)
        if prev is not None and prev[0] > 1 and (r - 1) % (prev[0] - 1) == 0:
            step = (r - 1) // (prev[0] - 1)
            loss[::step, ::step] = prev[1]
            todo[::step, ::step] = False
        bb, aa = np.nonzero(todo)
        loss[bb, aa] = ev(alphas[aa], betas[bb])
        prev = (r, loss)
        yield Surface(alphas, betas, loss.copy(), origin, d1, d2, labels, explained_variance)


# --------------------------------------------------------------- path helpers -------
def path_losses(
    net: Network, points: Array, X: Array, T: Array, l1: float = 0.0, l2: float = 0.0,
    chunk: int | None = None,
) -> Array:
    """The TRUE objective at each checkpoint (k, P): what the optimiser actually saw."""
    from nnviz.engine import functional

    points = np.atleast_2d(np.asarray(points, dtype=np.float64))
    c = chunk or default_chunk(net, len(X))
    with np.errstate(all="ignore"):
        parts = [
            functional.loss_batched(net, points[s : s + c], X, T, l1, l2) for s in range(0, len(points), c)
        ]
    return np.concatenate(parts) if parts else np.empty(0)


def plane_losses(
    net: Network, origin: Array, d1: Array, d2: Array, coords: Array, X: Array, T: Array,
    l1: float = 0.0, l2: float = 0.0,
) -> Array:
    """The objective at plane coordinates (k, 2): what the surface shows there."""
    coords = np.atleast_2d(np.asarray(coords, dtype=np.float64))
    ev = LossEvaluator(net, origin, d1, d2, X, T, l1, l2)
    return ev(coords[:, 0], coords[:, 1])


def honest_path(
    net: Network, points: Array, origin: Array, d1: Array, d2: Array, X: Array, T: Array,
    l1: float = 0.0, l2: float = 0.0,
) -> PathOnPlane:
    """Project a path onto a plane and report how faithful the picture is.

    The plane's loss under a projected checkpoint can be far from the loss at the
    checkpoint (reference §3, known pitfall); returning both, with the distances,
    lets the view draw the true loss next to the plane's and fade far-off points.
    """
    points = np.atleast_2d(np.asarray(points, dtype=np.float64))
    coords = project(points, origin, d1, d2)
    dist = distance_from_plane(points, origin, d1, d2)
    radius = np.linalg.norm(points - origin, axis=1)
    with np.errstate(all="ignore"):
        rel = np.where(radius > 0, dist / np.where(radius > 0, radius, 1.0), math.nan)
    return PathOnPlane(
        coords, dist, rel,
        path_losses(net, points, X, T, l1, l2),
        plane_losses(net, origin, d1, d2, coords, X, T, l1, l2),
    )


# ---------------------------------------------------------- trainer conveniences ----
def _source(
    source: Trainer | Network, X: Array | None, T: Array | None, l1: float | None, l2: float | None,
) -> tuple[Network, Array, Array, float, float]:
    """(net, X, T, l1, l2) from a Trainer (its training set and penalties) or a Network."""
    if isinstance(source, Network):
        if X is None or T is None:
            raise ValueError("with a Network, pass the data X and targets T")
        return source, np.asarray(X, float), np.asarray(T, float), l1 or 0.0, l2 or 0.0
    tr = source.scenario.training
    return (
        source.net,
        source.dataset.X_train if X is None else np.asarray(X, float),
        source.T_train if T is None else np.asarray(T, float),
        tr.l1 if l1 is None else l1,
        tr.l2 if l2 is None else l2,
    )


def two_param_slice(
    source: Trainer | Network,
    theta: Array | None = None,
    i: int = 0,
    j: int = 1,
    span: float = 1.0,
    ranges: tuple[tuple[float, float], tuple[float, float]] | None = None,
    resolution: int = 51,
    X: Array | None = None,
    T: Array | None = None,
    l1: float | None = None,
    l2: float | None = None,
    chunk: int | None = None,
    workers: int = 1,
) -> Surface:
    """The objective as a function of parameters i and j, all others held at ``theta``.

    ``source`` is a Trainer (its training data and penalties are used) or a Network
    (pass X, T). The origin has θ_i = θ_j = 0 and the directions are e_i, e_j, so
    ``alphas``/``betas`` are the parameter values themselves: the grid is centred on
    the current values ± ``span`` unless ``ranges`` = ((lo_i, hi_i), (lo_j, hi_j)).
    Project a path with ``project(path, s.origin, s.d1, s.d2)``: its coordinates are
    then simply (θ_i, θ_j). For a model with only these two parameters the surface
    and the path are exact.
    """
    net, X, T, l1, l2 = _source(source, X, T, l1, l2)
    theta = net.theta if theta is None else theta
    theta = np.asarray(theta, dtype=np.float64)
    origin, dirs = two_param_plane(net, theta, i, j)
    if ranges is None:
        ranges = ((theta[i] - span, theta[i] + span), (theta[j] - span, theta[j] + span))
    alphas = np.linspace(*ranges[0], resolution)
    betas = np.linspace(*ranges[1], resolution)
    return make_surface(net, origin, dirs, alphas, betas, X, T, l1, l2, chunk, workers)


def two_param_plane(net: Network, theta: Array, i: int, j: int) -> tuple[Array, Directions]:
    """The plane in which only parameters i and j vary: origin θ with θ_i = θ_j = 0 and
    the unit directions e_i, e_j, so plane coordinates are the parameter values."""
    if i == j or not (0 <= i < net.n_params and 0 <= j < net.n_params):
        raise ValueError(f"choose two different parameters in 0..{net.n_params - 1}")
    origin = np.array(theta, dtype=np.float64)
    origin[[i, j]] = 0.0
    d1 = np.zeros(net.n_params)
    d2 = np.zeros(net.n_params)
    d1[i] = d2[j] = 1.0
    return origin, Directions(d1, d2, (net.param_name(i), net.param_name(j)))


def random_surface(
    trainer: Trainer, span: float = 1.0, resolution: int = 51, seed: int = 0, workers: int = 1,
) -> Surface:
    """Li et al.'s picture around the trainer's current parameters: [−span, span]²."""
    net, X, T, l1, l2 = _source(trainer, None, None, None, None)
    dirs = random_directions(net, net.theta, seed, getattr(trainer, "_trainable", None))
    grid = np.linspace(-span, span, resolution)
    return make_surface(net, net.theta.copy(), dirs, grid, grid, X, T, l1, l2, workers=workers)


def path_extent(
    coords: Array, margin: float = 0.25, minimum: float = 1e-3,
) -> tuple[tuple[float, float], tuple[float, float]]:
    """Ranges ((α_lo, α_hi), (β_lo, β_hi)) covering the plane origin and every point, plus a margin."""
    coords = np.vstack([np.atleast_2d(coords), np.zeros((1, 2))])
    lo, hi = coords.min(axis=0), coords.max(axis=0)
    width = np.maximum(hi - lo, minimum)
    lo, hi = lo - margin * width, hi + margin * width
    return (float(lo[0]), float(hi[0])), (float(lo[1]), float(hi[1]))


def pca_surface(
    trainer: Trainer, resolution: int = 51, margin: float = 0.25, workers: int = 1,
) -> tuple[Surface, PathOnPlane]:
    """The trainer's recorded path on its PCA plane, with the honest path data."""
    net, X, T, l1, l2 = _source(trainer, None, None, None, None)
    points = trainer.trajectory.points
    plane = pca_directions(points, net.theta)
    (a0, a1), (b0, b1) = path_extent(plane.coords, margin)
    surf = make_surface(
        net, plane.origin, plane.directions, np.linspace(a0, a1, resolution),
        np.linspace(b0, b1, resolution), X, T, l1, l2, workers=workers,
    )
    return surf, honest_path(net, points, plane.origin, plane.d1, plane.d2, X, T, l1, l2)


# ---------------------------------------------------------- linear regression -------
def closed_form_least_squares(X: Array, y: Array) -> tuple[Array, float]:
    """The least-squares optimum (w, b) of y ≈ X·w + b, to mark on the (w, b) surface.

    Solved with ``np.linalg.lstsq`` on [X | 1] rather than (XᵀX)⁻¹Xᵀy: same answer,
    but stable when XᵀX is ill-conditioned (e.g. un-centred inputs). It is the
    minimum of the mean ½(ŷ − y)² loss without regularisation. For a one-neuron linear
    network the engine's θ for it is ``np.append(w, b)``.
    """
    X = np.asarray(X, dtype=np.float64)
    if X.ndim == 1:
        X = X[:, None]
    y = np.asarray(y, dtype=np.float64).reshape(len(X))
    A = np.ones((X.shape[0], X.shape[1] + 1))
    A[:, :-1] = X
    coef = np.linalg.lstsq(A, y, rcond=None)[0]
    return coef[:-1], float(coef[-1])
