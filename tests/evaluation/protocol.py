"""A small real verification protocol from the test photographs, with degraded copies made on the fly.

Photographs: obama.jpg / obama2.jpg (one person), biden.jpg (another), 32bit.png (an RGBA
copy of obama2), obama_partial_face.jpg (obama's face cut by the image border). Generated
(into the given folder, at test time):

    obama2_eyes.png    obama2 with a black bar over both eyes (from the detected eye landmarks,
                       1.6 × the eye distance wide, 0.5 × high) — sunglasses-like occlusion
    obama2_mouth.png   obama2 with a grey block over the mouth and chin (a face-mask-like occlusion)
    obama2_small.png   obama2 downscaled to 1/6 (about 104 × 200 px; the face ≈ 40 px wide)

Two sets (the `protocol` column): "frontal" — the clean photographs — and "degraded" — every
pair holds an occluded, downscaled or cut face; each set has genuine (obama) and impostor
(biden) pairs, 12 pairs in all.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

PAIRS = [  # (gallery, probe, same, set)
    ("obama.jpg", "obama2.jpg", 1, "frontal"),
    ("obama.jpg", "32bit.png", 1, "frontal"),
    ("biden.jpg", "obama.jpg", 0, "frontal"),
    ("biden.jpg", "obama2.jpg", 0, "frontal"),
    ("obama.jpg", "obama2_eyes.png", 1, "degraded"),
    ("obama.jpg", "obama2_mouth.png", 1, "degraded"),
    ("obama.jpg", "obama2_small.png", 1, "degraded"),
    ("obama2.jpg", "obama_partial_face.jpg", 1, "degraded"),
    ("biden.jpg", "obama2_eyes.png", 0, "degraded"),
    ("biden.jpg", "obama2_mouth.png", 0, "degraded"),
    ("biden.jpg", "obama2_small.png", 0, "degraded"),
    ("biden.jpg", "obama_partial_face.jpg", 0, "degraded"),
]


def degraded_copies(data: Path, folder: Path, detector) -> None:
    """Write obama2_eyes.png, obama2_mouth.png and obama2_small.png into `folder`."""
    img = Image.open(data / "obama2.jpg").convert("RGB")
    face = max(detector.detect(np.asarray(img)), key=lambda f: (f.box[2] - f.box[0]) * (f.box[3] - f.box[1]))
    (lx, ly), (rx, ry), _, (mlx, mly), (mrx, mry) = face.landmarks
    d = float(np.hypot(rx - lx, ry - ly))
    eyes = img.copy()
    cx, cy = (lx + rx) / 2, (ly + ry) / 2
    ImageDraw.Draw(eyes).rectangle([cx - 0.8 * d, cy - 0.25 * d, cx + 0.8 * d, cy + 0.25 * d], fill=(0, 0, 0))
    eyes.save(folder / "obama2_eyes.png")
    mouth = img.copy()
    my = (mly + mry) / 2
    ImageDraw.Draw(mouth).rectangle([mlx - 0.6 * d, my - 0.35 * d, mrx + 0.6 * d, my + 0.9 * d], fill=(128, 128, 128))
    mouth.save(folder / "obama2_mouth.png")
    img.resize((img.width // 6, img.height // 6), Image.LANCZOS).save(folder / "obama2_small.png")


def build_protocol(data: Path, folder: Path, detector) -> Path:
    """The twelve pairs as folder/pairs.csv (photographs copied beside it); returns its path."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in ("obama.jpg", "obama2.jpg", "biden.jpg", "32bit.png", "obama_partial_face.jpg"):
        (folder / name).write_bytes((data / name).read_bytes())
    degraded_copies(data, folder, detector)
    path = folder / "pairs.csv"
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["gallery", "probe", "same", "protocol"])
        w.writerows(PAIRS)
    return path
