"""build_dataset: reproducibility, the split, config validation; Dataset and with_point."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from nnviz.data import GENERATORS, DataError, Dataset, build_dataset
from nnviz.engine.config import CLASSIFICATION_DATASETS, DataConfig

ONE_D = ("sine", "poly", "line")
GATES = tuple(name for name in GENERATORS if name.startswith("gate-"))
ARRAYS = ("points_train", "points_test", "y_train", "y_test", "X_train", "X_test")


def cfg(name: str = "circle", **kwargs) -> DataConfig:
    if "features" not in kwargs:
        kwargs["features"] = ["x1", "x1^2"] if name in ONE_D else ["x1", "x2", "x1x2"]
    return DataConfig(dataset=name, **kwargs)


@pytest.mark.parametrize("name", sorted(GENERATORS))
def test_contract_shapes_and_dtypes(name):
    ds = build_dataset(cfg(name, noise=0.1))
    dim = 1 if name in ONE_D else 2
    assert ds.name == name and ds.input_dim == dim
    for split in ("train", "test"):
        points, y, X = (getattr(ds, f"{a}_{split}") for a in ("points", "y", "X"))
        assert points.shape[1] == dim and points.dtype == np.float64
        assert X.shape == (points.shape[0], len(ds.features)) and X.dtype == np.float64
        assert X.flags.c_contiguous
        assert y.shape == (points.shape[0],)
    if name in CLASSIFICATION_DATASETS:
        assert ds.task == "classification" and ds.y_train.dtype == np.int64
        assert ds.n_classes >= 2
        assert set(np.unique(np.concatenate([ds.y_train, ds.y_test]))) <= set(range(ds.n_classes))
    else:
        assert ds.task == "regression" and ds.n_classes == 0 and ds.y_train.dtype == np.float64
    assert len(ds.extent) == 4 and all(isinstance(v, float) for v in ds.extent)


@pytest.mark.parametrize("name", sorted(GENERATORS))
def test_same_seed_gives_identical_arrays(name):
    a, b = build_dataset(cfg(name, seed=7, noise=0.2)), build_dataset(cfg(name, seed=7, noise=0.2))
    for field in ARRAYS:
        assert np.array_equal(getattr(a, field), getattr(b, field)), field
    assert a.extent == b.extent


@pytest.mark.parametrize("name", sorted(set(GENERATORS) - set(GATES)))
def test_different_seed_gives_different_points(name):
    a, b = build_dataset(cfg(name, seed=1, noise=0.2)), build_dataset(cfg(name, seed=2, noise=0.2))
    assert not np.array_equal(a.points_train, b.points_train)


def test_global_rng_is_untouched():
    np.random.seed(5)
    before = np.random.get_state()[1].copy()
    build_dataset(cfg("spiral", noise=0.3))
    assert np.array_equal(np.random.get_state()[1], before)


@pytest.mark.parametrize("n, fraction, n_train", [
    (500, 0.5, 250), (500, 0.3, 150), (501, 0.5, 250), (10, 0.9, 9),
    (500, 0.0, 1), (500, 1.0, 499), (2, 0.5, 1), (2, 0.99, 1),
])
def test_split_sizes(n, fraction, n_train):
    ds = build_dataset(cfg("xor", n=n, train_fraction=fraction))
    assert ds.n_train == n_train and ds.n_test == n - n_train


def test_split_is_a_shuffled_partition_of_the_generated_points():
    ds = build_dataset(cfg("circle", seed=3))
    raw = GENERATORS["circle"](np.random.default_rng(3))
    both = np.vstack([ds.points_train, ds.points_test])
    assert np.array_equal(np.unique(both, axis=0), np.unique(raw.points, axis=0))
    assert len(np.unique(both, axis=0)) == 500
    # The generator lists the inner class first: an unshuffled split would be one class.
    assert 0.3 < ds.y_train.mean() < 0.7


def test_default_sizes():
    assert build_dataset(cfg("circle")).n_train == 250
    assert build_dataset(cfg("reg-plane")).n_train == 600
    assert build_dataset(cfg("sine")).n_train + build_dataset(cfg("sine")).n_test == 30


@pytest.mark.parametrize("name", GATES)
def test_gates_train_and_test_are_the_whole_table(name):
    ds = build_dataset(cfg(name, train_fraction=0.25, seed=9))
    assert ds.n_train == ds.n_test == 4
    assert np.array_equal(ds.points_train, ds.points_test)
    assert np.array_equal(ds.y_train, ds.y_test)
    assert ds.extent == pytest.approx((-0.5, 1.5, -0.5, 1.5))


def test_features_are_transforms_of_the_points():
    ds = build_dataset(cfg("gauss", features=["sin_x2", "x1^2"]))
    assert ds.features == ("sin_x2", "x1^2")
    assert np.allclose(ds.X_test[:, 0], np.sin(ds.points_test[:, 1]))
    assert np.allclose(ds.X_test[:, 1], ds.points_test[:, 0] ** 2)


def test_blobs_classes_from_config():
    ds = build_dataset(cfg("blobs", classes=4))
    assert ds.n_classes == 4
    assert set(np.concatenate([ds.y_train, ds.y_test]).tolist()) == {0, 1, 2, 3}


def test_arrays_are_read_only():
    ds = build_dataset(cfg("circle"))
    for field in ARRAYS:
        assert not getattr(ds, field).flags.writeable
    with pytest.raises(ValueError):
        ds.X_train[0, 0] = 1.0
    with pytest.raises(dataclasses.FrozenInstanceError):
        ds.name = "other"


@pytest.mark.parametrize("kwargs, match", [
    ({"dataset": "nope"}, "unknown dataset 'nope'"),
    ({"noise": 1.5}, "noise must be between 0 and 1"),
    ({"noise": float("nan")}, "noise"),
    ({"train_fraction": -0.1}, "train_fraction"),
    ({"n": 1}, "at least 2"),
    ({"n": 2.5}, "whole number"),
    ({"seed": -1}, "seed"),
    ({"dataset": "sine", "features": ["x1", "x2"]}, "'x2' needs x2"),
    ({"dataset": "circle", "features": ["x1", "bogus"]}, "unknown feature"),
    ({"dataset": "blobs", "classes": 1}, "at least 2 classes"),
    ({"dataset": "csv"}, "csv_path"),
])
def test_invalid_configs_raise_data_error(kwargs, match):
    kwargs.setdefault("features", ["x1", "x2"])
    with pytest.raises(DataError, match=match):
        build_dataset(DataConfig(**kwargs))


def test_data_error_is_a_value_error():
    assert issubclass(DataError, ValueError)


def test_with_point_adds_one_training_point():
    ds = build_dataset(cfg("circle"))
    new = ds.with_point((1.0, -2.0), 1)
    assert new.n_train == ds.n_train + 1 and new.n_test == ds.n_test
    assert new.points_train[-1].tolist() == [1.0, -2.0]
    assert new.y_train[-1] == 1 and new.y_train.dtype == np.int64
    assert new.X_train[-1].tolist() == [1.0, -2.0, -2.0]
    assert np.array_equal(new.X_train[:-1], ds.X_train)
    assert new.points_test is ds.points_test or np.array_equal(new.points_test, ds.points_test)
    assert ds.n_train == 250  # the original is unchanged
    assert new.extent == ds.extent and new.features == ds.features
    assert not new.X_train.flags.writeable


def test_with_point_to_test_split_and_regression_and_1d():
    ds = build_dataset(cfg("reg-plane", n=20))
    new = ds.with_point(np.array([0.5, 0.5]), 0.25, split="test")
    assert new.n_test == ds.n_test + 1 and new.n_train == ds.n_train
    assert new.y_test[-1] == 0.25 and new.y_test.dtype == np.float64
    curve = build_dataset(cfg("sine"))
    more = curve.with_point([1.5], -0.3)
    assert more.points_train[-1].tolist() == [1.5]
    assert more.X_train[-1].tolist() == [1.5, 2.25]


@pytest.mark.parametrize("point, label, split, match", [
    ((1.0, 2.0), 2, "train", "class index 0..1"),
    ((1.0, 2.0), 0.5, "train", "class index"),
    ((1.0, 2.0), "a", "train", "must be a number"),
    ((1.0,), 1, "train", "2 coordinates"),
    ((1.0, float("nan")), 1, "train", "finite"),
    ((1.0, 2.0), 1, "validation", "split"),
])
def test_with_point_rejects_bad_input(point, label, split, match):
    ds = build_dataset(cfg("xor", n=10))
    with pytest.raises(DataError, match=match):
        ds.with_point(point, label, split=split)


def test_dataset_checks_consistency():
    ds = build_dataset(cfg("xor", n=10))
    with pytest.raises(DataError, match="labels"):
        dataclasses.replace(ds, y_train=ds.y_train[:-1])
    with pytest.raises(DataError, match="class indices"):
        dataclasses.replace(ds, y_train=ds.y_train + 5)
    with pytest.raises(DataError, match="task"):
        dataclasses.replace(ds, task="clustering")


def test_dataset_copies_its_inputs():
    points = np.zeros((2, 2))
    ds = Dataset("manual", "regression", 0, 2, points, points, np.zeros(2), np.zeros(2),
                 ("x1",), np.zeros((2, 1)), np.zeros((2, 1)), (0, 1, 0, 1))
    points[0, 0] = 9.0
    assert ds.points_train[0, 0] == 0.0 and points.flags.writeable
