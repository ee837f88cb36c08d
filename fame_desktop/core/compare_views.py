"""Side-by-side review aids for two aligned crops: a cross-fade blend and a wipe."""

from __future__ import annotations

import numpy as np

WIPE_DIRECTIONS = ("vertical", "horizontal")


def _check_pair(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    a, b = np.asarray(a), np.asarray(b)
    if a.shape != b.shape or a.ndim != 3 or a.shape[2] != 3:
        raise ValueError(f"expected two (H, W, 3) images of one shape, got {a.shape} and {b.shape}")
    return a, b


def blend(a: np.ndarray, b: np.ndarray, t: float) -> np.ndarray:
    """(H, W, 3) uint8: a at t = 0, b at t = 1, a linear cross-fade between."""
    a, b = _check_pair(a, b)
    t = float(np.clip(t, 0.0, 1.0))
    mixed = a.astype(np.float32) * (1.0 - t) + b.astype(np.float32) * t
    return np.clip(np.round(mixed), 0, 255).astype(np.uint8)


def wipe_position(size: int, t: float) -> int:
    """The wipe edge for t in [0, 1]: columns (or rows) before it come from b."""
    return int(round(float(np.clip(t, 0.0, 1.0)) * size))


def wipe(a: np.ndarray, b: np.ndarray, t: float, direction: str = "vertical") -> np.ndarray:
    """(H, W, 3) uint8: b up to the edge at t, a beyond it — all a at t = 0, all b at t = 1.

    "vertical": the edge is the column round(t·W); b lies left of it (it follows a slider
    handle moved to the right). "horizontal": the edge is the row round(t·H); b lies above.
    """
    a, b = _check_pair(a, b)
    if direction not in WIPE_DIRECTIONS:
        raise ValueError(f"direction must be one of {WIPE_DIRECTIONS}, got {direction!r}")
    out = np.array(a, copy=True)
    if direction == "vertical":
        edge = wipe_position(a.shape[1], t)
        out[:, :edge] = b[:, :edge]
    else:
        edge = wipe_position(a.shape[0], t)
        out[:edge] = b[:edge]
    return out
