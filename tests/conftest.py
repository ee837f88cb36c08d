"""Shared fixtures: real photographs, one detector and one model per session, no network."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import numpy as np
import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

DATA = Path(__file__).parent / "data"


@pytest.fixture(autouse=True, scope="session")
def _no_network():
    """Tests must never download: any connection off this machine fails loudly."""
    real_connect = socket.socket.connect

    def guarded(self, address):
        host = address[0] if isinstance(address, tuple) else address
        if isinstance(host, str) and host not in ("127.0.0.1", "::1", "localhost") and not host.startswith("/"):
            raise RuntimeError(f"test tried to reach the network: {address}")
        return real_connect(self, address)

    socket.socket.connect = guarded
    yield
    socket.socket.connect = real_connect


@pytest.fixture(scope="session")
def data_dir() -> Path:
    return DATA


@pytest.fixture(scope="session")
def detector():
    from fame_desktop.core.faces import FaceDetector

    return FaceDetector()


@pytest.fixture(scope="session")
def face_model():
    from fame_desktop.core.models import load_face_model

    return load_face_model(device="cpu")


@pytest.fixture(scope="session")
def face_inputs(detector):
    """{name: FaceInput} for the real photographs."""
    from fame_desktop.core.pipeline import prepare_face

    return {n: prepare_face(DATA / f"{n}.jpg", detector, "gallery") for n in ("obama", "obama2", "biden")}


@pytest.fixture(scope="session")
def crops(face_inputs) -> dict[str, np.ndarray]:
    return {n: fi.crop for n, fi in face_inputs.items()}


PAIR_ITERATIONS = 4


@pytest.fixture(scope="session")
def _pair_session_master(face_inputs, face_model):
    """obama (gallery) vs obama2 (probe), all four maps for a few FAME iterations, case details set."""
    from dataclasses import replace

    from fame_desktop.core.fame import FameParams
    from fame_desktop.session.audit import ComparisonSession, Threshold
    from fame_desktop.core.verification import explain_pair

    s = ComparisonSession()
    s.set_case(case_id="2024-FR-0173", exhibit_gallery="EXH-01", exhibit_probe="EXH-02", examiner="A. Examiner")
    s.set_input(face_inputs["obama"])
    s.set_input(replace(face_inputs["obama2"], role="probe"))
    s.set_model("arcface-mbf", None, "cpu")
    params = FameParams(iterations=PAIR_ITERATIONS, epsilon=0.0)
    s.set_parameters(params)
    s.set_threshold(Threshold(0.3, "demonstration value, not validated"))
    snapshot = s.run_snapshot(face_model.describe(), params)
    s.set_explanation(explain_pair(face_model, s.gallery.crop, s.probe.crop, params), face_model.describe(), snapshot)
    s.set_case(notes="Frontal portraits.\nNo visible manipulation.")
    return s


@pytest.fixture
def pair_session(_pair_session_master):
    """A private copy of the explained pair (tests may add audit entries or change settings)."""
    import copy

    return copy.deepcopy(_pair_session_master)
