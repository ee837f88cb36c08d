"""The vendored MTCNN (fame_desktop/third_party/mtcnn) finds what facenet-pytorch 2.6.0 found.

tests/data/mtcnn_reference.json holds the boxes, probabilities and landmarks that
`FaceDetector(max_side=…).detect` returned for the test photographs with facenet-pytorch 2.6.0
installed (the state before vendoring; its "made_with" says with what). The vendored copy
must reproduce every face to 1e-4 pixel (probability: 1e-4).
"""

from __future__ import annotations

import hashlib
import json

import numpy as np
import pytest

from fame_desktop.core.faces import FaceDetector
from fame_desktop.core.images import load_image
from fame_desktop.third_party import mtcnn

TOLERANCE = 1e-4
# facenet-pytorch 2.6.0's wheel RECORD lists the same digests (base64 there)
WEIGHTS_SHA256 = {
    "pnet.pt": "a2a71925e0b9996a42f63e47efc1ca19043e69558b5c523b978d611dfae49c8f",
    "rnet.pt": "bbb937de72efc9ef83b186c49f5f558467a1d7e3453a8ece0d71a886633f6a86",
    "onet.pt": "165bfbe42940416ccfb977545cf0e976d5bf321f67083ae2aaaa5c764280118d",
}


def _reference(data_dir) -> list[dict]:
    return json.loads((data_dir / "mtcnn_reference.json").read_text())["runs"]


@pytest.fixture(scope="module")
def detectors():
    return {}


def test_every_reference_detection_is_reproduced(data_dir, detectors):
    runs = _reference(data_dir)
    assert len(runs) == 9 and sum(len(r["faces"]) for r in runs) == 11
    for run in runs:
        det = detectors.setdefault(run["max_side"], FaceDetector(max_side=run["max_side"]))
        faces = det.detect(load_image(data_dir / run["photo"]).rgb)
        where = f"{run['photo']} at max_side {run['max_side']}"
        assert len(faces) == len(run["faces"]), where
        for got, want in zip(faces, run["faces"]):  # both largest first
            assert np.abs(np.array(got.box) - want["box"]).max() < TOLERANCE, where
            assert abs(got.probability - want["probability"]) < TOLERANCE, where
            assert np.abs(got.landmarks - np.array(want["landmarks"])).max() < TOLERANCE, where
            assert got.landmarks.dtype == np.float64 and got.landmarks.shape == (5, 2)


def test_the_weights_are_facenet_pytorchs_and_load_weights_only(monkeypatch):
    for name, digest in WEIGHTS_SHA256.items():
        assert hashlib.sha256((mtcnn.nets.WEIGHTS / name).read_bytes()).hexdigest() == digest, name
    calls = []
    real_load = mtcnn.nets.torch.load
    monkeypatch.setattr(mtcnn.nets.torch, "load", lambda *a, **k: calls.append(k) or real_load(*a, **k))
    mtcnn.MTCNN()
    assert len(calls) == 3 and all(k.get("weights_only") is True for k in calls)


@pytest.mark.parametrize("shape", [(10, 500, 3), (200, 20000, 3)])
def test_an_image_too_thin_for_the_pyramid_has_no_face_instead_of_a_crash(shape, detectors):
    # facenet-pytorch ends in torch.cat(): expected a non-empty list (issue 11.6); 20000×200 is 1024×10 when detected
    det = detectors.setdefault(1024, FaceDetector())
    assert det.detect(np.full(shape, 128, np.uint8)) == []
