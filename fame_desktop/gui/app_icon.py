"""The application icon as a QIcon, from the PNG renders in resources/icons (no QtSvg needed)."""

from __future__ import annotations

from functools import lru_cache

from PySide6.QtGui import QIcon

from .. import resources


@lru_cache(maxsize=1)
def app_icon() -> QIcon:
    """One QIcon holding every committed size (16…256 px); Qt picks the sharpest for each use."""
    icon = QIcon()
    for path in resources.icon_pngs():
        icon.addFile(str(path))
    return icon
