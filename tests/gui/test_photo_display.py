"""A 11-megapixel photograph in the photo view: a screen-sized level, crops when zoomed, overlays in place."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from PySide6.QtCore import QPointF, QRectF

from fame_desktop.gui.photo_view import PhotoView


@pytest.fixture(scope="module")
def big_face(detector, data_dir):
    """obama.jpg upscaled ×3.3 (3003 × 3752) with a pure red disc of radius 120 px on the nose tip, and its faces."""
    bgr = cv2.resize(cv2.imread(str(data_dir / "obama.jpg")), None, fx=3.3, fy=3.3, interpolation=cv2.INTER_CUBIC)
    rgb = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
    faces = tuple(detector.detect(rgb))
    assert len(faces) == 1
    nose = faces[0].landmarks[2]
    cv2.circle(rgb, (int(round(nose[0])), int(round(nose[1]))), 120, (255, 0, 0), -1)
    return rgb, faces


def colour_at(view, image, x: float, y: float) -> tuple[int, int, int]:
    """The grabbed view's colour where photograph pixel (x, y) is drawn."""
    p = view.mapFromScene(view.vb.mapViewToScene(QPointF(x, y)))
    c = image.pixelColor(p)
    return c.red(), c.green(), c.blue()


def is_red(c) -> bool:
    return c[0] > 200 and c[1] < 40 and c[2] < 40


def is_in_use_green(c) -> bool:  # photo_view.IN_USE (60, 220, 90)
    return c[1] > 170 and c[0] < 120 and c[2] < 140


def test_big_photo_is_drawn_from_a_screen_sized_level_with_the_landmarks_on_the_face(qtbot, big_face):
    rgb, faces = big_face
    view = PhotoView()
    qtbot.addWidget(view)
    view.resize(640, 480)
    view.show()
    qtbot.waitExposed(view)
    view.set_image(rgb, keep_view=False)
    view.set_faces(faces, 0)
    qtbot.wait(50)

    # the whole photograph in a 480 px high view: ~8 photograph pixels per screen pixel → level 2 (751 × 938)
    per_screen_px = view.vb.viewRect().height() / view.vb.height()
    assert 7 < per_screen_px < 9
    assert view.region.level == 2 and view.image_item.image.shape == (938, 751, 3)
    assert view.region.rect == (0.0, 0.0, 3003.0, 3752.0)

    f = faces[0]
    nose = f.landmarks[2]
    shot = view.grab().toImage()
    assert is_in_use_green(colour_at(view, shot, *nose))  # the landmark dot sits on the nose tip …
    assert is_red(colour_at(view, shot, nose[0] + 80, nose[1]))  # … and the photograph's red disc around it
    assert not is_red(colour_at(view, shot, nose[0] + 200, nose[1]))
    x1, y1, x2, y2 = f.box
    assert is_in_use_green(colour_at(view, shot, x1, (y1 + y2) / 2))  # the face box's left edge

    # zoomed in on the nose to ~0.5 photograph pixel per screen pixel: a crop of the full resolution
    view.vb.setRange(QRectF(nose[0] - 150, nose[1] - 110, 300, 220), padding=0)
    qtbot.wait(50)
    r = view.vb.viewRect()
    assert view.region.level == 0
    h, w = view.image_item.image.shape[:2]
    assert h * w < 0.5e6  # not the 11 MP photograph
    x0, y0, x1c, y1c = view.region.rect
    assert x0 <= max(r.left(), 0) and y0 <= max(r.top(), 0) and x1c >= r.right() and y1c >= r.bottom()
    assert np.array_equal(view.image_item.image, rgb[int(y0):int(y1c), int(x0):int(x1c)])
    shot = view.grab().toImage()
    assert is_in_use_green(colour_at(view, shot, *nose))
    assert is_red(colour_at(view, shot, nose[0] + 80, nose[1]))
    assert is_red(colour_at(view, shot, nose[0], nose[1] - 100))
    assert not is_red(colour_at(view, shot, nose[0] + 140, nose[1] + 100))

    # panning within the crop keeps it; leaving it draws another
    before = view.region
    view.vb.translateBy(x=20)
    qtbot.wait(20)
    assert view.region is before
    view.vb.translateBy(x=400)
    qtbot.wait(20)
    assert view.region is not before and view.region.rect[0] > before.rect[0]

    # double-click's fit shows the whole photograph (not the crop drawn now) at the coarse level again
    view.vb.fit()
    qtbot.wait(20)
    r = view.vb.viewRect()
    assert r.left() <= 0 and r.top() <= 0 and r.right() >= 3003 and r.bottom() >= 3752
    assert view.region.level == 2


def test_small_images_are_drawn_as_they_are(qtbot, crops):
    view = PhotoView()
    qtbot.addWidget(view)
    view.resize(300, 300)
    view.show()
    view.set_image(crops["obama"])
    qtbot.wait(20)
    assert view.region.level == 0 and np.array_equal(view.image_item.image, crops["obama"])
    view.vb.setRange(QRectF(40, 40, 20, 20), padding=0)
    qtbot.wait(20)
    assert view.region.level == 0 and view.image_item.image.shape == (112, 112, 3)
