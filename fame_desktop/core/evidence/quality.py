"""Image quality beside every score: resolution, pose, sharpness, exposure, detection, AdaFace's norm.

    q = measure_quality(face_input, model)          # FaceInput of core.pipeline; model optional
    flags = quality_flags(q, calibration_ranges)    # what lies outside the tested conditions

Measures (`ImageQuality`):
    inter_eye_px        distance between the eye landmarks in pixels of the original photograph
    yaw/pitch/roll_deg  head pose from the five landmarks (head_pose.py explains the geometry)
    sharpness           variance of the Laplacian (3×3, grey 0–255) over the face region of the
                        crop; it falls as blur grows, but its level depends on the face and the
                        lighting, so it is compared with a calibration set, never with a fixed limit
    exposure_mean       mean grey level (0–255) over the face region of the crop
    clipped_dark/bright share of the face region at grey ≤ 2 / ≥ 253: no detail left there
    detection_probability  MTCNN's face probability; None for hand-placed landmarks
    embedding_norm      AdaFace only: the feature norm, its quality estimate; norm_z is
                        (norm − μ) / σ against the norms of its training images when the
                        checkpoint keeps them

The face region is face_regions.py's face ellipse, limited to pixels that come from the
photograph (a crop reaching past the border is black there).

Flags come from two kinds of limits, each stated with its source: the fixed ones below
(MODEL_LIMITS), and — with a calibration — the range of the calibration set's own
photographs (its 1st to 99th percentile of each measure): outside it, the calibration
data do not represent the case's conditions.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np
import torch

from ..faces import ARCFACE_TEMPLATE, CROP_SIZE, apply_affine
from ..pipeline import FaceInput
from .face_regions import REGIONS, region_labels
from .head_pose import HeadPose, estimate_pose

TEMPLATE_EYE_DISTANCE = float(np.linalg.norm(ARCFACE_TEMPLATE[1] - ARCFACE_TEMPLATE[0]))  # 35.24 px
CLIPPED_DARK, CLIPPED_BRIGHT = 2, 253

MEASURES = {  # key: (label, unit or meaning)
    "inter_eye_px": ("inter-eye distance", "px of the original"),
    "yaw_deg": ("yaw", "°, + nose to the image's right"),
    "pitch_deg": ("pitch", "°, + face tilted up"),
    "roll_deg": ("roll", "°, + counter-clockwise"),
    "sharpness": ("sharpness", "variance of the Laplacian"),
    "exposure_mean": ("exposure", "mean grey 0–255"),
    "clipped_dark": ("clipped dark", "share of the face"),
    "clipped_bright": ("clipped bright", "share of the face"),
    "detection_probability": ("detection probability", "MTCNN"),
    "embedding_norm": ("feature norm", "AdaFace's quality estimate"),
}
FORMATS = {"inter_eye_px": "{:.0f} px", "yaw_deg": "{:+.1f}°", "pitch_deg": "{:+.1f}°", "roll_deg": "{:+.1f}°",
           "sharpness": "{:.0f}", "exposure_mean": "{:.0f}", "clipped_dark": "{:.1%}", "clipped_bright": "{:.1%}",
           "detection_probability": "{:.4f}", "embedding_norm": "{:.2f}"}  # a measure's value for people


def measure_text(key: str, value: float | None) -> str:
    """A measure's value as the window shows it ('34 px', '+3.2°', '1.5%'); '–' for a missing one."""
    return "–" if value is None else FORMATS[key].format(value)


@dataclass(frozen=True)
class QualityFlag:
    measure: str  # a key of MEASURES
    text: str  # one line for the examiner
    source: str  # where the limit comes from

    def describe(self) -> dict:
        return {"measure": self.measure, "text": self.text, "source": self.source}


@dataclass(frozen=True)
class ImageQuality:
    inter_eye_px: float
    pose: HeadPose
    sharpness: float
    exposure_mean: float
    clipped_dark: float
    clipped_bright: float
    detection_probability: float | None
    embedding_norm: float | None = None
    training_norms: dict | None = field(default=None, compare=False)  # FaceModel.training_norms

    @property
    def norm_z(self) -> float | None:
        """(norm − μ) / σ against the training norms; None without both."""
        if self.embedding_norm is None or not self.training_norms:
            return None
        return (self.embedding_norm - self.training_norms["mean"]) / self.training_norms["std"]

    def measures(self) -> dict[str, float | None]:
        """{MEASURES key: value}, the form calibration ranges are kept in."""
        return {"inter_eye_px": self.inter_eye_px, "yaw_deg": self.pose.yaw, "pitch_deg": self.pose.pitch,
                "roll_deg": self.pose.roll, "sharpness": self.sharpness, "exposure_mean": self.exposure_mean,
                "clipped_dark": self.clipped_dark, "clipped_bright": self.clipped_bright,
                "detection_probability": self.detection_probability, "embedding_norm": self.embedding_norm}

    def describe(self) -> dict:
        d = {k: None if v is None else round(float(v), 6) for k, v in self.measures().items()}
        if self.norm_z is not None:
            d["embedding_norm_z"] = round(self.norm_z, 4)
            d["training_norms"] = dict(self.training_norms)
        return d

    @classmethod
    def from_record(cls, d: dict) -> "ImageQuality":
        """The measures back from `describe()` (as rounded there)."""
        return cls(inter_eye_px=d["inter_eye_px"], pose=HeadPose(d["yaw_deg"], d["pitch_deg"], d["roll_deg"]),
                   sharpness=d["sharpness"], exposure_mean=d["exposure_mean"], clipped_dark=d["clipped_dark"],
                   clipped_bright=d["clipped_bright"], detection_probability=d["detection_probability"],
                   embedding_norm=d["embedding_norm"], training_norms=d.get("training_norms"))


@dataclass(frozen=True)
class Limit:
    """A fixed limit: flagged below `low` or above `high` (for abs_value, |value| above `high`)."""

    measure: str
    low: float | None
    high: float | None
    text: str
    source: str
    abs_value: bool = False

    def flag(self, value: float | None) -> QualityFlag | None:
        if value is None or not np.isfinite(value):
            return None
        v = abs(value) if self.abs_value else value
        if (self.low is not None and v < self.low) or (self.high is not None and v > self.high):
            return QualityFlag(self.measure, self.text.format(value=value), self.source)
        return None


_CONVENTION = "project convention (docs/evidence.md), not a standard"
MODEL_LIMITS = (
    Limit("inter_eye_px", TEMPLATE_EYE_DISTANCE, None,
          "eyes {value:.0f} px apart: the 112×112 crop is enlarged from fewer pixels than it holds",
          f"the ArcFace template puts the eyes {TEMPLATE_EYE_DISTANCE:.1f} px apart in the crop the model sees"),
    Limit("yaw_deg", None, 45.0, "yaw {value:+.0f}°: beyond half-profile the five-point alignment to a "
          "frontal template does not hold", _CONVENTION + "; the estimate is rough (±3° at best)", abs_value=True),
    Limit("pitch_deg", None, 30.0, "pitch {value:+.0f}°: strongly tilted up or down",
          _CONVENTION + "; the estimate is rough (±3° at best, a smile biases it)", abs_value=True),
    Limit("clipped_dark", None, 0.05, "{value:.0%} of the face is black (no detail)", _CONVENTION),
    Limit("clipped_bright", None, 0.05, "{value:.0%} of the face is white (no detail)", _CONVENTION),
)
NORM_SOURCE = ("AdaFace (Kim, Jain & Liu, CVPR 2022): the feature norm approximates image quality; μ and σ are "
               "the checkpoint's head.batch_mean / head.batch_std, the norms seen in training")


def face_region_mask(face: FaceInput) -> np.ndarray:
    """(112, 112) bool: the face ellipse of the crop where the crop shows the photograph."""
    labels = region_labels(face.aligned.landmarks_in_crop())
    yy, xx = np.mgrid[:CROP_SIZE, :CROP_SIZE]
    src = apply_affine(face.aligned.inverse, np.column_stack([xx.ravel(), yy.ravel()]).astype(np.float64))
    inside = ((src[:, 0] >= 0) & (src[:, 0] <= face.image.width - 1) & (src[:, 1] >= 0)
              & (src[:, 1] <= face.image.height - 1)).reshape(CROP_SIZE, CROP_SIZE)
    # the Laplacian's 3×3 stencil must not reach the black border
    inside = cv2.erode(inside.astype(np.uint8), np.ones((3, 3), np.uint8), borderValue=1).astype(bool)
    return inside & (labels != REGIONS.index("outside"))


def measure_quality(face: FaceInput, model=None, embedding=None) -> ImageQuality:
    """The quality measures of one prepared face; `model` (FaceModel) adds AdaFace's norm.

    `embedding` (D,) or (1, D): the model's embedding of this crop when already computed.
    """
    lm = face.face.landmarks
    grey = cv2.cvtColor(np.ascontiguousarray(face.crop), cv2.COLOR_RGB2GRAY)
    mask = face_region_mask(face)
    if not mask.any():  # a crop almost wholly past the border: measure what there is
        mask[:] = True
    lap = cv2.Laplacian(grey.astype(np.float64), cv2.CV_64F)
    values = grey[mask]
    norm = None
    if model is not None and model.norm_is_quality:
        e = model.embed(face.crop) if embedding is None else embedding
        norm = float(torch.as_tensor(e).detach().double().norm())
    prob = None if face.face.manual else float(face.face.probability)
    return ImageQuality(
        inter_eye_px=float(np.linalg.norm(lm[1] - lm[0])), pose=estimate_pose(lm),
        sharpness=float(lap[mask].var()), exposure_mean=float(values.mean()),
        clipped_dark=float(np.mean(values <= CLIPPED_DARK)), clipped_bright=float(np.mean(values >= CLIPPED_BRIGHT)),
        detection_probability=prob, embedding_norm=norm,
        training_norms=None if model is None else getattr(model, "training_norms", None))


def quality_flags(q: ImageQuality, ranges: dict | None = None, ranges_source: str = "") -> list[QualityFlag]:
    """Flags for what lies outside the fixed limits and, with `ranges` ({measure: {"p01", "p99", "n"}}
    from a calibration), outside the calibration photographs' 1st–99th percentile."""
    values = q.measures()
    flags = [f for lim in MODEL_LIMITS if (f := lim.flag(values[lim.measure])) is not None]
    if q.detection_probability is None:
        flags.append(QualityFlag("detection_probability", "landmarks placed by hand: no detection",
                                 "the face was not detected"))
    if q.norm_z is not None and q.norm_z < -1:
        flags.append(QualityFlag("embedding_norm", f"feature norm {q.embedding_norm:.1f} is {-q.norm_z:.1f} σ below "
                                 "the mean of the training images: low quality by AdaFace's own measure", NORM_SOURCE))
    for key, r in (ranges or {}).items():
        v = values.get(key)
        if v is None or key not in MEASURES or r.get("p01") is None:
            continue
        label = MEASURES[key][0]
        where = "below the 1st" if v < r["p01"] else "above the 99th" if v > r["p99"] else None
        if where:
            flags.append(QualityFlag(key, f"{label} {v:.3g} is {where} percentile of the calibration "
                                     f"photographs ({r['p01']:.3g}–{r['p99']:.3g}, {r['n']} photographs)",
                                     ranges_source or "the calibration set's photographs"))
    return flags


def quality_ranges(measures: list[dict[str, float | None]]) -> dict[str, dict]:
    """{measure: {"p01", "p05", "p50", "p95", "p99", "n"}} over many photographs' `measures()`."""
    out = {}
    for key in MEASURES:
        vals = np.array([m[key] for m in measures if m.get(key) is not None], dtype=np.float64)
        vals = vals[np.isfinite(vals)]
        if vals.size:
            pct = np.percentile(vals, [1, 5, 50, 95, 99])
            out[key] = {**{f"p{p:02d}": float(v) for p, v in zip((1, 5, 50, 95, 99), pct)}, "n": int(vals.size)}
    return out
