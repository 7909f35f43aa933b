"""Input feature transforms (Playground's x1, x2, x1^2, x2^2, x1x2, sin x1, sin x2).

`transform_features` also runs on the 100 x 100 heatmap grid every frame, so it
preallocates the output and fills each column with one vectorised NumPy call.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from ..engine.config import FEATURES
from .errors import DataError

#: Features that need only the first input; the rest need x2 and so 2-D points.
FEATURES_1D: tuple[str, ...] = ("x1", "x1^2", "sin_x1")

# Each writes one feature into `out` (a column view of the result) from x1, x2.
_Fill = Callable[[np.ndarray, np.ndarray, np.ndarray], object]
_FILLS: dict[str, _Fill] = {
    "x1": lambda x1, x2, out: np.copyto(out, x1),
    "x2": lambda x1, x2, out: np.copyto(out, x2),
    "x1^2": lambda x1, x2, out: np.square(x1, out=out),
    "x2^2": lambda x1, x2, out: np.square(x2, out=out),
    "x1x2": lambda x1, x2, out: np.multiply(x1, x2, out=out),
    "sin_x1": lambda x1, x2, out: np.sin(x1, out=out),
    "sin_x2": lambda x1, x2, out: np.sin(x2, out=out),
}
assert set(_FILLS) == set(FEATURES), "features.py and config.FEATURES disagree"


def raw_feature_names(input_dim: int) -> tuple[str, ...]:
    """The names of the untransformed inputs, "x1" .. "xd"."""
    return tuple(f"x{i + 1}" for i in range(input_dim))


def check_features(features: Sequence[str], input_dim: int) -> tuple[str, ...]:
    """Validate feature names for data with `input_dim` inputs; return them as a tuple.

    Raises DataError for an empty, duplicated or unknown name, for an x2 feature on
    1-D data, and for anything but the raw columns on data with more than 2 inputs
    (the transforms are defined only for the x1-x2 plane).
    """
    if isinstance(features, str):
        raise DataError(f"features must be a list of names, got the string {features!r}")
    names = tuple(features)
    if not names:
        raise DataError("choose at least one input feature")
    duplicates = sorted({f for f in names if names.count(f) > 1})
    if duplicates:
        raise DataError(f"feature listed more than once: {', '.join(duplicates)}")
    if input_dim > 2:
        raw = raw_feature_names(input_dim)
        if names != raw:
            raise DataError(
                f"data with {input_dim} input columns supports only its raw columns as "
                f"features, exactly {', '.join(raw)} in order (no transforms such as x1^2)"
            )
        return names
    unknown = [f for f in names if f not in _FILLS]
    if unknown:
        raise DataError(
            f"unknown feature {unknown[0]!r}; choose from {', '.join(FEATURES)}"
        )
    if input_dim == 1:
        needs_x2 = [f for f in names if f not in FEATURES_1D]
        if needs_x2:
            raise DataError(
                f"feature {needs_x2[0]!r} needs x2, but this data is 1-D; "
                f"use {', '.join(FEATURES_1D)}"
            )
    return names


def transform_features(points: np.ndarray, features: Sequence[str]) -> np.ndarray:
    """Map raw points (n, d) to the network's inputs (n, len(features)), float64, C order.

    Columns follow the order of `features`. Raises DataError for features the
    points cannot provide (see `check_features`).
    """
    pts = np.asarray(points, dtype=np.float64)
    if pts.ndim != 2 or pts.shape[1] < 1:
        raise DataError(f"points must be a 2-D array (n, d), got shape {pts.shape}")
    names = check_features(features, pts.shape[1])
    if pts.shape[1] > 2:
        return np.array(pts, dtype=np.float64, order="C", copy=True)
    out = np.empty((pts.shape[0], len(names)), dtype=np.float64)
    x1 = pts[:, 0]
    x2 = pts[:, 1] if pts.shape[1] > 1 else x1  # never read for 1-D: checked above
    for j, name in enumerate(names):
        _FILLS[name](x1, x2, out[:, j])
    return out
