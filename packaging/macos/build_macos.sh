#!/usr/bin/env bash
# Build nnviz for macOS (11 or later) on a Mac, from a clean checkout:
#
#   dist/nnviz.app                              the app (PyInstaller BUNDLE, org.nnviz.nnviz)
#   dist/nnviz-<version>-macos-<arch>.dmg       a disk image: drag nnviz to Applications
#
#   packaging/macos/build_macos.sh
#
# <arch> is the machine's (arm64 on Apple silicon, x86_64 on Intel): build on each kind of
# Mac (CI uses two runners). Uses the same spec as Linux and Windows (packaging/nnviz.spec)
# and its own build venv (NNVIZ_BUILD_VENV, default build/venv-macos), which needs PyPI
# the first time. NNVIZ_CODESIGN_IDENTITY="Developer ID Application: ..." signs with that
# identity (otherwise PyInstaller signs ad hoc); notarising is a separate step (xcrun
# notarytool) that needs an Apple developer account.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
PYTHON="${PYTHON:-python3}"
VENV="${NNVIZ_BUILD_VENV:-$ROOT/build/venv-macos}"
DIST="$ROOT/dist"
WORK="$ROOT/build/pyinstaller-macos"
ARCH="$(uname -m)"
say() { printf '\n== %s\n' "$*"; }
die() { printf 'build_macos.sh: error: %s\n' "$*" >&2; exit 1; }

[ "$(uname -s)" = Darwin ] || die "run this on macOS (packaging/build_linux.sh builds the Linux packages)"
command -v hdiutil >/dev/null || die "hdiutil is missing"

say "build venv: $VENV"
if [ ! -x "$VENV/bin/python" ]; then
  "$PYTHON" -m venv "$VENV"
fi
PY="$VENV/bin/python"
"$PY" -m pip install -q --upgrade pip
"$PY" -m pip install -q "pyinstaller>=6.10,<7" .
"$PY" -m pip install -q --no-deps --force-reinstall .
# -I: never import the checkout's nnviz/ (it has no nnviz.resources), only the installed one.
VERSION="$("$PY" -I -c 'import nnviz; print(nnviz.__version__)')"
[ -f packaging/macos/nnviz.icns ] || die "packaging/macos/nnviz.icns is missing (python packaging/render_icons.py)"

say "PyInstaller: nnviz $VERSION ($ARCH)"
rm -rf "$DIST/nnviz" "$DIST/nnviz.app"
"$PY" -I -m PyInstaller --noconfirm --clean --log-level WARN \
  --distpath "$DIST" --workpath "$WORK" packaging/nnviz.spec
APP="$DIST/nnviz.app"
EXE="$APP/Contents/MacOS/nnviz"
[ -x "$EXE" ] || die "PyInstaller did not produce $EXE"
plutil -lint "$APP/Contents/Info.plist" >/dev/null
[ "$(/usr/libexec/PlistBuddy -c 'Print :CFBundleIdentifier' "$APP/Contents/Info.plist")" = org.nnviz.nnviz ] \
  || die "wrong bundle identifier"

say "smoke test of the app"
got="$("$EXE" --version)"
[ "$got" = "nnviz $VERSION" ] || die "'nnviz --version' printed '$got'"
smoke="$(mktemp -d)"
trap 'rm -rf "$smoke"' EXIT
lesson="$(ls "$APP"/Contents/Resources/nnviz/resources/lessons/*.toml 2>/dev/null | head -n 1 || true)"
[ -n "$lesson" ] || lesson="$(find "$APP" -path '*nnviz/resources/lessons/*.toml' | head -n 1)"
[ -n "$lesson" ] || die "no lessons in the app bundle"
"$EXE" train "$lesson" --epochs 3 --quiet --out "$smoke/run.npz" >/dev/null
[ -s "$smoke/run.npz" ] || die "'nnviz train' wrote no run file"
QT_QPA_PLATFORM=offscreen NNVIZ_QUIT_AFTER=1 NNVIZ_DATA_DIR="$smoke/data" \
  NNVIZ_SETTINGS_FILE="$smoke/settings.ini" "$EXE" >"$smoke/gui.log" 2>&1 \
  || { cat "$smoke/gui.log" >&2; die "the app did not start on Qt's offscreen platform"; }
codesign --verify --deep --strict "$APP" || echo "build_macos.sh: warning: the app's signature does not verify" >&2
echo "app: $(du -sh "$APP" | cut -f1)"

say ".dmg"
DMG="$DIST/nnviz-$VERSION-macos-$ARCH.dmg"
stage="$smoke/dmg"
mkdir -p "$stage"
cp -R "$APP" "$stage/"
ln -s /Applications "$stage/Applications"
cp LICENSE "$stage/LICENSE.txt"
rm -f "$DMG"
hdiutil create -volname "nnviz $VERSION" -srcfolder "$stage" -fs HFS+ -format UDZO -ov "$DMG" >/dev/null
hdiutil verify "$DMG" >/dev/null
echo "$DMG: $(du -h "$DMG" | cut -f1)"
