"""Δx → attribution map: grayscale, |·|, per-map max, Gaussian blur, normalisation.

Cheap and separate from the optimisation, so a user can change σ, kernel or the
normalisation and see the maps at once without re-running FAME.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import cv2
import numpy as np

LUMA = np.array([0.2989, 0.587, 0.114], dtype=np.float32)  # RGB weights
NORMALISATIONS = ("minmax", "max")


@dataclass(frozen=True)
class MapSettings:
    """Post-processing of Δx. Defaults: kernel 49, σ 7.7 (paper), minmax (reference).

    blur_kernel ≤ 1 or blur_sigma ≤ 0 means no blur; an even kernel becomes the next odd one.
    """

    blur_kernel: int = 49
    blur_sigma: float = 7.7
    normalisation: str = "minmax"

    def __post_init__(self):
        if self.normalisation not in NORMALISATIONS:
            raise ValueError(f"normalisation must be one of {NORMALISATIONS}, got {self.normalisation!r}")
        if self.blur_kernel < 0 or self.blur_sigma < 0:
            raise ValueError("blur kernel and σ must be ≥ 0")

    @property
    def blurred(self) -> bool:
        return self.blur_kernel > 1 and self.blur_sigma > 0

    @property
    def odd_kernel(self) -> int:
        k = int(self.blur_kernel)
        return k if k % 2 else k + 1

    def describe(self) -> dict:
        d = asdict(self)
        d["blur"] = f"Gaussian, kernel {self.odd_kernel}, σ {self.blur_sigma:g}" if self.blurred else "none"
        return d


def grayscale_magnitude(delta: np.ndarray) -> np.ndarray:
    """(..., 3, H, W) RGB Δx → (..., H, W) |gray(Δx)| = |gray(x̄) − gray(x)| (gray is linear)."""
    d = np.asarray(delta, dtype=np.float32)
    if d.shape[-3] != 3:
        raise ValueError(f"expected (..., 3, H, W) Δx, got shape {d.shape}")
    # element-wise, not tensordot: BLAS picks kernels by batch size and memory alignment, and
    # the last bit of a map must not depend on either (a reopened case file gives identical maps)
    r, g, b = (d[..., c, :, :] for c in range(3))
    return np.abs(LUMA[0] * r + LUMA[1] * g + LUMA[2] * b)


def _one_map(gray: np.ndarray, s: MapSettings) -> np.ndarray:
    peak = float(gray.max())
    if peak <= 0:
        return np.zeros_like(gray, dtype=np.float32)
    m = gray / peak
    if s.blurred:
        k = s.odd_kernel
        m = cv2.GaussianBlur(m, (k, k), sigmaX=s.blur_sigma, sigmaY=s.blur_sigma,
                             borderType=cv2.BORDER_REFLECT_101)
    if s.normalisation == "minmax":
        lo, hi = float(m.min()), float(m.max())
        m = (m - lo) / (hi - lo) if hi > lo else np.zeros_like(m)
    else:
        hi = float(m.max())
        m = m / hi if hi > 0 else np.zeros_like(m)
    return m.astype(np.float32)


def delta_to_maps(delta: np.ndarray, settings: MapSettings = MapSettings()) -> np.ndarray:
    """(B, 3, H, W) or (3, H, W) Δx → (B, H, W) or (H, W) float32 maps in [0, 1]."""
    gray = grayscale_magnitude(delta)
    if gray.ndim == 2:
        return _one_map(gray, settings)
    return np.stack([_one_map(g, settings) for g in gray])
