#!/usr/bin/env bash
# Set up (first run only) and launch fame-desktop. Arguments go to the app.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")" && pwd)"
"$ROOT/scripts/bootstrap.sh"
exec "${FAME_VENV:-$ROOT/.venv}/bin/python" "$ROOT/main.py" "$@"
