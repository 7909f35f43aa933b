"""The `Dataset` the engine trains on and the GUI draws.

It is immutable: its arrays are private read-only copies, so a dataset shared by
the GUI thread and the training thread can never change under either of them,
and "adding a point" makes a new dataset (`with_point`).
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from .errors import DataError
from .features import transform_features

TASKS: tuple[str, ...] = ("classification", "regression")
SPLITS: tuple[str, ...] = ("train", "test")


def _frozen(values: np.ndarray, dtype: type, ndim: int, what: str) -> np.ndarray:
    """A read-only C-ordered copy of `values` with the given dtype and rank."""
    arr = np.array(values, dtype=dtype, order="C", copy=True)
    if arr.ndim != ndim:
        raise DataError(f"{what} must be {ndim}-D, got shape {arr.shape}")
    arr.flags.writeable = False
    return arr


# eq=False: comparing datasets field by field is ambiguous with arrays; identity is enough.
@dataclass(frozen=True, eq=False)
class Dataset:
    """A split, featurised dataset. Classification labels are int64 class indices
    0..k-1 (binary: 0 = Playground's -1, orange; 1 = +1, blue); regression labels
    are float64. `points_*` are the raw inputs the GUI plots, `X_*` the features
    the network sees. `extent` = (xmin, xmax, ymin, ymax) of the plane to draw
    (for 1-D data, the x range and the target range).
    """

    name: str
    task: str
    n_classes: int
    input_dim: int
    points_train: np.ndarray
    points_test: np.ndarray
    y_train: np.ndarray
    y_test: np.ndarray
    features: tuple[str, ...]
    X_train: np.ndarray
    X_test: np.ndarray
    extent: tuple[float, float, float, float]

    def __post_init__(self) -> None:
        """Check the shapes agree and store read-only, correctly typed copies."""
        if self.task not in TASKS:
            raise DataError(f"task must be one of {', '.join(TASKS)}, got {self.task!r}")
        if self.task == "classification" and self.n_classes < 2:
            raise DataError(f"classification needs at least 2 classes, got {self.n_classes}")
        if self.task == "regression" and self.n_classes != 0:
            raise DataError(f"regression data must have n_classes 0, got {self.n_classes}")
        label_type = np.int64 if self.task == "classification" else np.float64
        set_ = object.__setattr__
        set_(self, "features", tuple(self.features))
        set_(self, "extent", tuple(float(v) for v in self.extent))
        for split in SPLITS:
            points = _frozen(getattr(self, f"points_{split}"), np.float64, 2, f"points_{split}")
            labels = _frozen(getattr(self, f"y_{split}"), label_type, 1, f"y_{split}")
            X = _frozen(getattr(self, f"X_{split}"), np.float64, 2, f"X_{split}")
            n = points.shape[0]
            if points.shape[1] != self.input_dim:
                raise DataError(f"points_{split} has {points.shape[1]} columns, "
                                f"input_dim is {self.input_dim}")
            if labels.shape[0] != n or X.shape[0] != n:
                raise DataError(f"the {split} split has {n} points but {labels.shape[0]} "
                                f"labels and {X.shape[0]} feature rows")
            if X.shape[1] != len(self.features):
                raise DataError(f"X_{split} has {X.shape[1]} columns for "
                                f"{len(self.features)} features")
            if self.task == "classification" and n and (
                labels.min() < 0 or labels.max() >= self.n_classes
            ):
                raise DataError(f"y_{split} has class indices outside 0..{self.n_classes - 1}")
            set_(self, f"points_{split}", points)
            set_(self, f"y_{split}", labels)
            set_(self, f"X_{split}", X)

    @property
    def n_train(self) -> int:
        """Number of training points."""
        return int(self.points_train.shape[0])

    @property
    def n_test(self) -> int:
        """Number of test points."""
        return int(self.points_test.shape[0])

    def with_point(self, point: ArrayLike, label: float, split: str = "train") -> Dataset:
        """A new dataset with one more point (the GUI's click-to-add), features included.

        `label` is a class index for classification, a number for regression. The
        extent is kept: the point was clicked inside the plane already drawn.
        """
        if split not in SPLITS:
            raise DataError(f"split must be 'train' or 'test', got {split!r}")
        try:
            p = np.asarray(point, dtype=np.float64).reshape(-1)
        except (TypeError, ValueError) as exc:
            raise DataError(f"point must be {self.input_dim} numbers: {exc}") from None
        if p.shape != (self.input_dim,):
            raise DataError(f"point must have {self.input_dim} coordinates, got {p.size}")
        if not np.all(np.isfinite(p)):
            raise DataError(f"point coordinates must be finite, got {p.tolist()}")
        y = np.array([self._check_label(label)])
        x_row = transform_features(p[None, :], self.features)
        return dataclasses.replace(
            self,
            **{
                f"points_{split}": np.concatenate([getattr(self, f"points_{split}"), p[None, :]]),
                f"y_{split}": np.concatenate([getattr(self, f"y_{split}"), y]),
                f"X_{split}": np.concatenate([getattr(self, f"X_{split}"), x_row]),
            },
        )

    def _check_label(self, label: float) -> int | float:
        """Validate a label for this task: a class index, or a finite number."""
        try:
            value = float(label)
        except (TypeError, ValueError):
            raise DataError(f"label must be a number, got {label!r}") from None
        if not math.isfinite(value):
            raise DataError(f"label must be finite, got {label!r}")
        if self.task == "regression":
            return value
        if value != int(value) or not 0 <= value < self.n_classes:
            raise DataError(
                f"label must be a class index 0..{self.n_classes - 1}, got {label!r}"
            )
        return int(value)
