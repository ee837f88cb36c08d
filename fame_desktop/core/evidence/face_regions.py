"""Facial regions on the aligned 112×112 crop, and each map's share of its mass per region.

Geometry (docs/evidence.md has a figure). Each face gets its own frame from its five
landmarks mapped into the crop: the origin is the midpoint of the eyes, u runs along the
eye line (left eye to right eye as seen), v at right angles towards the mouth, and both are
measured in units of the eye distance d (35.2 px for a face exactly on the ArcFace
template, so 1 d ≈ 6.3 cm on an average adult face). In these units:

    eyes and brows   an ellipse around each eye, centre 0.15 d above it, half-axes 0.45 d
                     across and 0.40 d up/down (from the brow top to below the lower lid)
    nose             from the eye line to 0.2 d below the nose tip, along the line from the
                     eye midpoint to the nose tip, 0.18 d half-wide at the top, 0.35 d at the
                     nostrils
    mouth            an ellipse round the mouth corners, reaching 0.15 d beyond each corner
                     and 0.30 d above and below their midpoint
    face             an ellipse 1.1 d half-wide from the hairline (1.2 d above the eyes) to
                     the chin (0.75 d below the mouth); the part above the eye line is the
                     forehead, the rest (not eyes, nose or mouth) cheeks and jaw
    outside          every other pixel: hair, ears, neck, background (and the black border
                     where the crop reaches past the photograph)

A pixel belongs to the first region of REGIONS that contains it. The proportions are
approximate ones of an average adult face, chosen by this project to give the examiner a
summary that follows the face: they are a reading aid, not anatomy.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from ..faces import CROP_SIZE

REGIONS = ("eyes_brows", "nose", "mouth", "forehead", "cheeks_jaw", "outside")
REGION_LABELS = {"eyes_brows": "eyes and brows", "nose": "nose", "mouth": "mouth", "forehead": "forehead",
                 "cheeks_jaw": "cheeks and jaw", "outside": "outside the face"}
REGION_COLOURS = {"eyes_brows": (230, 60, 60), "nose": (250, 170, 30), "mouth": (200, 60, 200),
                  "forehead": (60, 150, 230), "cheeks_jaw": (60, 190, 90), "outside": (140, 140, 140)}

# proportions in units of the eye distance d (module docstring)
EYE_LIFT, EYE_HALF_WIDTH, EYE_HALF_HEIGHT = 0.15, 0.45, 0.40
NOSE_BELOW_TIP, NOSE_TOP_HALF_WIDTH, NOSE_BOTTOM_HALF_WIDTH = 0.20, 0.18, 0.35
MOUTH_BEYOND_CORNERS, MOUTH_HALF_HEIGHT = 0.15, 0.30
FACE_HALF_WIDTH, HAIRLINE_ABOVE_EYES, CHIN_BELOW_MOUTH = 1.10, 1.20, 0.75


def region_labels(landmarks_in_crop: np.ndarray, size: int = CROP_SIZE) -> np.ndarray:
    """(size, size) uint8: each pixel's index into REGIONS, from the face's (5, 2) landmarks in crop pixels."""
    lm = np.asarray(landmarks_in_crop, dtype=np.float64).reshape(5, 2)
    origin = (lm[0] + lm[1]) / 2
    d = float(np.linalg.norm(lm[1] - lm[0]))
    ex = (lm[1] - lm[0]) / d
    ey = np.array([-ex[1], ex[0]])  # towards the mouth in image axes (y down)
    yy, xx = np.mgrid[:size, :size].astype(np.float64) + 0.5  # pixel centres
    px = np.stack([xx - origin[0], yy - origin[1]], axis=-1)
    u, v = px @ ex / d, px @ ey / d
    face_pts = (lm - origin) @ np.column_stack([ex, ey]) / d  # (5, 2) landmarks as (u, v)
    (u_nose, v_nose), mouth = face_pts[2], face_pts[3:]
    u_mouth, v_mouth = mouth.mean(axis=0)

    eyes = np.zeros_like(u, dtype=bool)
    for u_eye in face_pts[:2, 0]:
        eyes |= ((u - u_eye) / EYE_HALF_WIDTH) ** 2 + ((v + EYE_LIFT) / EYE_HALF_HEIGHT) ** 2 <= 1
    nose_bottom = v_nose + NOSE_BELOW_TIP
    t = np.clip(v / nose_bottom, 0, 1)
    half_width = NOSE_TOP_HALF_WIDTH + (NOSE_BOTTOM_HALF_WIDTH - NOSE_TOP_HALF_WIDTH) * t
    nose = (v >= 0) & (v <= nose_bottom) & (np.abs(u - u_nose * t) <= half_width)
    mouth_half_width = np.linalg.norm(mouth[1] - mouth[0]) / 2 + MOUTH_BEYOND_CORNERS
    mouth_area = ((u - u_mouth) / mouth_half_width) ** 2 + ((v - v_mouth) / MOUTH_HALF_HEIGHT) ** 2 <= 1
    top, bottom = -HAIRLINE_ABOVE_EYES, v_mouth + CHIN_BELOW_MOUTH
    face = (u / FACE_HALF_WIDTH) ** 2 + ((v - (top + bottom) / 2) / ((bottom - top) / 2)) ** 2 <= 1

    labels = np.full(u.shape, REGIONS.index("outside"), dtype=np.uint8)
    # later assignments win: the order is the reverse of REGIONS' priority
    for name, mask in (("cheeks_jaw", face & (v >= 0)), ("forehead", face & (v < 0)), ("mouth", mouth_area),
                       ("nose", nose), ("eyes_brows", eyes)):
        labels[mask] = REGIONS.index(name)
    return labels


def region_shares(m: np.ndarray, labels: np.ndarray) -> dict[str, float] | None:
    """Each region's share of a non-negative (H, W) map's mass (they sum to 1); None for an empty map."""
    a = np.asarray(m, dtype=np.float64)
    if a.shape != labels.shape:
        raise ValueError(f"map {a.shape} and region labels {labels.shape} differ in shape")
    if np.any(a < 0) or not np.all(np.isfinite(a)):
        raise ValueError("a map for region shares must be finite and non-negative")
    total = a.sum()
    if total <= 0:
        return None
    sums = np.bincount(labels.ravel(), weights=a.ravel(), minlength=len(REGIONS))
    return {name: float(sums[i] / total) for i, name in enumerate(REGIONS)}


def region_areas(labels: np.ndarray) -> dict[str, float]:
    """Each region's share of the crop's pixels (what a uniform map would give)."""
    counts = np.bincount(labels.ravel(), minlength=len(REGIONS)) / labels.size
    return {name: float(counts[i]) for i, name in enumerate(REGIONS)}


@dataclass(frozen=True)
class RegionSummary:
    """Shares of e+ / e− mass per region for both faces, for a small table and bar chart.

    shares: {map key (e.g. "gallery_similar"): {region: share} or None for an empty map}.
    areas: {side: {region: share of the crop's pixels}}, the baseline a uniform map gives.
    """

    shares: dict[str, dict[str, float] | None]
    areas: dict[str, dict[str, float]]

    def describe(self) -> dict:
        return {"regions": list(REGIONS), "labels": dict(REGION_LABELS),
                "shares": {k: None if v is None else {r: round(s, 4) for r, s in v.items()}
                           for k, v in self.shares.items()},
                "areas": {k: {r: round(s, 4) for r, s in v.items()} for k, v in self.areas.items()}}


def summarise_regions(maps: dict[str, np.ndarray], landmarks_in_crop: dict[str, np.ndarray]) -> RegionSummary:
    """maps: {"<side>_<kind>": (112, 112) map}; landmarks_in_crop: {side: (5, 2)} (AlignedFace.landmarks_in_crop())."""
    labels = {side: region_labels(lm) for side, lm in landmarks_in_crop.items()}
    shares = {key: region_shares(m, labels[key.split("_", 1)[0]]) for key, m in maps.items()}
    return RegionSummary(shares=shares, areas={side: region_areas(lab) for side, lab in labels.items()})


def region_figure(crop: np.ndarray, labels: np.ndarray, scale: int = 4, alpha: float = 0.45) -> np.ndarray:
    """(S·scale, S·scale, 3) uint8: the crop with each region tinted in REGION_COLOURS and outlined."""
    big = cv2.resize(np.ascontiguousarray(crop), None, fx=scale, fy=scale, interpolation=cv2.INTER_NEAREST)
    big_labels = cv2.resize(labels, None, fx=scale, fy=scale, interpolation=cv2.INTER_NEAREST)
    tint = np.zeros_like(big)
    for i, name in enumerate(REGIONS):
        tint[big_labels == i] = REGION_COLOURS[name]
    out = np.clip(big * (1 - alpha) + tint * alpha, 0, 255).astype(np.uint8)
    edges = cv2.morphologyEx(big_labels, cv2.MORPH_GRADIENT, np.ones((3, 3), np.uint8)) > 0
    out[edges] = (255, 255, 255)
    return out
