"""Loss surfaces computed off the GUI thread, latest request wins.

``SurfaceService`` is a parentless ``QObject`` moved to its own ``QThread`` (reference
§5). The loss-surface panel sends it a ``SurfaceRequest`` (a fresh ``Network`` built
from a snapshot, the training data and targets, the penalties, the kind of slice and
the recorded path) with ``submit``; the request travels by a queued signal. On its own
thread the service

1. works out the slice: the two parameters' unit vectors, filter-normalised random
   directions, or the PCA plane of the path (an SVD of up to 2 000 × P: not GUI work);
2. picks the grid's ranges so that the path fits, keeping the previous ranges while
   they still fit (so the picture does not jitter as training adds points);
3. evaluates ``landscape.surface_coarse_to_fine`` with ``workers=1`` (the training
   thread needs the other core) and emits every refinement: ``surfaceReady(id,
   Surface, final)``; after the first, coarse level it emits ``pathReady(id,
   HonestPath)``: the TRUE loss at (up to ``honest_points``) recorded checkpoints next
   to the loss on the plane under their projections, and their distances from the plane
   (``landscape.honest_path``).

Latest wins. ``submit`` records the new request id (a plain attribute write, atomic
under the GIL) before queuing it; the service drops a queued request that is no longer
the latest and abandons a running one between refinement levels. The panel also drops
results whose id is not its latest request. ``shutdown()`` stops and joins the thread;
it never leaves a running ``QThread`` to be destroyed.

``compute`` is the same work as a plain generator, for tests and benchmarks.
"""

from __future__ import annotations

import contextlib
import math
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace

import numpy as np
from PySide6.QtCore import QObject, Qt, QThread, Signal, Slot

from nnviz.engine import landscape
from nnviz.engine.network import Network

Array = np.ndarray

#: Slice kinds: two chosen parameters, random filter-normalised directions, PCA of the path.
KINDS = ("params", "random", "pca")
#: Most recorded checkpoints whose true loss is evaluated for the honest-path inset.
HONEST_POINTS = 256
#: Grid refinements: 11 → 26 → 51 (each level reuses the previous one's values).
RESOLUTIONS = (11, 26, 51)

# Threads whose wait timed out at shutdown: kept referenced so Python never destroys a
# running QThread ("QThread: Destroyed while thread is still running" aborts).
_UNFINISHED: list[QThread] = []


@dataclass(frozen=True, eq=False)
class SurfaceRequest:
    """What to compute. Arrays are owned by the request (the panel passes copies).

    ``theta`` is the current parameter vector (the origin of a random slice and the
    values of the other parameters in a two-parameter slice); ``trajectory`` (k, P) the
    finite recorded checkpoints and ``steps`` (k,) their step numbers. ``params``: the
    flat indices (i, j) of a two-parameter slice. ``extra_points`` (m, P) are points
    the ranges must include (the closed-form optimum). ``previous_ranges`` keeps the
    last picture's ranges while the path still fits in them. ``ranges`` forces them.
    """

    net: Network
    X: Array
    T: Array
    theta: Array
    kind: str = "random"
    l1: float = 0.0
    l2: float = 0.0
    trajectory: Array | None = None
    steps: Array | None = None
    params: tuple[int, int] = (0, 1)
    seed: int = 0
    mask: Array | None = None
    extra_points: Array | None = None
    ranges: tuple[tuple[float, float], tuple[float, float]] | None = None
    previous_ranges: tuple[tuple[float, float], tuple[float, float]] | None = None
    resolutions: tuple[int, ...] = RESOLUTIONS
    honest: bool = True
    honest_points: int = HONEST_POINTS
    request_id: int = 0
    tag: object = None  # anything the caller wants back (the panel: its slice key)


@dataclass(frozen=True, eq=False)
class SlicePlan:
    """The plane and the grid's ranges chosen for a request."""

    origin: Array
    d1: Array
    d2: Array
    labels: tuple[str, str]
    explained_variance: tuple[float, float] | None
    ranges: tuple[tuple[float, float], tuple[float, float]]
    exact: bool  # True when the path lies in the plane (a two-parameter model)


@dataclass(frozen=True, eq=False)
class HonestPath:
    """The recorded path (subsampled) against the plane: ``path`` is a ``PathOnPlane``.

    ``max_distance`` is the largest distance of a checkpoint from the plane and
    ``max_relative`` that distance over the largest distance of a checkpoint from the
    plane's origin (the size of the path): 0 in the plane, near 1 far off it.
    """

    steps: Array
    path: landscape.PathOnPlane
    max_distance: float
    max_relative: float


# ---------------------------------------------------------------------------- planning --
def _box(points: Array) -> tuple[Array, Array]:
    pts = np.atleast_2d(np.asarray(points, dtype=float))
    pts = pts[np.all(np.isfinite(pts), axis=1)]
    if pts.size == 0:
        return np.zeros(2), np.zeros(2)
    return pts.min(axis=0), pts.max(axis=0)


def choose_ranges(
    coords: Array, previous=None, margin: float = 0.2, min_width: tuple[float, float] = (1e-3, 1e-3),
    must_include: tuple[tuple[float, float], tuple[float, float]] | None = None,
) -> tuple[tuple[float, float], tuple[float, float]]:
    """Ranges covering ``coords`` (k, 2) with a margin, keeping ``previous`` if it still fits.

    The previous ranges are kept while they contain every point and are no more than
    four times as wide as needed, so a growing path only occasionally re-frames.
    """
    lo, hi = _box(coords)
    if must_include is not None:
        lo = np.minimum(lo, [must_include[0][0], must_include[1][0]])
        hi = np.maximum(hi, [must_include[0][1], must_include[1][1]])
    width = np.maximum(hi - lo, np.asarray(min_width, dtype=float))
    centre = 0.5 * (lo + hi)
    if previous is not None:
        (a0, a1), (b0, b1) = previous
        p_lo, p_hi = np.array([a0, b0]), np.array([a1, b1])
        inside = np.all(lo >= p_lo) and np.all(hi <= p_hi)
        snug = np.all((p_hi - p_lo) <= 4.0 * width * (1 + 2 * margin))
        if inside and snug and np.all(np.isfinite([a0, a1, b0, b1])):
            return (float(a0), float(a1)), (float(b0), float(b1))
    half = 0.5 * width * (1 + 2 * margin)
    new_lo, new_hi = centre - half, centre + half
    return (float(new_lo[0]), float(new_hi[0])), (float(new_lo[1]), float(new_hi[1]))


def plan_slice(req: SurfaceRequest) -> SlicePlan:
    """The plane (origin, directions, labels) and ranges for a request."""
    net = req.net
    theta = np.asarray(req.theta, dtype=float)
    path = None if req.trajectory is None else np.atleast_2d(np.asarray(req.trajectory, dtype=float))
    if path is not None and path.shape[0] == 0:
        path = None
    pts = theta[None, :] if path is None else np.vstack([path, theta[None, :]])
    if req.extra_points is not None:
        pts = np.vstack([pts, np.atleast_2d(req.extra_points)])
    if req.kind == "params":
        i, j = (int(p) for p in req.params)
        origin, dirs = landscape.two_param_plane(net, theta, i, j)
        coords = pts[:, [i, j]]
        c = theta[[i, j]]
        must = ((c[0] - 0.5, c[0] + 0.5), (c[1] - 0.5, c[1] + 0.5))
        ranges = req.ranges or choose_ranges(coords, req.previous_ranges, 0.2, (1.0, 1.0), must)
        return SlicePlan(origin, dirs.d1, dirs.d2, dirs.labels, None, ranges, exact=net.n_params == 2)
    if req.kind == "random":
        dirs = landscape.random_directions(net, theta, req.seed, req.mask)
        origin = theta.copy()
        coords = landscape.project(pts, origin, dirs.d1, dirs.d2)
        ranges = req.ranges or choose_ranges(
            coords, req.previous_ranges, 0.1, (0.2, 0.2), ((-1.0, 1.0), (-1.0, 1.0))
        )
        labels = (f"random direction 1 (seed {req.seed})", f"random direction 2 (seed {req.seed})")
        return SlicePlan(origin, dirs.d1, dirs.d2, labels, None, ranges, exact=False)
    if req.kind == "pca":
        source = theta[None, :] if path is None else path
        plane = pca_plane(source, theta)
        coords = landscape.project(pts, plane.origin, plane.d1, plane.d2)
        ranges = req.ranges or choose_ranges(coords, req.previous_ranges, 0.25, (1e-3, 1e-3))
        dirs = plane.directions
        return SlicePlan(plane.origin, plane.d1, plane.d2, dirs.labels, plane.explained_variance,
                         ranges, exact=False)
    raise ValueError(f"unknown slice kind {req.kind!r}; choose one of {', '.join(KINDS)}")


def pca_plane(points: Array, final: Array) -> landscape.PCAPlane:
    """``landscape.pca_directions`` through the eigenvectors of the smaller Gram matrix.

    Same plane, ratios, signs, coordinates and distances (to rounding), but a 2 000 × 393
    path takes ~25 ms instead of the ~150–700 ms of a full SVD: only the top two
    directions are needed. Paths of rank < 2 (or with a second direction lost in
    rounding) go to ``pca_directions`` itself, which completes the basis.
    """
    pts = np.atleast_2d(np.asarray(points, dtype=np.float64))
    origin = np.asarray(final, dtype=np.float64).copy()
    diffs = pts - origin
    k, p = diffs.shape
    total = float(np.einsum("kp,kp->", diffs, diffs))
    if p < 2 or k < 2 or not (total > 0 and math.isfinite(total)):
        return landscape.pca_directions(pts, origin)
    if p <= k:
        w, v = np.linalg.eigh(diffs.T @ diffs)
        s2 = w[::-1][:2]
        top = v[:, ::-1][:, :2]
    else:
        w, u = np.linalg.eigh(diffs @ diffs.T)
        s2 = w[::-1][:2]
        top = diffs.T @ u[:, ::-1][:, :2]
    if not (s2[1] > 1e-10 * s2[0] > 0):
        return landscape.pca_directions(pts, origin)
    top, _ = np.linalg.qr(top)  # orthonormal to rounding
    d1, d2 = top[:, 0].copy(), top[:, 1].copy()
    first = diffs[0]
    if first @ d1 < 0:
        d1 = -d1
    if first @ d2 < 0:
        d2 = -d2
    basis = np.stack([d1, d2], axis=1)
    coords = diffs @ basis
    residual = diffs - coords @ basis.T
    distance = np.sqrt(np.einsum("kp,kp->k", residual, residual))
    ratios = (float(max(s2[0], 0.0) / total), float(max(s2[1], 0.0) / total))
    return landscape.PCAPlane(origin, d1, d2, ratios, coords, distance)


def subsample(n: int, most: int) -> Array:
    """At most ``most`` evenly spaced indices of range(n), always the first and last."""
    if n <= most:
        return np.arange(n)
    return np.unique(np.round(np.linspace(0, n - 1, most)).astype(np.int64))


def honest(req: SurfaceRequest, plan: SlicePlan) -> HonestPath | None:
    """True and plane losses along (a subsample of) the recorded path."""
    if req.trajectory is None or len(req.trajectory) == 0:
        return None
    path = np.atleast_2d(np.asarray(req.trajectory, dtype=float))
    idx = subsample(len(path), max(2, int(req.honest_points)))
    steps = np.arange(len(path)) if req.steps is None else np.asarray(req.steps)
    result = landscape.honest_path(
        req.net, path[idx], plan.origin, plan.d1, plan.d2, req.X, req.T, req.l1, req.l2,
    )
    with np.errstate(all="ignore"):
        dist = result.distance[np.isfinite(result.distance)]
        radius = np.linalg.norm(path[idx] - plan.origin, axis=1)
        radius = radius[np.isfinite(radius)]
    max_dist = float(dist.max()) if dist.size else 0.0
    max_radius = float(radius.max()) if radius.size else 0.0
    return HonestPath(
        np.asarray(steps)[idx].astype(float), result, max_dist,
        max_dist / max_radius if max_radius > 0 else 0.0,
    )


def compute(
    req: SurfaceRequest, current: Callable[[], bool] = lambda: True, workers: int = 1,
) -> Iterator[tuple[str, object]]:
    """The service's work as a generator of ("plan", SlicePlan), ("surface", Surface),
    ("path", HonestPath | None) events; stops early once ``current()`` is False."""
    with np.errstate(all="ignore"):
        plan = plan_slice(req)
        yield "plan", plan
        (a0, a1), (b0, b1) = plan.ranges
        levels = landscape.surface_coarse_to_fine(
            req.net, plan.origin, plan.d1, plan.d2, (a0, a1), (b0, b1), req.X, req.T,
            req.l1, req.l2, resolutions=req.resolutions, workers=workers, labels=plan.labels,
            explained_variance=plan.explained_variance,
        )
        for n, surf in enumerate(levels):
            if not current():
                return
            yield "surface", surf
            if n == 0 and req.honest:
                if not current():
                    return
                yield "path", honest(req, plan)


# ---------------------------------------------------------------------------- service --
class SurfaceService(QObject):
    """Computes loss surfaces on its own thread; the latest request wins.

    Signals (delivered to the GUI thread by queued connections):
    ``surfaceReady(request_id, Surface, final)``, ``pathReady(request_id, HonestPath |
    None)``, ``planReady(request_id, SlicePlan)``, ``failed(request_id, message)``,
    ``finishedRequest(request_id, seconds)`` (all levels done, with the time taken).
    """

    planReady = Signal(int, object)
    surfaceReady = Signal(int, object, bool)
    pathReady = Signal(int, object)
    failed = Signal(int, str)
    finishedRequest = Signal(int, float)
    _requested = Signal(object)

    def __init__(self, workers: int = 1):
        super().__init__()  # parentless: it is moved to its own thread
        self.workers = max(1, int(workers))
        self._latest = 0
        self._next_id = 0
        self._closed = False
        self._gate = threading.Lock()
        self.thread = QThread()
        self.thread.setObjectName("nnviz-surface")
        self.moveToThread(self.thread)
        self._requested.connect(self._run, Qt.ConnectionType.QueuedConnection)
        self.thread.start(QThread.Priority.LowPriority)

    # -- GUI side ------------------------------------------------------------------------
    def submit(self, req: SurfaceRequest) -> int:
        """Queue ``req`` (superseding every earlier request); returns its id."""
        if self._closed:
            return -1
        self._next_id += 1
        rid = self._next_id
        self._latest = rid  # set before queuing: the thread compares against it
        self._requested.emit(replace(req, request_id=rid))
        return rid

    @property
    def latest_id(self) -> int:
        return self._latest

    def cancel(self) -> None:
        """Abandon every pending and running request."""
        self._next_id += 1
        self._latest = self._next_id

    @contextlib.contextmanager
    def paused(self):
        """Hold the service before it starts any request (tests: make queuing deterministic)."""
        with self._gate:
            yield

    def is_running(self) -> bool:
        return self.thread.isRunning()

    def shutdown(self, timeout_ms: int = 10000) -> bool:
        """Stop and join the thread (idempotent). True when it has finished."""
        if not self._closed:
            self._closed = True
            self._latest = -1
            self.thread.quit()
        if self.thread.wait(timeout_ms):
            return True
        if self.thread not in _UNFINISHED:
            _UNFINISHED.append(self.thread)
        return False

    # -- service thread ------------------------------------------------------------------
    def _is_current(self, rid: int) -> bool:
        return not self._closed and self._latest == rid

    @Slot(object)
    def _run(self, req: SurfaceRequest) -> None:
        with self._gate:
            pass
        rid = req.request_id
        if not self._is_current(rid):
            return
        t0 = time.perf_counter()
        last = len(req.resolutions) - 1
        level = 0
        try:
            for kind, payload in compute(req, lambda: self._is_current(rid), self.workers):
                if not self._is_current(rid):
                    return
                if kind == "plan":
                    self.planReady.emit(rid, payload)
                elif kind == "surface":
                    self.surfaceReady.emit(rid, payload, level == last)
                    level += 1
                else:
                    self.pathReady.emit(rid, payload)
        except Exception as exc:  # noqa: BLE001 - the service thread must survive any input
            traceback.print_exc()
            if self._is_current(rid):
                self.failed.emit(rid, f"{type(exc).__name__}: {exc}")
            return
        if self._is_current(rid) and level > last:
            self.finishedRequest.emit(rid, time.perf_counter() - t0)


def finite_rows(points: Array) -> Array:
    """The rows of (k, P) whose entries are all finite."""
    pts = np.atleast_2d(np.asarray(points, dtype=float))
    if pts.size == 0:
        return pts.reshape(0, pts.shape[-1] if pts.ndim == 2 else 0)
    return pts[np.all(np.isfinite(pts), axis=1)]


def is_finite_vector(v: Array) -> bool:
    v = np.asarray(v, dtype=float)
    return bool(v.size) and math.isfinite(float(np.dot(v, v)))
