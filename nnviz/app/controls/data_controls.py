"""Data and feature controls: dataset thumbnails, noise, split, size, seed, CSV import."""

from __future__ import annotations

import functools
import os

import numpy as np
from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QIcon, QPainter, QPixmap
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QToolButton,
    QWidget,
)

from nnviz.app import theme
from nnviz.app.controls.base import ControlGroup
from nnviz.app.controls.widgets import LinearSlider, add_row
from nnviz.data import DataError, build_dataset, load_csv
from nnviz.data.features import FEATURES_1D
from nnviz.engine.config import DATASETS, FEATURES, DataConfig

#: Datasets shown as thumbnails (2-D, Playground's four first); the combo lists all.
THUMBNAIL_DATASETS: tuple[str, ...] = (
    "circle", "xor", "gauss", "spiral", "moons",
    "blobs", "checkerboard", "linear", "reg-plane", "reg-gauss",
)
ONE_D_DATASETS = frozenset({"sine", "poly"})

DATASET_LABELS = {
    "circle": "Circle", "xor": "XOR (quadrants)", "gauss": "Two Gaussians",
    "spiral": "Spiral", "moons": "Moons", "blobs": "Blobs (k classes)",
    "checkerboard": "Checkerboard", "linear": "Linearly separable",
    "gate-and": "Gate: AND", "gate-or": "Gate: OR", "gate-nand": "Gate: NAND",
    "gate-xor": "Gate: XOR", "gate-xnor": "Gate: XNOR",
    "reg-plane": "Regression: plane", "reg-gauss": "Regression: Gaussians",
    "sine": "Regression 1-D: sine", "poly": "Regression 1-D: polynomial",
    "csv": "CSV file…",
}

FEATURE_LABELS = {
    "x1": "x₁", "x2": "x₂", "x1^2": "x₁²", "x2^2": "x₂²", "x1x2": "x₁x₂",
    "sin_x1": "sin x₁", "sin_x2": "sin x₂",
}

THUMB = 52


@functools.cache
def dataset_thumbnail(name: str, size: int = THUMB) -> QPixmap:
    """A small picture of a 2-D dataset, coloured like the views (orange/blue)."""
    pix = QPixmap(size, size)
    pix.fill(QColor(*theme.NEUTRAL))
    try:
        ds = build_dataset(DataConfig(dataset=name, n=300 if name != "blobs" else 240, seed=1))
    except DataError:
        return pix
    pts = np.concatenate([ds.points_train, ds.points_test])
    ys = np.concatenate([ds.y_train, ds.y_test]).astype(float)
    x0, x1, y0, y1 = ds.extent
    painter = QPainter(pix)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(Qt.PenStyle.NoPen)
    if ds.task == "regression":
        scale = float(np.max(np.abs(ys))) or 1.0
        colors = [QColor(*theme.value_color(v, scale)) for v in ys]
    elif ds.n_classes == 2:
        colors = [QColor(*(theme.POSITIVE if v > 0 else theme.NEGATIVE)) for v in ys]
    else:
        colors = [QColor(*theme.CLASS_COLORS[int(v) % len(theme.CLASS_COLORS)]) for v in ys]
    r = 1.6
    for (px, py), c in zip(pts, colors, strict=True):
        sx = (px - x0) / (x1 - x0) * size
        sy = (1.0 - (py - y0) / (y1 - y0)) * size
        painter.setBrush(c)
        painter.drawEllipse(QPointF(sx, sy), r, r)
    painter.setPen(QColor(120, 120, 120))
    painter.setBrush(Qt.BrushStyle.NoBrush)
    painter.drawRect(QRectF(0, 0, size - 1, size - 1))
    painter.end()
    return pix


@functools.lru_cache(maxsize=16)
def _csv_dims(path: str, mtime: float, label_column: int | str) -> int:
    points, _labels, _task = load_csv(path, label_column)
    return int(points.shape[1])


def input_dim(cfg: DataConfig) -> int:
    """How many raw inputs the dataset of ``cfg`` has (reads a CSV's header if needed)."""
    if cfg.dataset in ONE_D_DATASETS:
        return 1
    if cfg.dataset == "csv" and cfg.csv_path:
        try:
            return _csv_dims(cfg.csv_path, os.path.getmtime(cfg.csv_path), cfg.csv_label_column)
        except (DataError, OSError):
            return 2
    return 2


def effective_features(features: list[str] | None, dim: int) -> list[str]:
    """The features in use: ``None`` means the raw inputs x1 .. xd."""
    if features is None:
        return [f"x{i + 1}" for i in range(max(1, dim))]
    return list(features)


def fit_features(features: list[str] | None, dim: int,
                 remembered: list[str] | None = None) -> list[str] | None:
    """Features valid for data with ``dim`` inputs, as close to ``features`` as possible
    (``None``, the raw inputs, always fits)."""
    if features is None:
        return None
    if dim > 2:
        return [f"x{i + 1}" for i in range(dim)]
    if dim == 1:
        kept = [f for f in features if f in FEATURES_1D]
        return kept or ["x1"]
    kept = [f for f in features if f in FEATURES]
    if remembered and all(f in FEATURES_1D for f in kept):
        return list(remembered)
    return kept or ["x1", "x2"]


class DataControls(ControlGroup):
    """Which data: a thumbnail per 2-D dataset, a combo for all, noise, split, n, seed."""

    csvError = Signal(str)

    def __init__(self, parent: QWidget | None = None):
        super().__init__("Data", parent)
        grid_host = QWidget()
        grid = QGridLayout(grid_host)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setSpacing(4)
        self.thumbs = QButtonGroup(self)
        self.thumbs.setExclusive(True)
        self.thumb_buttons: dict[str, QToolButton] = {}
        for i, name in enumerate(THUMBNAIL_DATASETS):
            b = QToolButton()
            b.setCheckable(True)
            b.setIcon(QIcon(dataset_thumbnail(name)))
            b.setIconSize(QSize(THUMB, THUMB))
            b.setToolTip(f"{DATASET_LABELS[name]} — changing the data resets the network")
            b.setAccessibleName(DATASET_LABELS[name])
            b.setObjectName(f"dataset-{name}")
            b.setStyleSheet("QToolButton:checked { border: 3px solid #333; border-radius: 3px; }")
            self.thumbs.addButton(b, i)
            self.thumb_buttons[name] = b
            grid.addWidget(b, i // 5, i % 5)
        self.thumbs.idClicked.connect(lambda i: self._choose(THUMBNAIL_DATASETS[i]))
        self.form.addRow(grid_host)

        self.combo = QComboBox()
        for name in DATASETS:
            self.combo.addItem(DATASET_LABELS.get(name, name), name)
        self.combo.activated.connect(lambda i: self._choose(self.combo.itemData(i)))
        add_row(self.form, "Dataset", self.combo, rebuild=True)

        self.csv_button = QPushButton("Import CSV…")
        self.csv_label = QLabel("")
        self.csv_label.setWordWrap(True)
        self.csv_button.clicked.connect(self.import_csv)
        csv_row = QWidget()
        lay = QHBoxLayout(csv_row)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.csv_button)
        lay.addWidget(self.csv_label, 1)
        add_row(self.form, "Own data", csv_row, rebuild=True,
                tip="a CSV file: feature columns, the label in the last column")

        self.noise = LinearSlider(0, 50, 1, 0)
        self.noise.valueChanged.connect(self._on_noise)
        add_row(self.form, "Noise %", self.noise, rebuild=True)

        self.ratio = LinearSlider(10, 90, 5, 50)
        self.ratio.valueChanged.connect(self._on_ratio)
        add_row(self.form, "Training %", self.ratio, rebuild=True,
                tip="share of the points used for training; the rest is the test set")

        self.n = QSpinBox()
        self.n.setRange(0, 5000)
        self.n.setSingleStep(50)
        self.n.setSpecialValueText("default")
        self.n.valueChanged.connect(self._on_n)
        add_row(self.form, "Points", self.n, rebuild=True)

        self.classes = QSpinBox()
        self.classes.setRange(2, 8)
        self.classes.valueChanged.connect(self._on_classes)
        self.classes_label = add_row(self.form, "Classes", self.classes, rebuild=True)

        seed_row = QWidget()
        lay = QHBoxLayout(seed_row)
        lay.setContentsMargins(0, 0, 0, 0)
        self.seed = QSpinBox()
        self.seed.setRange(0, 999_999)
        self.seed.valueChanged.connect(self._on_seed)
        self.regenerate = QPushButton("Regenerate")
        self.regenerate.setToolTip("new random points (next data seed) — resets the network")
        self.regenerate.clicked.connect(lambda: self.seed.setValue(self.seed.value() + 1))
        lay.addWidget(self.seed, 1)
        lay.addWidget(self.regenerate)
        add_row(self.form, "Data seed", seed_row, rebuild=True)
        self._features_2d: list[str] | None = None

    # ------------------------------------------------------------------ display ------
    def _show(self) -> None:
        d = self.scenario.data
        b = self.thumb_buttons.get(d.dataset)
        if b is not None:
            b.setChecked(True)
        else:
            self.thumbs.setExclusive(False)
            for btn in self.thumb_buttons.values():
                btn.setChecked(False)
            self.thumbs.setExclusive(True)
        self.combo.setCurrentIndex(max(0, self.combo.findData(d.dataset)))
        self.noise.setValue(d.noise * 100)
        self.ratio.setValue(d.train_fraction * 100)
        self.n.setValue(d.n or 0)
        self.classes.setValue(d.classes)
        self.form.setRowVisible(self.classes, d.dataset == "blobs")
        self.seed.setValue(d.seed)
        is_csv = d.dataset == "csv"
        self.csv_label.setText(os.path.basename(d.csv_path) if is_csv and d.csv_path else "")
        for w in (self.noise, self.n):
            w.setEnabled(not is_csv)

    # ------------------------------------------------------------------ edits --------
    def _choose(self, name: str) -> None:
        if self._syncing:
            return
        if name == "csv":
            if not self.import_csv():
                self.load(self.scenario)
            return
        d = self.scenario.data
        if name == d.dataset:
            return
        if input_dim(d) == 2 and d.features is not None:
            self._features_2d = list(d.features)
        d.dataset = name
        d.features = fit_features(d.features, input_dim(d), self._features_2d)
        self.load(self.scenario)
        self._rebuild()

    def import_csv(self, path: str | None = None) -> bool:
        """Ask for a CSV file (or use ``path``), check it, and switch to it."""
        if path is None:
            path, _ = QFileDialog.getOpenFileName(
                self, "Import CSV data", "", "CSV files (*.csv *.txt *.tsv);;All files (*)"
            )
            if not path:
                return False
        try:
            points, _labels, _task = load_csv(path, -1)
        except DataError as exc:
            self.csvError.emit(str(exc))
            if not os.environ.get("NNVIZ_NO_DIALOGS"):
                QMessageBox.warning(self, "Cannot use this CSV file", str(exc))
            return False
        d = self.scenario.data
        if input_dim(d) == 2 and d.features is not None:
            self._features_2d = list(d.features)
        d.dataset, d.csv_path, d.csv_label_column = "csv", path, -1
        d.features = fit_features(d.features, int(points.shape[1]), self._features_2d)
        self.load(self.scenario)
        self._rebuild()
        return True

    def _on_noise(self, v: float) -> None:
        self.scenario.data.noise = round(v) / 100.0
        self._rebuild()

    def _on_ratio(self, v: float) -> None:
        self.scenario.data.train_fraction = round(v) / 100.0
        self._rebuild()

    def _on_n(self, v: int) -> None:
        self.scenario.data.n = None if v == 0 else max(2, v)
        self._rebuild()

    def _on_classes(self, v: int) -> None:
        self.scenario.data.classes = v
        self._rebuild()

    def _on_seed(self, v: int) -> None:
        self.scenario.data.seed = v
        self._rebuild()


class FeatureControls(ControlGroup):
    """Playground's input features as checkboxes; 1-D data allows only x₁, x₁², sin x₁."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__("Features ↺", parent)
        self.setToolTip("the network's inputs — changing them resets the network")
        host = QWidget()
        grid = QGridLayout(host)
        grid.setContentsMargins(0, 0, 0, 0)
        self.boxes: dict[str, QCheckBox] = {}
        for i, name in enumerate(FEATURES):
            box = QCheckBox(FEATURE_LABELS[name])
            box.setObjectName(f"feature-{name}")
            box.setProperty("resets", True)
            box.toggled.connect(lambda on, n=name: self._toggle(n, on))
            self.boxes[name] = box
            grid.addWidget(box, i // 4, i % 4)
        self.form.addRow(host)
        self.note = QLabel("")
        self.note.setWordWrap(True)
        self.form.addRow(self.note)
        self._dim = 2

    def set_input_dim(self, dim: int) -> None:
        """Enable the features that data with ``dim`` inputs supports."""
        self._dim = dim
        with self.syncing():
            self._show()

    def _show(self) -> None:
        if self.scenario.data.dataset != "csv":
            self._dim = input_dim(self.scenario.data)
        dim = self._dim
        chosen = set(effective_features(self.scenario.data.features, dim))
        for name, box in self.boxes.items():
            box.setChecked(name in chosen)
            box.setEnabled(dim == 2 or (dim == 1 and name in FEATURES_1D))
        if dim > 2:
            self.note.setText(f"{dim} input columns: the network sees them as they are.")
        elif dim == 1:
            self.note.setText("1-D data: only x₁, x₁² and sin x₁ apply.")
        else:
            self.note.setText("")
        self.note.setVisible(bool(self.note.text()))

    def _toggle(self, name: str, on: bool) -> None:
        if self._syncing:
            return
        current = effective_features(self.scenario.data.features, self._dim)
        feats = [f for f in FEATURES if (f == name and on) or (f != name and f in current)]
        if not feats:  # at least one input: undo the last uncheck
            with self.syncing():
                self.boxes[name].setChecked(True)
            return
        self.scenario.data.features = feats
        self._rebuild()
