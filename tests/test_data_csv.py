"""load_csv and build_dataset(dataset="csv"): good files, and every failure as a DataError."""

from __future__ import annotations

import numpy as np
import pytest

from nnviz.data import DataError, build_dataset, load_csv
from nnviz.engine.config import DataConfig


def write(tmp_path, text: str, name: str = "data.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# --- good files -------------------------------------------------------------------------


def test_no_header_plus_minus_one_labels(tmp_path):
    path = write(tmp_path, "1.0,2.0,1\n-3,4.5,-1\n0,0,1\n")
    points, labels, task = load_csv(path)
    assert task == "classification"
    assert points.dtype == np.float64 and points.shape == (3, 2)
    assert points.tolist() == [[1.0, 2.0], [-3.0, 4.5], [0.0, 0.0]]
    assert labels.dtype == np.int64 and labels.tolist() == [1, 0, 1]


def test_header_and_label_by_name(tmp_path):
    path = write(tmp_path, "x,label,y\n1,5,2\n3,7,4\n5,9,6\n")
    points, labels, task = load_csv(path, label_column="Label")  # case-insensitive fallback
    assert points.tolist() == [[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]
    assert labels.tolist() == [0, 1, 2] and task == "classification"
    points, labels, _ = load_csv(path, label_column=1)
    assert labels.tolist() == [0, 1, 2]


def test_label_in_first_column(tmp_path):
    path = write(tmp_path, "0,1.5,2.5\n1,3.5,4.5\n")
    points, labels, _ = load_csv(path, label_column=0)
    assert points.tolist() == [[1.5, 2.5], [3.5, 4.5]] and labels.tolist() == [0, 1]


def test_string_class_labels_sorted(tmp_path):
    text = "5.1,3.5,virginica\n4.9,3.0,setosa\n6.0,2.2,versicolor\n5.0,3.4,setosa\n"
    path = write(tmp_path, text)
    points, labels, task = load_csv(path)
    assert task == "classification" and points.shape == (4, 2)
    assert labels.tolist() == [2, 0, 1, 0]


def test_regression_labels(tmp_path):
    path = write(tmp_path, "x,y,target\n0,1,0.25\n1,2,1.75\n2,3,-0.5\n")
    points, labels, task = load_csv(path)
    assert task == "regression" and labels.dtype == np.float64
    assert labels.tolist() == [0.25, 1.75, -0.5]


def test_many_distinct_integers_are_regression(tmp_path):
    rows = "".join(f"{i},{i * 3}\n" for i in range(25))
    _, labels, task = load_csv(write(tmp_path, rows))
    assert task == "regression" and labels[-1] == 72.0


def test_sparse_integer_classes_are_remapped(tmp_path):
    _, labels, task = load_csv(write(tmp_path, "0,10\n1,30\n2,20\n3,10\n"))
    assert task == "classification" and labels.tolist() == [0, 2, 1, 0]


def test_tolerant_format(tmp_path):
    text = "\ufeff# a comment\r\n x1 ; x2 ; y \r\n\r\n1,5;2;a\r\n3;4,25;b\r\n\r\n"
    points, labels, _ = load_csv(write(tmp_path, text))
    assert points.tolist() == [[1.5, 2.0], [3.0, 4.25]] and labels.tolist() == [0, 1]
    tabs, _, _ = load_csv(write(tmp_path, "1\t2\t0\n3\t4\t1\n", "t.tsv"))
    assert tabs.tolist() == [[1.0, 2.0], [3.0, 4.0]]


def test_sixty_four_feature_columns_are_allowed(tmp_path):
    row = ",".join(["1"] * 64)
    points, _, _ = load_csv(write(tmp_path, f"{row},0\n{row},1\n"))
    assert points.shape == (2, 64)


# --- failures ---------------------------------------------------------------------------


def test_file_not_found(tmp_path):
    with pytest.raises(DataError, match="not found"):
        load_csv(tmp_path / "missing.csv")


def test_unreadable_path(tmp_path):
    with pytest.raises(DataError, match="cannot read.*folder"):
        load_csv(tmp_path)


def test_not_utf8(tmp_path):
    path = tmp_path / "latin1.csv"
    path.write_bytes("x,y,label\n1,2,caf\xe9\n".encode("latin-1"))
    with pytest.raises(DataError, match=r"not UTF-8.*line 2"):
        load_csv(path)


@pytest.mark.parametrize("text", ["", "\n\n  \n", "# only a comment\n"])
def test_empty_file(tmp_path, text):
    with pytest.raises(DataError, match="empty"):
        load_csv(write(tmp_path, text))


def test_header_only(tmp_path):
    with pytest.raises(DataError, match="header row but no data"):
        load_csv(write(tmp_path, "x1,x2,label\n"))


@pytest.mark.parametrize("text", ["1,2,0\n", "x,y,label\n1,2,0\n"])
def test_fewer_than_two_rows(tmp_path, text):
    with pytest.raises(DataError, match="at least 2 data rows, found 1"):
        load_csv(write(tmp_path, text))


def test_single_column(tmp_path):
    with pytest.raises(DataError, match="at least 2 columns"):
        load_csv(write(tmp_path, "1\n2\n3\n"))


def test_ragged_rows(tmp_path):
    with pytest.raises(DataError, match="line 3 has 2 columns, expected 3"):
        load_csv(write(tmp_path, "x,y,label\n1,2,0\n3,1\n"))


@pytest.mark.parametrize("text, match", [
    ("1,2,0\n3,,1\n", r"missing value \(line 2, column 2\)"),
    ("1,2,0\nNA,4,1\n", r"missing value \(line 2, column 1\)"),
    ("1,2,0\n3,4,\n", r"missing label \(line 2, column 3\)"),
])
def test_missing_values(tmp_path, text, match):
    with pytest.raises(DataError, match=match):
        load_csv(write(tmp_path, text))


def test_non_numeric_feature(tmp_path):
    with pytest.raises(DataError, match=r"non-numeric value 'abc' \(line 4, column 1\)"):
        load_csv(write(tmp_path, "x,y,label\n1,2,0\n3,4,1\nabc,5,0\n"))


def test_labels_mixing_numbers_and_text(tmp_path):
    with pytest.raises(DataError, match=r"non-numeric value 'oops' \(line 3, column 3\)"):
        load_csv(write(tmp_path, "1,2,0\n3,4,1\n5,6,oops\n"))


@pytest.mark.parametrize("text, match", [
    ("1,2,0\n3,nan,1\n", r"NaN or inf value 'nan' \(line 2, column 2\)"),
    ("1,2,0\n-inf,4,1\n", r"NaN or inf value '-inf' \(line 2, column 1\)"),
    ("1,2,0.5\n3,4,inf\n", r"NaN or inf value 'inf' \(line 2, column 3\)"),
])
def test_nan_or_inf(tmp_path, text, match):
    with pytest.raises(DataError, match=match):
        load_csv(write(tmp_path, text))


@pytest.mark.parametrize("text", ["1,2,1\n3,4,1\n", "1,2,cat\n3,4,cat\n"])
def test_only_one_class(tmp_path, text):
    with pytest.raises(DataError, match="only one class"):
        load_csv(write(tmp_path, text))


def test_too_many_text_classes(tmp_path):
    rows = "".join(f"{i},{i},class{i}\n" for i in range(21))
    with pytest.raises(DataError, match="too many classes: 21"):
        load_csv(write(tmp_path, rows))


def test_too_many_columns(tmp_path):
    row = ",".join(["1"] * 65)
    with pytest.raises(DataError, match="too many columns: 65 feature columns, at most 64"):
        load_csv(write(tmp_path, f"{row},0\n{row},1\n"))


@pytest.mark.parametrize("text, column, match", [
    ("1,2,0\n3,4,1\n", 3, "label column 3 not found: the file has 3 columns"),
    ("1,2,0\n3,4,1\n", -4, "label column -4 not found"),
    ("x,y,label\n1,2,0\n3,4,1\n", "class", "label column 'class' not found; the header has"),
    ("1,2,0\n3,4,1\n", "label", "no header row"),
    ("1,2,0\n3,4,1\n", 1.5, "column index or a header name"),
])
def test_label_column_not_found(tmp_path, text, column, match):
    with pytest.raises(DataError, match=match):
        load_csv(write(tmp_path, text), label_column=column)


@pytest.mark.parametrize("content", [
    b"\x00\x00\x00", b'"unterminated,1\n2,3', b"1,2,3\n" * 2 + b"\xff\xfe", b",,,\n,,,\n",
])
def test_garbage_only_ever_raises_data_error(tmp_path, content):
    path = tmp_path / "garbage.csv"
    path.write_bytes(content)
    with pytest.raises(DataError):
        load_csv(path)


def test_no_path():
    with pytest.raises(DataError, match="no CSV file"):
        load_csv("")


# --- through build_dataset --------------------------------------------------------------


def test_build_dataset_from_csv(tmp_path):
    rng = np.random.default_rng(0)
    pts = rng.uniform(-1, 3, (40, 2))
    rows = "".join(f"{x},{y},{'pos' if x > 1 else 'neg'}\n" for x, y in pts)
    path = write(tmp_path, "a,b,kind\n" + rows)
    cfg = DataConfig(dataset="csv", csv_path=str(path), csv_label_column="kind",
                     features=["x1", "x2", "x1^2"], train_fraction=0.75, seed=4)
    ds = build_dataset(cfg)
    assert ds.task == "classification" and ds.n_classes == 2 and ds.input_dim == 2
    assert ds.n_train == 30 and ds.n_test == 10
    assert np.array_equal(ds.y_train, (ds.points_train[:, 0] > 1).astype(np.int64))
    xmin, xmax, ymin, ymax = ds.extent
    assert xmin < pts[:, 0].min() and xmax > pts[:, 0].max()
    assert ymin < pts[:, 1].min() and ymax > pts[:, 1].max()
    again = build_dataset(cfg)
    assert np.array_equal(ds.points_train, again.points_train)


def test_build_dataset_from_1d_csv(tmp_path):
    path = write(tmp_path, "".join(f"{x},{x * x + 0.5}\n" for x in range(-5, 6)))
    ds = build_dataset(DataConfig(dataset="csv", csv_path=str(path), features=["x1", "x1^2"]))
    assert ds.input_dim == 1 and ds.task == "regression" and ds.n_classes == 0
    assert ds.extent[2] < 0.5 and ds.extent[3] > 25.5


def test_build_dataset_from_wide_csv(tmp_path):
    rows = "".join(f"{i},{i + 1},{i + 2},{i % 2}\n" for i in range(10))
    path = str(write(tmp_path, rows))
    ds = build_dataset(DataConfig(dataset="csv", csv_path=path, features=["x1", "x2", "x3"]))
    assert ds.input_dim == 3 and ds.X_train.shape[1] == 3
    assert np.array_equal(ds.X_train, ds.points_train)
    with pytest.raises(DataError, match="x1, x2, x3"):
        build_dataset(DataConfig(dataset="csv", csv_path=path, features=["x1", "x2"]))


def test_build_dataset_reports_csv_errors(tmp_path):
    with pytest.raises(DataError, match="not found"):
        build_dataset(DataConfig(dataset="csv", csv_path=str(tmp_path / "nope.csv")))
