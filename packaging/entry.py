"""Entry script of the frozen nnviz (PyInstaller): the same as the ``nnviz`` console script."""

import os
import sys

if sys.platform.startswith("linux") and os.environ.get("WAYLAND_DISPLAY") and os.environ.get("DISPLAY"):
    # The bundle ships Qt's xcb platform, not its Wayland one (packaging/nnviz.spec): on a
    # Wayland desktop run through XWayland, and let PyOpenGL use GLX like Qt's xcb platform
    # does (it would pick EGL from XDG_SESSION_TYPE=wayland). The user's own settings win.
    os.environ.setdefault("QT_QPA_PLATFORM", "xcb")
    os.environ.setdefault("PYOPENGL_PLATFORM", "glx")

from nnviz.cli import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
