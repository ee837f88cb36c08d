"""The app's log file: fame-desktop.log in a folder, rotated (Qt-free; the window logs its errors there)."""

from __future__ import annotations

import logging
from logging.handlers import RotatingFileHandler
from pathlib import Path

log = logging.getLogger("fame_desktop")


def configure_logging(folder: Path) -> Path:
    """Log to folder/fame-desktop.log (rotated); return the file's path."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "fame-desktop.log"
    for old in [h for h in log.handlers if isinstance(h, RotatingFileHandler)]:
        if Path(old.baseFilename) == path:
            return path
        log.removeHandler(old)  # one log file per process: the latest configured one
        old.close()
    handler = RotatingFileHandler(path, maxBytes=2_000_000, backupCount=3, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    return path
