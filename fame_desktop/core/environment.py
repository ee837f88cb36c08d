"""What produced a result: app version and source revision, Python, torch, numpy, platform, device.

Recorded when FAME runs (not when a report is written later), so a report or a case
file reopened on another machine still states the software that made the maps.
"""

from __future__ import annotations

import functools
import platform
import subprocess
from pathlib import Path

import numpy as np
import torch

from .. import __version__

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


def versions(device: torch.device | str) -> dict:
    """JSON-ready software environment of this process, with the compute device."""
    return {
        "app": __version__,
        "source_revision": source_revision(),
        "python": platform.python_version(),
        "torch": torch.__version__,
        "numpy": np.__version__,
        "platform": platform.platform(),
        "device": str(device),
    }
