"""Attribution maps on the original photograph, computed only where the aligned crop lies.

A photograph can hold tens of megapixels while the crop covers a few hundred pixels
square of it. Warping and blending just that rectangle keeps an interactive view (or a
report) fast, and gives exactly the pixels a full-size `warp_to_photo` + `overlay` would.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np

from .faces import CROP_SIZE, apply_affine, warp_to_photo
from .overlay import DEFAULT_COLOUR_MAP, overlay


@dataclass(frozen=True)
class PhotoRegion:
    """A rectangle of the photograph: pixels [y0:y0+h, x0:x0+w] of `rgb` (h, w, 3) uint8.

    mask: (h, w) bool, where the aligned crop covers the photograph.
    """

    x0: int
    y0: int
    rgb: np.ndarray
    mask: np.ndarray

    @property
    def box(self) -> tuple[int, int, int, int]:
        h, w = self.mask.shape
        return self.x0, self.y0, self.x0 + w, self.y0 + h


def footprint_box(matrix: np.ndarray, width: int, height: int,
                  size: int = CROP_SIZE) -> tuple[int, int, int, int] | None:
    """Integer (x0, y0, x1, y1) around the crop's footprint on the photograph, clipped to it.

    `matrix` is the (2, 3) photograph → crop alignment. None when the crop lies wholly
    outside the photograph.
    """
    m = np.vstack([np.asarray(matrix, np.float64), [0.0, 0.0, 1.0]])
    inverse = np.linalg.inv(m)[:2]
    corners = apply_affine(inverse, np.array([[0, 0], [size, 0], [0, size], [size, size]], np.float64))
    x0, y0 = np.floor(corners.min(axis=0)).astype(int) - 1
    x1, y1 = np.ceil(corners.max(axis=0)).astype(int) + 1
    x0, y0, x1, y1 = max(0, x0), max(0, y0), min(width, x1), min(height, y1)
    return (int(x0), int(y0), int(x1), int(y1)) if x1 > x0 and y1 > y0 else None


def shift_matrix(matrix: np.ndarray, x0: float, y0: float) -> np.ndarray:
    """The photograph → crop matrix for a sub-image whose origin is photograph pixel (x0, y0)."""
    m = np.asarray(matrix, np.float64).copy()
    m[:, 2] += m[:, :2] @ np.array([x0, y0], np.float64)
    return m


def map_on_photo_region(crop_map: np.ndarray, matrix: np.ndarray, width: int, height: int,
                        size: int = CROP_SIZE) -> tuple[int, int, np.ndarray, np.ndarray] | None:
    """(x0, y0, map (h, w) float32, mask (h, w) bool) of a (size, size) crop map on the photograph."""
    box = footprint_box(matrix, width, height, size)
    if box is None:
        return None
    x0, y0, x1, y1 = box
    local = shift_matrix(matrix, x0, y0)
    region_map = warp_to_photo(crop_map, local, x1 - x0, y1 - y0)
    mask = warp_to_photo(np.ones((size, size), np.float32), local, x1 - x0, y1 - y0) > 0.5
    return x0, y0, region_map, mask


def photo_overlay_region(photo: np.ndarray, crop_map: np.ndarray, matrix: np.ndarray, alpha: float = 0.5,
                         cmap: str = DEFAULT_COLOUR_MAP) -> PhotoRegion | None:
    """The map blended over the photograph (H, W, 3) uint8, inside the crop's footprint only."""
    h, w = photo.shape[:2]
    found = map_on_photo_region(crop_map, matrix, w, h, crop_map.shape[0])
    if found is None:
        return None
    x0, y0, region_map, mask = found
    rh, rw = mask.shape
    base = np.asarray(photo)[y0:y0 + rh, x0:x0 + rw]
    return PhotoRegion(x0, y0, overlay(base, region_map, alpha, cmap, mask=mask), mask)


def photo_overlay(photo: np.ndarray, crop_map: np.ndarray, matrix: np.ndarray, alpha: float = 0.5,
                  cmap: str = DEFAULT_COLOUR_MAP) -> np.ndarray:
    """A copy of the whole photograph (H, W, 3) uint8 with the map blended over the face."""
    out = np.array(photo, dtype=np.uint8, copy=True)
    region = photo_overlay_region(photo, crop_map, matrix, alpha, cmap)
    if region is not None:
        x0, y0, x1, y1 = region.box
        out[y0:y1, x0:x1] = region.rgb
    return out


@dataclass(frozen=True)
class PhotoLayer:
    """A colour-mapped map to draw over the photograph inside the crop's footprint.

    rgba: (h, w, 4) uint8 — the colourised map, alpha 255 where the crop covers the
    photograph and 0 elsewhere — stretched over `box` (x0, y0, x1, y1) in photograph
    pixels, possibly at a lower resolution than the photograph (the map has none finer).
    Drawn with opacity α over the photograph it gives `overlay`'s blend
    photo·(1 − α) + colour·α, so an interactive view changes α without recomputing.
    """

    box: tuple[float, float, float, float]
    rgba: np.ndarray


def photo_heat_layer(crop_map: np.ndarray, matrix: np.ndarray, width: int, height: int,
                     cmap: str = DEFAULT_COLOUR_MAP, pixels_per_map_pixel: float = 2.0) -> PhotoLayer | None:
    """The (size, size) crop map as a PhotoLayer at ≤ `pixels_per_map_pixel` layer pixels per map pixel."""
    from .overlay import colourise

    size = crop_map.shape[0]
    box = footprint_box(matrix, width, height, size)
    if box is None:
        return None
    x0, y0, x1, y1 = box
    photo_per_map = 1.0 / np.sqrt(abs(np.linalg.det(np.asarray(matrix, np.float64)[:, :2])))
    s = min(1.0, pixels_per_map_pixel / photo_per_map)  # layer pixels per photograph pixel
    w, h = max(1, int(np.ceil((x1 - x0) * s))), max(1, int(np.ceil((y1 - y0) * s)))
    # layer pixel (u, v) is photograph pixel (x0 + u / s, y0 + v / s)
    local = shift_matrix(matrix, x0, y0)
    local[:, :2] /= s
    values = warp_to_photo(crop_map, local, w, h)
    inside = warp_to_photo(np.ones((size, size), np.float32), local, w, h) > 0.5
    rgba = np.empty((h, w, 4), np.uint8)
    rgba[..., :3] = colourise(np.clip(values, 0.0, 1.0), cmap)
    rgba[..., 3] = inside * np.uint8(255)
    return PhotoLayer((float(x0), float(y0), x0 + w / s, y0 + h / s), rgba)


class LayerCache:
    """The latest `size` layers of maps on photographs, found by (role, the map's content, colour map):
    a result's map equal to the last preview's reuses the layer the preview made."""

    def __init__(self, size: int):
        self.size = size
        self._layers: dict[tuple, PhotoLayer] = {}  # oldest first

    @staticmethod
    def key(role: str, crop_map: np.ndarray, cmap: str) -> tuple:
        digest = hashlib.blake2b(np.ascontiguousarray(crop_map).view(np.uint8), digest_size=16).digest()
        return role, digest, cmap

    def get(self, key: tuple) -> PhotoLayer | None:
        return self._layers.get(key)

    def keep(self, key: tuple, layer: PhotoLayer) -> None:
        self._layers.pop(key, None)
        self._layers[key] = layer
        while len(self._layers) > self.size:
            self._layers.pop(next(iter(self._layers)))

    def forget(self, role: str) -> None:
        """Drop the layers on the photograph of `role` (it was replaced)."""
        for k in [k for k in self._layers if k[0] == role]:
            del self._layers[k]
