"""A photograph prepared for comparison: loaded, faces detected, one chosen and aligned."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .faces import AlignedFace, DetectedFace, FaceDetector, align_face, choose_face, manual_face
from .images import LoadedImage, encode_png, load_image, sha256_bytes


@dataclass(frozen=True)
class FaceInput:
    """One side of a comparison (gallery or probe).

    faces: every detected face, largest first; face_index: the chosen one
    (-1 for hand-placed landmarks, then `face` is that manual face).
    """

    role: str
    image: LoadedImage
    faces: tuple[DetectedFace, ...]
    face: DetectedFace
    face_index: int
    aligned: AlignedFace

    @property
    def crop(self) -> np.ndarray:
        """(112, 112, 3) uint8 RGB aligned crop."""
        return self.aligned.crop

    @property
    def model_input(self) -> np.ndarray:
        """The crop: what the face model and FAME start from (the name tasks use for it)."""
        return self.aligned.crop

    @property
    def details(self) -> dict:
        """How the face was chosen and aligned, JSON-ready (faces found, the chosen one, the alignment)."""
        return {"faces_found": len(self.faces), "face_index": self.face_index, "face": self.face.describe(),
                "alignment": self.aligned.describe()}

    @property
    def found_text(self) -> str:
        """What was found and is used, for people: '1 face found (p 0.999)', 'landmarks placed by hand', …"""
        n = len(self.faces)
        if self.face.manual:
            return "landmarks placed by hand" + (f" ({n} detected face(s) not used)" if n else "")
        if n == 1:
            return f"1 face found (p {self.face.probability:.3f})"
        return f"{n} faces found — face {self.face_index + 1} in use; click another face (or its number) to use it"

    def crop_png(self) -> bytes:
        return encode_png(self.crop)

    def describe(self) -> dict:
        return {
            **self.image.describe(),
            **self.details,
            "crop_png_sha256": sha256_bytes(self.crop_png()),
            "crop_pixels_sha256": sha256_bytes(np.ascontiguousarray(self.crop).tobytes()),
        }


def no_face_hint(detector: FaceDetector, image: LoadedImage, role: str = "") -> str:
    way = f" (Landmarks… in the window, --{role}-landmarks on the command line)" if role else ""
    return f" ({detector.limit_note(image.width, image.height)}; place the landmarks by hand{way})"


def prepare_face(source: str | Path | LoadedImage, detector: FaceDetector, role: str,
                 face_index: int = 0, landmarks: np.ndarray | None = None) -> FaceInput:
    """Load (unless given), detect, choose face `face_index` (0 = largest) and align it.

    With `landmarks` (5, 2) given, they are used instead of a detected face.
    """
    image = source if isinstance(source, LoadedImage) else load_image(source)
    faces = tuple(detector.detect(image.rgb))
    return build_face_input(image, faces, role, face_index, landmarks, no_face_hint(detector, image, role))


def build_face_input(image: LoadedImage, faces: tuple[DetectedFace, ...] | list[DetectedFace], role: str,
                     face_index: int = 0, landmarks: np.ndarray | None = None,
                     no_face_note: str = "") -> FaceInput:
    """Choose face `face_index` among already detected `faces` (or use `landmarks`) and align it.

    Lets an interactive caller detect once and then switch faces or place landmarks
    without running the detector again.
    """
    faces = tuple(faces)
    if landmarks is not None:
        face, index = manual_face(landmarks), -1
    else:
        face = choose_face(list(faces), face_index, image.name, no_face_note)
        index = face_index
    return FaceInput(role=role, image=image, faces=faces, face=face, face_index=index,
                     aligned=align_face(image.rgb, face.landmarks))
