"""Figures for the feature-map view and reports: the cell grid, a cell's receptive field
with its nominal area outlined, and a mosaic of all cells (numpy/OpenCV, no Qt)."""

from __future__ import annotations

import cv2
import numpy as np

from ..core.feature_map import CellGrid
from ..core.overlay import DEFAULT_COLOUR_MAP, overlay

GRID_COLOUR = (255, 255, 255)
BOX_COLOUR = (255, 255, 255)
HIGHLIGHT = (255, 220, 0)


def _scaled(rgb: np.ndarray, scale: int) -> np.ndarray:
    a = np.ascontiguousarray(rgb)
    return cv2.resize(a, None, fx=scale, fy=scale, interpolation=cv2.INTER_NEAREST) if scale > 1 else a.copy()


def _box(img: np.ndarray, box, scale: float, colour, thickness: int = 1) -> None:
    x0, y0, x1, y1 = (int(round(v * scale)) for v in box)
    cv2.rectangle(img, (x0, y0), (max(x0, x1 - 1), max(y0, y1 - 1)), colour, thickness, cv2.LINE_AA)


def grid_figure(rgb: np.ndarray, grid: CellGrid, highlight: tuple[int, int] | None = None,
                scale: int = 2) -> np.ndarray:
    """(S, S, 3) input → (S·scale, S·scale, 3) with the cell grid drawn, one cell highlighted."""
    img = _scaled(rgb, scale)
    h, w = img.shape[:2]
    for r in range(1, grid.rows):
        y = int(round(r * h / grid.rows))
        cv2.line(img, (0, y), (w - 1, y), GRID_COLOUR, 1, cv2.LINE_AA)
    for c in range(1, grid.cols):
        x = int(round(c * w / grid.cols))
        cv2.line(img, (x, 0), (x, h - 1), GRID_COLOUR, 1, cv2.LINE_AA)
    if highlight is not None:
        _box(img, grid.cell_box(*highlight), scale, HIGHLIGHT, 2)
    return img


def receptive_field_figure(rgb: np.ndarray, m: np.ndarray, box, scale: int = 2, alpha: float = 0.6,
                           cmap: str = DEFAULT_COLOUR_MAP) -> np.ndarray:
    """A cell's map over the input with its nominal area outlined."""
    img = _scaled(overlay(rgb, m, alpha, cmap), scale)
    _box(img, box, scale, BOX_COLOUR, 2)
    return img


def cell_mosaic(rgb: np.ndarray, grid: CellGrid, maps: dict[tuple[int, int], np.ndarray],
                tile: int = 96, gap: int = 2, alpha: float = 0.6, cmap: str = DEFAULT_COLOUR_MAP) -> np.ndarray:
    """All computed cells as a rows × cols mosaic of receptive-field thumbnails (missing cells grey)."""
    out = np.full((grid.rows * (tile + gap) - gap, grid.cols * (tile + gap) - gap, 3), 40, np.uint8)
    for (r, c), m in maps.items():
        thumb = cv2.resize(overlay(rgb, m, alpha, cmap), (tile, tile), interpolation=cv2.INTER_AREA)
        _box(thumb, grid.cell_box(r, c), tile / grid.width, BOX_COLOUR, 1)
        y, x = r * (tile + gap), c * (tile + gap)
        out[y:y + tile, x:x + tile] = thumb
    return out
