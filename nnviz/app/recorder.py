"""Record a panel while it trains, as an animated GIF for slides that play.

Qt can read GIFs but not write them, so the encoder is Pillow's (an optional extra:
``pip install "nnviz[record]"``), which quantises colours well and keeps files small.
MP4 goes through imageio-ffmpeg (``pip install "nnviz[mp4]"``), whose wheel carries its
own ffmpeg binary, so it works offline; it is not in the installers (70 MB for one feature).
Frames are rendered from the panel itself (``render_image``), so hidden docks and other
windows never end up in the animation, and the frame size does not depend on the screen.
"""

from __future__ import annotations

import importlib.util
import time
from pathlib import Path

from PySide6.QtGui import QImage
from PySide6.QtWidgets import QWidget

from nnviz.app.export import ExportError, render_image

#: At most this many frames are kept (at 15 fps that is 40 s of training).
MAX_FRAMES = 600


def recording_available() -> bool:
    return importlib.util.find_spec("PIL") is not None


def mp4_available() -> bool:
    return importlib.util.find_spec("imageio_ffmpeg") is not None


class PanelRecorder:
    """Collects frames of one panel at up to ``fps`` frames a second."""

    def __init__(self, panel: QWidget, width: int = 960, fps: float = 15.0):
        if not recording_available():
            raise ExportError('recording needs Pillow: pip install "nnviz[record]" (or pillow)')
        self.panel = panel
        self.width = int(width)
        self.fps = float(fps)
        self.frames: list = []
        self._last = 0.0

    def capture(self, force: bool = False) -> bool:
        """Add a frame if the frame interval has passed; returns True if one was added."""
        now = time.perf_counter()
        if not force and (now - self._last < 1.0 / self.fps or len(self.frames) >= MAX_FRAMES):
            return False
        self._last = now
        self.frames.append(_to_pillow(render_image(self.panel, self.width)))
        return True

    def save_gif(self, path: str | Path) -> Path:
        """Write the frames as a looping GIF with one shared palette (no flicker)."""
        from PIL import Image

        if not self.frames:
            raise ExportError("nothing was recorded: start training while recording")
        first = self.frames[0].quantize(colors=255, method=Image.Quantize.MEDIANCUT)
        rest = [f.quantize(palette=first, dither=Image.Dither.NONE) for f in self.frames[1:]]
        path = Path(path)
        try:
            first.save(
                path, save_all=True, append_images=rest, duration=round(1000 / self.fps),
                loop=0, optimize=True, disposal=1,
            )
        except OSError as exc:
            raise ExportError(f"cannot write {path}: {exc.strerror or exc}") from None
        return path


    def save_mp4(self, path: str | Path) -> Path:
        """Write the frames as an H.264 MP4 (yuv420p, so every player and slide tool reads it)."""
        if not mp4_available():
            raise ExportError('MP4 needs imageio-ffmpeg: pip install "nnviz[mp4]" (or save a GIF)')
        if not self.frames:
            raise ExportError("nothing was recorded: start training while recording")
        import numpy as np
        from imageio_ffmpeg import write_frames

        # yuv420p needs even sides; frames can differ by a pixel if the panel was resized
        w0, h0 = self.frames[0].size
        width, height = w0 - w0 % 2, h0 - h0 % 2
        path = Path(path)
        if not path.parent.is_dir():
            raise ExportError(f"cannot write {path}: the folder {path.parent} does not exist")
        writer = write_frames(str(path), (width, height), fps=self.fps, codec="libx264",
                              macro_block_size=2, quality=8, ffmpeg_log_level="error")
        try:
            writer.send(None)
            for frame in self.frames:
                arr = np.asarray(frame.convert("RGB"))[:height, :width]
                if arr.shape[:2] != (height, width):  # a smaller frame: pad with white
                    pad = np.full((height, width, 3), 255, np.uint8)
                    pad[: arr.shape[0], : arr.shape[1]] = arr
                    arr = pad
                writer.send(np.ascontiguousarray(arr))
        except (OSError, RuntimeError) as exc:
            raise ExportError(f"cannot write {path}: {exc}") from None
        finally:
            writer.close()
        # ffmpeg reports a failure to open or write the file on its stderr only
        if not path.is_file() or path.stat().st_size == 0:
            raise ExportError(f"cannot write {path}: ffmpeg could not create the video there")
        return path

    def save(self, path: str | Path) -> Path:
        """GIF or MP4, by the file's extension."""
        return self.save_mp4(path) if str(path).lower().endswith(".mp4") else self.save_gif(path)


def _to_pillow(image: QImage):
    from PIL import Image

    rgb = image.convertToFormat(QImage.Format.Format_RGB888)
    data = bytes(rgb.constBits())[: rgb.sizeInBytes()]
    return Image.frombuffer("RGB", (rgb.width(), rgb.height()), data, "raw", "RGB", rgb.bytesPerLine())
