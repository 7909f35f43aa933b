"""Bounded recording of the parameter trajectory.

The loss-surface panel needs the path θ_0, θ_k, θ_2k, … Long runs must not grow
memory without bound, so when the buffer fills we keep every other point and double
the recording interval: the path stays evenly sampled over the whole run.
"""

from __future__ import annotations

import numpy as np


class TrajectoryRecorder:
    """Keeps at most ``capacity`` parameter vectors, evenly thinned over time."""

    def __init__(self, n_params: int, every: int = 1, capacity: int = 2000):
        self.capacity = max(10, int(capacity))
        self.every = max(1, int(every))
        self._points = np.empty((self.capacity, n_params))
        self._steps = np.empty(self.capacity, dtype=np.int64)
        self._count = 0

    def offer(self, step: int, theta: np.ndarray) -> None:
        """Record ``theta`` if ``step`` falls on the current interval."""
        if step % self.every:
            return
        if self._count == self.capacity:
            half = self._points[::2].copy(), self._steps[::2].copy()
            n = len(half[1])
            self._points[:n], self._steps[:n] = half
            self._count = n
            self.every *= 2
            if step % self.every:
                return
        self._points[self._count] = theta
        self._steps[self._count] = step
        self._count += 1

    @property
    def points(self) -> np.ndarray:
        """The recorded vectors, oldest first (a copy)."""
        return self._points[: self._count].copy()

    @property
    def steps(self) -> np.ndarray:
        return self._steps[: self._count].copy()

    def __len__(self) -> int:
        return self._count

    def clear(self) -> None:
        self._count = 0
