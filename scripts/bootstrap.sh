#!/usr/bin/env bash
# Idempotent set-up of everything fame-desktop needs on a fresh Debian/Ubuntu machine:
# Qt's shared libraries (when missing and installable), a virtual environment, torch,
# the project with its test extras (the face detector, MTCNN, is part of the project).
# A stamp keyed on the dependency files makes a second run return at once.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${FAME_VENV:-$ROOT/.venv}"
STAMP="$VENV/.fame-bootstrap"

log() { printf '[bootstrap] %s\n' "$*" >&2; }

# --- Debian packages Qt needs at run time (offscreen and on a desktop) -----------------
install_debian_libs() {
    command -v ldconfig >/dev/null 2>&1 || return 0
    command -v apt-get >/dev/null 2>&1 || return 0
    local -A want=(
        [libEGL.so.1]=libegl1 [libGL.so.1]=libgl1 [libxkbcommon.so.0]=libxkbcommon0
        [libfontconfig.so.1]=libfontconfig1 [libdbus-1.so.3]=libdbus-1-3
        [libxcb-cursor.so.0]=libxcb-cursor0 [libxkbcommon-x11.so.0]=libxkbcommon-x11-0
        [libxcb-icccm.so.4]=libxcb-icccm4 [libxcb-keysyms.so.1]=libxcb-keysyms1
    )
    local missing=() lib
    for lib in "${!want[@]}"; do
        ldconfig -p | grep -q "$lib" || missing+=("${want[$lib]}")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    local sudo=""
    if [ "$(id -u)" -ne 0 ]; then
        if sudo -n true 2>/dev/null; then sudo="sudo -n"; else
            log "missing Debian packages (install them for the GUI): ${missing[*]}"; return 0
        fi
    fi
    log "installing Debian packages: ${missing[*]}"
    $sudo apt-get update -qq >/dev/null 2>&1 || true
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null \
        || log "could not install ${missing[*]}; the GUI may not start"
}

pick_python() {
    # torch wheels for 3.11 are the ones cached on our build machines; any 3.10+ works.
    local c
    for c in "${PYTHON:-}" python3.11 python3.12 python3.10 python3; do
        [ -n "$c" ] || continue
        if command -v "$c" >/dev/null 2>&1 &&
           "$c" -c 'import sys; sys.exit(sys.version_info < (3, 10))' 2>/dev/null; then
            echo "$c"; return 0
        fi
    done
    log "Python 3.10 or newer is required"; exit 1
}

torch_pair() {
    case "$(uname -s)-$(uname -m)" in
        Linux-x86_64) echo "torch==2.14.1 torchvision==0.29.1" ;;
        Linux-aarch64) echo "torch==2.9.1 torchvision==0.24.1" ;;
        *) echo "torch>=2.4 torchvision>=0.19" ;;
    esac
}

fingerprint() {
    cat "$ROOT/pyproject.toml" "$ROOT/scripts/bootstrap.sh" | sha256sum | cut -d' ' -f1
}

install_debian_libs
want="$(fingerprint)"
if [ -x "$VENV/bin/python" ] && [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$want" ]; then
    exit 0
fi

PY="$(pick_python)"
[ -x "$VENV/bin/python" ] || { log "creating $VENV with $PY"; "$PY" -m venv "$VENV"; }
PIP=("$VENV/bin/python" -m pip --disable-pip-version-check -q)
log "installing torch ($(torch_pair))"
# shellcheck disable=SC2046
"${PIP[@]}" install $(torch_pair)
log "installing fame-desktop and its test tools"
"${PIP[@]}" install -e "$ROOT[test]"
echo "$want" > "$STAMP"
log "environment ready: $VENV"
