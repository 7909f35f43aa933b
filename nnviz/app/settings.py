"""Where the window layout is remembered between launches (QSettings).

``NNVIZ_SETTINGS_FILE`` (or the ``path`` argument) redirects everything to one INI
file; the tests use that so they never touch the user's real settings.
"""

from __future__ import annotations

import os

from PySide6.QtCore import QSettings

ORGANIZATION = "nnviz"
APPLICATION = "nnviz"
#: Bump when the dock layout changes incompatibly: old saved states are then ignored.
LAYOUT_VERSION = 1


def app_settings(path: str | os.PathLike[str] | None = None) -> QSettings:
    """The application's settings: an INI file if ``path`` or $NNVIZ_SETTINGS_FILE is
    given, else the platform's usual place under nnviz/nnviz."""
    path = path or os.environ.get("NNVIZ_SETTINGS_FILE")
    if path:
        return QSettings(os.fspath(path), QSettings.Format.IniFormat)
    return QSettings(ORGANIZATION, APPLICATION)
