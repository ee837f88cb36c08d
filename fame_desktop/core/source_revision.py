"""The git commit of the app's source tree, for the records of what produced a result and the About box.

No torch here: the window asks for it without loading the compute stack.
"""

from __future__ import annotations

import functools
import subprocess
from pathlib import Path

_PACKAGE_ROOT = Path(__file__).resolve().parents[2]


@functools.lru_cache(maxsize=1)
def source_revision() -> str | None:
    """Git commit of the app's source tree ('+ local changes' when dirty); None when not a checkout."""
    if not (_PACKAGE_ROOT / ".git").exists():
        return None
    try:
        rev = subprocess.run(["git", "-C", str(_PACKAGE_ROOT), "rev-parse", "HEAD"],
                             capture_output=True, text=True, timeout=5)
        if rev.returncode != 0:
            return None
        dirty = subprocess.run(["git", "-C", str(_PACKAGE_ROOT), "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True, timeout=5)
    except (OSError, subprocess.SubprocessError):
        return None
    commit = rev.stdout.strip()
    return commit + (" + local changes" if dirty.returncode == 0 and dirty.stdout.strip() else "")
