"""Top-P % pixel masks of an attribution map: the pixels a deletion-style metric changes.

Pixels are ordered from the highest value to the lowest, ties (a flat region, the zeros a ReLU
leaves) in raster order, so a mask has exactly the asked-for size and is the same on every run.
"""

from __future__ import annotations

import numpy as np


def pixel_order(m: np.ndarray) -> np.ndarray:
    """Flat indices of the (H, W) map's pixels, highest value first, ties in raster order."""
    return np.argsort(-np.asarray(m, dtype=np.float64).ravel(), kind="stable")


def top_fraction_mask(m: np.ndarray, fraction: float) -> np.ndarray:
    """(H, W) map → (H, W) bool marking exactly round(fraction · H · W) of its highest pixels."""
    if not 0.0 <= fraction <= 1.0:
        raise ValueError(f"fraction must be in [0, 1], got {fraction}")
    order = pixel_order(m)
    mask = np.zeros(order.size, dtype=bool)
    mask[order[:int(round(fraction * order.size))]] = True
    return mask.reshape(np.shape(m))


def rank_map(m: np.ndarray) -> np.ndarray:
    """(H, W) float32 in [0, 1): each pixel's rank in `pixel_order` from the bottom, over H · W — the
    map with every tie broken, so that "the top P % by value" is exactly P % of the pixels."""
    order = pixel_order(m)
    ranks = np.empty(order.size, dtype=np.float64)
    ranks[order] = np.arange(order.size - 1, -1, -1)
    return (ranks / order.size).reshape(np.shape(m)).astype(np.float32)
