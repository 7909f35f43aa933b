"""Site-wide settings for lecture halls and computer labs: an optional TOML file that an
administrator installs once for every user of a machine.

Where nnviz looks (``site_config_path()``):

    Linux and other Unix   /etc/nnviz/site.toml
    Windows                %PROGRAMDATA%\\nnviz\\site.toml   (usually C:\\ProgramData\\nnviz\\site.toml)
    macOS                  /Library/Application Support/nnviz/site.toml

``NNVIZ_SITE_CONFIG=/path/to/site.toml`` overrides the path (tests, a shared drive);
``NNVIZ_SITE_CONFIG=""`` turns site configuration off.

The file (every key optional)::

    default_lesson = "03-xor"          # a built-in lesson's name, or a scenario file's path
    presentation_mode = true           # start in presentation mode (big fonts, full screen)
    hidden_controls = ["regularisation", "optimizer"]   # controls the app hides
    autosave = false                   # save the session automatically
    recent_files = false               # remember recently opened files
    locked = ["presentation_mode"]     # keys the user's own settings may not override

``load_site_config()`` never raises: a missing file gives an empty configuration, and a
file that cannot be read or parsed, an unknown key or a value of the wrong type gives a
message in ``SiteConfig.warnings`` (the rest of the file still applies) for the app to
show. ``effective_settings(site, user)`` combines the built-in defaults, the site file
and the user's own settings: the user's value wins unless the key is locked.

Pure Python (no Qt), so the GUI, the command line and the tests share it.
"""

from __future__ import annotations

import difflib
import os
import sys
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ENV_VAR = "NNVIZ_SITE_CONFIG"

#: The keys a site file may set, with the value used when neither the site nor the user
#: sets one.
DEFAULTS: dict[str, Any] = {
    "default_lesson": None,
    "presentation_mode": False,
    "hidden_controls": [],
    "autosave": True,
    "recent_files": True,
}
KEYS = tuple(DEFAULTS)


def _is_bool(value: Any) -> bool:
    return isinstance(value, bool)


def _is_lesson(value: Any) -> bool:
    return isinstance(value, str) and value.strip() != ""


def _is_name_list(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) and v.strip() for v in value)


_CHECKS: dict[str, tuple[Callable[[Any], bool], str]] = {
    "default_lesson": (_is_lesson, "a lesson name or a scenario file path (text)"),
    "presentation_mode": (_is_bool, "true or false"),
    "hidden_controls": (_is_name_list, "a list of control names, e.g. [\"optimizer\"]"),
    "autosave": (_is_bool, "true or false"),
    "recent_files": (_is_bool, "true or false"),
}


@dataclass(frozen=True)
class SiteConfig:
    """What a site file set. ``values`` holds only the valid keys the file set."""

    values: Mapping[str, Any] = field(default_factory=dict)
    locked: frozenset[str] = frozenset()
    path: Path | None = None  # the file that was read; None when there was none
    warnings: tuple[str, ...] = ()

    def get(self, key: str, default: Any = None) -> Any:
        return self.values.get(key, default)

    def is_locked(self, key: str) -> bool:
        return key in self.locked


def site_config_path(platform: str | None = None, environ: Mapping[str, str] | None = None) -> Path | None:
    """The site file's path for this machine (it need not exist); None when turned off."""
    environ = os.environ if environ is None else environ
    platform = sys.platform if platform is None else platform
    if ENV_VAR in environ:
        override = environ[ENV_VAR]
        return Path(override) if override.strip() else None
    if platform == "win32":
        base = environ.get("PROGRAMDATA") or environ.get("ALLUSERSPROFILE") or r"C:\ProgramData"
        return Path(base) / "nnviz" / "site.toml"
    if platform == "darwin":
        return Path("/Library/Application Support/nnviz/site.toml")
    return Path("/etc/nnviz/site.toml")


def load_site_config(path: str | os.PathLike[str] | None = None) -> SiteConfig:
    """Read the site file (``path``, else ``site_config_path()``). Never raises."""
    target = Path(path) if path is not None else site_config_path()
    if target is None:
        return SiteConfig()
    try:
        raw = target.read_bytes()
    except FileNotFoundError:
        return SiteConfig()
    except IsADirectoryError:
        return SiteConfig(path=target, warnings=(f"{target}: is a folder, not a site configuration file",))
    except OSError as exc:
        return SiteConfig(path=target, warnings=(f"{target}: cannot be read ({exc.strerror or exc})",))
    try:
        data = tomllib.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError:
        return SiteConfig(path=target, warnings=(f"{target}: not UTF-8 text; the file is ignored",))
    except tomllib.TOMLDecodeError as exc:
        return SiteConfig(path=target, warnings=(f"{target}: not valid TOML ({exc}); the file is ignored",))
    return _from_mapping(data, target)


def _from_mapping(data: Mapping[str, Any], path: Path) -> SiteConfig:
    warnings: list[str] = []
    values: dict[str, Any] = {}
    for key, value in data.items():
        if key == "locked":
            continue
        if key not in _CHECKS:
            warnings.append(f"{path}: unknown key '{key}'{_did_you_mean(key, [*KEYS, 'locked'])}; ignored")
            continue
        check, expected = _CHECKS[key]
        if not check(value):
            warnings.append(f"{path}: '{key}' must be {expected}, not {value!r}; ignored")
            continue
        values[key] = _normalised(key, value)
    locked: set[str] = set()
    raw_locked = data.get("locked", [])
    if not _is_name_list(raw_locked):
        warnings.append(f"{path}: 'locked' must be a list of key names, not {raw_locked!r}; ignored")
        raw_locked = []
    for key in raw_locked:
        if key in _CHECKS:
            locked.add(key)
        else:
            warnings.append(f"{path}: 'locked' names unknown key '{key}'{_did_you_mean(key, KEYS)}; ignored")
    return SiteConfig(values=values, locked=frozenset(locked), path=path, warnings=tuple(warnings))


def _normalised(key: str, value: Any) -> Any:
    if key == "hidden_controls":
        return list(dict.fromkeys(v.strip() for v in value))  # trimmed, duplicates dropped, order kept
    if key == "default_lesson":
        return value.strip()
    return value


def _did_you_mean(key: str, choices) -> str:
    close = difflib.get_close_matches(key, list(choices), n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""


def effective_settings(site: SiteConfig, user: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The settings to use: defaults, then the site file, then the user's own values.

    A key in ``site.locked`` keeps the site's value (or the default, if the site file
    does not set it) whatever the user chose. A user value of the wrong type is ignored
    as if unset. Keys that are not site keys (window layout and the like) pass through
    from ``user`` unchanged. The result is a new dict; lists in it are copies.
    """
    user = dict(user or {})
    result: dict[str, Any] = dict(user)
    for key in KEYS:
        value = site.values.get(key, DEFAULTS[key])
        if key not in site.locked and key in user and _CHECKS[key][0](user[key]):
            value = _normalised(key, user[key])
        result[key] = list(value) if isinstance(value, list) else value
    return result
