"""A zoomable, pannable image view (pyqtgraph) with a placeholder text and a corner badge.

Images are (H, W, 3) uint8 RGB arrays shown pixel for pixel in image coordinates:
x to the right, y down, pixel (0, 0) covering [0, 1) × [0, 1). A big photograph is drawn
from its display pyramid (core/display_levels.py): the level that matches the zoom, cropped
around the visible part, so zooming and panning never touch all of its pixels.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt, Signal
from PySide6.QtGui import QColor, QPen
from PySide6.QtWidgets import QLabel, QSizePolicy

from ..core.display_levels import DisplayLevels, covers, levels_for

pg.setConfigOptions(imageAxisOrder="row-major", antialias=True)

BACKGROUND = "#1e1f22"
PLACEHOLDER = "color: #c8c8c8; font-size: 11pt; padding: 12px; background: transparent;"
PLACEHOLDER_OVER_IMAGE = ("color: white; font-size: 11pt; padding: 12px; background: rgba(20, 20, 20, 190); "
                          "border-radius: 6px;")


def cosmetic_pen(colour: QColor, width: float = 2.0) -> QPen:
    """A pen `width` screen pixels wide at every zoom."""
    pen = QPen(colour)
    pen.setWidthF(width)
    pen.setCosmetic(True)
    return pen


class ClickViewBox(pg.ViewBox):
    """A ViewBox that reports left clicks in image coordinates; double-click fits the image."""

    clicked = Signal(float, float)

    def __init__(self):
        super().__init__(lockAspect=True, invertY=True, enableMenu=False)
        self.fit = lambda: self.autoRange(padding=0.02)  # ImageView fits the whole image, not the drawn crop

    def mouseClickEvent(self, ev):  # noqa: N802 - pyqtgraph API
        if ev.button() == Qt.MouseButton.LeftButton:
            ev.accept()
            if ev.double():
                self.fit()
                return
            p = self.mapSceneToView(ev.scenePos())
            self.clicked.emit(float(p.x()), float(p.y()))
        else:
            super().mouseClickEvent(ev)


class ImageView(pg.GraphicsView):
    clicked = Signal(float, float)  # image coordinates of a left click

    def __init__(self, placeholder: str = "", parent=None):
        super().__init__(parent, background=BACKGROUND)
        self.setAcceptDrops(False)  # drops go to the slot that holds this view
        self.viewport().setAcceptDrops(False)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(120, 120)
        self.vb = ClickViewBox()
        self.setCentralItem(self.vb)
        self.image_item = pg.ImageItem(axisOrder="row-major")
        self.vb.addItem(self.image_item)  # no autoDownsample: it averages the whole image on every zoom step
        self.vb.clicked.connect(self.clicked)
        self.vb.fit = self.fit
        self.vb.sigRangeChanged.connect(lambda *_: self._show_level())
        self.vb.sigResized.connect(lambda *_: self._show_level())
        # whether the user zoomed or panned (then a resize keeps the view); shared by linked views
        self._zoomed = [False]
        self.vb.sigRangeChangedManually.connect(lambda *_: self._zoomed.__setitem__(0, True))
        self._shape: tuple[int, int] | None = None
        self._levels: DisplayLevels | None = None
        self.region = None  # display_levels.Region drawn now
        self._over_image = False

        self.placeholder = QLabel(placeholder, self)
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.placeholder.setWordWrap(True)
        self.placeholder.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.placeholder.setStyleSheet(PLACEHOLDER)
        self.badge = QLabel("", self)
        self.badge.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.badge.setStyleSheet("color: white; background: rgba(0, 0, 0, 150); padding: 2px 6px;"
                                 " border-radius: 3px; font-size: 9pt;")
        self.badge.hide()

    # content ----------------------------------------------------------------------------
    def set_image(self, rgb: np.ndarray | None, keep_view: bool = True) -> None:
        """Show an (H, W, 3) uint8 image; a new size (or keep_view=False) fits it in the view."""
        if rgb is None:
            self.image_item.clear()
            self._shape = None
            self._levels = self.region = None
            self.placeholder.show()
            return
        shape = rgb.shape[:2]
        self._levels = levels_for(rgb)  # a big photograph's levels were made by the worker that read it
        self.region = None
        if shape != self._shape or not keep_view:
            self._shape = shape
            self.fit()
        self._show_level()
        self.placeholder.setVisible(bool(self.placeholder.text()) and self._over_image)

    def _show_level(self) -> None:
        """Draw the level that matches the zoom (cropped around the view when big), unless drawn already."""
        lv = self._levels
        if lv is None:
            return
        r = self.vb.viewRect()
        screen_px = self.vb.width() * self.devicePixelRatioF()
        if screen_px < 2 or r.width() <= 0:  # not laid out yet: the coarsest level, replaced once shown
            level, visible = len(lv.levels) - 1, None
        else:
            level = lv.level_for(r.width() / screen_px)
            visible = (r.left(), r.top(), r.right(), r.bottom())
        shown = self.region
        if shown is not None and shown.level == level and (visible is None or covers(shown.rect, visible, lv.shape)):
            return
        region = lv.region(level, visible)
        self.image_item.setImage(np.ascontiguousarray(region.rgb), autoLevels=False, levels=(0, 255))
        x0, y0, x1, y1 = region.rect
        self.image_item.setRect(QRectF(x0, y0, x1 - x0, y1 - y0))
        self.region = region

    @property
    def has_image(self) -> bool:
        return self._shape is not None

    def fit(self) -> None:
        self._zoomed[0] = False
        if self._shape is not None:
            h, w = self._shape
            self.vb.setRange(QRectF(0, 0, w, h), padding=0.02)

    def link_to(self, other: "ImageView") -> None:
        """Zoom and pan together with `other` (and refit on a resize together, unless zoomed)."""
        self.vb.setXLink(other.vb)
        self.vb.setYLink(other.vb)
        self._zoomed = other._zoomed

    def set_placeholder(self, text: str, over_image: bool = False) -> None:
        """Centred text; shown when there is no image, or over the image with over_image."""
        self.placeholder.setText(text)
        self._over_image = over_image
        self.placeholder.setStyleSheet(PLACEHOLDER_OVER_IMAGE if over_image else PLACEHOLDER)
        self.placeholder.setVisible(bool(text) and (over_image or self._shape is None))
        self._place_labels()

    def set_badge(self, text: str) -> None:
        self.badge.setText(text)
        self.badge.adjustSize()
        self.badge.setVisible(bool(text))

    # layout -----------------------------------------------------------------------------
    def resizeEvent(self, ev):  # noqa: N802 - Qt API
        super().resizeEvent(ev)
        # pyqtgraph resizes before __init__ is through (no _zoomed yet) and while closing (its scene cleared)
        zoomed = getattr(self, "_zoomed", None)
        if zoomed is not None and not zoomed[0] and not self.closed:
            self.fit()  # a whole image stays whole (and as large as it can) when the window changes size
        self._place_labels()

    def _place_labels(self) -> None:
        if not hasattr(self, "badge"):  # pyqtgraph resizes once while constructing
            return
        r = self.rect()
        if self._over_image:
            w = min(r.width() - 20, 420)
            self.placeholder.setFixedWidth(max(w, 100))
            self.placeholder.adjustSize()
            h = self.placeholder.heightForWidth(self.placeholder.width())
            self.placeholder.setGeometry((r.width() - self.placeholder.width()) // 2,
                                         (r.height() - h) // 2, self.placeholder.width(), h)
        else:
            self.placeholder.setMinimumWidth(0)
            self.placeholder.setMaximumWidth(16777215)
            self.placeholder.setGeometry(r)
        self.badge.move(6, 6)
