"""Where nnviz finds its own files and keeps the user's.

Resources (lessons, icons) live in ``resources/`` at the top of the repository, which
installs as the package ``nnviz.resources``; importing it finds the folder in a checkout,
an installed wheel and a frozen bundle alike. User files go to the platform's
per-user data folder (``NNVIZ_DATA_DIR`` overrides it, which tests use).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path


def resources_dir() -> Path:
    """The folder holding ``lessons/`` and ``icons/``.

    Installed (wheel, frozen bundle): the package ``nnviz.resources``. Run from a source
    checkout (``python -m pytest`` in the repository puts the checkout's ``nnviz`` first
    on the path, which has no ``resources`` subpackage): the repository's ``resources/``.
    """
    try:
        import nnviz.resources
    except ModuleNotFoundError:
        return Path(__file__).resolve().parent.parent / "resources"
    return Path(nnviz.resources.__file__).resolve().parent


def lessons_dir() -> Path:
    return resources_dir() / "lessons"


def user_data_dir() -> Path:
    """Per-user data: saved lessons, autosaved sessions. Created on first use."""
    override = os.environ.get("NNVIZ_DATA_DIR")
    if override:
        base = Path(override)
    elif sys.platform == "win32":
        base = Path(os.environ.get("APPDATA", Path.home() / "AppData" / "Roaming")) / "nnviz"
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Application Support" / "nnviz"
    else:
        base = Path(os.environ.get("XDG_DATA_HOME", Path.home() / ".local" / "share")) / "nnviz"
    base.mkdir(parents=True, exist_ok=True)
    return base
