"""Δx → attribution map: grayscale, |·|, per-map max, Gaussian blur, normalisation.

Cheap and separate from the optimisation, so a user can change σ, kernel or the
normalisation and see the maps at once without re-running FAME.

Grey (METHOD.md §8): Δx is always in RGB pixel space. "photograph" weighs it with the luma of
the photograph (0.2989 R + 0.587 G + 0.114 B); "reference" applies the luma weights to the
model's channels in their order, as the reference implementation does — for a BGR model
(AdaFace) 0.2989 B + 0.587 G + 0.114 R. For an RGB model both are the same.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace

import cv2
import numpy as np

LUMA = np.array([0.2989, 0.587, 0.114], dtype=np.float32)  # RGB weights
NORMALISATIONS = ("minmax", "max")
GREYSCALES = ("photograph", "reference")
CHANNEL_ORDERS = ("RGB", "BGR")
GREYSCALE_NAMES = {"photograph": "luma of the photograph", "reference": "as the reference implementation"}


@dataclass(frozen=True)
class MapSettings:
    """Post-processing of Δx. Defaults: kernel 49, σ 7.7 (paper), minmax (reference).

    blur_kernel ≤ 1 or blur_sigma ≤ 0 means no blur; an even kernel becomes the next odd one.
    greyscale: "photograph" or "reference" (module docstring); channel_order: the model's
    input channel order ("RGB", "BGR"), which "reference" needs — set both for a model with
    `for_model_input`.
    """

    blur_kernel: int = 49
    blur_sigma: float = 7.7
    normalisation: str = "minmax"
    greyscale: str = "photograph"
    channel_order: str = "RGB"

    def __post_init__(self):
        if self.normalisation not in NORMALISATIONS:
            raise ValueError(f"normalisation must be one of {NORMALISATIONS}, got {self.normalisation!r}")
        if self.blur_kernel < 0 or self.blur_sigma < 0:
            raise ValueError("blur kernel and σ must be ≥ 0")
        if self.greyscale not in GREYSCALES:
            raise ValueError(f"greyscale must be one of {GREYSCALES}, got {self.greyscale!r}")
        if self.channel_order not in CHANNEL_ORDERS:
            raise ValueError(f"channel order must be one of {CHANNEL_ORDERS}, got {self.channel_order!r}")

    @property
    def luma_weights(self) -> np.ndarray:
        """(3,) weights on the R, G, B channels of Δx."""
        return LUMA[::-1].copy() if self.greyscale == "reference" and self.channel_order == "BGR" else LUMA

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
        w = self.luma_weights
        d["grey"] = (f"{GREYSCALE_NAMES[self.greyscale]}: {w[0]:g} R + {w[1]:g} G + {w[2]:g} B "
                     f"(model input {self.channel_order})")
        return d


def default_greyscale(channel_order: str, preset: str = "") -> str:
    """The reference implementation's grey for a BGR model under the Reference preset, else the photograph's luma."""
    return "reference" if channel_order == "BGR" and (preset or "").startswith("reference") else "photograph"


def for_model_input(settings: "MapSettings", channel_order: str, preset: str = "",
                    greyscale: str | None = None) -> "MapSettings":
    """`settings` for a model taking `channel_order` input; greyscale None = `default_greyscale`."""
    return replace(settings, channel_order=channel_order,
                   greyscale=greyscale or default_greyscale(channel_order, preset))


def grayscale_magnitude(delta: np.ndarray, weights: np.ndarray = LUMA) -> np.ndarray:
    """(..., 3, H, W) RGB Δx → (..., H, W) |gray(Δx)| = |gray(x̄) − gray(x)| (gray is linear).

    weights: (3,) on R, G, B (default the photograph's luma; `MapSettings.luma_weights`)."""
    d = np.asarray(delta, dtype=np.float32)
    if d.shape[-3] != 3:
        raise ValueError(f"expected (..., 3, H, W) Δx, got shape {d.shape}")
    w = np.asarray(weights, dtype=np.float32)
    # element-wise, not tensordot: BLAS picks kernels by batch size and memory alignment, and
    # the last bit of a map must not depend on either (a reopened case file gives identical maps)
    r, g, b = (d[..., c, :, :] for c in range(3))
    return np.abs(w[0] * r + w[1] * g + w[2] * b)


def magnitude_to_map(gray: np.ndarray, s: MapSettings) -> np.ndarray:
    """(H, W) non-negative magnitude → (H, W) float32 map in [0, 1]: ÷ its max, blur, normalise (grey unused)."""
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
    gray = grayscale_magnitude(delta, settings.luma_weights)
    if gray.ndim == 2:
        return magnitude_to_map(gray, settings)
    return np.stack([magnitude_to_map(g, settings) for g in gray])
