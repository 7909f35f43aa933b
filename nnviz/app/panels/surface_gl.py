"""The loss surface in 3-D (OpenGL), and a careful check that OpenGL is there at all.

``gl_status()`` must never crash the app: the offscreen platform has no OpenGL (and
pyqtgraph's ``renderToArray`` segfaults there, reference §5), remote desktops may have
no GL driver, and PyOpenGL may be missing. It checks, in order: the Qt platform name,
the imports, then that a ``QOpenGLContext`` can be created and made current on an
offscreen surface. The answer is cached for the process.

``SurfaceGL`` wraps a ``pyqtgraph.opengl.GLViewWidget`` (created only when the user
switches 3-D on) with a ``GLSurfacePlotItem`` coloured by loss, the path as a
``GLLinePlotItem`` lifted onto the surface, the current point and the start point.
Axes are normalised (the two directions span ±10, the loss 0–8) so any slice reads
as a landscape; a caption under the view names the axes.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtGui import QFont, QGuiApplication, QVector3D
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from nnviz.app import theme

Array = np.ndarray

_STATUS: tuple[bool, str] | None = None
NO_GL_NOTE = "3-D view needs OpenGL; showing 2-D"
SPAN, HEIGHT = 10.0, 8.0


def gl_status(refresh: bool = False) -> tuple[bool, str]:
    """(available, reason). Never raises; cached after the first call."""
    global _STATUS
    if _STATUS is not None and not refresh:
        return _STATUS
    _STATUS = _probe()
    return _STATUS


def _probe() -> tuple[bool, str]:
    app = QGuiApplication.instance()
    if app is None:
        return False, "no Qt application"
    platform = QGuiApplication.platformName()
    if platform in ("offscreen", "minimal", "vnc", "linuxfb"):
        return False, f"the '{platform}' display platform has no OpenGL"
    try:
        import OpenGL.GL  # noqa: F401
        import pyqtgraph.opengl  # noqa: F401
        from PySide6.QtGui import QOffscreenSurface, QOpenGLContext
    except Exception as exc:  # noqa: BLE001 - any import problem means no 3-D
        return False, f"OpenGL libraries missing ({exc})"
    try:
        ctx = QOpenGLContext()
        if not ctx.create():
            return False, "could not create an OpenGL context"
        surface = QOffscreenSurface()
        surface.setFormat(ctx.format())
        surface.create()
        if not surface.isValid() or not ctx.makeCurrent(surface):
            return False, "could not make an OpenGL context current"
        ctx.doneCurrent()
        surface.destroy()
    except Exception as exc:  # noqa: BLE001
        return False, f"OpenGL failed ({exc})"
    return True, ""


def _bilinear(xs: Array, ys: Array, z: Array, px: Array, py: Array) -> Array:
    """z[j, i] at (xs[i], ys[j]) interpolated at points (px, py); clamped to the grid."""
    fi = np.interp(px, xs, np.arange(len(xs)))
    fj = np.interp(py, ys, np.arange(len(ys)))
    i0 = np.clip(np.floor(fi).astype(int), 0, len(xs) - 2)
    j0 = np.clip(np.floor(fj).astype(int), 0, len(ys) - 2)
    ti, tj = fi - i0, fj - j0
    z00, z01 = z[j0, i0], z[j0, i0 + 1]
    z10, z11 = z[j0 + 1, i0], z[j0 + 1, i0 + 1]
    return (1 - tj) * ((1 - ti) * z00 + ti * z01) + tj * ((1 - ti) * z10 + ti * z11)


class SurfaceGL:
    """The 3-D scene. Build only after ``gl_status()`` said yes; may still raise."""

    def __init__(self, font: QFont):
        import pyqtgraph.opengl as gl

        self.gl = gl
        self.view = gl.GLViewWidget()
        self.view.setBackgroundColor(theme.background())
        self.view.setCameraPosition(pos=QVector3D(0.0, 0.0, 0.35 * HEIGHT), distance=36, elevation=26,
                                    azimuth=-62)
        self.view.setMinimumSize(200, 150)
        self.surface = gl.GLSurfacePlotItem(
            x=np.array([-SPAN, SPAN]), y=np.array([-SPAN, SPAN]), z=np.zeros((2, 2)),
            smooth=False, computeNormals=False, glOptions="opaque",
            showGrid=True, lineColor=(0.1, 0.1, 0.1, 0.25), lineWidth=1.0,
        )
        from OpenGL import GL

        # The path and markers are drawn over the surface (no depth test), so a hill in
        # front never hides where the optimiser is.
        on_top = {GL.GL_DEPTH_TEST: False, GL.GL_BLEND: True,
                  "glBlendFunc": (GL.GL_SRC_ALPHA, GL.GL_ONE_MINUS_SRC_ALPHA)}
        self.path_halo = gl.GLLinePlotItem(pos=np.zeros((2, 3)), color=(1, 1, 1, 1), width=7,
                                           antialias=True, glOptions=on_top)
        self.path = gl.GLLinePlotItem(pos=np.zeros((2, 3)), color=(0, 0, 0, 1), width=3.5,
                                      antialias=True, glOptions=on_top)
        self.now = gl.GLScatterPlotItem(pos=np.zeros((1, 3)), color=(0.84, 0.37, 0.0, 1.0), size=24,
                                        glOptions=on_top)
        self.start = gl.GLScatterPlotItem(pos=np.zeros((1, 3)), color=(1, 1, 1, 1), size=20,
                                          glOptions=on_top)
        self.star = gl.GLScatterPlotItem(pos=np.zeros((1, 3)), color=(0.8, 0.47, 0.65, 1.0), size=26,
                                         glOptions=on_top)
        self.star.setVisible(False)
        for item in (self.path_halo, self.path, self.start, self.now, self.star):
            item.setDepthValue(10)
        for item in (self.surface, self.path_halo, self.path, self.start, self.now, self.star):
            self.view.addItem(item)
        # the page shown in the panel: the view and a caption naming the axes (Qt text, which
        # reads better than text drawn in OpenGL and survives any GL driver)
        self.caption = QLabel("")
        self.caption.setWordWrap(True)
        cap = QFont(font)
        cap.setBold(True)
        self.caption.setFont(cap)
        self.caption.setStyleSheet("color: palette(text); background: palette(base); padding: 2px 6px;")
        self.widget = QWidget()
        lay = QVBoxLayout(self.widget)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(0)
        lay.addWidget(self.view, 1)
        lay.addWidget(self.caption)
        self._grid: tuple[Array, Array, Array] | None = None
        self._axes_text = ""

    # -------------------------------------------------------------------------------------
    def set_surface(self, alphas: Array, betas: Array, disp: Array, levels: tuple[float, float],
                    cmap, labels: tuple[str, str], zlabel: str) -> None:
        """``disp[b, a]``: the displayed values (loss or log loss), coloured by ``cmap``."""
        lo, hi = levels
        span = hi - lo if hi > lo else 1.0
        t = np.clip((np.where(np.isfinite(disp), disp, hi) - lo) / span, 0.0, 1.0)
        x = np.linspace(-SPAN, SPAN, len(alphas))
        y = np.linspace(-SPAN, SPAN, len(betas))
        z = (t * HEIGHT).T  # GLSurfacePlotItem wants z[i, j] at (x[i], y[j])
        colors = cmap.map(t.T.ravel(), mode="float").reshape(-1, 4)  # one per vertex, x-major
        self.surface.setData(x=x, y=y, z=z, colors=colors)
        self._grid = (np.asarray(alphas, float), np.asarray(betas, float), t * HEIGHT)
        self._axes_text = f"across: {labels[0]} · back: {labels[1]} · height and colour: {zlabel}"
        self._update_caption()

    def _update_caption(self) -> None:
        markers = "black line: path · orange: now · white: start"
        if self.star.visible():
            markers += " · pink: least-squares optimum"
        text = f"{self._axes_text}<br>{markers} — drag to rotate, wheel to zoom"
        if text != self.caption.text():
            self.caption.setText(text)

    def _lift(self, coords: Array) -> Array:
        alphas, betas, zg = self._grid
        px, py = coords[:, 0], coords[:, 1]
        u = (px - alphas[0]) / (alphas[-1] - alphas[0]) * 2 * SPAN - SPAN
        v = (py - betas[0]) / (betas[-1] - betas[0]) * 2 * SPAN - SPAN
        w = _bilinear(alphas, betas, zg, px, py) + 0.12
        return np.column_stack([u, v, w])

    def set_path(self, coords: Array | None, current: Array | None, start: Array | None,
                 star: Array | None = None) -> None:
        """The path (k, 2), the current and start points and the optimum (plane coordinates)."""
        if self._grid is None:
            return
        ok = coords is not None and len(coords) >= 2 and np.all(np.isfinite(coords))
        self.path.setVisible(bool(ok))
        self.path_halo.setVisible(bool(ok))
        if ok:
            pos = self._lift(np.asarray(coords, float))
            self.path_halo.setData(pos=pos)
            self.path.setData(pos=pos)
        for item, p in ((self.now, current), (self.start, start), (self.star, star)):
            if p is None or not np.all(np.isfinite(p)):
                item.setVisible(False)
            else:
                item.setVisible(True)
                item.setData(pos=self._lift(np.atleast_2d(np.asarray(p, float))))
        self._update_caption()
