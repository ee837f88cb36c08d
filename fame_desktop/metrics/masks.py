"""Top-P % pixel masks of an attribution map: the pixels a deletion-style metric changes.

Pixels are ordered from the highest value to the lowest, ties (a flat region, the zeros a ReLU
leaves) in raster order, so a mask has exactly round(P/100 · H·W) pixels and is the same on
every run.
"""

from __future__ import annotations

import numpy as np

PERCENTAGES = tuple(range(0, 101, 10))  # P of the deletion / insertion curves (faces and classes)


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


def top_percent_masks(saliency: np.ndarray, percentages=PERCENTAGES) -> np.ndarray:
    """(H, W) map → (len(percentages), H, W) bool: True where a pixel is among the top P % of the map."""
    if any(not 0 <= p <= 100 for p in percentages):
        raise ValueError(f"percentages must lie in [0, 100], got {list(percentages)}")
    m = np.asarray(saliency, dtype=np.float64)
    if m.ndim != 2:
        raise ValueError(f"expected an (H, W) map, got shape {m.shape}")
    if not np.isfinite(m).all():
        raise ValueError("the map holds NaN or infinite values")
    rank = np.empty(m.size, dtype=np.int64)
    rank[pixel_order(m)] = np.arange(m.size)
    return np.stack([(rank < int(round(p / 100.0 * m.size))).reshape(m.shape) for p in percentages])


def rank_map(m: np.ndarray) -> np.ndarray:
    """(H, W) float32 in [0, 1): each pixel's rank in `pixel_order` from the bottom, over H · W — the
    map with every tie broken, so that "the top P % by value" is exactly P % of the pixels."""
    order = pixel_order(m)
    ranks = np.empty(order.size, dtype=np.float64)
    ranks[order] = np.arange(order.size - 1, -1, -1)
    return (ranks / order.size).reshape(np.shape(m)).astype(np.float32)
