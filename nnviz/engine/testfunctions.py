"""Classic optimiser test surfaces, with analytic gradients and Hessians.

The optimiser race (``race.py``) runs the engine's optimisers on these two-variable
functions, where every step can be drawn on a contour plot. Gradients and Hessians
are written out by hand rather than taken by finite differences: finite differences
with a tiny step are fragile exactly where these functions are interesting (the
steep walls of Rosenbrock's valley, Rastrigin's ripples), and Newton's method needs
an exact Hessian to show its saddle-point attraction honestly.

Every function is vectorised: ``value``, ``gradient`` and ``hessian`` take points of
shape (..., 2) and return (...), (..., 2) and (..., 2, 2), so one call fills a contour
grid (``grid``) and the same call evaluates a single racer's 2-vector.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

Array = np.ndarray
_Fn = Callable[[Array, Array], Array]
_GradFn = Callable[[Array, Array], tuple[Array, Array]]
_HessFn = Callable[[Array, Array], tuple[Array, Array, Array]]


@dataclass(frozen=True)
class TestFunction:
    """One test surface f(x, y) with its derivatives and plotting hints.

    ``domain`` = ((x_min, x_max), (y_min, y_max)) for the contour plot; ``start`` a
    start point that makes an instructive race; ``minima`` the global minima (several
    for Himmelblau, none for the saddle, whose stationary point is in
    ``stationary``); ``log_contours`` says whether contours read better on a log
    scale (Rosenbrock, Beale: a flat valley between steep walls).
    """

    __test__ = False  # not a pytest test class, despite the name

    name: str
    title: str
    formula: str
    domain: tuple[tuple[float, float], tuple[float, float]]
    start: tuple[float, float]
    minima: tuple[tuple[float, float], ...]
    min_value: float | None
    _value: _Fn
    _grad: _GradFn
    _hess: _HessFn
    stationary: tuple[tuple[float, float], ...] = ()
    log_contours: bool = False
    note: str = ""

    @staticmethod
    def _split(p: Array) -> tuple[Array, Array]:
        p = np.asarray(p, dtype=np.float64)
        if p.shape[-1] != 2:
            raise ValueError(f"points must have a last axis of length 2, not shape {p.shape}")
        return p[..., 0], p[..., 1]

    def value(self, p: Array) -> Array:
        """f at points (..., 2) → (...)."""
        x, y = self._split(p)
        return np.asarray(self._value(x, y), dtype=np.float64)

    def gradient(self, p: Array) -> Array:
        """∇f at points (..., 2) → (..., 2)."""
        x, y = self._split(p)
        gx, gy = self._grad(x, y)
        return np.stack(np.broadcast_arrays(gx, gy), axis=-1).astype(np.float64)

    def hessian(self, p: Array) -> Array:
        """∇²f at points (..., 2) → (..., 2, 2), symmetric."""
        x, y = self._split(p)
        hxx, hxy, hyy = np.broadcast_arrays(*self._hess(x, y))
        row0 = np.stack([hxx, hxy], axis=-1)
        row1 = np.stack([hxy, hyy], axis=-1)
        return np.stack([row0, row1], axis=-2).astype(np.float64)

    def __call__(self, p: Array) -> Array:
        return self.value(p)

    def grid(self, resolution: int = 200, domain=None) -> tuple[Array, Array, Array]:
        """(xs, ys, F) with F[j, i] = f(xs[i], ys[j]) over the domain, for contour plots."""
        (x0, x1), (y0, y1) = self.domain if domain is None else domain
        xs = np.linspace(x0, x1, resolution)
        ys = np.linspace(y0, y1, resolution)
        gx, gy = np.meshgrid(xs, ys)
        return xs, ys, np.asarray(self._value(gx, gy), dtype=np.float64)


# ----------------------------------------------------------------------- Rosenbrock --
def rosenbrock(a: float = 1.0, b: float = 100.0) -> TestFunction:
    """(a − x)² + b(y − x²)²: a curved, flat-bottomed valley; minimum (a, a²).

    GD crawls along the valley floor; momentum and Adam follow it faster.
    """

    def f(x: Array, y: Array) -> Array:
        return (a - x) ** 2 + b * (y - x * x) ** 2

    def g(x: Array, y: Array) -> tuple[Array, Array]:
        r = y - x * x
        return -2.0 * (a - x) - 4.0 * b * x * r, 2.0 * b * r

    def h(x: Array, y: Array) -> tuple[Array, Array, Array]:
        return 2.0 - 4.0 * b * y + 12.0 * b * x * x, -4.0 * b * x, np.full_like(x, 2.0 * b)

    formula = f"({a:g} − x)² + {b:g}(y − x²)²"
    return TestFunction(
        "rosenbrock", "Rosenbrock", formula,
        ((-2.0, 2.0), (-1.0, 3.0)), (-1.2, 1.0), ((a, a * a),), 0.0, f, g, h, log_contours=True,
    )


# ---------------------------------------------------------------------------- Beale --
_BEALE_C = (1.5, 2.25, 2.625)


def _beale_value(x: Array, y: Array) -> Array:
    return sum((c - x + x * y**i) ** 2 for i, c in enumerate(_BEALE_C, start=1))


def _beale_grad(x: Array, y: Array) -> tuple[Array, Array]:
    gx = gy = 0.0
    for i, c in enumerate(_BEALE_C, start=1):
        u = c - x + x * y**i
        gx = gx + 2.0 * u * (y**i - 1.0)
        gy = gy + 2.0 * u * i * x * y ** (i - 1)
    return gx, gy


def _beale_hess(x: Array, y: Array) -> tuple[Array, Array, Array]:
    # f = Σ u_i², ∇²f = Σ 2(∇u_i ∇u_iᵀ + u_i ∇²u_i);
    # ∇u_i = (y^i − 1, i x y^(i−1)), ∇²u_i = [[0, i y^(i−1)], [i y^(i−1), i(i−1) x y^(i−2)]]
    hxx = hxy = hyy = 0.0
    for i, c in enumerate(_BEALE_C, start=1):
        u = c - x + x * y**i
        ux, uy = y**i - 1.0, i * x * y ** (i - 1)
        uxy = i * y ** (i - 1)
        uyy = i * (i - 1) * x * y ** (i - 2) if i >= 2 else 0.0 * x
        hxx = hxx + 2.0 * ux * ux
        hxy = hxy + 2.0 * (ux * uy + u * uxy)
        hyy = hyy + 2.0 * (uy * uy + u * uyy)
    return hxx, hxy, hyy


BEALE = TestFunction(
    "beale", "Beale", "(1.5 − x + xy)² + (2.25 − x + xy²)² + (2.625 − x + xy³)²",
    ((-4.5, 4.5), (-4.5, 4.5)), (1.0, 1.5), ((3.0, 0.5),), 0.0,
    _beale_value, _beale_grad, _beale_hess, log_contours=True,
    note="Flat plateaus and sharp ridges: adaptive methods cope, plain GD stalls.",
)


# ----------------------------------------------------------------------- Himmelblau --
def _himmelblau_value(x: Array, y: Array) -> Array:
    return (x * x + y - 11.0) ** 2 + (x + y * y - 7.0) ** 2


def _himmelblau_grad(x: Array, y: Array) -> tuple[Array, Array]:
    a, b = x * x + y - 11.0, x + y * y - 7.0
    return 4.0 * x * a + 2.0 * b, 2.0 * a + 4.0 * y * b


def _himmelblau_hess(x: Array, y: Array) -> tuple[Array, Array, Array]:
    return 12.0 * x * x + 4.0 * y - 42.0, 4.0 * (x + y), 12.0 * y * y + 4.0 * x - 26.0


def _newton_refine(grad: _GradFn, hess: _HessFn, p: tuple[float, float]) -> tuple[float, float]:
    """Polish a published 6-decimal minimum to full precision (a few Newton steps)."""
    x, y = p
    for _ in range(8):
        gx, gy = grad(np.float64(x), np.float64(y))
        hxx, hxy, hyy = hess(np.float64(x), np.float64(y))
        det = hxx * hyy - hxy * hxy
        x, y = x - (hyy * gx - hxy * gy) / det, y - (hxx * gy - hxy * gx) / det
    return float(x), float(y)


HIMMELBLAU = TestFunction(
    "himmelblau", "Himmelblau", "(x² + y − 11)² + (x + y² − 7)²",
    ((-5.0, 5.0), (-5.0, 5.0)), (0.0, 0.0),
    tuple(
        _newton_refine(_himmelblau_grad, _himmelblau_hess, p)
        for p in ((3.0, 2.0), (-2.805118, 3.131312), (-3.779310, -3.283186), (3.584428, -1.848126))
    ),
    0.0, _himmelblau_value, _himmelblau_grad, _himmelblau_hess, log_contours=True,
    note="Four equal minima: which one an optimiser finds depends on where it starts.",
)


# --------------------------------------------------------------------------- saddle --
SADDLE = TestFunction(
    "saddle", "Saddle", "x² − y²", ((-2.0, 2.0), (-2.0, 2.0)), (-1.8, 0.05), (), None,
    lambda x, y: x * x - y * y,
    lambda x, y: (2.0 * x, -2.0 * y),
    lambda x, y: (np.full_like(x, 2.0), np.zeros_like(x), np.full_like(x, -2.0)),
    stationary=((0.0, 0.0),),
    note="No minimum. GD escapes the saddle slowly; Newton jumps straight onto it "
    "(it seeks any stationary point, and the Hessian is indefinite).",
)


# --------------------------------------------------------------------------- canyon --
def canyon(kappa: float = 100.0, angle_deg: float = 0.0) -> TestFunction:
    """½(u² + κ v²) with (u, v) the point rotated by ``angle_deg``: a quadratic canyon.

    κ is the condition number of the (constant) Hessian. GD is stable only for
    lr < 2/κ, so it zig-zags across the canyon and crawls along it; momentum damps the
    zig-zag and accumulates speed along the floor (the lectures' "canyon problem").
    Rotated, the canyon is no longer aligned with the axes, which defeats the
    per-coordinate scaling of Adagrad/RMSprop/Adam.
    """
    if not (kappa > 0 and math.isfinite(kappa)):
        raise ValueError(f"the condition number κ must be a positive number, not {kappa!r}")
    phi = math.radians(angle_deg)
    c, s = math.cos(phi), math.sin(phi)
    # H = Rᵀ diag(1, κ) R with u = c x + s y, v = −s x + c y
    hxx = c * c + kappa * s * s
    hxy = c * s - kappa * s * c
    hyy = s * s + kappa * c * c

    def f(x: Array, y: Array) -> Array:
        u, v = c * x + s * y, -s * x + c * y
        return 0.5 * (u * u + kappa * v * v)

    def g(x: Array, y: Array) -> tuple[Array, Array]:
        return hxx * x + hxy * y, hxy * x + hyy * y

    def h(x: Array, y: Array) -> tuple[Array, Array, Array]:
        return np.full_like(x, hxx), np.full_like(x, hxy), np.full_like(x, hyy)

    rotated = angle_deg % 180 != 0
    name = "rotated_canyon" if rotated else "canyon"
    formula = f"½(x² + {kappa:g}·y²)" if not rotated else f"½(u² + {kappa:g}·v²), axes turned {angle_deg:g}°"
    start = (-9.0, 3.0) if not rotated else (-9.0 * c - 3.0 * s, -9.0 * s + 3.0 * c)
    return TestFunction(
        name, "Canyon" if not rotated else "Rotated canyon", formula,
        ((-10.0, 10.0), (-10.0, 10.0)) if rotated else ((-10.0, 10.0), (-4.0, 4.0)),
        (float(start[0]), float(start[1])), ((0.0, 0.0),), 0.0, f, g, h,
        note=f"Condition number κ = {kappa:g}: GD needs lr < {2 / max(kappa, 1.0):.3g} to be stable.",
    )


# ------------------------------------------------------------------------ Rastrigin --
def _rastrigin_value(x: Array, y: Array) -> Array:
    tau = 2.0 * math.pi
    return 20.0 + x * x - 10.0 * np.cos(tau * x) + y * y - 10.0 * np.cos(tau * y)


def _rastrigin_grad(x: Array, y: Array) -> tuple[Array, Array]:
    k = 20.0 * math.pi
    tau = 2.0 * math.pi
    return 2.0 * x + k * np.sin(tau * x), 2.0 * y + k * np.sin(tau * y)


def _rastrigin_hess(x: Array, y: Array) -> tuple[Array, Array, Array]:
    k = 40.0 * math.pi**2
    tau = 2.0 * math.pi
    zero = np.zeros_like(np.asarray(x, dtype=np.float64))
    return 2.0 + k * np.cos(tau * x), zero, 2.0 + k * np.cos(tau * y)


RASTRIGIN = TestFunction(
    "rastrigin", "Rastrigin", "20 + x² − 10 cos 2πx + y² − 10 cos 2πy",
    ((-5.12, 5.12), (-5.12, 5.12)), (-3.2, 2.8), ((0.0, 0.0),), 0.0,
    _rastrigin_value, _rastrigin_grad, _rastrigin_hess,
    note="Local minima everywhere: every gradient method stops in the nearest one.",
)


#: The test functions by name, in the order the GUI lists them.
TEST_FUNCTIONS: dict[str, TestFunction] = {
    f.name: f
    for f in (
        rosenbrock(), BEALE, HIMMELBLAU, SADDLE, canyon(), canyon(angle_deg=45.0), RASTRIGIN,
    )
}


def get_test_function(name: str) -> TestFunction:
    """Look a test function up by name; the error lists the choices."""
    try:
        return TEST_FUNCTIONS[name]
    except KeyError:
        choices = ", ".join(TEST_FUNCTIONS)
        raise ValueError(f"unknown test function {name!r}; choose one of {choices}") from None
