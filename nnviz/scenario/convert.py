"""Turn the plain dict read from TOML into a Scenario and back.

Reading checks the structure (known sections and keys, tables where tables belong)
and leaves the values to ``rules.validate``; writing produces only what TOML can
hold, so None-valued fields are left out and load back as their None default.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from nnviz.engine.config import LessonInfo, Scenario

from .errors import ScenarioError, show
from .rules import validate
from .schema import SECTION_ORDER, Table, coerce, field_types, table_at, table_of, tables
from .suggest import did_you_mean, suggest, synonym
from .toml_writer import format_string


def scenario_from_dict(document: Mapping[str, Any]) -> Scenario:
    """A validated Scenario from a TOML-shaped dict; missing keys take the defaults."""
    if not isinstance(document, Mapping):
        raise ScenarioError(f"a scenario must be a table of sections, not {show(document)}")
    scenario = _build(table_at(""), document, "")
    validate(scenario)
    return scenario


def scenario_to_dict(scenario: Scenario) -> dict[str, Any]:
    """The scenario as plain dicts, lists and scalars, sections in file order.

    None-valued fields are left out (TOML has no null) and the [lesson] section is
    left out when it holds only defaults, since most experiments are not lessons.
    Arrays (e.g. numpy weights put into initial_params) become nested lists.
    """
    plain = _plain(scenario)
    out = {name: plain[name] for name in SECTION_ORDER if name in plain}
    if scenario.lesson == LessonInfo():
        out.pop("lesson", None)
    return out


def _build(table: Table, values: Mapping[str, Any], where: str) -> Any:
    """An instance of table.cls from `values`; `where` is the dotted path of the values."""
    hints = field_types(table.cls)
    for key, value in values.items():
        if key not in hints:
            raise _unknown_key(table, key, value, where)
    kwargs: dict[str, Any] = {}
    for field in dataclasses.fields(table.cls):
        key = f"{where}.{field.name}" if where else field.name
        if field.name not in values:
            required = field.default is dataclasses.MISSING
            if required and field.default_factory is dataclasses.MISSING:
                raise ScenarioError(
                    f"{key}: missing; every {table.header} needs a {field.name}", key=key
                )
            continue
        value = values[field.name]
        sub = table_of(hints[field.name])
        path = f"{table.path}.{field.name}" if table.path else field.name
        if sub is None:
            kwargs[field.name] = coerce(value, hints[field.name])
        elif not sub[1]:
            if not isinstance(value, Mapping):
                example = "name = ..."
                if isinstance(value, str) and "name" in table_at(path).keys:
                    example = f"name = {format_string(value)}"
                raise ScenarioError(
                    f"{key}: {show(value)} must be a table: a line [{path}] followed by "
                    f"its keys, e.g. {example}",
                    key=key,
                )
            kwargs[field.name] = _build(table_at(path), value, key)
        else:
            if not isinstance(value, list) or not all(isinstance(v, Mapping) for v in value):
                raise ScenarioError(
                    f"{key}: {show(value)} must be an array of tables, each one a line "
                    f"[[{path}]] followed by its keys",
                    key=key,
                )
            kwargs[field.name] = [
                _build(table_at(path), item, f"{key}[{i}]") for i, item in enumerate(value)
            ]
    return table.cls(**kwargs)


def _unknown_key(table: Table, key: str, value: Any, where: str) -> ScenarioError:
    """The error for a key the table does not have, with the best guess at what was meant."""
    full = f"{table.path}.{key}" if table.path else key  # as a header would name it
    at = f"{where}.{key}" if where else key  # the dotted key, with list indices
    if isinstance(value, Mapping):
        # A whole unknown table: suggest a table, here or anywhere in the schema.
        children = [t for t in tables() if t.path.rpartition(".")[0] == table.path and t.path]
        names = [t.path.rpartition(".")[2] for t in children]
        best = suggest(key, names)
        if best is None:
            hit = _find_elsewhere(key, [t.path.rpartition(".")[2] for t in tables()])
            header = table_at(hit).header if hit else None
        else:
            header = table_at(f"{table.path}.{best}" if table.path else best).header
        hint = f" (did you mean {header}?)" if header else _listing("sections", children)
        return ScenarioError(f"unknown section [{full}]{hint}", key=at)

    place = f"in {table.header}" if table.path else "at the top of the file"
    hint = did_you_mean(key, table.keys)
    if not hint:
        homes = [t for t in tables() if key in t.keys and t is not table]
        if homes:
            hint = f" (it belongs in {' or '.join(t.header for t in homes)})"
    if not hint:
        # Another section's key: synonyms first (weight_decay -> l2), then only
        # near-identical spellings, so a guess from far away does not mislead.
        others = [t for t in tables() if t is not table]
        for finder in (synonym, lambda word, keys: suggest(word, keys, cutoff=0.8)):
            found = [(best, t) for t in others if (best := finder(key, t.keys))]
            if found:
                hint = f" (did you mean '{found[0][0]}' in {found[0][1].header}?)"
                break
    if not hint:
        hint = f" (valid keys: {', '.join(table.keys)})"
    return ScenarioError(f"unknown key '{key}' {place}{hint}", key=at)


def _find_elsewhere(name: str, leaf_names: list[str]) -> str | None:
    """The path of a table called `name` (or nearly) anywhere in the schema."""
    best = name if name in leaf_names else suggest(name, leaf_names)
    for t in tables():
        if t.path and t.path.rpartition(".")[2] == best:
            return t.path
    return None


def _listing(what: str, children: list[Table]) -> str:
    return f" (valid {what}: {', '.join(t.header for t in children)})" if children else ""


def _plain(value: Any) -> Any:
    """Dataclasses to dicts without None fields; array-likes to lists; lists copied."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        # coerce: an int set in code on a float field is written as a float, so the
        # text is the same before and after a round trip.
        hints = field_types(type(value))
        out = {}
        for field in dataclasses.fields(value):
            item = getattr(value, field.name)
            if item is not None:
                out[field.name] = coerce(_plain(item), hints[field.name])
        return out
    if not isinstance(value, str | bytes | bool | int | float) and hasattr(value, "tolist"):
        value = value.tolist()  # numpy arrays and numpy scalars
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, float):
        return float(value)  # a numpy float64 is a float, but would print as np.float64(..)
    return value
