"""A vertical colour bar drawn from core.overlay.colour_bar, so it matches the overlays exactly."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QRect
from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtWidgets import QSizePolicy, QWidget

from ..core.overlay import DEFAULT_COLOUR_MAP, colour_bar


def rgb_to_qimage(rgb: np.ndarray) -> QImage:
    """(H, W, 3) uint8 → QImage (a deep copy, so the array may change afterwards)."""
    a = np.ascontiguousarray(rgb, dtype=np.uint8)
    h, w = a.shape[:2]
    return QImage(a.data, w, h, 3 * w, QImage.Format.Format_RGB888).copy()


class ColourBar(QWidget):
    TICKS = ((1.0, "1  high"), (0.5, "0.5"), (0.0, "0  low"))

    def __init__(self, parent=None):
        super().__init__(parent)
        self.cmap = DEFAULT_COLOUR_MAP
        self._image = rgb_to_qimage(colour_bar(256, 1, self.cmap))
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(64, 120)
        self.setToolTip("Attribution (normalised map value): high = the pixels FAME changed most")

    def set_cmap(self, cmap: str) -> None:
        self.cmap = cmap
        self._image = rgb_to_qimage(colour_bar(256, 1, cmap))
        self.update()

    def paintEvent(self, ev):  # noqa: N802 - Qt API
        p = QPainter(self)
        fm = p.fontMetrics()
        top, bottom = fm.height() // 2 + 2, self.height() - fm.height() // 2 - 2
        bar = QRect(4, top, 14, max(10, bottom - top))
        p.drawImage(bar, self._image)
        p.setPen(QColor("#8a8f98"))
        p.drawRect(bar.adjusted(0, 0, -1, -1))
        p.setPen(QColor("#d0d3d8"))
        for value, text in self.TICKS:
            y = bar.bottom() - round(value * (bar.height() - 1))
            p.drawLine(bar.right() + 1, y, bar.right() + 4, y)
            p.drawText(bar.right() + 7, y + fm.ascent() // 2 - 1, text)
        p.end()
