"""What the scenario dataclasses look like from the file's side: tables, keys, types.

The TOML layout is derived from the dataclasses in ``nnviz.engine.config`` instead of
being written out a second time, so a field added there is at once readable,
writable and known to the error messages (as a valid key and as a suggestion).
"""

from __future__ import annotations

import dataclasses
import types
import typing
from dataclasses import dataclass
from functools import cache
from typing import Any

from nnviz.engine.config import Scenario

#: The sections a scenario file may have, in the order they are written.
SECTION_ORDER: tuple[str, ...] = ("lesson", "data", "model", "training")


@dataclass(frozen=True)
class Table:
    """One TOML table of the schema, e.g. [training.optimizer] or [[model.initial_params]]."""

    path: str
    cls: type
    array: bool = False

    @property
    def header(self) -> str:
        """The table's header as it is written in a file."""
        return f"[[{self.path}]]" if self.array else f"[{self.path}]"

    @property
    def keys(self) -> tuple[str, ...]:
        """The keys the table accepts, in the dataclass's order."""
        return tuple(f.name for f in dataclasses.fields(self.cls))


@cache
def field_types(cls: type) -> dict[str, Any]:
    """The resolved annotations of a dataclass (config.py stores them as strings)."""
    return typing.get_type_hints(cls)


def union_members(hint: Any) -> tuple[Any, ...]:
    """The alternatives of `X | Y`, or just (hint,) for a plain type."""
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        return typing.get_args(hint)
    return (hint,)


def table_of(hint: Any) -> tuple[type, bool] | None:
    """(dataclass, is_array) when a field holds a sub-table or an array of tables."""
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        return hint, False
    if typing.get_origin(hint) is list:
        (item,) = typing.get_args(hint)
        if isinstance(item, type) and dataclasses.is_dataclass(item):
            return item, True
    return None


@cache
def tables() -> tuple[Table, ...]:
    """Every table of the schema, parents before children, the root ('') first."""
    found: list[Table] = []

    def walk(cls: type, path: str, array: bool) -> None:
        found.append(Table(path, cls, array))
        for name, hint in field_types(cls).items():
            sub = table_of(hint)
            if sub is not None:
                walk(sub[0], f"{path}.{name}" if path else name, sub[1])

    walk(Scenario, "", False)
    return tuple(found)


def table_at(path: str) -> Table:
    """The schema table with this dotted path."""
    for table in tables():
        if table.path == path:
            return table
    raise KeyError(path)


def coerce(value: Any, hint: Any) -> Any:
    """`value` with ints widened to float where the field is a float, lists copied.

    TOML lets a person write `lr = 1` for 1.0; the engine should still see a float.
    Anything that does not fit the type is passed through untouched for the
    validator to report with a proper message.
    """
    members = union_members(hint)
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        if int not in members and float in members:
            return float(value)
        return value
    if isinstance(value, list):
        for member in members:
            if typing.get_origin(member) is list:
                (item,) = typing.get_args(member)
                return [coerce(v, item) for v in value]
        return list(value)
    return value
