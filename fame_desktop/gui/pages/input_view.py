"""The model input (e.g. 224×224) with a map over it, and optionally a cell grid and an outline.

The map is blended with `core.overlay.overlay` (cheap at model-input size); the grid, the
outlined nominal area and the marks of computed cells are vector items, sharp at any zoom.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QGraphicsRectItem

from ...core.overlay import overlay
from ..image_view import ImageView, cosmetic_pen

OUTLINE = QColor(255, 220, 0)
GRID = (255, 255, 255, 110)
DONE = QColor(60, 220, 90)


class InputMapView(ImageView):
    def __init__(self, placeholder: str = "", parent=None):
        super().__init__(placeholder, parent)
        self.rgb: np.ndarray | None = None
        self.map: np.ndarray | None = None
        self.grid_item = pg.PlotCurveItem(connect="pairs", pen=pg.mkPen(GRID, width=1))
        self.grid_item.setZValue(2)
        self.vb.addItem(self.grid_item)
        self.outline = QGraphicsRectItem()
        self.outline.setPen(cosmetic_pen(OUTLINE, 2.5))
        self.outline.setZValue(4)
        self.outline.hide()
        self.vb.addItem(self.outline)
        self.marks = pg.ScatterPlotItem(size=6, pxMode=True, symbol="s", brush=pg.mkBrush(DONE),
                                        pen=pg.mkPen("k", width=1))
        self.marks.setZValue(3)
        self.vb.addItem(self.marks)
        self._annotations_visible = True
        self._outline_box = None

    def show_input(self, rgb: np.ndarray | None, m: np.ndarray | None = None, alpha: float = 0.5,
                   cmap: str = "jet") -> None:
        """The input alone (m None) or with the map blended over it."""
        self.rgb, self.map = rgb, m
        if rgb is None:
            self.set_image(None)
            return
        self.set_image(rgb if m is None else overlay(rgb, m, alpha, cmap))

    def set_grid(self, grid) -> None:
        """Draw a core.feature_map.CellGrid's cell borders (None hides them)."""
        ends = np.array(grid.borders() if grid is not None else [], float).reshape(-1, 2)  # (x, y) pairs
        self.grid_item.setData(ends[:, 0], ends[:, 1])

    def set_outline(self, box) -> None:
        """Outline (x0, y0, x1, y1) in input pixels, e.g. a cell's nominal area; None hides it."""
        self._outline_box = box
        if box is None:
            self.outline.hide()
            return
        x0, y0, x1, y1 = box
        self.outline.setRect(QRectF(x0, y0, x1 - x0, y1 - y0))
        self.outline.setVisible(self._annotations_visible)

    def set_marks(self, points: list[tuple[float, float]]) -> None:
        """Small green squares, e.g. in the corner of every computed cell."""
        if points:
            self.marks.setData(pos=np.asarray(points, float))
        else:
            self.marks.clear()

    def set_annotations_visible(self, visible: bool) -> None:
        self._annotations_visible = visible
        for item in (self.grid_item, self.marks):
            item.setVisible(visible)
        self.outline.setVisible(visible and self._outline_box is not None)
