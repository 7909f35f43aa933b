"""Read a user's CSV file into points and labels, with messages a lecturer can act on.

Only the standard `csv` module is used (no pandas in the app). Every problem
becomes a one-line `DataError` naming the file and, where it applies, the 1-based
line and column, so the GUI can show it in a status bar instead of a traceback.

Format accepted:
* delimiter ``,``, ``;`` or tab, whichever the first line uses most (with ``;`` or
  tab a decimal comma such as ``1,5`` is read as 1.5);
* an optional header row, detected when a non-label cell of the first row is text;
* blank lines and lines starting with ``#`` are skipped; UTF-8 with or without BOM;
* missing values: empty cells and NA, N/A, null, none, ?.
"""

from __future__ import annotations

import csv
import io
import math
import os
from pathlib import Path

import numpy as np

from .errors import DataError

MAX_FEATURE_COLUMNS = 64
MAX_CLASSES = 20
_MISSING = frozenset({"", "na", "n/a", "null", "none", "?"})
_DELIMITERS = (",", ";", "\t")

Row = tuple[int, list[str]]  # (1-based line number, stripped cells)


def load_csv(
    path: str | os.PathLike[str], label_column: int | str = -1
) -> tuple[np.ndarray, np.ndarray, str]:
    """Read `path` and return (points (n, d) float64, labels, task).

    `label_column` is a column index (negative counts from the end) or a header
    name. Labels that are all integers with at most 20 distinct values (this
    includes -1/+1), or all text, are classes: task "classification", labels int64
    remapped to 0..k-1 in sorted order. Any other numbers give "regression" with
    float64 labels. Raises DataError, and only DataError, for every problem.
    """
    try:
        return _load(path, label_column)
    except DataError:
        raise
    except Exception as exc:  # the contract: nothing escapes but DataError
        raise DataError(f"cannot read CSV file {path}: {exc}") from exc


def _load(
    source: str | os.PathLike[str], label_column: int | str
) -> tuple[np.ndarray, np.ndarray, str]:
    if source is None or str(source).strip() == "":
        raise DataError("no CSV file given")
    path = Path(source)
    where = path.name
    text = _read_text(path)
    delimiter = _detect_delimiter(text)
    rows = _rows(text, delimiter, where)
    if not rows:
        raise DataError(f"{where}: the CSV file is empty")
    first_line, first = rows[0]
    ncols = len(first)
    if ncols < 2:
        raise DataError(f"{where}: need at least 2 columns (features and a label), "
                        f"line {first_line} has {ncols}")
    if ncols - 1 > MAX_FEATURE_COLUMNS:
        raise DataError(f"{where}: too many columns: {ncols - 1} feature columns, "
                        f"at most {MAX_FEATURE_COLUMNS} are supported")
    label_idx, has_header = _find_label_column(first, label_column, where)
    data = rows[1:] if has_header else rows
    if not data:
        raise DataError(f"{where}: the file has a header row but no data rows")
    if len(data) < 2:
        raise DataError(f"{where}: need at least 2 data rows, found {len(data)}")

    decimal_comma = delimiter != ","
    feature_cols = [c for c in range(ncols) if c != label_idx]
    points = np.empty((len(data), len(feature_cols)), dtype=np.float64)
    label_cells: list[tuple[int, str]] = []
    for i, (line, cells) in enumerate(data):
        if len(cells) != ncols:
            raise DataError(f"{where}: line {line} has {len(cells)} columns, expected {ncols}")
        for j, col in enumerate(feature_cols):
            points[i, j] = _number(cells[col], line, col, where, decimal_comma)
        label_cells.append((line, cells[label_idx]))
    labels, task = _labels(label_cells, label_idx, where, decimal_comma)
    return points, labels, task


def _read_text(path: Path) -> str:
    """The file's text; a missing, unreadable or non-UTF-8 file is a DataError."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise DataError(f"CSV file not found: {path}") from None
    except IsADirectoryError:
        raise DataError(f"cannot read CSV file {path}: it is a folder") from None
    except OSError as exc:
        raise DataError(f"cannot read CSV file {path}: {exc.strerror or exc}") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise DataError(f"{path.name}: not UTF-8 text (invalid byte on line {line}); "
                        "save the file as UTF-8") from None


def _detect_delimiter(text: str) -> str:
    """The delimiter the first non-blank, non-comment line uses most; a comma if none."""
    for line in text.splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            counts = [line.count(d) for d in _DELIMITERS]
            return _DELIMITERS[counts.index(max(counts))] if max(counts) else ","
    return ","


def _rows(text: str, delimiter: str, where: str) -> list[Row]:
    """Non-blank, non-comment rows with their line numbers and stripped cells."""
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    rows: list[Row] = []
    try:
        for row in reader:
            cells = [cell.strip() for cell in row]
            if not cells or (len(cells) == 1 and not cells[0]) or cells[0].startswith("#"):
                continue
            rows.append((reader.line_num, cells))
    except csv.Error as exc:
        raise DataError(f"{where}: cannot parse line {reader.line_num}: {exc}") from None
    return rows


def _parse(cell: str, decimal_comma: bool) -> float | None:
    """The cell as a float, or None if it is not a number."""
    try:
        return float(cell)
    except ValueError:
        pass
    if decimal_comma and cell.count(",") == 1:
        try:
            return float(cell.replace(",", "."))
        except ValueError:
            return None
    return None


def _is_text(cell: str) -> bool:
    """True for a cell that is neither a number nor a missing-value marker."""
    return cell.lower() not in _MISSING and _parse(cell, True) is None


def _find_label_column(first: list[str], label_column: int | str, where: str) -> tuple[int, bool]:
    """Resolve the label column to an index and decide whether `first` is a header.

    With an index, the first row is a header when any of its *feature* cells is
    text (a text label alone is a class name, not a header). With a name, a header
    is required.
    """
    ncols = len(first)
    if isinstance(label_column, str):
        if not any(_is_text(cell) for cell in first):
            raise DataError(f"{where}: label column {label_column!r} not found: "
                            "the file has no header row")
        if label_column in first:
            return first.index(label_column), True
        folded = [cell.casefold() for cell in first]
        if folded.count(label_column.casefold()) == 1:
            return folded.index(label_column.casefold()), True
        raise DataError(f"{where}: label column {label_column!r} not found; "
                        f"the header has: {', '.join(first)}")
    if isinstance(label_column, bool) or not isinstance(label_column, int | np.integer):
        raise DataError(f"label column must be a column index or a header name, "
                        f"got {label_column!r}")
    index = int(label_column)
    if not -ncols <= index < ncols:
        raise DataError(f"{where}: label column {index} not found: "
                        f"the file has {ncols} columns")
    index %= ncols
    has_header = any(_is_text(cell) for col, cell in enumerate(first) if col != index)
    return index, has_header


def _number(cell: str, line: int, col: int, where: str, decimal_comma: bool) -> float:
    """A finite float from a feature cell; `col` is 0-based, messages are 1-based."""
    if cell.lower() in _MISSING:
        raise DataError(f"{where}: missing value (line {line}, column {col + 1})")
    value = _parse(cell, decimal_comma)
    if value is None:
        raise DataError(f"{where}: non-numeric value {cell!r} (line {line}, column {col + 1})")
    if not math.isfinite(value):
        raise DataError(f"{where}: NaN or inf value {cell!r} (line {line}, column {col + 1})")
    return value


def _labels(
    cells: list[tuple[int, str]], col: int, where: str, decimal_comma: bool
) -> tuple[np.ndarray, str]:
    """Decide the task from the label cells and encode them (see `load_csv`)."""
    for line, cell in cells:
        if cell.lower() in _MISSING:
            raise DataError(f"{where}: missing label (line {line}, column {col + 1})")
    parsed = [_parse(cell, decimal_comma) for _, cell in cells]
    n_text = sum(value is None for value in parsed)
    if n_text == len(cells):
        names = sorted({cell for _, cell in cells})
        _check_class_count(len(names), names[0], col, where)
        index = {name: i for i, name in enumerate(names)}
        return np.array([index[cell] for _, cell in cells], dtype=np.int64), "classification"
    if n_text:
        line, cell = next(c for c, v in zip(cells, parsed, strict=True) if v is None)
        raise DataError(f"{where}: non-numeric value {cell!r} (line {line}, column {col + 1}); "
                        "the other labels are numbers")
    values = np.array(parsed, dtype=np.float64)
    bad = np.flatnonzero(~np.isfinite(values))
    if bad.size:
        line, cell = cells[bad[0]]
        raise DataError(f"{where}: NaN or inf value {cell!r} (line {line}, column {col + 1})")
    classes = np.unique(values)
    if np.all(values == np.round(values)) and classes.size <= MAX_CLASSES:
        _check_class_count(classes.size, cells[0][1], col, where)
        return np.searchsorted(classes, values).astype(np.int64), "classification"
    return values, "regression"


def _check_class_count(count: int, example: str, col: int, where: str) -> None:
    if count < 2:
        raise DataError(f"{where}: only one class ({example!r}) in label column {col + 1}; "
                        "classification needs at least 2")
    if count > MAX_CLASSES:
        raise DataError(f"{where}: too many classes: {count} distinct text labels in "
                        f"column {col + 1}, at most {MAX_CLASSES}")
