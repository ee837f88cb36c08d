"""Face verification as a task plugin gives exactly what core.verification gives."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from fame_desktop.methods import FameMethod
from fame_desktop.tasks.runner import request_run
from fame_desktop.core.fame import FameParams
from fame_desktop.core.verification import MAP_KEYS, explain_pair
from fame_desktop.tasks import ModelChoice, discover
from fame_desktop.tasks.face_output import per_map
from fame_desktop.tasks.face_verification import face_prepared_input


def test_task_matches_explain_pair(face_model, face_inputs):
    task = discover().get("face-verification")
    assert [s.role for s in task.inputs] == ["gallery", "probe"] and task.default_model == "arcface-mbf"
    choices = {m.key: m for m in task.models()}
    assert choices["arcface-mbf"].available and not choices["adaface-ir50"].available
    assert choices["adaface-ir50"].accepts_file and "checkpoint" in choices["adaface-ir50"].status
    options = task.resolve_options({}, face_model)
    assert options == {"gallery_face": 0, "probe_face": 0, "gallery_landmarks": "", "probe_landmarks": ""}
    gallery = face_inputs["obama"]
    probe = face_inputs["biden"]
    inputs = {"gallery": face_prepared_input(gallery), "probe": face_prepared_input(replace(probe, role="probe"))}
    analysis = task.analyse(face_model, inputs, options)
    assert [t.key for t in analysis.defaults()] == list(MAP_KEYS)
    params = FameParams(iterations=3, epsilon=0, detach_norms=True)
    result = request_run(task, FameMethod(), face_model, inputs, analysis, analysis.defaults(), params, options).execute()
    ref = explain_pair(face_model, gallery.crop, probe.crop, params)
    assert analysis.summary["similarity"] == pytest.approx(ref.similarity, abs=1e-6)
    for key in MAP_KEYS:
        assert np.allclose(result.delta(key), ref.delta(key), atol=1e-6), key
    assert result.keys == MAP_KEYS and per_map(result)["probe_dissimilar"]["iterations"] == 3
    section = task.report_section(result, task.default_map_settings(face_model))
    assert section.headline.startswith("cosine similarity") and "not a measure of evidence" in section.caveats[0]
    assert task.default_map_settings(face_model).blur_kernel == 49
    assert isinstance(task.models()[0], ModelChoice)


def test_task_prepares_photographs_itself(face_model, data_dir):
    from fame_desktop.core.images import load_image

    task = discover().get("face-verification")
    options = task.resolve_options({"probe_face": 0}, face_model)
    p = task.prepare(face_model, "probe", load_image(data_dir / "obama2.jpg"), options)
    assert p.role == "probe" and p.model_input.shape == (112, 112, 3) and p.details["face"]["probability"] > 0.99
    assert p.to_photo(np.ones((112, 112), np.float32)).shape == (p.image.height, p.image.width)
    with pytest.raises(Exception, match="face index 2 out of range"):
        task.prepare(face_model, "probe", load_image(data_dir / "obama2.jpg"), {**options, "probe_face": 2})
    with pytest.raises(Exception, match="must be ≥ 0"):
        task.resolve_options({"gallery_face": -1}, face_model)
