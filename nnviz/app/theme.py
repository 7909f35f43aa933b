"""Colours used by every view, so that one meaning always has one colour.

The diverging palette runs orange (negative, class 0) through near-white to blue
(positive, class 1), as TF Playground does, with values from ColorBrewer's PuOr/RdBu
family that stay distinguishable for the common colour-vision deficiencies. k-class data
uses the Okabe–Ito qualitative palette, designed for colour-blind readers.
"""

from __future__ import annotations

import numpy as np

NEGATIVE = (230, 97, 1)  # orange: negative values, class 0 (Playground's -1)
POSITIVE = (33, 102, 172)  # blue: positive values, class 1 (Playground's +1)
NEUTRAL = (247, 247, 247)

#: Okabe–Ito, for k classes (k ≤ 8): orange and blue first to agree with the binary case.
CLASS_COLORS: tuple[tuple[int, int, int], ...] = (
    (230, 159, 0), (0, 114, 178), (0, 158, 115), (204, 121, 167),
    (86, 180, 233), (213, 94, 0), (240, 228, 66), (0, 0, 0),
)

#: Distinct line colours for curves (train, test, optimisers…), Okabe–Ito again.
LINE_COLORS = CLASS_COLORS

TRAIN_COLOR = (0, 114, 178)
TEST_COLOR = (213, 94, 0)
ACCURACY_COLOR = (0, 158, 115)
ACCURACY_TEST_COLOR = (120, 205, 175)  # the same green, lighter: test accuracy

#: Loss-surface markers, on the viridis map: the current point, the start, the optimum.
SURFACE_NOW_COLOR = (213, 94, 0)  # vermillion
SURFACE_START_COLOR = (255, 255, 255)
SURFACE_STAR_COLOR = (204, 121, 167)  # reddish purple

#: Optimiser-race colours (Okabe–Ito, with black for the yellow that vanishes on a light
#: map), in the order GD, momentum, Nesterov, Adagrad, RMSprop, Adam, Newton.
RACER_COLORS: tuple[tuple[int, int, int], ...] = (
    (230, 159, 0), (0, 114, 178), (0, 158, 115), (204, 121, 167),
    (86, 180, 233), (213, 94, 0), (0, 0, 0),
)


def diverging_lut(n: int = 256) -> np.ndarray:
    """An (n, 4) uint8 lookup table from NEGATIVE through NEUTRAL to POSITIVE."""
    t = np.linspace(-1.0, 1.0, n)[:, None]
    neg, mid, pos = (np.array(c, dtype=float) for c in (NEGATIVE, NEUTRAL, POSITIVE))
    rgb = np.where(t < 0, mid + (neg - mid) * (-t), mid + (pos - mid) * t)
    lut = np.empty((n, 4), dtype=np.uint8)
    lut[:, :3] = np.clip(np.round(rgb), 0, 255).astype(np.uint8)
    lut[:, 3] = 255
    return lut


def value_color(value: float, scale: float = 1.0) -> tuple[int, int, int]:
    """Colour of a signed value (a weight, an output) on the diverging palette."""
    t = 0.0 if scale <= 0 else float(np.clip(value / scale, -1.0, 1.0))
    target = POSITIVE if t >= 0 else NEGATIVE
    a = abs(t)
    return tuple(int(round(NEUTRAL[i] + (target[i] - NEUTRAL[i]) * a)) for i in range(3))  # type: ignore[return-value]


#: Dropout masks: a kept unit and a dropped one (very different lightness, colour-blind safe).
DROPOUT_KEPT = (0, 158, 115)
DROPOUT_DROPPED = (64, 64, 64)
