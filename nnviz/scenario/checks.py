"""Single-value checks that raise a ScenarioError naming the key, value and range.

Kept apart from the scenario rules so each rule reads as one line: which key, what
kind of value, which range.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, NoReturn

from .errors import ScenarioError, show
from .suggest import did_you_mean

_INT64_MAX = 2**63 - 1  # what TOML can store; larger ints could never be saved


def fail(key: str, problem: str) -> NoReturn:
    """Raise the error for `key`; `problem` starts with the value, e.g. "-1.0 must be > 0"."""
    raise ScenarioError(f"{key}: {problem}", key=key)


def is_int(value: Any) -> bool:
    """An integer, not a bool (which Python counts as one) and not a float like 3.0."""
    return isinstance(value, int) and not isinstance(value, bool)


def is_number(value: Any) -> bool:
    """A finite int or float; bools, nan and inf are not numbers a scenario can use."""
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and math.isfinite(value)
    )


def range_text(
    *, gt: float | None = None, ge: float | None = None,
    lt: float | None = None, le: float | None = None,
) -> str:
    """'> 0 and <= 100' for the given bounds ('' when there are none)."""
    parts = []
    if gt is not None:
        parts.append(f"> {gt}")
    if ge is not None:
        parts.append(f">= {ge}")
    if lt is not None:
        parts.append(f"< {lt}")
    if le is not None:
        parts.append(f"<= {le}")
    return " and ".join(parts)


def _in_range(
    value: float, gt: float | None, ge: float | None, lt: float | None, le: float | None
) -> bool:
    return not (
        (gt is not None and not value > gt)
        or (ge is not None and not value >= ge)
        or (lt is not None and not value < lt)
        or (le is not None and not value <= le)
    )


def _quoted_hint(value: Any) -> str:
    """A nudge for the commonest TOML slip: a number or boolean written in quotes."""
    if isinstance(value, str):
        text = value.strip().lower()
        if text in ("true", "false"):
            return f" (write {text} without quotes)"
        try:
            float(text)
        except ValueError:
            return ""
        return f" (write {value.strip()} without quotes)"
    return ""


def check_int(
    key: str, value: Any, *, ge: int | None = None, le: int | None = None, note: str = ""
) -> None:
    """An integer within [ge, le]; `note` is appended to the message (e.g. what to do)."""
    rng = range_text(ge=ge, le=le)
    if not is_int(value):
        kind = f"an integer {rng}".rstrip()
        fail(key, f"{show(value)} must be {kind}{_quoted_hint(value)}{note}")
    if not _in_range(value, None, ge, None, le):
        fail(key, f"{show(value)} must be {rng}{note}")
    if abs(value) > _INT64_MAX:
        fail(key, f"{show(value)} is too large (TOML integers are 64-bit){note}")


def check_number(
    key: str, value: Any, *, gt: float | None = None, ge: float | None = None,
    lt: float | None = None, le: float | None = None, note: str = "",
) -> None:
    """A finite number (an int is fine) within the given bounds."""
    rng = range_text(gt=gt, ge=ge, lt=lt, le=le)
    if not is_number(value):
        kind = f"a finite number {rng}".rstrip()
        fail(key, f"{show(value)} must be {kind}{_quoted_hint(value)}{note}")
    if not _in_range(value, gt, ge, lt, le):
        fail(key, f"{show(value)} must be {rng}{note}")


def check_bool(key: str, value: Any) -> None:
    """Strictly true or false: 0, 1 and 'yes' are refused so nothing is guessed."""
    if not isinstance(value, bool):
        fail(key, f"{show(value)} must be true or false{_quoted_hint(value)}")


def check_str(key: str, value: Any) -> None:
    """Any string."""
    if not isinstance(value, str):
        fail(key, f"{show(value)} must be a string (in double quotes)")


def check_choice(key: str, value: Any, choices: Sequence[str]) -> None:
    """One of the allowed names, with the nearest one suggested when it is not."""
    if not isinstance(value, str) or value not in choices:
        fail(key, f"{show(value)} is not one of {', '.join(choices)}{did_you_mean(value, choices)}")


def check_list(key: str, value: Any, what: str) -> list[Any]:
    """A list (TOML array); `what` describes its items for the message."""
    if not isinstance(value, list | tuple):
        fail(key, f"{show(value)} must be a list of {what}, written in [ ]")
    return list(value)
