"""The logic gates AND, OR, NAND, XOR and XNOR as 4-point datasets.

They are the classic perceptron lesson: one neuron learns AND, OR and NAND but
not XOR. There are only four points, so nothing is held out: `hold_out=False`
makes the train and test sets both the whole truth table. The points keep the
truth-table order (no shuffle), and `n`, `noise` and the seed are ignored, so a
gate is the same everywhere.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .raw import RawData, data_extent

GATE_N = 4
_INPUTS = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])

#: Output for the inputs (0,0), (0,1), (1,0), (1,1).
TRUTH_TABLES: dict[str, tuple[int, int, int, int]] = {
    "gate-and": (0, 0, 0, 1),
    "gate-or": (0, 1, 1, 1),
    "gate-nand": (1, 1, 1, 0),
    "gate-xor": (0, 1, 1, 0),
    "gate-xnor": (1, 0, 0, 1),
}

GateFn = Callable[..., RawData]


def _gate(name: str) -> GateFn:
    """Make the generator for one gate; all five differ only in their truth table."""
    table = np.array(TRUTH_TABLES[name], dtype=np.int64)

    def generate(
        rng: np.random.Generator, *, n: int = GATE_N, noise: float = 0.0, classes: int = 2
    ) -> RawData:
        points = _INPUTS.copy()
        return RawData(
            points=points,
            labels=table.copy(),
            task="classification",
            n_classes=2,
            extent=data_extent(points[:, 0], points[:, 1], margin=0.5),
            hold_out=False,
        )

    generate.__name__ = name.replace("-", "_")
    generate.__doc__ = f"The 4-point truth table of {name[5:].upper()}; n, noise and rng unused."
    return generate


GATES: dict[str, GateFn] = {name: _gate(name) for name in TRUTH_TABLES}
