"""The one exception a scenario problem turns into, and how values are shown in it.

Scenario files are written by teachers and students, so every problem must read as
one sentence that names the key, shows the bad value and says what would be right,
rather than as a traceback from deep inside the engine.
"""

from __future__ import annotations

import datetime as _dt
import math
from typing import Any

_MAX_SHOWN = 60


class ScenarioError(ValueError):
    """A scenario that cannot be read or is not valid, explained for a person.

    ``message`` is the explanation alone, ``key`` the dotted key it is about (when
    there is one, so a GUI can point at the field) and ``source`` the file or label
    it came from; ``str()`` joins source and message.
    """

    def __init__(self, message: str, *, key: str | None = None, source: str | None = None):
        self.message = message
        self.key = key
        self.source = source
        super().__init__(f"{source}: {message}" if source else message)

    def with_source(self, source: str) -> ScenarioError:
        """The same error, now saying which file it came from."""
        return ScenarioError(self.message, key=self.key, source=source)


def show(value: Any) -> str:
    """Render a value the way a person would recognise it from the TOML file.

    Strings are quoted, booleans are TOML's lower-case words and long values are
    shortened so a huge weight matrix cannot bury the message.
    """
    text = _render(value)
    if len(text) > _MAX_SHOWN:
        text = text[: _MAX_SHOWN - 3] + "..."
    return text


def _render(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, float) and not math.isfinite(value):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_render(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k} = {_render(v)}" for k, v in value.items()) + "}"
    if isinstance(value, _dt.date | _dt.time):
        return value.isoformat()
    return repr(value)
