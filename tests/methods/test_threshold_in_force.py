"""FGGB takes the decision threshold in force: the session's (the window's Ctrl+T, `fame explain --threshold`),
recorded in the run's parameters and the audit log; without one the run is refused before anything runs."""

from __future__ import annotations

from dataclasses import replace

import pytest

from fame_desktop.cli import main
from fame_desktop.methods import FggbMethod, ThresholdRequired
from fame_desktop.session.audit import Threshold


@pytest.fixture
def pair_session(face_task, face_model, face_inputs):
    from fame_desktop.session.model import Session
    from fame_desktop.tasks.face_verification import face_prepared_input

    s = Session(face_task, model_key="arcface-mbf", device="cpu")
    s.set_input(face_prepared_input(replace(face_inputs["obama"], role="gallery")))
    s.set_input(face_prepared_input(replace(face_inputs["obama2"], role="probe")))
    s.set_analysis(face_task.analyse(face_model, s.inputs, s.options), s.input_records())
    s.set_method("fggb")
    return s


def test_the_sessions_threshold_is_the_one_fggb_runs_with(pair_session, face_model):
    s, fggb = pair_session, FggbMethod()
    with pytest.raises(ThresholdRequired, match="set one"):
        s.request_run(fggb, face_model, s.analysis.defaults())
    s.set_threshold(Threshold(0.25, "lab EER, 2024"))
    req = s.request_run(fggb, face_model, s.analysis.defaults())
    assert (req.job.params.threshold, req.job.params.threshold_source) == (0.25, "lab EER, 2024")
    started = [e for e in s.audit.entries if e.action == "run started"][-1]
    assert started.details["parameters"]["threshold"] == 0.25
    assert s.params_for(fggb).threshold is None  # the user's parameters are unchanged: θ comes with each run


def test_fame_explain_with_fggb_and_no_threshold_is_refused_before_running(tmp_path, data_dir, capsys):
    code = main(["explain", str(data_dir / "obama.jpg"), str(data_dir / "obama2.jpg"), "--method", "fggb",
                 "--out", str(tmp_path / "out"), "--device", "cpu", "-q"])
    err = capsys.readouterr().err
    assert code == 2 and "FGGB needs the decision threshold" in err and "Traceback" not in err
    assert not (tmp_path / "out").exists()
