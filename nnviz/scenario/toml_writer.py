"""A small TOML writer: just enough of TOML 1.0 to write scenarios back out.

Python reads TOML (tomllib) but cannot write it, and the project takes no extra
dependencies, so this module writes the subset that ``tomllib`` reads back to the
same values: strings, integers, floats (including inf and nan), booleans, arrays
(nested too), tables, inline tables inside arrays and arrays of tables.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
_ESCAPES = {
    '"': '\\"', "\\": "\\\\", "\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r",
}
_INT64 = (-(2**63), 2**63 - 1)


def dumps_toml(document: Mapping[str, Any]) -> str:
    """The TOML text for a mapping of plain values.

    Raises TypeError for values TOML cannot hold (None above all: TOML has no null,
    so callers leave such keys out) and ValueError for integers beyond 64 bits.
    """
    lines: list[str] = []
    _emit_table(document, (), None, lines)
    return "\n".join(lines) + "\n" if lines else ""


def _emit_table(
    table: Mapping[str, Any], path: tuple[str, ...], header: str | None, out: list[str]
) -> None:
    # TOML needs a table's own keys before any sub-table header, or they would land
    # in the sub-table; so plain values first, then tables and arrays of tables.
    if header is not None:
        if out:
            out.append("")
        out.append(header)
    nested: list[tuple[str, Any]] = []
    for key, value in table.items():
        if _is_table(value) or _is_table_array(value):
            nested.append((key, value))
        else:
            out.append(f"{format_key(key)} = {format_value(value)}")
    for key, value in nested:
        sub = (*path, key)
        dotted = ".".join(format_key(k) for k in sub)
        if _is_table(value):
            _emit_table(value, sub, f"[{dotted}]", out)
        else:
            for item in value:
                _emit_table(item, sub, f"[[{dotted}]]", out)


def _is_table(value: Any) -> bool:
    return isinstance(value, Mapping)


def _is_table_array(value: Any) -> bool:
    # An empty list stays an inline `[]`: there is nothing to make headers for.
    return isinstance(value, list | tuple) and bool(value) and all(
        isinstance(item, Mapping) for item in value
    )


def format_key(key: Any) -> str:
    """A key, bare when TOML allows it and quoted otherwise."""
    if not isinstance(key, str):
        raise TypeError(f"TOML keys must be strings, not {type(key).__name__}: {key!r}")
    return key if _BARE_KEY.fullmatch(key) else format_string(key)


def format_string(text: str) -> str:
    """A basic (double-quoted) TOML string with every character TOML forbids escaped."""
    parts = ['"']
    for ch in text:
        if ch in _ESCAPES:
            parts.append(_ESCAPES[ch])
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            parts.append(f"\\u{ord(ch):04X}")
        else:
            parts.append(ch)
    parts.append('"')
    return "".join(parts)


def format_value(value: Any) -> str:
    """One value written inline, as it appears after `key = `."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        if not _INT64[0] <= value <= _INT64[1]:
            raise ValueError(f"TOML integers are 64-bit; {value} does not fit")
        return str(value)
    if isinstance(value, float):
        return _format_float(float(value))
    if isinstance(value, str):
        return format_string(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(format_value(v) for v in value) + "]"
    if isinstance(value, Mapping):
        if not value:
            return "{}"
        items = ", ".join(f"{format_key(k)} = {format_value(v)}" for k, v in value.items())
        return "{ " + items + " }"
    if value is None:
        raise TypeError("TOML has no null: leave keys whose value is None out")
    raise TypeError(f"cannot write a {type(value).__name__} to TOML: {value!r}")


def _format_float(value: float) -> str:
    if math.isnan(value):
        return "nan"
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    # repr is the shortest text that reads back to the same float, and always has a
    # '.' or an exponent, which is what makes TOML read it as a float, not an int.
    return repr(value)
