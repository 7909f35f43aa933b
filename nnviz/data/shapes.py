"""Extra 2-D classification sets on Playground's [-6, 6]^2 plane.

They fill gaps Playground leaves for teaching: a set a single line separates
(linear), a curved but gentle boundary (moons), more than two classes (blobs) and
a boundary that needs many pieces (checkerboard). As in Playground, noise is 0..1
and its 0.5 end is "very noisy".
"""

from __future__ import annotations

import numpy as np

from .errors import DataError
from .raw import PLANE_EXTENT, RawData

DEFAULT_N = 500

#: Moons in sklearn's unit coordinates span x in [-1, 2], y in [-0.5, 1]; this maps
#: their centre to the origin and their width to about [-5.25, 5.25].
_MOON_SCALE = 3.5
_MOON_CENTRE = (0.5, 0.25)


def _classified(points: np.ndarray, labels: np.ndarray, n_classes: int) -> RawData:
    return RawData(
        points=np.asarray(points, dtype=np.float64),
        labels=np.asarray(labels, dtype=np.int64),
        task="classification",
        n_classes=n_classes,
        extent=PLANE_EXTENT,
    )


def moons(
    rng: np.random.Generator, *, n: int = DEFAULT_N, noise: float = 0.0, classes: int = 2
) -> RawData:
    """Two interleaving half circles: upper moon class 1, lower moon class 0.

    Noise adds Gaussian jitter of standard deviation 2 * noise plane units.
    """
    n_upper = n - n // 2
    t = rng.uniform(0.0, np.pi, n)
    upper = np.arange(n) < n_upper
    x = np.where(upper, np.cos(t), 1.0 - np.cos(t))
    y = np.where(upper, np.sin(t), 0.5 - np.sin(t))
    points = _MOON_SCALE * (np.column_stack([x, y]) - _MOON_CENTRE)
    points += 2.0 * noise * rng.standard_normal((n, 2))
    return _classified(points, upper, 2)


def blobs(
    rng: np.random.Generator, *, n: int = DEFAULT_N, noise: float = 0.0, classes: int = 3
) -> RawData:
    """k Gaussian blobs with centres evenly spaced on a circle of radius 3.5.

    Class j's centre is at angle 90 + 360 j / k degrees (class 0 at the top), so
    the picture is the same for every seed. Standard deviation 0.4 + 2 * noise.
    """
    k = int(classes)
    if k < 2:
        raise DataError(f"blobs needs at least 2 classes, got {classes}")
    labels = np.arange(n) % k
    angle = np.pi / 2 + 2.0 * np.pi * labels / k
    centres = 3.5 * np.column_stack([np.cos(angle), np.sin(angle)])
    points = centres + (0.4 + 2.0 * noise) * rng.standard_normal((n, 2))
    return _classified(points, labels, k)


def checkerboard(
    rng: np.random.Generator, *, n: int = DEFAULT_N, noise: float = 0.0, classes: int = 2
) -> RawData:
    """A 4 x 4 board of 3-unit squares over [-6, 6]^2, labelled by the parity of the square.

    As in Playground's xor, noise flips labels rather than moving points: the label
    is read at the point shifted by U(-3, 3) * noise in each axis (one square wide).
    """
    cell = 3.0
    x = rng.uniform(-6.0, 6.0, n)
    y = rng.uniform(-6.0, 6.0, n)
    nx = rng.uniform(-cell, cell, n) * noise
    ny = rng.uniform(-cell, cell, n) * noise
    parity = (np.floor((x + nx) / cell) + np.floor((y + ny) / cell)) % 2
    return _classified(np.column_stack([x, y]), parity, 2)


def linear(
    rng: np.random.Generator, *, n: int = DEFAULT_N, noise: float = 0.0, classes: int = 2
) -> RawData:
    """Two classes split by a random line near the origin, always linearly separable.

    The line has a random direction and passes within 1 unit of the origin. Points
    drawn on U(-5, 5)^2 are pushed 1 - noise units away from it on their own side,
    so the empty margin is 2 (1 - noise) wide: it closes as noise goes to 1 and the
    points stay inside [-6, 6]^2. Class 1 is the side the normal points to.
    """
    theta = rng.uniform(0.0, 2.0 * np.pi)
    normal = np.array([np.cos(theta), np.sin(theta)])
    offset = rng.uniform(-1.0, 1.0)
    points = rng.uniform(-5.0, 5.0, (n, 2))
    side = points @ normal + offset >= 0
    push = max(0.0, 1.0 - noise)
    points += np.where(side, push, -push)[:, None] * normal
    return _classified(points, side, 2)
