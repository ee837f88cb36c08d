#!/usr/bin/env bash
# Build the one-folder bundle dist/fame-desktop/ (executables `fame-desktop` and `fame`).
#
#   packaging/build.sh              # uses $FAME_VENV or ./.venv; installs PyInstaller if missing
#
# The bundle holds whatever torch the venv has: a CUDA build makes a bundle of several GB,
# a venv with the CPU-only torch wheel a much smaller one (docs/packaging.md).
# After the build, share/ in the bundle holds the desktop entry, AppStream metainfo and icons.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${FAME_VENV:-$ROOT/.venv}"
PY="$VENV/bin/python"
PYINSTALLER_VERSION="${PYINSTALLER_VERSION:-6.22.3}"
log() { printf '[build] %s\n' "$*" >&2; }

[ -x "$PY" ] || { log "no venv at $VENV: run scripts/bootstrap.sh first"; exit 1; }
if ! "$PY" -c 'import PyInstaller' 2>/dev/null; then
    log "installing pyinstaller==$PYINSTALLER_VERSION into $VENV"
    "$PY" -m pip install --disable-pip-version-check -q "pyinstaller==$PYINSTALLER_VERSION"
fi

cd "$ROOT"
start=$SECONDS
# A plain (not editable) install of the project for PyInstaller to analyse: see the spec.
SITE="$ROOT/build/site"
rm -rf "$SITE"
"$PY" -m pip install --disable-pip-version-check -q --no-deps --no-build-isolation --no-index \
    --target "$SITE" "$ROOT"
# Run from build/, where no stale fame_desktop.egg-info from a checkout sits on sys.path.
(cd "$ROOT/build" && FAME_BUNDLE_SITE="$SITE" "$PY" -m PyInstaller --noconfirm --clean --log-level WARN \
    --distpath "$ROOT/dist" --workpath "$ROOT/build/pyinstaller" "$ROOT/packaging/fame-desktop.spec")

BUNDLE="$ROOT/dist/fame-desktop"
SHARE="$BUNDLE/share"
install -Dm644 packaging/linux/fame-desktop.desktop "$SHARE/applications/fame-desktop.desktop"
install -Dm644 packaging/linux/fame-desktop.metainfo.xml "$SHARE/metainfo/fame-desktop.metainfo.xml"
for size in 16 32 48 128 256; do
    install -Dm644 "resources/icons/fame-desktop-$size.png" \
        "$SHARE/icons/hicolor/${size}x${size}/apps/fame-desktop.png"
done
install -Dm644 resources/icons/fame-desktop.svg "$SHARE/icons/hicolor/scalable/apps/fame-desktop.svg"

log "built $BUNDLE in $((SECONDS - start)) s, $(du -sh "$BUNDLE" | cut -f1)"
