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


@pytest.fixture(scope="session")
def face_task():
    """The registered face-verification task (method and metric tests)."""
    from fame_desktop.tasks import discover

    return discover().get("face-verification")


@pytest.fixture(scope="session")
def prepared_pair(face_task, face_model, face_inputs):
    """prepared_pair("obama", "obama2") → (inputs, analysis, options) with the first as gallery."""
    from dataclasses import replace

    from fame_desktop.tasks.face_verification import face_prepared_input

    cache = {}

    def make(gallery: str, probe: str):
        if (gallery, probe) not in cache:
            inputs = {"gallery": face_prepared_input(face_inputs[gallery]),
                      "probe": face_prepared_input(replace(face_inputs[probe], role="probe"))}
            options = face_task.resolve_options({}, face_model)
            cache[gallery, probe] = inputs, face_task.analyse(face_model, inputs, options), options
        return cache[gallery, probe]

    return make


@pytest.fixture(scope="session")
def run_method(face_task, face_model, prepared_pair):
    """run_method(method, params, gallery, probe, targets=None, **execute_kwargs) → TaskResult through the runner."""
    from fame_desktop.tasks.runner import request_run

    def run(method, params, gallery="obama", probe="obama2", targets=None, **kwargs):
        inputs, analysis, options = prepared_pair(gallery, probe)
        chosen = analysis.defaults() if targets is None else [analysis.target(k) for k in targets]
        return request_run(face_task, method, face_model, inputs, analysis, chosen, params, options).execute(**kwargs)

    return run


PAIR_ITERATIONS = 4


def explained_face_session(gallery, probe, face_model, params, method=None, **case):
    """A face-verification Session of the FaceInputs `gallery` and `probe`, explained with `method`
    (default FAME) and its `params`."""
    from dataclasses import replace

    from fame_desktop.methods import FameMethod
    from fame_desktop.session.model import Session
    from fame_desktop.tasks import default_registry
    from fame_desktop.tasks.face_verification import face_prepared_input

    task = default_registry().get("face-verification")
    s = Session(task, model_key="arcface-mbf", device="cpu")
    if case:
        s.set_case(**case)
    s.set_input(face_prepared_input(replace(gallery, role="gallery")))
    s.set_input(face_prepared_input(replace(probe, role="probe")))
    method = method or FameMethod()
    s.set_method(method.key)
    s.set_params(method.key, params)
    s.set_analysis(task.analyse(face_model, s.inputs, s.options), s.input_records())
    s.accept_result(s.request_run(method, face_model, s.analysis.defaults()).execute())
    return s


@pytest.fixture(scope="session")
def explain_pair():
    """`explained_face_session` for test modules (tests/gui's conftest shadows this one's name)."""
    return explained_face_session


@pytest.fixture(scope="session")
def _pair_session_master(face_inputs, face_model):
    """obama (gallery) vs obama2 (probe), all four maps for a few FAME iterations, case details set."""
    from fame_desktop.core.fame import FameParams
    from fame_desktop.session.audit import Threshold

    s = explained_face_session(face_inputs["obama"], face_inputs["obama2"], face_model,
                               FameParams(iterations=PAIR_ITERATIONS, epsilon=0.0), case_id="2024-FR-0173",
                               exhibits={"gallery": "EXH-01", "probe": "EXH-02"}, examiner="A. Examiner")
    s.set_threshold(Threshold(0.3, "demonstration value, not validated"))
    s.set_case(notes="Frontal portraits.\nNo visible manipulation.")
    return s


@pytest.fixture
def pair_session(_pair_session_master):
    """A private copy of the explained pair (tests may add audit entries or change settings)."""
    from fame_desktop.session.model import Session

    return Session.from_state(_pair_session_master)


@pytest.fixture(scope="session")
def face_calibration(face_model):
    """A calibration of the embedded model (the one `face_model` and the sessions use)."""
    from evidence_helpers import generated_calibration

    return generated_calibration(face_model.describe())
