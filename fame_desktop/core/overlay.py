"""Colour-mapped overlays of attribution maps on images (numpy/OpenCV, no Qt)."""

from __future__ import annotations

import cv2
import numpy as np

COLOUR_MAPS = {
    "jet": cv2.COLORMAP_JET,
    "turbo": cv2.COLORMAP_TURBO,
    "inferno": cv2.COLORMAP_INFERNO,
    "viridis": cv2.COLORMAP_VIRIDIS,
    "magma": cv2.COLORMAP_MAGMA,
    "hot": cv2.COLORMAP_HOT,
}
DEFAULT_COLOUR_MAP = "jet"


def colourise(m: np.ndarray, cmap: str = DEFAULT_COLOUR_MAP) -> np.ndarray:
    """(H, W) map in [0, 1] → (H, W, 3) uint8 RGB."""
    if cmap not in COLOUR_MAPS:
        raise ValueError(f"unknown colour map {cmap!r}; choose one of {', '.join(COLOUR_MAPS)}")
    u8 = np.clip(np.round(np.asarray(m, np.float32) * 255.0), 0, 255).astype(np.uint8)
    return cv2.applyColorMap(u8, COLOUR_MAPS[cmap])[:, :, ::-1].copy()


def overlay(rgb: np.ndarray, m: np.ndarray, alpha: float = 0.5, cmap: str = DEFAULT_COLOUR_MAP,
            mask: np.ndarray | None = None) -> np.ndarray:
    """Blend a colour-mapped (H, W) map over an (H, W, 3) uint8 image; `mask` limits where."""
    heat = colourise(m, cmap).astype(np.float32)
    base = np.asarray(rgb, np.float32)
    a = np.float32(alpha) if mask is None else (np.asarray(mask, np.float32) * alpha)[..., None]
    return np.clip(np.round(base * (1 - a) + heat * a), 0, 255).astype(np.uint8)


def colour_bar(height: int = 256, width: int = 16, cmap: str = DEFAULT_COLOUR_MAP) -> np.ndarray:
    """(height, width, 3) uint8 vertical bar, 1 at the top, 0 at the bottom."""
    ramp = np.linspace(1.0, 0.0, height, dtype=np.float32)[:, None].repeat(width, axis=1)
    return colourise(ramp, cmap)
