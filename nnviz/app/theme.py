"""Colours used by every view, so that one meaning always has one colour.

The diverging palette runs orange (negative, class 0) through near-white to blue
(positive, class 1), as TF Playground does, with values from ColorBrewer's PuOr/RdBu
family that stay distinguishable for the common colour-vision deficiencies. k-class data
uses the Okabe–Ito qualitative palette, designed for colour-blind readers.
"""

from __future__ import annotations

from dataclasses import dataclass

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


# ------------------------------------------------------------------ themes --------------
RGB = tuple[int, int, int]


@dataclass(frozen=True)
class Theme:
    """What changes between themes: the page, the ink and the window chrome.

    The data colours above (orange/blue, Okabe–Ito) stay the same in every theme, so
    a colour means the same thing on the laptop, the projector and the slide.
    """

    name: str
    label: str
    background: RGB  # plots and the network canvas
    ink: RGB  # axes, tick labels, plot text
    muted: RGB  # secondary text (hints, units)
    window: RGB  # widget backgrounds (Qt palette)
    base: RGB  # text fields, lists
    text: RGB  # widget text
    button: RGB
    highlight: RGB
    bold_plots: bool = False  # heavier plot text, for washed-out projectors

    @property
    def dark(self) -> bool:
        return sum(self.background) < 3 * 128


THEMES: dict[str, Theme] = {
    "light": Theme(
        "light", "Light", background=(255, 255, 255), ink=(40, 40, 40), muted=(85, 85, 85),
        window=(239, 239, 239), base=(255, 255, 255), text=(20, 20, 20), button=(239, 239, 239),
        highlight=(48, 140, 198),
    ),
    # Projectors wash out greys and thin strokes: pure black on pure white, bold plot text.
    "projector": Theme(
        "projector", "Projector (high contrast)", background=(255, 255, 255), ink=(0, 0, 0),
        muted=(40, 40, 40), window=(255, 255, 255), base=(255, 255, 255), text=(0, 0, 0),
        button=(230, 230, 230), highlight=(0, 90, 180), bold_plots=True,
    ),
    "dark": Theme(
        "dark", "Dark", background=(24, 24, 27), ink=(232, 232, 232), muted=(175, 175, 175),
        window=(38, 38, 42), base=(28, 28, 31), text=(235, 235, 235), button=(52, 52, 58),
        highlight=(86, 156, 214),
    ),
}
DEFAULT_THEME = "light"
#: Presentation mode switches to this theme (and back when it ends).
PRESENTATION_THEME = "projector"

_current: list[Theme] = [THEMES[DEFAULT_THEME]]


def current() -> Theme:
    """The theme in use; views read it whenever they pick a colour for text or page."""
    return _current[0]


def set_current(name: str) -> Theme:
    """Make ``name`` the current theme (unknown names fall back to the default)."""
    _current[0] = THEMES.get(name, THEMES[DEFAULT_THEME])
    return _current[0]


def ink() -> RGB:
    return current().ink


def muted() -> RGB:
    return current().muted


def background() -> RGB:
    return current().background


def hex_color(color) -> str:
    """'#rrggbb' for an (r, g, b[, a]) colour, for HTML labels and style sheets."""
    return "#{:02x}{:02x}{:02x}".format(*(int(v) for v in color[:3]))


def ink_hex() -> str:
    return hex_color(current().ink)


def muted_hex() -> str:
    return hex_color(current().muted)
