"""Datasets for nnviz: generators, CSV import, the train/test split and feature transforms.

Pure NumPy (no Qt), so the engine, the command line and the tests use it directly.
`build_dataset(DataConfig)` is the entry point; the GUI also calls
`transform_features` on its heatmap grid and `Dataset.with_point` for click-to-add.
"""

from __future__ import annotations

from .build import build_dataset
from .csv_loader import load_csv
from .dataset import Dataset
from .errors import DataError
from .features import transform_features
from .generators import GENERATORS

__all__ = ["GENERATORS", "DataError", "Dataset", "build_dataset", "load_csv", "transform_features"]
