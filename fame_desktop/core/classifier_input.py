"""A photograph prepared for a square classifier input (e.g. 224×224 for ImageNet models).

Two preparations:
- "full" (default): the whole photograph resized to S×S (aspect ratio not kept), so the
  explanation covers every pixel of the original;
- "centre-crop": the central square of 87.5 % of the shorter side (ImageNet's usual
  evaluation crop, 224 of 256) resized to S×S.

The (2, 3) matrix maps photograph pixels to input pixels (pixel-centre convention of
cv2.resize), so `faces.warp_to_photo` projects any input-space map back onto the original.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from .faces import crop_footprint, warp_to_photo
from .images import LoadedImage, encode_png, sha256_bytes

PREPARATIONS = ("full", "centre-crop")
CENTRE_CROP_FRACTION = 224 / 256


@dataclass(frozen=True)
class ClassifierInput:
    """rgb: (S, S, 3) uint8 read-only — exactly what the model and FAME see.

    box: (x0, y0, x1, y1) integer region of the photograph used; matrix: (2, 3) photo → input.
    """

    image: LoadedImage
    rgb: np.ndarray
    matrix: np.ndarray
    mode: str
    box: tuple[int, int, int, int]

    @property
    def size(self) -> int:
        return int(self.rgb.shape[0])

    def to_photo(self, m: np.ndarray) -> np.ndarray:
        """(S, S) input-space map → (H, W) float32 on the photograph (0 outside the box)."""
        return warp_to_photo(m, self.matrix, self.image.width, self.image.height)

    def footprint(self) -> np.ndarray:
        """(H, W) bool: the part of the photograph the input covers."""
        return crop_footprint(self.matrix, self.image.width, self.image.height, self.size)

    def describe(self) -> dict:
        return {
            "preparation": self.mode,
            "box": list(self.box),
            "size": self.size,
            "matrix": self.matrix.round(8).tolist(),
            "input_png_sha256": sha256_bytes(encode_png(self.rgb)),
        }


def preparation_box(width: int, height: int, mode: str) -> tuple[int, int, int, int]:
    if mode == "full":
        return 0, 0, width, height
    if mode == "centre-crop":
        side = max(1, int(round(CENTRE_CROP_FRACTION * min(width, height))))
        x0, y0 = (width - side) // 2, (height - side) // 2
        return x0, y0, x0 + side, y0 + side
    raise ValueError(f"unknown preparation {mode!r}; choose one of {', '.join(PREPARATIONS)}")


def resize_matrix(box: tuple[int, int, int, int], size: int) -> np.ndarray:
    """(2, 3) photo → input for cv2.resize of `box` to size×size (pixel centres aligned)."""
    x0, y0, x1, y1 = box
    sx, sy = size / (x1 - x0), size / (y1 - y0)
    return np.array([[sx, 0.0, (0.5 - x0) * sx - 0.5],
                     [0.0, sy, (0.5 - y0) * sy - 0.5]], dtype=np.float64)


def prepare_classifier_input(image: LoadedImage, size: int = 224, mode: str = "full") -> ClassifierInput:
    """Cut and resize the photograph; area averaging when shrinking (no aliasing), cubic when enlarging."""
    box = preparation_box(image.width, image.height, mode)
    x0, y0, x1, y1 = box
    region = np.ascontiguousarray(image.rgb[y0:y1, x0:x1])
    shrink = (x1 - x0) >= size and (y1 - y0) >= size
    rgb = cv2.resize(region, (size, size), interpolation=cv2.INTER_AREA if shrink else cv2.INTER_CUBIC)
    rgb.flags.writeable = False
    return ClassifierInput(image=image, rgb=rgb, matrix=resize_matrix(box, size), mode=mode, box=box)
