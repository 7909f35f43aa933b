"""Small pyqtgraph helpers shared by the panels."""

from __future__ import annotations

import math


def nice_ceil(v: float) -> float:
    """The smallest of 1, 2, 2.5, 5 × 10ᵏ at or above ``v`` (stable axis ranges)."""
    if not math.isfinite(v) or v <= 0:
        return 1.0
    e = 10.0 ** math.floor(math.log10(v))
    return next(m * e for m in (1.0, 2.0, 2.5, 5.0, 10.0) if m * e >= v * (1 - 1e-12))


def fine_ceil(v: float) -> float:
    """The smallest of 1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8 × 10ᵏ at or above ``v``: an axis
    end that stays put while a growing curve fills 80–100 % of the plot (a moving end
    makes pyqtgraph rebuild the ticks at every frame)."""
    if not math.isfinite(v) or v <= 0:
        return 1.0
    e = 10.0 ** math.floor(math.log10(v))
    steps = (1.0, 1.2, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0)
    return next(m * e for m in steps if m * e >= v * (1 - 1e-12))


def set_range_cached(cache: dict, plot, x: tuple | None = None, y: tuple | None = None,
                     padding: float = 0.0) -> None:
    """plot.setRange, skipped when the range has not changed (setRange costs ~0.3 ms)."""
    key = id(plot)
    old = cache.get(key, (None, None, None))
    nx = old[0] if x is None else (float(x[0]), float(x[1]))
    ny = old[1] if y is None else (float(y[0]), float(y[1]))
    if (nx, ny, padding) == old:
        return
    cache[key] = (nx, ny, padding)
    plot.setRange(xRange=x, yRange=y, padding=padding)


def format_number(v: float, significant: int = 4) -> str:
    """A short label for a value: "—" for nan/inf, scientific outside 1e-3…1e4."""
    if not math.isfinite(v):
        return "—"
    if v == 0:
        return "0"
    if abs(v) < 1e-3 or abs(v) >= 1e4:
        return f"{v:.2e}"
    return f"{v:.{significant}g}"
