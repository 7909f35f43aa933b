#!/usr/bin/env bash
# Build nnviz for Linux (x86_64) from a clean checkout:
#
#   dist/nnviz/                                  the PyInstaller one-folder bundle
#   dist/nnviz-<version>-linux-x86_64.tar.gz     the bundle for users without root
#   dist/nnviz_<version>_amd64.deb               /opt/nnviz, /usr/bin/nnviz, menu entry, icons
#
#   packaging/build_linux.sh            # everything (about 1 minute once the venv exists)
#   nice -n 19 packaging/build_linux.sh # on a shared machine
#
# It makes its own build venv (NNVIZ_BUILD_VENV, default build/venv) and installs
# PyInstaller and nnviz (pip install ., never the checkout itself) into it: this needs
# PyPI or a mirror the first time. Needs: python3 (>= 3.11, with venv), binutils (objdump,
# strip; PyInstaller uses them), dpkg-deb, and the X libraries that get bundled:
#   apt-get install binutils libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1 \
#                   libxcb-render-util0 libxkbcommon-x11-0 libffi8
# Environment: PYTHON (default python3), NNVIZ_BUILD_VENV, NNVIZ_SKIP_DEB=1,
# SOURCE_DATE_EPOCH (default: the last commit's time; makes the tarball reproducible).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
PYTHON="${PYTHON:-python3}"
VENV="${NNVIZ_BUILD_VENV:-$ROOT/build/venv}"
DIST="$ROOT/dist"
WORK="$ROOT/build/pyinstaller"
ARCH_DEB=amd64
ARCH_TAR=x86_64
say() { printf '\n== %s\n' "$*"; }
die() { printf 'build_linux.sh: error: %s\n' "$*" >&2; exit 1; }

[ "$(uname -s)" = Linux ] || die "this script builds the Linux packages; see packaging/macos and packaging/windows"
[ "$(uname -m)" = x86_64 ] || die "only x86_64 is set up (the .deb architecture is amd64)"
for tool in objdump strip ldd tar gzip; do
  command -v "$tool" >/dev/null || die "'$tool' is missing (apt-get install binutils tar gzip)"
done
if [ -z "${NNVIZ_SKIP_DEB:-}" ]; then
  command -v dpkg-deb >/dev/null || die "'dpkg-deb' is missing (or set NNVIZ_SKIP_DEB=1)"
fi
# Libraries that are bundled, so the build machine must have them.
missing=""
known_libs="$({ command -v ldconfig >/dev/null && ldconfig -p; } || /sbin/ldconfig -p)"
for lib in libxcb-cursor.so.0 libxcb-icccm.so.4 libxcb-image.so.0 libxcb-keysyms.so.1 \
           libxcb-render-util.so.0 libxcb-util.so.1 libxkbcommon-x11.so.0 libxkbcommon.so.0; do
  grep -q "/$lib\$" <<<"$known_libs" || missing="$missing $lib"
done
[ -z "$missing" ] || die "missing on this machine, to be bundled:$missing
  apt-get install libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1 libxcb-render-util0 libxkbcommon-x11-0"

export SOURCE_DATE_EPOCH="${SOURCE_DATE_EPOCH:-$(git -C "$ROOT" log -1 --format=%ct 2>/dev/null || date +%s)}"

say "build venv: $VENV"
if [ ! -x "$VENV/bin/python" ]; then
  "$PYTHON" -m venv "$VENV"
fi
PY="$VENV/bin/python"
"$PY" -m pip install -q --upgrade pip
"$PY" -m pip install -q "pyinstaller>=6.10,<7" .
# The checkout may have changed since the venv was made: always install this copy.
"$PY" -m pip install -q --no-deps --force-reinstall .
# -I: never import the checkout's nnviz/ (it has no nnviz.resources), only the installed one.
VERSION="$("$PY" -I -c 'import nnviz; print(nnviz.__version__)')"
"$PY" -I - <<'EOF'
import sys
import nnviz.paths as p
r = p.resources_dir()
need = [r / "icons" / "nnviz.svg", r / "icons" / "nnviz-256.png", r / "lessons"]
missing = [str(x) for x in need if not x.exists()]
if missing:
    sys.exit(f"build_linux.sh: the installed nnviz lacks {missing}")
EOF
if ! QT_QPA_PLATFORM=offscreen "$PY" packaging/render_icons.py --check; then
  echo "build_linux.sh: warning: the icon files differ from what render_icons.py makes with this Qt;" \
       "the committed files are used" >&2
fi

say "PyInstaller: nnviz $VERSION"
rm -rf "$DIST/nnviz"
"$PY" -I -m PyInstaller --noconfirm --clean --log-level WARN \
  --distpath "$DIST" --workpath "$WORK" packaging/nnviz.spec
BUNDLE="$DIST/nnviz"
[ -x "$BUNDLE/nnviz" ] || die "PyInstaller did not produce $BUNDLE/nnviz"

say "smoke test of the bundle"
got="$("$BUNDLE/nnviz" --version)"
[ "$got" = "nnviz $VERSION" ] || die "'nnviz --version' printed '$got'"
smoke="$(mktemp -d)"
trap 'rm -rf "$smoke"' EXIT
"$BUNDLE/nnviz" lessons >"$smoke/lessons.txt"
grep -q "03-xor" "$smoke/lessons.txt" || die "'nnviz lessons' does not list the built-in lessons"
lesson="$(ls "$BUNDLE"/_internal/nnviz/resources/lessons/*.toml | head -n 1)"
"$BUNDLE/nnviz" train "$lesson" --epochs 3 --quiet --out "$smoke/run.npz" >/dev/null
[ -s "$smoke/run.npz" ] || die "'nnviz train' wrote no run file"
QT_QPA_PLATFORM=offscreen NNVIZ_QUIT_AFTER=1 NNVIZ_DATA_DIR="$smoke/data" \
  NNVIZ_SETTINGS_FILE="$smoke/settings.ini" "$BUNDLE/nnviz" >"$smoke/gui.log" 2>&1 \
  || { cat "$smoke/gui.log" >&2; die "the app did not start on Qt's offscreen platform"; }

say "system libraries the bundle needs (→ Depends)"
DEPENDS="$("$PY" -I - "$BUNDLE" <<'EOF'
"""Every ELF file's DT_NEEDED that the bundle does not hold is a system library: map it
to its Debian package. An unknown one stops the build (add it here, or bundle it)."""
import os
import re
import subprocess
import sys

bundle = sys.argv[1]
# soname -> Debian package. Names valid on Debian 12 and Ubuntu 22.04 / 24.04;
# "a | b" where Ubuntu 24.04 renamed a package for 64-bit time_t.
PACKAGES = {
    "libc.so.6": "libc6", "libm.so.6": "libc6", "libdl.so.2": "libc6", "libpthread.so.0": "libc6",
    "librt.so.1": "libc6", "libutil.so.1": "libc6", "ld-linux-x86-64.so.2": "libc6",
    "libstdc++.so.6": "libstdc++6", "libgcc_s.so.1": "libgcc-s1",
    "libGL.so.1": "libgl1", "libEGL.so.1": "libegl1", "libGLX.so.0": "libglx0",
    "libOpenGL.so.0": "libopengl0", "libGLdispatch.so.0": "libglvnd0",
    "libX11.so.6": "libx11-6", "libX11-xcb.so.1": "libx11-xcb1", "libxcb.so.1": "libxcb1",
    "libxcb-glx.so.0": "libxcb-glx0", "libxcb-randr.so.0": "libxcb-randr0",
    "libxcb-render.so.0": "libxcb-render0", "libxcb-shape.so.0": "libxcb-shape0",
    "libxcb-shm.so.0": "libxcb-shm0", "libxcb-sync.so.1": "libxcb-sync1",
    "libxcb-xfixes.so.0": "libxcb-xfixes0", "libxcb-xkb.so.1": "libxcb-xkb1",
    "libxcb-xinput.so.0": "libxcb-xinput0", "libxcb-xinerama.so.0": "libxcb-xinerama0",
    "libxcb-cursor.so.0": "libxcb-cursor0", "libxcb-icccm.so.4": "libxcb-icccm4",
    "libxcb-image.so.0": "libxcb-image0", "libxcb-keysyms.so.1": "libxcb-keysyms1",
    "libxcb-render-util.so.0": "libxcb-render-util0", "libxcb-util.so.1": "libxcb-util1",
    "libxkbcommon.so.0": "libxkbcommon0", "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
    "libfontconfig.so.1": "libfontconfig1", "libfreetype.so.6": "libfreetype6",
    "libdbus-1.so.3": "libdbus-1-3",
    "libglib-2.0.so.0": "libglib2.0-0t64 | libglib2.0-0", "libgthread-2.0.so.0": "libglib2.0-0t64 | libglib2.0-0",
    "libz.so.1": "zlib1g", "libzstd.so.1": "libzstd1", "libbz2.so.1.0": "libbz2-1.0",
    "liblzma.so.5": "liblzma5", "libexpat.so.1": "libexpat1", "libuuid.so.1": "libuuid1",
    "libffi.so.8": "libffi8", "libpng16.so.16": "libpng16-16t64 | libpng16-16",
}
GLIBCXX_GCC = {28: 10, 29: 11, 30: 12, 31: 13, 32: 13, 33: 14}  # GLIBCXX_3.4.N -> GCC version

present, needed, glibc, glibcxx = set(), {}, (2, 17), 0
for folder, _dirs, files in os.walk(bundle):
    for name in files:
        path = os.path.join(folder, name)
        present.add(name)
        if os.path.islink(path) or not os.path.isfile(path):
            continue
        with open(path, "rb") as fh:
            if fh.read(4) != b"\x7fELF":
                continue
        dump = subprocess.run(["objdump", "-p", "-T", path], capture_output=True, text=True).stdout
        for lib in re.findall(r"^\s*NEEDED\s+(\S+)", dump, re.M):
            needed.setdefault(lib, os.path.relpath(path, bundle))
        for major, minor in re.findall(r"\bGLIBC_(\d+)\.(\d+)", dump):
            glibc = max(glibc, (int(major), int(minor)))
        for n in re.findall(r"\bGLIBCXX_3\.4\.(\d+)", dump):
            glibcxx = max(glibcxx, int(n))
system = {lib: who for lib, who in needed.items() if lib not in present}
unknown = {lib: who for lib, who in system.items() if lib not in PACKAGES}
if unknown:
    sys.exit("build_linux.sh: system libraries with no Debian package in the table: "
             + ", ".join(f"{lib} (needed by {who})" for lib, who in sorted(unknown.items())))
deps = {}
for lib in sorted(system):
    deps.setdefault(PACKAGES[lib], []).append(lib)
versions = {"libc6": f" (>= {glibc[0]}.{glibc[1]})"}
if glibcxx in GLIBCXX_GCC:
    versions["libstdc++6"] = f" (>= {GLIBCXX_GCC[glibcxx]})"
for package, libs in sorted(deps.items()):
    print(f"  {package:<34} {' '.join(libs)}", file=sys.stderr)
print(", ".join(p + versions.get(p, "") for p in sorted(deps)))
EOF
)"
echo "Depends: $DEPENDS"
# ldd on the Qt platform and GL plugins, with the bundle first on the path as at run time:
# nothing may be missing on this machine.
notfound="$(cd "$BUNDLE/_internal" && LD_LIBRARY_PATH="$PWD" ldd PySide6/Qt/plugins/*/*.so ./*.so* 2>&1 \
  | grep "not found" | sort -u || true)"
[ -z "$notfound" ] || die "libraries not found for the bundled plugins:
$notfound"

size_mib() { du -sb "$1" | awk '{printf "%.1f MiB (%.1f MB)", $1 / 1048576, $1 / 1e6}'; }
echo "bundle: $(size_mib "$BUNDLE")"

say "tarball"
TARBALL="$DIST/nnviz-$VERSION-linux-$ARCH_TAR.tar.gz"
extra="$smoke/extra"
mkdir -p "$extra/nnviz"
cat >"$extra/nnviz/README.txt" <<EOF
nnviz $VERSION for Linux (x86_64): a desktop lab for teaching neural networks.

Unpack and run nnviz/nnviz:

    tar xzf nnviz-$VERSION-linux-$ARCH_TAR.tar.gz && nnviz/nnviz

No installation or root rights are needed; everything stays in this folder. It needs
an X11 or Wayland (XWayland) desktop with OpenGL, which every desktop Linux has.
'nnviz/nnviz --help' lists the commands. With root, the .deb installs it system-wide.
EOF
cp LICENSE "$extra/nnviz/LICENSE.txt"
tar --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$SOURCE_DATE_EPOCH" \
    --mode='u+rwX,go+rX,go-w' -cf - -C "$DIST" nnviz -C "$extra" nnviz/README.txt nnviz/LICENSE.txt \
  | gzip -n -6 >"$TARBALL"
echo "$TARBALL: $(size_mib "$TARBALL")"

if [ -n "${NNVIZ_SKIP_DEB:-}" ]; then
  exit 0
fi

say ".deb"
STAGE="$smoke/deb"
mkdir -p "$STAGE/DEBIAN" "$STAGE/opt" "$STAGE/usr/bin" "$STAGE/usr/share/applications" \
         "$STAGE/usr/share/doc/nnviz" "$STAGE/usr/share/icons/hicolor/scalable/apps"
cp -a "$BUNDLE" "$STAGE/opt/nnviz"
cat >"$STAGE/usr/bin/nnviz" <<'EOF'
#!/bin/sh
# nnviz is installed in /opt/nnviz with its own Python and Qt.
exec /opt/nnviz/nnviz "$@"
EOF
chmod 0755 "$STAGE/usr/bin/nnviz"
cat >"$STAGE/usr/share/applications/nnviz.desktop" <<'EOF'
[Desktop Entry]
Type=Application
Name=nnviz
GenericName=Neural network lab
Comment=Train small neural networks and watch them learn
Exec=nnviz %f
Icon=nnviz
Terminal=false
Categories=Education;Science;ComputerScience;ArtificialIntelligence;
Keywords=neural network;machine learning;deep learning;gradient descent;teaching;
StartupWMClass=nnviz
EOF
ICONS="$ROOT/resources/icons"
for size in 32 64 256; do
  install -D -m 0644 "$ICONS/nnviz-$size.png" "$STAGE/usr/share/icons/hicolor/${size}x${size}/apps/nnviz.png"
done
install -m 0644 "$ICONS/nnviz.svg" "$STAGE/usr/share/icons/hicolor/scalable/apps/nnviz.svg"
{
  echo "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/"
  echo "Upstream-Name: nnviz"
  echo
  echo "Files: *"
  echo "Copyright: nnviz developers"
  echo "License: MIT"
  sed 's/^$/./; s/^/ /' LICENSE
  echo
  echo "Files: opt/nnviz/_internal/*"
  echo "Comment: bundled third-party components; see /opt/nnviz/_internal/licenses/THIRD-PARTY.txt."
  echo " Qt 6 and PySide6 are under LGPL-3 (/usr/share/common-licenses/LGPL-3)."
} >"$STAGE/usr/share/doc/nnviz/copyright"
cat >"$STAGE/DEBIAN/postinst" <<'EOF'
#!/bin/sh
set -e
if [ "$1" = "configure" ]; then
  if command -v update-desktop-database >/dev/null 2>&1; then
    update-desktop-database -q /usr/share/applications || true
  fi
  if command -v gtk-update-icon-cache >/dev/null 2>&1 && [ -f /usr/share/icons/hicolor/index.theme ]; then
    gtk-update-icon-cache -q -t -f /usr/share/icons/hicolor || true
  fi
fi
exit 0
EOF
cat >"$STAGE/DEBIAN/postrm" <<'EOF'
#!/bin/sh
set -e
case "$1" in
  remove|purge)
    if command -v update-desktop-database >/dev/null 2>&1; then
      update-desktop-database -q /usr/share/applications || true
    fi
    if command -v gtk-update-icon-cache >/dev/null 2>&1 && [ -f /usr/share/icons/hicolor/index.theme ]; then
      gtk-update-icon-cache -q -t -f /usr/share/icons/hicolor || true
    fi
    ;;
esac
exit 0
EOF
chmod 0755 "$STAGE/DEBIAN/postinst" "$STAGE/DEBIAN/postrm"
INSTALLED_KB="$(du -sk --exclude=DEBIAN "$STAGE" | cut -f1)"
cat >"$STAGE/DEBIAN/control" <<EOF
Package: nnviz
Version: $VERSION
Architecture: $ARCH_DEB
Maintainer: ${NNVIZ_MAINTAINER:-nnviz developers <nnviz@localhost>}
Installed-Size: $INSTALLED_KB
Depends: $DEPENDS
Recommends: libgl1-mesa-dri, fonts-dejavu-core | fonts-liberation2
Section: education
Priority: optional
Description: desktop lab for teaching neural networks
 nnviz trains small neural networks on 2-D data and shows, live, the decision
 boundary, the loss surface with the gradient-descent path on it, activations,
 gradients and dropout. It runs offline.
 .
 This package bundles its own Python, Qt (PySide6), NumPy and pyqtgraph in
 /opt/nnviz. An optional /etc/nnviz/site.toml configures it for a lecture hall.
EOF
# Normal permissions whatever the umask, then build with root-owned files.
find "$STAGE" -type d -exec chmod 0755 {} +
find "$STAGE" -type f -perm -u+x -exec chmod 0755 {} +
find "$STAGE" -type f ! -perm -u+x -exec chmod 0644 {} +
DEB="$DIST/nnviz_${VERSION}_$ARCH_DEB.deb"
# xz, not dpkg's zstd default on Ubuntu: Debian 12's dpkg reads xz.
dpkg-deb --build --root-owner-group -Zxz "$STAGE" "$DEB" >/dev/null
echo "$DEB: $(size_mib "$DEB")"
dpkg-deb --info "$DEB" | sed -n '/Package:/,$p'
