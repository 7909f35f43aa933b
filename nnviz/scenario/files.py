"""Scenario text and files: parse, load, dump and save (atomically).

Loading turns every way a file can be wrong (missing, not UTF-8, bad TOML, bad
values) into a ScenarioError naming the file. Saving never leaves a half-written
file behind: a crash or a full disk mid-write must not destroy a teacher's lesson.
"""

from __future__ import annotations

import os
import re
import tomllib
from pathlib import Path

from nnviz.atomicfile import atomic_write
from nnviz.engine.config import Scenario

from .convert import scenario_from_dict, scenario_to_dict
from .errors import ScenarioError
from .rules import validate
from .toml_writer import dumps_toml

_HEADER = "# nnviz scenario (format: docs/scenario.md)\n\n"
_WHERE = re.compile(r"\s*\(at line (\d+), column (\d+)\)\s*$")
_CHUNK = 64 * 1024


def parse_scenario(text: str, source: str = "<string>") -> Scenario:
    """A validated Scenario from TOML text; `source` names it in error messages."""
    label = None if source == "<string>" else source
    try:
        document = tomllib.loads(text.removeprefix("\ufeff"))  # Notepad's BOM
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(_syntax_message(str(exc), text), source=label) from None
    try:
        return scenario_from_dict(document)
    except ScenarioError as exc:
        raise exc.with_source(label) if label else exc from None


def load_scenario(path: str | os.PathLike[str]) -> Scenario:
    """Read and validate a scenario file.

    A relative data.csv_path is taken relative to the scenario file's folder (and
    made absolute), so lessons can ship their CSV next to them.
    """
    file = Path(path)
    try:
        raw = file.read_bytes()
    except FileNotFoundError:
        raise ScenarioError(f"scenario file not found: {file}") from None
    except IsADirectoryError:
        raise ScenarioError(f"{file} is a folder, not a scenario file") from None
    except OSError as exc:
        raise ScenarioError(f"cannot read scenario file {file}: {exc.strerror or exc}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ScenarioError(
            f"{file}: not UTF-8 text (bad byte at offset {exc.start}); save it as UTF-8"
        ) from None
    scenario = parse_scenario(text, source=str(file))
    csv_path = scenario.data.csv_path
    if csv_path:
        csv_path = os.path.expanduser(csv_path)
        base = os.path.dirname(os.path.abspath(file))
        scenario.data.csv_path = os.path.normpath(os.path.join(base, csv_path))
    return scenario


def dumps_scenario(scenario: Scenario) -> str:
    """The TOML text of a valid scenario; refuses (ScenarioError) to write an invalid one,
    since a file that cannot be loaded back is worse than no file."""
    validate(scenario)
    return _HEADER + dumps_toml(scenario_to_dict(scenario))


def save_scenario(scenario: Scenario, path: str | os.PathLike[str]) -> None:
    """Write the scenario to `path` atomically: the old file stays until the new is complete.

    The text goes to a temporary file in the same folder (so the final rename stays on
    one file system), is flushed and fsynced, and then replaces the target in one step.
    """
    text = dumps_scenario(scenario)
    try:
        atomic_write_text(Path(path), text)
    except OSError as exc:
        raise ScenarioError(f"cannot write scenario file {path}: {exc.strerror or exc}") from exc


def atomic_write_text(path: Path, text: str) -> None:
    """Replace `path` by a file holding `text` (UTF-8), never leaving a partial file."""
    atomic_write(path, text)


def _syntax_message(reason: str, text: str) -> str:
    """tomllib's message, reworded, with the offending line and a caret under the column."""
    match = _WHERE.search(reason)
    if not match:
        end = reason.removesuffix(" (at end of document)")
        if end != reason:
            return f"TOML syntax error at the end of the file: {end}"
        return f"TOML syntax error: {reason}"
    line_no, col = int(match.group(1)), int(match.group(2))
    what = reason[: match.start()]
    lines = text.removeprefix("\ufeff").splitlines()
    message = f"TOML syntax error at line {line_no}, column {col}: {what}"
    if 1 <= line_no <= len(lines):
        shown = lines[line_no - 1]
        message += f"\n    {shown}\n    {' ' * (col - 1)}^"
    return message
