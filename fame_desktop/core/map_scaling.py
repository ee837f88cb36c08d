"""Map blur for inputs of other sizes than the paper's 112×112 faces.

The paper blurs 112-px face maps with kernel 49, σ 7.7. To blur the same share of the
image at another input size S, kernel radius and σ scale by S / 112: at 224 px that is
kernel 97 (radius 24 → 48) and σ 15.4. Users can still set any kernel and σ.
"""

from __future__ import annotations

from dataclasses import replace

from .attribution import MapSettings

REFERENCE_SIZE = 112


def scaled_map_settings(size: int, base: MapSettings = MapSettings()) -> MapSettings:
    """`base` (defined for 112 px) scaled to an S-pixel input; "no blur" stays no blur."""
    if size == REFERENCE_SIZE or not base.blurred:
        return base
    f = size / REFERENCE_SIZE
    radius = (base.odd_kernel - 1) // 2
    return replace(base, blur_kernel=2 * int(round(radius * f)) + 1, blur_sigma=round(base.blur_sigma * f, 4))
