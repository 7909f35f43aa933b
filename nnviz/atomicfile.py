"""Atomic file writes: a file is either the old one or the complete new one, never partial.

Scenario files, run archives and sessions all go through ``atomic_write``: the data goes
to a temporary file in the same folder (so the rename stays on one file system), is
flushed and fsynced, keeps the mode the user gave the old file, and replaces the target
in one rename; then the folder itself is synced where the OS allows it. New files get
the usual permissions (0666 minus the umask), not mkstemp's 0600, so files saved on a
shared lab machine can be read by colleagues as any other file.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
from pathlib import Path
from typing import IO

_CHUNK = 1 << 16


def atomic_write(path: str | os.PathLike[str], data: bytes | str) -> None:
    """Replace ``path`` by a file holding ``data`` (text is written as UTF-8, LF)."""
    path = Path(path)
    folder = path.parent
    tmp, handle = _create_temp(folder, path.name, text=isinstance(data, str))
    try:
        with handle:
            _write_all(handle, data)
            handle.flush()
            os.fsync(handle.fileno())
        with contextlib.suppress(OSError):  # keep a mode the user gave the old file
            os.chmod(tmp, stat.S_IMODE(os.stat(path).st_mode))
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    _sync_folder(folder)


def _create_temp(folder: Path, name: str, text: bool) -> tuple[Path, IO]:
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    while True:
        tmp = folder / f".{name}.{secrets.token_hex(4)}.tmp"
        try:
            fd = os.open(tmp, flags, 0o666)
        except FileExistsError:
            continue
        if text:
            return tmp, os.fdopen(fd, "w", encoding="utf-8", newline="\n")
        return tmp, os.fdopen(fd, "wb")


def _write_all(handle: IO, data: bytes | str) -> None:
    """Write in chunks (a separate step so tests can make it fail halfway)."""
    for start in range(0, len(data), _CHUNK):
        handle.write(data[start : start + _CHUNK])


def _sync_folder(folder: Path) -> None:
    """Make the rename itself durable where the OS allows syncing a folder (POSIX)."""
    if os.name != "posix":
        return
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
