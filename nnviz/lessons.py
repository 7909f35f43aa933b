"""The lesson library: built-in lessons, their A/B variants, and the user's own.

A lesson is an ordinary scenario file with a ``[lesson]`` section. Built-in lessons are
``resources/lessons/NN-name.toml`` (the number orders them as the lecture does); the
variants they compare with live in ``resources/lessons/variants/``. Lessons a lecturer
saves go to ``<user data>/lessons/`` and are listed under "My lessons".
No Qt here: the command line and the tests use it too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from nnviz.engine.config import Scenario
from nnviz.paths import lessons_dir, user_data_dir
from nnviz.scenario import ScenarioError, load_scenario, save_scenario


@dataclass(frozen=True)
class LessonEntry:
    """One lesson as listed: its name (the file stem), title and where it lives."""

    name: str
    title: str
    path: Path
    builtin: bool


def user_lessons_dir() -> Path:
    path = user_data_dir() / "lessons"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _entry(path: Path, builtin: bool) -> LessonEntry:
    try:
        title = load_scenario(path).lesson.title or path.stem
    except ScenarioError as exc:
        title = f"{path.stem} (unreadable: {exc})"
    return LessonEntry(name=path.stem, title=title, path=path, builtin=builtin)


def list_lessons(include_user: bool = True) -> list[LessonEntry]:
    """Built-in lessons in lecture order, then the user's, alphabetically."""
    entries = [_entry(p, True) for p in sorted(lessons_dir().glob("*.toml"))]
    if include_user:
        entries += [_entry(p, False) for p in sorted(user_lessons_dir().glob("*.toml"))]
    return entries


def find_lesson(name: str) -> Path:
    """A lesson's file by name: "03-xor", "xor" (number optional), or a variant's name.

    Raises ScenarioError naming the available lessons when nothing matches.
    """
    key = name.strip().lower().removesuffix(".toml")
    candidates = list(lessons_dir().glob("*.toml")) + list(user_lessons_dir().glob("*.toml"))
    candidates += list((lessons_dir() / "variants").glob("*.toml"))
    for path in candidates:
        stem = path.stem.lower()
        if key in (stem, re.sub(r"^\d+-", "", stem)):
            return path
    names = ", ".join(e.name for e in list_lessons())
    raise ScenarioError(f"no lesson called '{name}'; the lessons are: {names}")


def load_lesson(name: str) -> Scenario:
    return load_scenario(find_lesson(name))


def variant_paths(scenario: Scenario, lesson_path: Path) -> list[Path]:
    """The files of a lesson's variants, looked up beside it and in ``variants/``."""
    out = []
    for variant in scenario.lesson.variants:
        for folder in (lesson_path.parent / "variants", lessons_dir() / "variants", lesson_path.parent):
            candidate = folder / f"{variant}.toml"
            if candidate.exists():
                out.append(candidate)
                break
        else:
            raise ScenarioError(f"lesson.variants: no variant file '{variant}.toml' for {lesson_path.name}")
    return out


def save_user_lesson(scenario: Scenario, name: str) -> Path:
    """Save a lecturer's own lesson (or variant of one) under "My lessons"."""
    stem = re.sub(r"[^\w\-]+", "-", name.strip()).strip("-").lower()
    if not stem:
        raise ScenarioError("a lesson needs a name made of letters, digits or dashes")
    path = user_lessons_dir() / f"{stem}.toml"
    save_scenario(scenario, path)
    return path
