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
