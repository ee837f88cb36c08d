#!/usr/bin/env bash
# Set up (first run only) and run the whole test suite, headless. Arguments go to pytest.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")" && pwd)"
"$ROOT/scripts/bootstrap.sh"
cd "$ROOT"
export QT_QPA_PLATFORM=offscreen
exec "${FAME_VENV:-$ROOT/.venv}/bin/python" -m pytest "$@"
