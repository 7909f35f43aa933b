"""Feature transforms: values, column order, layout and the rules for 1-D and wide data."""

from __future__ import annotations

import re

import numpy as np
import pytest

from nnviz.data import DataError, transform_features
from nnviz.engine.config import FEATURES


def test_values_of_every_feature():
    X = transform_features(np.array([[1.0, 2.0], [-3.0, 0.5]]), FEATURES)
    expected = np.array([
        [1.0, 2.0, 1.0, 4.0, 2.0, np.sin(1.0), np.sin(2.0)],
        [-3.0, 0.5, 9.0, 0.25, -1.5, np.sin(-3.0), np.sin(0.5)],
    ])
    assert np.allclose(X, expected)


def test_columns_follow_the_requested_order():
    points = np.array([[2.0, 3.0]])
    X = transform_features(points, ["x1x2", "x2", "x1^2"])
    assert X.tolist() == [[6.0, 3.0, 4.0]]


def test_layout_dtype_and_independence():
    points = np.random.default_rng(0).uniform(-6, 6, (10_000, 2))
    X = transform_features(points, FEATURES)
    assert X.shape == (10_000, 7) and X.dtype == np.float64
    assert X.flags.c_contiguous
    reference = np.column_stack([
        points[:, 0], points[:, 1], points[:, 0] ** 2, points[:, 1] ** 2,
        points[:, 0] * points[:, 1], np.sin(points[:, 0]), np.sin(points[:, 1]),
    ])
    assert np.array_equal(X, reference)
    points[0, 0] = 100.0
    assert X[0, 0] != 100.0


def test_integer_points_become_float():
    X = transform_features(np.array([[1, 2]]), ["x1", "x2"])
    assert X.dtype == np.float64 and X.tolist() == [[1.0, 2.0]]


def test_one_d_features():
    x = np.array([[0.5], [2.0]])
    X = transform_features(x, ["x1", "x1^2", "sin_x1"])
    assert np.allclose(X, [[0.5, 0.25, np.sin(0.5)], [2.0, 4.0, np.sin(2.0)]])


@pytest.mark.parametrize("feature", ["x2", "x2^2", "x1x2", "sin_x2"])
def test_x2_features_on_one_d_data_fail(feature):
    with pytest.raises(DataError, match=rf"'{re.escape(feature)}'.*1-D"):
        transform_features(np.zeros((3, 1)), ["x1", feature])


@pytest.mark.parametrize("features, match", [
    ([], "at least one"),
    (["x1", "x1"], "more than once"),
    (["x3"], "unknown feature 'x3'"),
    ("x1", "list of names"),
])
def test_bad_feature_lists(features, match):
    with pytest.raises(DataError, match=match):
        transform_features(np.zeros((3, 2)), features)


def test_wide_data_takes_exactly_its_raw_columns():
    points = np.arange(15.0).reshape(3, 5)
    X = transform_features(points, ["x1", "x2", "x3", "x4", "x5"])
    assert np.array_equal(X, points) and X is not points and X.flags.c_contiguous
    with pytest.raises(DataError, match=r"x1, x2, x3, x4, x5.*no transforms"):
        transform_features(points, ["x1", "x2", "x1^2"])
    with pytest.raises(DataError, match="5 input columns"):
        transform_features(points, ["x1", "x2"])


def test_points_must_be_two_dimensional():
    with pytest.raises(DataError, match="shape"):
        transform_features(np.zeros(4), ["x1"])
