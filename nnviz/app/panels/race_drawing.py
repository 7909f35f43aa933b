"""Cheap drawing of long optimiser paths and loss curves.

Painting a few thousand antialiased segments per racer, seven racers, thirty times a
second costs tens of milliseconds in Qt's raster engine, although most segments are
shorter than a pixel (a converged racer piles up thousands of points at the minimum).

* ``PathDecimator`` keeps only points at least one pixel (in x or y) from the last kept
  point. That keeps every visible feature, including a zig-zag whose amplitude is a
  pixel or more, which taking every n-th point would alias away, and it is incremental:
  each frame looks only at the racer's new points, so it costs microseconds. It starts
  again when the view's pixel size changes (zoom, resize) or the path was reset or
  thinned.
* ``column_peaks`` reduces a curve over increasing x to the min and max of each pixel
  column (what pyqtgraph's "peak" downsampling does), so spikes survive.
"""

from __future__ import annotations

import math

import numpy as np

Array = np.ndarray


class PathDecimator:
    """Incremental "at least one pixel apart" simplification of one growing polyline.

    If more than ``max_points`` points survive (a racer oscillating a few pixels wide
    for thousands of steps), the threshold doubles and the path is simplified again, so
    no path costs more than ``max_points`` segments to paint.
    """

    def __init__(self, max_points: int = 600) -> None:
        self.max_points = max(10, int(max_points))
        self._scale = 1.0
        self._pixel: tuple[float, float] | None = None
        self._seen = 0
        self._first: tuple[float, float] | None = None
        self._kept: list[tuple[float, float]] = []
        self._last_raw: tuple[float, float] | None = None

    def reset(self) -> None:
        self._seen = 0
        self._first = None
        self._kept = []
        self._last_raw = None

    def update(self, path: Array, pixel: tuple[float, float] | None) -> tuple[Array, Array]:
        """The decimated (x, y) of ``path`` (m, 2); its last point is always included."""
        path = np.asarray(path, dtype=float)
        m = len(path)
        if m == 0:
            self.reset()
            return np.empty(0), np.empty(0)
        if pixel is None or not (pixel[0] > 0 and pixel[1] > 0 and math.isfinite(pixel[0] * pixel[1])):
            return path[:, 0].copy(), path[:, 1].copy()
        first = (float(path[0, 0]), float(path[0, 1]))
        if pixel != self._pixel or m < self._seen or first != self._first or (
            self._seen and self._last_raw != (float(path[self._seen - 1, 0]), float(path[self._seen - 1, 1]))
        ):
            self.reset()
            self._scale = 1.0
            self._pixel = pixel
            self._first = first
        x, y = self._simplify(path, first)
        while len(x) > self.max_points and self._scale < 1e6:
            self._scale *= 2.0
            self.reset()
            self._first = first
            x, y = self._simplify(path, first)
        return x, y

    def _simplify(self, path: Array, first: tuple[float, float]) -> tuple[Array, Array]:
        m = len(path)
        px, py = self._pixel[0] * self._scale, self._pixel[1] * self._scale
        kept = self._kept
        start = self._seen
        if not kept:
            kept.append(first)
            start = max(start, 1)
        lx, ly = kept[-1]
        for x, y in path[start:].tolist():
            if abs(x - lx) >= px or abs(y - ly) >= py:
                kept.append((x, y))
                lx, ly = x, y
        self._seen = m
        self._last_raw = (float(path[m - 1, 0]), float(path[m - 1, 1]))
        out = np.array(kept, dtype=float)
        if (out[-1, 0], out[-1, 1]) != self._last_raw:
            out = np.vstack([out, [self._last_raw]])
        return out[:, 0], out[:, 1]


def column_peaks(x: Array, y: Array, x_range: tuple[float, float], columns: int) -> tuple[Array, Array]:
    """(x, y) reduced to the min and max of y in each of ``columns`` equal x-bins.

    ``x`` must be increasing. Curves with fewer than ``2 * columns`` points, or with no
    usable range, are returned as they are.
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    n = len(x)
    lo, hi = x_range
    if n <= 2 * columns or columns < 1 or not (hi > lo) or not math.isfinite(hi - lo):
        return x, y
    edges = np.searchsorted(x, np.linspace(lo, hi, columns + 1)[1:-1])
    starts = np.unique(np.concatenate([[0], edges]))
    starts = starts[starts < n]
    with np.errstate(all="ignore"):
        ymin = np.fmin.reduceat(y, starts)
        ymax = np.fmax.reduceat(y, starts)
    stops = np.append(starts[1:], n) - 1
    xs = np.column_stack([x[starts], x[stops]]).ravel()
    ys = np.column_stack([ymax, ymin]).ravel()
    return xs, ys


class RacerArrays:
    """A racer's path, losses and steps as arrays, converted incrementally.

    ``Racer.path`` is a list of 2-vectors; turning 3 000 of them into an array every
    frame costs about a millisecond per racer. The race only appends to these lists,
    and replaces them when it resets or thins a racer, so the list's identity and length
    tell which rows are new.
    """

    def __init__(self) -> None:
        self._list: list | None = None
        self._n = 0
        self.xy = np.empty((0, 2))
        self.losses = np.empty(0)
        self.steps = np.empty(0)

    def update(self, racer) -> tuple[Array, Array, Array]:
        path = racer.path
        n = len(path)
        if path is not self._list or n < self._n:
            self._list = path
            self.xy = np.array(path, dtype=float).reshape(n, 2)
            self.losses = np.array(racer.losses, dtype=float)
            self.steps = np.array(racer.steps, dtype=float)
        elif n > self._n:
            self.xy = np.concatenate([self.xy, np.array(path[self._n:], dtype=float).reshape(-1, 2)])
            self.losses = np.concatenate([self.losses, np.array(racer.losses[self._n:], dtype=float)])
            self.steps = np.concatenate([self.steps, np.array(racer.steps[self._n:], dtype=float)])
        self._n = n
        return self.xy, self.losses, self.steps
