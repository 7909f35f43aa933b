"""Render nnviz's icon files from resources/icons/nnviz.svg with Qt's QSvgRenderer.

    python packaging/render_icons.py            # rewrite every generated icon
    python packaging/render_icons.py --check    # exit 1 if a committed icon is out of date

Writes:
    resources/icons/nnviz-{32,64,256}.png    window and Linux desktop icons (hicolor sizes)
    packaging/windows/nnviz.ico              PNG-in-ICO, 16 to 256 px (Windows Vista and later)
    packaging/macos/nnviz.icns               PNG entries, 16 to 1024 px (macOS 10.7 and later)

Only Qt (PySide6, already a dependency) and the standard library are used: no Pillow,
no iconutil. The output depends only on the SVG and on Qt's renderer, so rerunning the
script gives the same bytes (``--check`` compares them; a different Qt version may
anti-alias a few pixels differently, in which case simply commit the new files).
"""

from __future__ import annotations

import argparse
import os
import struct
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SVG = ROOT / "resources" / "icons" / "nnviz.svg"
PNG_SIZES = (32, 64, 256)
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)
# ICNS element types holding PNG data, and the pixel size of each.
ICNS_TYPES = (
    (b"icp4", 16), (b"ic11", 32),    # 16 pt at 1x and 2x
    (b"icp5", 32), (b"ic12", 64),    # 32 pt
    (b"ic07", 128), (b"ic13", 256),  # 128 pt
    (b"ic08", 256), (b"ic14", 512),  # 256 pt
    (b"ic09", 512), (b"ic10", 1024),  # 512 pt
)


def render_png(renderer, size: int) -> bytes:
    """The SVG rendered at ``size``×``size`` on a transparent background, as PNG bytes."""
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QRectF
    from PySide6.QtGui import QImage, QPainter

    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(0)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, True)
    renderer.render(painter, QRectF(0, 0, size, size))
    painter.end()
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    if not image.convertToFormat(QImage.Format.Format_ARGB32).save(buffer, "PNG"):
        raise RuntimeError(f"Qt could not encode a {size}px PNG")
    buffer.close()
    return bytes(data.data())


def ico_bytes(pngs: dict[int, bytes]) -> bytes:
    """An ICO file whose images are PNG streams (allowed since Windows Vista)."""
    header = struct.pack("<HHH", 0, 1, len(pngs))  # reserved, type 1 = icon, count
    entries, images = b"", b""
    offset = 6 + 16 * len(pngs)
    for size, png in sorted(pngs.items()):
        dim = 0 if size >= 256 else size  # 0 means 256 in an ICONDIRENTRY
        entries += struct.pack("<BBBBHHII", dim, dim, 0, 0, 1, 32, len(png), offset)
        images += png
        offset += len(png)
    return header + entries + images


def icns_bytes(pngs: dict[int, bytes]) -> bytes:
    """An ICNS file: big-endian 'icns' header, then one PNG element per type."""
    body = b"".join(kind + struct.pack(">I", 8 + len(pngs[size])) + pngs[size] for kind, size in ICNS_TYPES)
    return b"icns" + struct.pack(">I", 8 + len(body)) + body


def generate() -> dict[Path, bytes]:
    """Every generated file's path and content."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtGui import QGuiApplication
    from PySide6.QtSvg import QSvgRenderer

    _app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    renderer = QSvgRenderer(str(SVG))
    if not renderer.isValid():
        raise SystemExit(f"render_icons: {SVG} is not a valid SVG for Qt")
    sizes = sorted(set(PNG_SIZES) | set(ICO_SIZES) | {size for _, size in ICNS_TYPES})
    pngs = {size: render_png(renderer, size) for size in sizes}
    files = {ROOT / "resources" / "icons" / f"nnviz-{size}.png": pngs[size] for size in PNG_SIZES}
    files[ROOT / "packaging" / "windows" / "nnviz.ico"] = ico_bytes({s: pngs[s] for s in ICO_SIZES})
    files[ROOT / "packaging" / "macos" / "nnviz.icns"] = icns_bytes(pngs)
    return files


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only compare with the files on disk")
    args = parser.parse_args(argv)
    stale = []
    for path, data in generate().items():
        if args.check:
            if not path.is_file() or path.read_bytes() != data:
                stale.append(path)
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        print(f"{path.relative_to(ROOT)}  {len(data):,} bytes")
    for path in stale:
        print(f"out of date: {path.relative_to(ROOT)} (run packaging/render_icons.py)", file=sys.stderr)
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main())
