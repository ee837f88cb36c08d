"""A face pair prepared by the registered face-verification task, for the method and metric tests."""

from __future__ import annotations

from dataclasses import replace

import pytest


@pytest.fixture(scope="session")
def face_task():
    from fame_desktop.tasks import discover

    return discover().get("face-verification")


@pytest.fixture(scope="session")
def prepared_pair(face_task, face_model, face_inputs):
    """prepared_pair("obama", "obama2") → (inputs, analysis, options) with the first as gallery."""
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
