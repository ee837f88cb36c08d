"""Face detection (MTCNN), 5-point similarity alignment to the ArcFace template, inverse warp.

Coordinates are (x, y) in pixels of the photograph as loaded (EXIF orientation applied).
Landmark order: left eye, right eye, nose, left mouth corner, right mouth corner
(as seen in the image, i.e. "left" is the smaller x).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import cv2
import numpy as np

from .errors import FaceIndexError, FaceNotFoundError

CROP_SIZE = 112
# ArcFace / InsightFace 112×112 template: eyes, nose, mouth corners.
ARCFACE_TEMPLATE = np.array(
    [
        [38.2946, 51.6963],
        [73.5318, 51.5014],
        [56.0252, 71.7366],
        [41.5493, 92.3655],
        [70.7299, 92.2041],
    ],
    dtype=np.float64,
)
LANDMARK_NAMES = ("left_eye", "right_eye", "nose", "mouth_left", "mouth_right")


@dataclass(frozen=True)
class DetectedFace:
    """One detected face in photograph coordinates.

    box: (x1, y1, x2, y2); may extend past the border for a face cut by it.
    landmarks: (5, 2) float64 (x, y).
    """

    box: tuple[float, float, float, float]
    probability: float
    landmarks: np.ndarray
    manual: bool = False  # landmarks placed by hand, not detected

    @property
    def area(self) -> float:
        x1, y1, x2, y2 = self.box
        return max(0.0, x2 - x1) * max(0.0, y2 - y1)

    def contains(self, x: float, y: float) -> bool:
        x1, y1, x2, y2 = self.box
        return x1 <= x <= x2 and y1 <= y <= y2

    def to_record(self) -> dict:
        """Exact JSON-ready form (a case file rebuilds the face from it); NaN probability → None."""
        p = float(self.probability)
        return {"box": [float(v) for v in self.box], "probability": None if np.isnan(p) else p,
                "landmarks": np.asarray(self.landmarks, np.float64).tolist(), "manual": bool(self.manual)}

    @classmethod
    def from_record(cls, d: dict) -> "DetectedFace":
        """The face of `to_record`; ValueError when the record is malformed."""
        p, manual = d.get("probability"), d["manual"]
        box = tuple(float(v) for v in d["box"])
        if len(box) != 4 or not isinstance(manual, bool) or (p is None) != manual:
            raise ValueError("a face record is malformed (box, probability or manual flag)")
        return cls(box=box, probability=float("nan") if p is None else float(p),
                   landmarks=np.asarray(d["landmarks"], np.float64).reshape(5, 2), manual=manual)

    def describe(self) -> dict:
        return {
            "box": [round(float(v), 2) for v in self.box],
            "probability": None if self.manual else round(float(self.probability), 6),
            "manual": self.manual,
            "landmarks": {n: [round(float(x), 2), round(float(y), 2)]
                          for n, (x, y) in zip(LANDMARK_NAMES, self.landmarks)},
        }


class FaceDetector:
    """MTCNN (vendored from facenet-pytorch: fame_desktop/third_party/mtcnn), created on first use,
    run on a downscaled copy.

    Photographs whose longer side exceeds `max_side` are detected at that size and the
    results scaled back: MTCNN's landmark network works on 48×48 face crops, so this
    costs no landmark precision for faces that stay above `min_face_size` pixels there.
    A photograph with very unequal sides (a strip, 20000×200) keeps at least
    `min_short_side` pixels on its short side, within the pixel budget of a `max_side`²
    square: scaled by the long side alone, its short side would fall below MTCNN's
    smallest face and MTCNN's image pyramid would be empty.
    """

    def __init__(self, device: str = "cpu", max_side: int = 1024, min_face_size: int = 20,
                 min_short_side: int = 128):
        self.device = device
        self.max_side = max_side
        self.min_face_size = min_face_size
        self.min_short_side = min_short_side
        self._mtcnn = None
        self._lock = threading.RLock()

    def _net(self):
        with self._lock:
            if self._mtcnn is None:
                from ..third_party.mtcnn import MTCNN  # imports torch: deferred

                self._mtcnn = MTCNN(min_face_size=self.min_face_size, device=self.device)
            return self._mtcnn

    def warm_up(self) -> None:
        """Import torch, build MTCNN and run it once on a small synthetic image.

        The first detection of a process otherwise pays all of it (~2–4 s on a laptop CPU,
        docs/performance.md); an app calls this in a worker thread at start-up.
        """
        y, x = np.mgrid[:160, :160]
        blob = (127 + 60 * np.sin(x / 9.0) * np.cos(y / 13.0)).astype(np.uint8)
        self.detect(np.repeat(blob[:, :, None], 3, axis=2))

    def scale_for(self, width: int, height: int) -> float:
        """Factor from photograph to detection pixels (≤ 1)."""
        long, short = max(width, height), min(width, height)
        by_long_side = min(1.0, self.max_side / long)
        strip = min(1.0, self.min_short_side / short, self.max_side / np.sqrt(width * height))
        return max(by_long_side, strip)

    def can_detect(self, width: int, height: int) -> bool:
        """Whether any face fits: the short side in detection pixels holds MTCNN's smallest face."""
        return round(min(width, height) * self.scale_for(width, height)) >= self.min_face_size

    def smallest_detectable(self, width: int, height: int) -> int:
        """Smallest face (pixels in the photograph) this detector can find."""
        return int(np.ceil(self.min_face_size / self.scale_for(width, height)))

    def limit_note(self, width: int, height: int) -> str:
        """Which faces the detector can miss in a width × height photograph, as a phrase."""
        if not self.can_detect(width, height):
            return f"no face can be detected in a {width}×{height} image: its sides are too unequal"
        return f"faces smaller than about {self.smallest_detectable(width, height)} px are not detected"

    def detect(self, rgb: np.ndarray) -> list[DetectedFace]:
        """All faces in an (H, W, 3) uint8 RGB image, largest first."""
        h, w = rgb.shape[:2]
        if not self.can_detect(w, h):
            return []
        s = self.scale_for(w, h)
        small = rgb if s == 1.0 else cv2.resize(
            rgb, (max(1, round(w * s)), max(1, round(h * s))), interpolation=cv2.INTER_AREA)
        with self._lock:  # MTCNN keeps no state, but torch modules are not re-entrant-safe
            boxes, probs, points = self._net().detect(np.ascontiguousarray(small))
        boxes = boxes.astype(np.float64) / s
        probs = probs.astype(np.float64)
        points = points.astype(np.float64) / s
        faces = [
            DetectedFace(box=tuple(float(v) for v in b), probability=float(p), landmarks=l)
            for b, p, l in zip(boxes, probs, points)
        ]
        faces.sort(key=lambda f: f.area, reverse=True)
        return faces


def manual_face(landmarks: np.ndarray) -> DetectedFace:
    """A face from 5 hand-placed landmarks; its box is drawn around them with a margin."""
    pts = np.asarray(landmarks, dtype=np.float64).reshape(5, 2)
    (x1, y1), (x2, y2) = pts.min(axis=0), pts.max(axis=0)
    m = 0.6 * max(x2 - x1, y2 - y1)
    return DetectedFace(box=(x1 - m, y1 - m, x2 + m, y2 + m), probability=float("nan"),
                        landmarks=pts, manual=True)


def choose_face(faces: list[DetectedFace], index: int, name: str, detector_note: str = "") -> DetectedFace:
    """The face at `index` (0 = largest), with a user-facing error when there is none."""
    if not faces:
        raise FaceNotFoundError(f"{name}: no face found{detector_note}")
    if not 0 <= index < len(faces):
        raise FaceIndexError(
            f"{name}: face index {index} out of range; {len(faces)} face(s) found (0–{len(faces) - 1})"
        )
    return faces[index]


@dataclass(frozen=True)
class AlignedFace:
    """A face warped onto the 112×112 template.

    crop: (112, 112, 3) uint8 RGB, read-only — what the model and FAME see.
    matrix: (2, 3) photograph → crop.   inverse: (2, 3) crop → photograph.
    landmarks: (5, 2) the photograph landmarks the alignment used.
    """

    crop: np.ndarray
    matrix: np.ndarray
    inverse: np.ndarray
    landmarks: np.ndarray

    def landmarks_in_crop(self) -> np.ndarray:
        """(5, 2) the photograph landmarks mapped into crop pixels."""
        return apply_affine(self.matrix, self.landmarks)

    def describe(self) -> dict:
        residual = np.linalg.norm(self.landmarks_in_crop() - ARCFACE_TEMPLATE, axis=1)
        return {
            "matrix": self.matrix.round(8).tolist(),
            "inverse": self.inverse.round(8).tolist(),
            "template_residual_px": residual.round(3).tolist(),
        }


def estimate_alignment(landmarks: np.ndarray, template: np.ndarray = ARCFACE_TEMPLATE) -> np.ndarray:
    """Least-squares similarity transform (rotation, uniform scale, shift), (2, 3)."""
    from skimage.transform import SimilarityTransform

    src = np.asarray(landmarks, dtype=np.float64).reshape(5, 2)
    if not np.all(np.isfinite(src)):
        raise FaceNotFoundError("landmarks are not finite")
    tform = SimilarityTransform.from_estimate(src, template)
    if not tform:
        raise FaceNotFoundError("landmarks are degenerate; alignment is impossible")
    return np.asarray(tform.params[:2], dtype=np.float64)


def apply_affine(matrix: np.ndarray, points: np.ndarray) -> np.ndarray:
    """Apply a (2, 3) affine matrix to (N, 2) points."""
    pts = np.asarray(points, dtype=np.float64)
    return pts @ matrix[:, :2].T + matrix[:, 2]


def align_face(rgb: np.ndarray, landmarks: np.ndarray, size: int = CROP_SIZE) -> AlignedFace:
    """Warp the face with these 5 landmarks onto the template; outside the photo is black."""
    template = ARCFACE_TEMPLATE * (size / CROP_SIZE)
    return aligned_from_matrix(rgb, estimate_alignment(landmarks, template), landmarks, size)


def aligned_from_matrix(rgb: np.ndarray, matrix: np.ndarray, landmarks: np.ndarray,
                        size: int = CROP_SIZE) -> AlignedFace:
    """Warp with a known (2, 3) photograph → crop matrix, e.g. one restored from a case file."""
    matrix = np.asarray(matrix, dtype=np.float64).reshape(2, 3)
    crop = cv2.warpAffine(np.ascontiguousarray(rgb), matrix, (size, size),
                          flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=0)
    crop.flags.writeable = False
    return AlignedFace(crop=crop, matrix=matrix, inverse=cv2.invertAffineTransform(matrix),
                       landmarks=np.asarray(landmarks, dtype=np.float64).reshape(5, 2).copy())


def warp_to_photo(crop_map: np.ndarray, matrix: np.ndarray, width: int, height: int) -> np.ndarray:
    """Project a crop-space map (h, w[, C]) onto the photograph, (H, W[, C]) float32.

    `matrix` is the photograph → crop matrix of the alignment; pixels the crop does not
    cover are 0. Use `crop_footprint` for the covered region.
    """
    m = np.asarray(crop_map, dtype=np.float32)
    return cv2.warpAffine(m, matrix, (width, height),
                          flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
                          borderMode=cv2.BORDER_CONSTANT, borderValue=0)


def crop_footprint(matrix: np.ndarray, width: int, height: int, size: int = CROP_SIZE) -> np.ndarray:
    """(H, W) bool: where the aligned crop lies on the photograph."""
    return warp_to_photo(np.ones((size, size), np.float32), matrix, width, height) > 0.5
