"""Head pose (yaw, pitch, roll) estimated from the five MTCNN landmarks.

Geometry. A rigid 3D model of the five points is fitted to the detected ones under a
scaled orthographic ("weak perspective") projection: rotation R, scale s and a 2D shift,
least squares over all five points. The model's x, y are the ArcFace 112×112 template
(the project's definition of a frontal face, core.faces.ARCFACE_TEMPLATE); its depths
come from MediaPipe's canonical face model (Apache-2.0, `canonical_face_model.obj`, in
cm): the nose tip (vertex 1) lies 4.01 cm in front of the eye centres (mean of the eye
corner vertices 33/133 and 263/362) and the mouth corners (61, 291) 0.82 cm in front of
them, at an eye distance of 6.30 cm — scaled here to the template's 35.24 px.

The fit is closed form: the affine map A (2 × 3) from the centred model to the centred
landmarks by least squares, then the nearest scaled rotation (SVD: A = U Σ Vᵀ → rows
U Vᵀ, scale mean Σ; third row their cross product). The nose tip is the only point well
out of the face plane, so yaw and pitch come mostly from where the nose sits between
the eyes and the mouth; roll from the eye line.

Angles (degrees), as seen in the photograph:
    yaw   > 0  the face turned so the nose points to the image's right
    pitch > 0  the face tilted up (nose towards the eye line)
    roll  > 0  the face rotated counter-clockwise (the right-hand eye higher)
R = Rz(roll) · Rx(pitch) · Ry(yaw) in image axes (x right, y down, z towards the camera).

Accuracy: a rough guide. One pixel of landmark noise at the template's eye distance
gives about ±3° in yaw and pitch and ±1° in roll (tests/core/test_head_pose.py); a
smile or an open mouth moves the mouth corners and biases pitch; one person's face is
not the mean face. Beyond about 60° of yaw MTCNN's landmarks themselves degrade.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..faces import ARCFACE_TEMPLATE

# depth (towards the camera) of each landmark relative to the eye centres, in cm of
# MediaPipe's canonical face, and that face's eye distance in cm
_DEPTH_CM = np.array([0.0, 0.0, 4.009941, 0.818221, 0.818221])
_EYE_DISTANCE_CM = 6.302291
_TEMPLATE_EYE_DISTANCE = float(np.linalg.norm(ARCFACE_TEMPLATE[1] - ARCFACE_TEMPLATE[0]))
MODEL_POINTS = np.column_stack([ARCFACE_TEMPLATE, _DEPTH_CM * _TEMPLATE_EYE_DISTANCE / _EYE_DISTANCE_CM])


@dataclass(frozen=True)
class HeadPose:
    """Degrees; signs as in the module docstring."""

    yaw: float
    pitch: float
    roll: float


def rotation(yaw: float, pitch: float, roll: float) -> np.ndarray:
    """(3, 3) R = Rz(roll) Rx(pitch) Ry(yaw) in image axes, angles in degrees."""
    y, p, r = np.radians([yaw, pitch, roll])
    ry = np.array([[np.cos(y), 0, np.sin(y)], [0, 1, 0], [-np.sin(y), 0, np.cos(y)]])
    rx = np.array([[1, 0, 0], [0, np.cos(p), -np.sin(p)], [0, np.sin(p), np.cos(p)]])
    rz = np.array([[np.cos(r), np.sin(r), 0], [-np.sin(r), np.cos(r), 0], [0, 0, 1]])
    return rz @ rx @ ry


def project_model(yaw: float, pitch: float, roll: float, scale: float = 1.0,
                  centre: tuple[float, float] = (56.0, 70.0)) -> np.ndarray:
    """(5, 2) the model's landmarks seen at this pose (weak perspective): what `estimate_pose` inverts."""
    pts = (MODEL_POINTS - MODEL_POINTS.mean(axis=0)) @ rotation(yaw, pitch, roll).T
    return scale * pts[:, :2] + np.asarray(centre, dtype=np.float64)


def estimate_pose(landmarks: np.ndarray) -> HeadPose:
    """Yaw, pitch and roll of a face from its (5, 2) landmarks (x, y) in photograph pixels."""
    pts = np.asarray(landmarks, dtype=np.float64).reshape(5, 2)
    model = MODEL_POINTS - MODEL_POINTS.mean(axis=0)
    affine = np.linalg.lstsq(model, pts - pts.mean(axis=0), rcond=None)[0].T  # (2, 3)
    u, _, vt = np.linalg.svd(affine, full_matrices=False)
    rows = u @ vt
    r = np.vstack([rows, np.cross(rows[0], rows[1])])
    # R's third row is (−cos p sin y, sin p, cos p cos y); its second column (sin r cos p, cos r cos p, ·)
    pitch = np.degrees(np.arcsin(np.clip(r[2, 1], -1.0, 1.0)))
    yaw = np.degrees(np.arctan2(-r[2, 0], r[2, 2]))
    roll = np.degrees(np.arctan2(r[0, 1], r[1, 1]))
    return HeadPose(float(yaw), float(pitch), float(roll))
