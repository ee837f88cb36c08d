"""The original photograph with its detected faces; click a face to use it, or place landmarks.

Faces are drawn as boxes with their 5 landmarks and detection probability; the face in
use is green, the others amber. In landmark mode each click places the next of the 5
points (order of `LANDMARK_PROMPTS`); after the fifth, `landmarks_placed` is emitted.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QGraphicsRectItem

from ..core.faces import LANDMARK_PROMPTS
from .image_view import ImageView, cosmetic_pen

IN_USE = QColor(60, 220, 90)
OTHER = QColor(255, 190, 40)
MANUAL = QColor(80, 200, 255)


class PhotoView(ImageView):
    face_chosen = Signal(int)
    landmarks_placed = Signal(object)  # (5, 2) float64 (x, y)
    landmark_step = Signal(int)  # how many points are placed (0..5)

    def __init__(self, placeholder: str = "", parent=None):
        super().__init__(placeholder, parent)
        self.overlay_item = pg.ImageItem(axisOrder="row-major")
        self.overlay_item.setZValue(1)
        self.vb.addItem(self.overlay_item)
        self.overlay_item.hide()
        self._layer = None
        self._annotations: list = []
        self._faces: tuple = ()
        self._chosen: int | None = None
        self._manual = None
        self._annotations_visible = True
        self.placing = False
        self._points: list[tuple[float, float]] = []
        self._point_items: list = []
        self.clicked.connect(self._on_click)

    # faces ------------------------------------------------------------------------------
    def set_faces(self, faces, chosen: int | None, manual_face=None) -> None:
        """Draw every detected face; `chosen` indexes the one in use (None: none in use)."""
        self._faces, self._chosen, self._manual = tuple(faces), chosen, manual_face
        self._redraw()

    def set_annotations_visible(self, visible: bool) -> None:
        self._annotations_visible = visible
        for item in self._annotations + self._point_items:
            item.setVisible(visible)

    def _redraw(self) -> None:
        for item in self._annotations:
            self.vb.removeItem(item)
        self._annotations = []
        for i, f in enumerate(self._faces):
            # the full label on the face in use only; the others carry their number (a group photo
            # would otherwise be covered by labels)
            in_use = i == self._chosen and self._manual is None
            label = f"face {i + 1} · p {f.probability:.3f} · in use" if in_use else str(i + 1)
            self._draw_face(f.box, f.landmarks, IN_USE if in_use else OTHER, label, in_use)
        if self._manual is not None:
            self._draw_face(self._manual.box, self._manual.landmarks, MANUAL, "landmarks placed by hand", True)
        for item in self._annotations:
            item.setVisible(self._annotations_visible)

    def _draw_face(self, box, landmarks, colour: QColor, label: str, strong: bool) -> None:
        x1, y1, x2, y2 = box
        rect = QGraphicsRectItem(QRectF(x1, y1, x2 - x1, y2 - y1))
        rect.setPen(cosmetic_pen(colour, 2.5 if strong else 1.5))
        rect.setZValue(2)
        self.vb.addItem(rect)
        dots = pg.ScatterPlotItem(x=landmarks[:, 0], y=landmarks[:, 1], size=7 if strong else 4, pxMode=True,
                                  brush=pg.mkBrush(colour), pen=pg.mkPen("k", width=1))
        dots.setZValue(3)
        self.vb.addItem(dots)
        # faces in the right half get their label right-aligned, faces at the top edge theirs below
        # the box, so it stays inside the photograph (the text keeps its screen size at any zoom)
        right = self._shape is not None and (x1 + x2) / 2 > self._shape[1] / 2
        below = self._shape is not None and y1 < 0.06 * self._shape[0]
        text = pg.TextItem(label, color=(255, 255, 255), fill=pg.mkBrush(0, 0, 0, 170),
                           anchor=(1 if right else 0, 0 if below else 1))
        if not strong:
            font = text.textItem.font()
            font.setPointSizeF(max(font.pointSizeF() - 1, 7))
            text.setFont(font)
        text.setPos(x2 if right else x1, y2 if below else y1)
        text.setZValue(4)
        self.vb.addItem(text)
        self._annotations += [rect, dots, text]

    def face_at(self, x: float, y: float) -> int | None:
        """Index of the smallest detected face whose box holds (x, y)."""
        hits = [(f.area, i) for i, f in enumerate(self._faces) if f.contains(x, y)]
        return min(hits)[1] if hits else None

    # overlay ----------------------------------------------------------------------------
    def set_overlay(self, layer, alpha: float = 0.5) -> None:
        """Draw a core.photo_overlay.PhotoLayer over the photograph with opacity `alpha` (None hides it)."""
        if layer is None:
            self.overlay_item.hide()
            self._layer = None
            return
        if layer is not self._layer:
            self._layer = layer
            x0, y0, x1, y1 = layer.box
            self.overlay_item.setImage(layer.rgba, autoLevels=False, levels=(0, 255))
            self.overlay_item.setRect(QRectF(x0, y0, x1 - x0, y1 - y0))
        self.overlay_item.setOpacity(alpha)
        self.overlay_item.show()

    # clicks and hand-placed landmarks ---------------------------------------------------
    def _on_click(self, x: float, y: float) -> None:
        if not self.has_image:
            return
        if self.placing:
            h, w = self._shape
            if 0 <= x < w and 0 <= y < h:
                self._add_point(x, y)
            return
        i = self.face_at(x, y)
        if i is not None and i != self._chosen and self._annotations_visible:
            self.face_chosen.emit(i)

    def start_landmarks(self) -> None:
        self.cancel_landmarks()
        self.placing = True
        self.landmark_step.emit(0)

    def cancel_landmarks(self) -> None:
        for item in self._point_items:
            self.vb.removeItem(item)
        self._point_items, self._points = [], []
        self.placing = False

    def undo_landmark(self) -> None:
        if self.placing and self._points:
            self._points.pop()
            for item in self._point_items[-2:]:
                self.vb.removeItem(item)
            del self._point_items[-2:]
            self.landmark_step.emit(len(self._points))

    def _add_point(self, x: float, y: float) -> None:
        self._points.append((x, y))
        dot = pg.ScatterPlotItem(x=[x], y=[y], size=11, pxMode=True, symbol="+",
                                 brush=pg.mkBrush(MANUAL), pen=pg.mkPen(MANUAL, width=2))
        label = pg.TextItem(str(len(self._points)), color=(255, 255, 255), fill=pg.mkBrush(0, 90, 140, 200),
                            anchor=(-0.3, 1.1))
        label.setPos(x, y)
        for item in (dot, label):
            item.setZValue(5)
            self.vb.addItem(item)
        self._point_items += [dot, label]
        self.landmark_step.emit(len(self._points))
        if len(self._points) == len(LANDMARK_PROMPTS):
            points = np.array(self._points, dtype=np.float64)
            self.cancel_landmarks()
            self.landmarks_placed.emit(points)
