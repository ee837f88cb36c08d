"""What produced a result: app version and source revision, Python, torch, numpy, platform, device.

Recorded when FAME runs (not when a report is written later), so a report or a case
file reopened on another machine still states the software that made the maps.
"""

from __future__ import annotations

import platform

import numpy as np
import torch

from .. import __version__
from .source_revision import source_revision


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
