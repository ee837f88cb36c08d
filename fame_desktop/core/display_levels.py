"""A display pyramid for big photographs: downscaled levels, and the part of a level a view needs.

Drawing a 12-megapixel array in a view a few hundred pixels wide makes pyqtgraph
average the whole array again on every zoom step (seconds). A view shows instead the
coarsest level that still has at least one pixel per screen pixel, and of a level larger
than `CROP_ABOVE` pixels only the part around the visible rectangle. Levels are made once
per image with OpenCV's area averaging (a few ms for 12 MP), preferably in the worker
that read the image (`levels_for` caches them per array).

Coordinates: level k of an (H, W) image is (h_k, w_k); its pixel (u, v) covers
photograph pixels [u·W/w_k, (u+1)·W/w_k) × [v·H/h_k, (v+1)·H/h_k), so a view draws a
level (or a crop of it) stretched over its rectangle in photograph coordinates and
everything else it draws stays in photograph coordinates.
"""

from __future__ import annotations

import math
import threading
import weakref
from dataclasses import dataclass

import cv2
import numpy as np

SMALLEST = 1024  # levels are halved while the longest side of the last one exceeds this
CROP_ABOVE = 2_000_000  # a level with more pixels than this is shown as a crop around the view
MARGIN = 0.25  # a crop reaches this fraction of the visible size beyond each edge (pans without a new crop)


@dataclass(frozen=True)
class Region:
    """What a view draws: `rgb` (h, w, 3) uint8 stretched over `rect` (x0, y0, x1, y1) in photograph pixels."""

    level: int
    rgb: np.ndarray
    rect: tuple[float, float, float, float]


class DisplayLevels:
    """Level 0 is the photograph (H, W, 3) uint8 itself; level k+1 halves level k (sides rounded up)."""

    def __init__(self, rgb: np.ndarray, smallest: int = SMALLEST, lower: list[np.ndarray] | None = None):
        """`lower`: levels 1, 2, … made before (by `levels_for`); made here when None."""
        self.levels = [np.ascontiguousarray(rgb)]
        if lower is not None:
            self.levels += lower
            return
        while max(self.levels[-1].shape[:2]) > smallest:
            h, w = self.levels[-1].shape[:2]
            self.levels.append(cv2.resize(self.levels[-1], ((w + 1) // 2, (h + 1) // 2), interpolation=cv2.INTER_AREA))

    @property
    def shape(self) -> tuple[int, int]:
        """(H, W) of the photograph."""
        return self.levels[0].shape[:2]

    def factor(self, level: int) -> float:
        """Photograph pixels per level pixel (horizontally)."""
        return self.shape[1] / self.levels[level].shape[1]

    def level_for(self, photo_px_per_screen_px: float) -> int:
        """The coarsest level with at least one pixel per screen pixel (0 when zoomed in to 1:1 or closer)."""
        best = 0
        for k in range(1, len(self.levels)):
            if self.factor(k) <= photo_px_per_screen_px * 1.001:
                best = k
        return best

    def region(self, level: int, visible: tuple[float, float, float, float] | None) -> Region:
        """Level `level` whole, or, when it is big, its part around `visible` (x0, y0, x1, y1 in photograph pixels)."""
        img = self.levels[level]
        h, w = img.shape[:2]
        H, W = self.shape
        if visible is None or h * w <= CROP_ABOVE:
            return Region(level, img, (0.0, 0.0, float(W), float(H)))
        sx, sy = w / W, h / H
        x0, y0, x1, y1 = visible
        mx, my = (x1 - x0) * MARGIN, (y1 - y0) * MARGIN
        u0, v0 = max(0, math.floor((x0 - mx) * sx)), max(0, math.floor((y0 - my) * sy))
        u1, v1 = min(w, math.ceil((x1 + mx) * sx)), min(h, math.ceil((y1 + my) * sy))
        if u1 <= u0 or v1 <= v0:  # the view is off the image: a token pixel keeps the geometry valid
            u0, v0, u1, v1 = 0, 0, 1, 1
        return Region(level, img[v0:v1, u0:u1], (u0 / sx, v0 / sy, u1 / sx, v1 / sy))


def covers(rect: tuple[float, float, float, float], visible: tuple[float, float, float, float],
           shape: tuple[int, int]) -> bool:
    """True when `rect` holds the part of `visible` that lies on an image of (H, W) `shape`."""
    H, W = shape
    x0, y0, x1, y1 = max(visible[0], 0), max(visible[1], 0), min(visible[2], W), min(visible[3], H)
    return rect[0] <= x0 + 1e-6 and rect[1] <= y0 + 1e-6 and rect[2] >= x1 - 1e-6 and rect[3] >= y1 - 1e-6


# id(array) → (weak reference to the array, its levels 1, 2, …): the cache never keeps a photograph alive
_cache: dict[int, tuple[weakref.ref, list[np.ndarray]]] = {}
_lock = threading.Lock()


def levels_for(rgb: np.ndarray) -> DisplayLevels:
    """The levels of this very array, made once (call it in a worker to spare the GUI thread).

    Cached by the array's identity for as long as the array lives; an image no larger than
    SMALLEST has no lower levels, so nothing is cached for it.
    """
    if max(rgb.shape[:2]) <= SMALLEST:
        return DisplayLevels(rgb)
    key = id(rgb)
    with _lock:
        hit = _cache.get(key)
        if hit is not None and hit[0]() is rgb:
            return DisplayLevels(rgb, lower=hit[1])
    levels = DisplayLevels(rgb)
    with _lock:
        _cache[key] = (weakref.ref(rgb, lambda _r, key=key: _forget(key)), levels.levels[1:])
    return levels


def _forget(key: int) -> None:
    with _lock:
        entry = _cache.get(key)
        if entry is not None and entry[0]() is None:
            del _cache[key]


def prepare_levels(rgb: np.ndarray) -> None:
    """Make the levels of a big photograph ahead (in the worker that read it); nothing for a small one."""
    levels_for(rgb)


def with_levels(read):
    """A worker function `read(job)` → LoadedImage that also makes the image's display pyramid."""
    def run(job):
        image = read(job)
        prepare_levels(image.rgb)
        return image
    return run
