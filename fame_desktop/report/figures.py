"""Pictures for the report, as (H, W, 3) uint8 RGB arrays drawn with OpenCV like the app's views.

Crops are enlarged with nearest-neighbour (every model pixel stays visible as a block);
the smooth maps are enlarged bilinearly before blending, so overlays are sharp in print.
"""

from __future__ import annotations

import cv2
import numpy as np

from ..core.faces import crop_footprint, warp_to_photo
from ..core.overlay import colour_bar, overlay
from ..core.pipeline import FaceInput

CHOSEN = (0, 200, 0)
OTHER = (255, 200, 0)
LANDMARK = (255, 40, 40)


def _downscale(rgb: np.ndarray, max_side: int) -> tuple[np.ndarray, float]:
    h, w = rgb.shape[:2]
    s = min(1.0, max_side / max(h, w))
    if s == 1.0:
        return np.ascontiguousarray(rgb).copy(), 1.0
    return cv2.resize(rgb, (round(w * s), round(h * s)), interpolation=cv2.INTER_AREA), s


def photo_with_faces(fi: FaceInput, max_side: int = 1400) -> np.ndarray:
    """The photograph with every detected face's box (the chosen one green, the others numbered from 1 =
    the largest, as the user numbers them) and the landmarks used."""
    img, s = _downscale(fi.image.rgb, max_side)
    lw = max(2, round(max(img.shape[:2]) / 300))
    for i, f in enumerate(fi.faces):
        if f is fi.face or i == fi.face_index:
            continue
        x1, y1, x2, y2 = (round(v * s) for v in f.box)
        cv2.rectangle(img, (x1, y1), (x2, y2), OTHER, lw, cv2.LINE_AA)
        cv2.putText(img, str(i + 1), (x1 + lw, max(y1 - 2 * lw, 12)), cv2.FONT_HERSHEY_SIMPLEX,
                    lw * 0.45, OTHER, lw, cv2.LINE_AA)
    x1, y1, x2, y2 = (round(v * s) for v in fi.face.box)
    cv2.rectangle(img, (x1, y1), (x2, y2), CHOSEN, lw, cv2.LINE_AA)
    for x, y in fi.face.landmarks * s:
        cv2.circle(img, (round(x), round(y)), lw + 1, LANDMARK, -1, cv2.LINE_AA)
    return img


def enlarge(rgb: np.ndarray, scale: int) -> np.ndarray:
    return cv2.resize(np.ascontiguousarray(rgb), None, fx=scale, fy=scale, interpolation=cv2.INTER_NEAREST)


def greyed(rgb: np.ndarray) -> np.ndarray:
    """Washed-out grey version: stands in for an empty map (no colour that could be read as values)."""
    g = cv2.cvtColor(np.ascontiguousarray(rgb), cv2.COLOR_RGB2GRAY)[..., None].astype(np.float32)
    return np.clip(np.round(g * 0.45 + 140), 0, 255).astype(np.uint8).repeat(3, axis=2)


def crop_overlay(crop: np.ndarray, m: np.ndarray, cmap: str, alpha: float, scale: int = 4) -> np.ndarray:
    """(S·scale, S·scale, 3) the map over its crop; an all-zero map gives the greyed crop."""
    if not np.any(m):
        return greyed(enlarge(crop, scale))
    big_map = cv2.resize(np.asarray(m, np.float32), None, fx=scale, fy=scale, interpolation=cv2.INTER_LINEAR)
    return overlay(enlarge(crop, scale), np.clip(big_map, 0, 1), alpha, cmap)


def footprint_region(fi: FaceInput, margin: float = 0.2) -> tuple[int, int, int, int]:
    """(x1, y1, x2, y2) of the photograph around the crop's footprint, widened by `margin`, clipped."""
    w, h = fi.image.width, fi.image.height
    corners = np.array([[0, 0], [112, 0], [112, 112], [0, 112]], np.float64)
    pts = corners @ fi.aligned.inverse[:, :2].T + fi.aligned.inverse[:, 2]
    (x1, y1), (x2, y2) = pts.min(axis=0), pts.max(axis=0)
    mx, my = margin * (x2 - x1), margin * (y2 - y1)
    return (max(0, int(x1 - mx)), max(0, int(y1 - my)), min(w, int(np.ceil(x2 + mx))), min(h, int(np.ceil(y2 + my))))


def photo_overlay(fi: FaceInput, m: np.ndarray, cmap: str, alpha: float, max_side: int = 900,
                  region: tuple[int, int, int, int] | None = None, outline: bool = True) -> np.ndarray:
    """The map warped onto the photograph (only where the crop lies), cut to `region` (default:
    `footprint_region`), downscaled to `max_side`; `outline` draws the crop's border in white."""
    w, h = fi.image.width, fi.image.height
    x1, y1, x2, y2 = region or footprint_region(fi)
    photo_map = warp_to_photo(m, fi.aligned.matrix, w, h)[y1:y2, x1:x2]
    mask = crop_footprint(fi.aligned.matrix, w, h)[y1:y2, x1:x2]
    base = fi.image.rgb[y1:y2, x1:x2]
    img = overlay(base, np.clip(photo_map, 0, 1), alpha, cmap, mask) if np.any(m) else \
        np.where(mask[..., None], greyed(base), base)
    img, _ = _downscale(img, max_side)
    if not outline:
        return img
    edge = cv2.resize(mask.astype(np.uint8), (img.shape[1], img.shape[0]), interpolation=cv2.INTER_NEAREST)
    contours, _ = cv2.findContours(edge, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    cv2.drawContours(img, contours, -1, (255, 255, 255), 1, cv2.LINE_AA)
    return img


def colour_bar_image(cmap: str, height: int = 256, width: int = 24) -> np.ndarray:
    return colour_bar(height, width, cmap)
