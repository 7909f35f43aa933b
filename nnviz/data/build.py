"""`build_dataset`: one `DataConfig` in, one reproducible, split, featurised `Dataset` out.

All randomness comes from ``numpy.random.default_rng(cfg.seed)``: the generator
draws its points, then the same Generator shuffles them once before the split, so
the same config always gives bit-identical arrays and the global RNG is never used.
"""

from __future__ import annotations

import math
import operator

import numpy as np

from ..engine.config import DATASETS, DataConfig
from .csv_loader import load_csv
from .dataset import Dataset
from .errors import DataError
from .features import check_features, raw_feature_names, transform_features
from .generators import GENERATORS
from .raw import RawData, data_extent


def build_dataset(cfg: DataConfig) -> Dataset:
    """Generate (or read) the data `cfg` describes, shuffle, split and featurise it.

    n_train = round(n * train_fraction), clamped so that both splits keep at least
    one point. The 4-point logic gates are not split: train and test are both the
    whole truth table. For CSV data, `n` and `noise` are ignored (every row is used).
    Raises DataError for any invalid setting or unreadable file.
    """
    if cfg.dataset not in DATASETS:
        raise DataError(f"unknown dataset {cfg.dataset!r}; choose one of {', '.join(DATASETS)}")
    noise = _unit_interval(cfg.noise, "noise")
    fraction = _unit_interval(cfg.train_fraction, "train_fraction")
    try:
        rng = np.random.default_rng(cfg.seed)
    except (TypeError, ValueError) as exc:
        raise DataError(f"seed must be a non-negative integer, got {cfg.seed!r}: {exc}") from None

    if cfg.dataset == "csv":
        raw = _read_csv(cfg)
    else:
        sizes = {} if cfg.n is None else {"n": _count(cfg.n)}
        raw = GENERATORS[cfg.dataset](rng, noise=noise, classes=cfg.classes, **sizes)

    n = raw.points.shape[0]
    if raw.hold_out:
        order = rng.permutation(n)
        n_train = split_size(n, fraction)
        train, test = order[:n_train], order[n_train:]
    else:
        train = test = np.arange(n)

    features = check_features(_features_for(cfg.features, raw.points.shape[1]), raw.points.shape[1])
    return Dataset(
        name=cfg.dataset,
        task=raw.task,
        n_classes=raw.n_classes,
        input_dim=raw.points.shape[1],
        points_train=raw.points[train],
        points_test=raw.points[test],
        y_train=raw.labels[train],
        y_test=raw.labels[test],
        features=features,
        X_train=transform_features(raw.points[train], features),
        X_test=transform_features(raw.points[test], features),
        extent=raw.extent,
    )


def _features_for(features: list[str] | None, input_dim: int) -> list[str] | tuple[str, ...]:
    """None means "the data's own inputs": x1, x2 on the plane, x1 on a line, x1..xd for CSV."""
    return raw_feature_names(input_dim) if features is None else features


def split_size(n: int, train_fraction: float) -> int:
    """round(n * train_fraction), kept in 1..n-1 when n >= 2 so neither split is empty."""
    n_train = round(n * train_fraction)
    return min(max(n_train, 1), n - 1) if n >= 2 else n


def _unit_interval(value: float, name: str) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise DataError(f"{name} must be a number between 0 and 1, got {value!r}") from None
    if not (math.isfinite(number) and 0.0 <= number <= 1.0):
        raise DataError(f"{name} must be between 0 and 1, got {value!r}")
    return number


def _count(value: int) -> int:
    try:
        n = operator.index(value)
    except TypeError:
        raise DataError(f"n must be a whole number of points, got {value!r}") from None
    if n < 2:
        raise DataError(f"n must be at least 2 so there is a train and a test point, got {n}")
    return n


def _read_csv(cfg: DataConfig) -> RawData:
    """Load cfg.csv_path as a RawData with a data-driven extent."""
    if not cfg.csv_path:
        raise DataError("dataset 'csv' needs a csv_path")
    points, labels, task = load_csv(cfg.csv_path, cfg.csv_label_column)
    if points.shape[1] == 1:
        extent = data_extent(points[:, 0], labels)
    else:
        extent = data_extent(points[:, 0], points[:, 1])
    return RawData(
        points=points,
        labels=labels,
        task=task,
        n_classes=int(labels.max()) + 1 if task == "classification" else 0,
        extent=extent,
    )
