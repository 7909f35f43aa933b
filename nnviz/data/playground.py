"""TensorFlow Playground's six datasets, with its formulas and defaults.

Matching Playground exactly lets a lecturer reproduce its familiar pictures here
(and lets us test against its geometry). Its label -1 becomes class 0 (orange) and
+1 becomes class 1 (blue); its regression targets stay floats in [-1, 1].

All draws come from the `Generator` passed in, vectorised; the order of draws
differs from Playground's per-point loop, so the same picture but not the same
points. Odd `n` gives the first half the extra point, so there are always exactly
`n` points (Playground's loops would give n + 1).
"""

from __future__ import annotations

import numpy as np

from .raw import PLANE_EXTENT, RawData, classes_from_signs

CLASSIFICATION_N = 500
REGRESSION_N = 1200


def _halves(n: int) -> tuple[int, int]:
    """Split n points into two groups that differ by at most one."""
    return n - n // 2, n // 2


def _classified(x: np.ndarray, y: np.ndarray, positive: np.ndarray) -> RawData:
    return RawData(
        points=np.column_stack([x, y]),
        labels=classes_from_signs(positive),
        task="classification",
        n_classes=2,
        extent=PLANE_EXTENT,
    )


def _regressed(x: np.ndarray, y: np.ndarray, target: np.ndarray) -> RawData:
    return RawData(
        points=np.column_stack([x, y]),
        labels=np.asarray(target, dtype=np.float64),
        task="regression",
        n_classes=0,
        extent=PLANE_EXTENT,
    )


def circle(
    rng: np.random.Generator, *, n: int = CLASSIFICATION_N, noise: float = 0.0, classes: int = 2
) -> RawData:
    """A disc (r < 2.5) inside a ring (3.5 < r < 5); noise flips labels, never moves points."""
    radius = 5.0
    n_in, n_out = _halves(n)
    r = np.concatenate([
        rng.uniform(0.0, radius * 0.5, n_in),
        rng.uniform(radius * 0.7, radius, n_out),
    ])
    angle = rng.uniform(0.0, 2.0 * np.pi, n)
    x, y = r * np.sin(angle), r * np.cos(angle)
    nx = rng.uniform(-radius, radius, n) * noise
    ny = rng.uniform(-radius, radius, n) * noise
    return _classified(x, y, np.hypot(x + nx, y + ny) < radius * 0.5)


def xor(
    rng: np.random.Generator, *, n: int = CLASSIFICATION_N, noise: float = 0.0, classes: int = 2
) -> RawData:
    """Four quadrants, +1 where x and y agree in sign; points kept 0.3 off the axes."""
    padding = 0.3
    x = rng.uniform(-5.0, 5.0, n)
    y = rng.uniform(-5.0, 5.0, n)
    x += np.where(x > 0, padding, -padding)
    y += np.where(y > 0, padding, -padding)
    nx = rng.uniform(-5.0, 5.0, n) * noise
    ny = rng.uniform(-5.0, 5.0, n) * noise
    return _classified(x, y, (x + nx) * (y + ny) >= 0)


def gauss(
    rng: np.random.Generator, *, n: int = CLASSIFICATION_N, noise: float = 0.0, classes: int = 2
) -> RawData:
    """Two Gaussian clouds at (2, 2) (+1) and (-2, -2) (-1); noise widens them.

    Playground's variance is 0.5 + 7 * noise (its scale maps noise 0..0.5 to 0.5..4).
    """
    std = np.sqrt(0.5 + 7.0 * noise)
    n_pos, n_neg = _halves(n)
    centre = np.concatenate([np.full(n_pos, 2.0), np.full(n_neg, -2.0)])
    x = centre + std * rng.standard_normal(n)
    y = centre + std * rng.standard_normal(n)
    return _classified(x, y, centre > 0)


def spiral(
    rng: np.random.Generator, *, n: int = CLASSIFICATION_N, noise: float = 0.0, classes: int = 2
) -> RawData:
    """Two interleaved spiral arms of 1.75 turns out to radius 5; noise jitters the points."""
    xs, ys, positive = [], [], []
    for count, delta_t, label in zip(_halves(n), (0.0, np.pi), (True, False), strict=True):
        frac = np.arange(count) / max(count, 1)
        r = 5.0 * frac
        t = 1.75 * frac * 2.0 * np.pi + delta_t
        xs.append(r * np.sin(t) + rng.uniform(-1.0, 1.0, count) * noise)
        ys.append(r * np.cos(t) + rng.uniform(-1.0, 1.0, count) * noise)
        positive.append(np.full(count, label))
    return _classified(np.concatenate(xs), np.concatenate(ys), np.concatenate(positive))


def reg_plane(
    rng: np.random.Generator, *, n: int = REGRESSION_N, noise: float = 0.0, classes: int = 2
) -> RawData:
    """Target (x + y) / 10 on U(-6, 6)^2, evaluated at a noise-shifted position."""
    radius = 6.0
    x = rng.uniform(-radius, radius, n)
    y = rng.uniform(-radius, radius, n)
    nx = rng.uniform(-radius, radius, n) * noise
    ny = rng.uniform(-radius, radius, n) * noise
    return _regressed(x, y, (x + nx + y + ny) / 10.0)


#: Playground's six bumps: (cx, cy, sign).
_BUMPS = np.array([
    [-4.0, 2.5, 1.0], [0.0, 2.5, -1.0], [4.0, 2.5, 1.0],
    [-4.0, -2.5, -1.0], [0.0, -2.5, 1.0], [4.0, -2.5, -1.0],
])


def reg_gauss(
    rng: np.random.Generator, *, n: int = REGRESSION_N, noise: float = 0.0, classes: int = 2
) -> RawData:
    """Six signed cone bumps sign * clamp(1 - d/2, 0, 1); the strongest bump wins.

    Like reg-plane, noise shifts the position the target is evaluated at.
    """
    radius = 6.0
    x = rng.uniform(-radius, radius, n)
    y = rng.uniform(-radius, radius, n)
    nx = rng.uniform(-radius, radius, n) * noise
    ny = rng.uniform(-radius, radius, n) * noise
    d = np.hypot((x + nx)[:, None] - _BUMPS[:, 0], (y + ny)[:, None] - _BUMPS[:, 1])
    values = _BUMPS[:, 2] * np.clip(1.0 - d / 2.0, 0.0, 1.0)
    # argmax takes the first of equal magnitudes, as Playground's strict ">" does.
    best = np.argmax(np.abs(values), axis=1)
    return _regressed(x, y, values[np.arange(n), best])
