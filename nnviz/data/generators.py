"""The registry of built-in datasets: name -> generator function.

Every generator has the same signature,
``generator(rng, *, n=<its default>, noise=0.0, classes=...) -> RawData``;
leaving `n` out gives the generator's own default size, and `classes` is used
only by blobs. The import-time check keeps this registry and the names the
config accepts (`DATASETS`) from drifting apart.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np

from ..engine.config import DATASETS
from . import curves, playground, shapes
from .gates import GATES
from .raw import RawData


class GeneratorFn(Protocol):
    """The call signature every dataset generator shares."""

    def __call__(
        self, rng: np.random.Generator, *, n: int = ..., noise: float = ..., classes: int = ...
    ) -> RawData: ...


GENERATORS: dict[str, GeneratorFn] = {
    "circle": playground.circle,
    "xor": playground.xor,
    "gauss": playground.gauss,
    "spiral": playground.spiral,
    "reg-plane": playground.reg_plane,
    "reg-gauss": playground.reg_gauss,
    "moons": shapes.moons,
    "blobs": shapes.blobs,
    "checkerboard": shapes.checkerboard,
    "linear": shapes.linear,
    **GATES,
    "sine": curves.sine,
    "poly": curves.poly,
    "line": curves.line,
}

assert set(GENERATORS) | {"csv"} == set(DATASETS), (
    "nnviz.data.GENERATORS and config.DATASETS disagree: "
    f"{sorted(set(GENERATORS) ^ (set(DATASETS) - {'csv'}))}"
)
