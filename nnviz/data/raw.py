"""What a generator returns before the shared shuffle, split and feature step.

Generators only describe *points and labels*; `build_dataset` owns the random
split and the feature transforms, so every dataset is split and featurised the
same way and a generator stays a few lines of geometry.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: Playground draws its input plane as [-6, 6]^2; we keep that for its sets and ours.
PLANE_EXTENT: tuple[float, float, float, float] = (-6.0, 6.0, -6.0, 6.0)


@dataclass(frozen=True, eq=False)
class RawData:
    """Points and labels of a whole dataset, not yet split into train and test.

    `hold_out=False` marks sets too small to split (the 4-point logic gates): the
    train and test sets are then both the whole set.
    """

    points: np.ndarray  # (n, d) float64
    labels: np.ndarray  # (n,) int64 class indices, or float64 targets
    task: str  # "classification" | "regression"
    n_classes: int  # 0 for regression
    extent: tuple[float, float, float, float]
    hold_out: bool = True


def data_extent(
    x: np.ndarray, y: np.ndarray, margin: float = 0.1
) -> tuple[float, float, float, float]:
    """(xmin, xmax, ymin, ymax) around the data, padded by `margin` times each range.

    Used where there is no natural plane (gates, 1-D curves, CSV files), so the
    plot shows all the data with some room around it. A zero range (a constant
    column) still gets a visible window.
    """
    bounds: list[float] = []
    for values in (np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)):
        lo, hi = float(values.min()), float(values.max())
        span = hi - lo
        pad = margin * span if span > 0 else 0.5 * max(abs(hi), 1.0)
        bounds += [lo - pad, hi + pad]
    return (bounds[0], bounds[1], bounds[2], bounds[3])


def classes_from_signs(positive: np.ndarray) -> np.ndarray:
    """Map Playground's labels to class indices: -1 -> 0 (orange), +1 -> 1 (blue)."""
    return np.asarray(positive, dtype=bool).astype(np.int64)
