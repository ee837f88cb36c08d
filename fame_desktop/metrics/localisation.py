"""How well a map localises the object: IoU of the thresholded map with the box, and the pointing game."""

from __future__ import annotations

import numpy as np

IOU_THRESHOLDS = (0.3, 0.5, 0.7)
POINTING_TOLERANCE = 15  # pixels of the model input, as in Zhang et al.'s pointing game


def iou(m: np.ndarray, box: np.ndarray, threshold: float) -> float:
    """|{m ≥ threshold} ∩ box| / |{m ≥ threshold} ∪ box| for a map m in [0, 1] and a box mask (H, W)."""
    region = np.asarray(m) >= threshold
    union = np.count_nonzero(region | box)
    return float(np.count_nonzero(region & box) / union) if union else 0.0


def pointing_hit(m: np.ndarray, box: np.ndarray, tolerance: float = POINTING_TOLERANCE) -> bool:
    """Whether the map's maximum (the first in raster order) lies within `tolerance` pixels of the box."""
    r, c = np.unravel_index(int(np.argmax(m)), np.shape(m))
    rows, cols = np.nonzero(box)
    if rows.size == 0:
        return False
    return bool(np.min((rows - r) ** 2 + (cols - c) ** 2) <= tolerance ** 2)
