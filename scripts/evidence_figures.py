#!/usr/bin/env python
"""Draw docs/evidence-regions.png: the facial regions (core.evidence.face_regions) on the ArcFace template
and on the aligned crops of two test photographs, with the five landmarks and a legend.

    .venv/bin/python scripts/evidence_figures.py [--out docs/evidence-regions.png]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
SCALE = 3


def panel(crop: np.ndarray, landmarks: np.ndarray, title: str) -> np.ndarray:
    from fame_desktop.core.evidence.face_regions import region_figure, region_labels

    img = region_figure(crop, region_labels(landmarks), scale=SCALE)
    for x, y in landmarks * SCALE:
        cv2.circle(img, (round(x), round(y)), 4, (255, 255, 255), -1, cv2.LINE_AA)
        cv2.circle(img, (round(x), round(y)), 4, (0, 0, 0), 1, cv2.LINE_AA)
    head = np.full((26, img.shape[1], 3), 255, np.uint8)
    cv2.putText(head, title, (6, 18), cv2.FONT_HERSHEY_SIMPLEX, 0.5, (30, 30, 30), 1, cv2.LINE_AA)
    return np.vstack([head, img])


def legend(width: int) -> np.ndarray:
    from fame_desktop.core.evidence.face_regions import REGION_COLOURS, REGION_LABELS, REGIONS

    row = np.full((34, width, 3), 255, np.uint8)
    x = 8
    for name in REGIONS:
        cv2.rectangle(row, (x, 10), (x + 14, 24), REGION_COLOURS[name], -1)
        cv2.putText(row, REGION_LABELS[name], (x + 20, 22), cv2.FONT_HERSHEY_SIMPLEX, 0.45, (30, 30, 30), 1,
                    cv2.LINE_AA)
        x += 20 + cv2.getTextSize(REGION_LABELS[name], cv2.FONT_HERSHEY_SIMPLEX, 0.45, 1)[0][0] + 22
    return row


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=ROOT / "docs" / "evidence-regions.png")
    args = ap.parse_args()
    from fame_desktop.core.faces import ARCFACE_TEMPLATE, FaceDetector
    from fame_desktop.core.pipeline import prepare_face

    detector = FaceDetector()
    panels = [panel(np.full((112, 112, 3), 200, np.uint8), ARCFACE_TEMPLATE, "ArcFace template")]
    for name in ("obama2", "biden"):
        face = prepare_face(ROOT / "tests" / "data" / f"{name}.jpg", detector, "probe")
        panels.append(panel(face.crop, face.aligned.landmarks_in_crop(), f"{name}.jpg, aligned"))
    gap = np.full((panels[0].shape[0], 8, 3), 255, np.uint8)
    top = np.hstack([panels[0], gap, panels[1], gap, panels[2]])
    figure = np.vstack([top, legend(top.shape[1])])
    cv2.imwrite(str(args.out), cv2.cvtColor(figure, cv2.COLOR_RGB2BGR))
    print(f"{args.out} ({figure.shape[1]}×{figure.shape[0]})")


if __name__ == "__main__":
    main()
