"""CAM methods through the one path every method takes: `fame run --method`, its output folder, the
case file (saved, then opened and checked by the method's check_run), the report; and the
parameters a form or the command line gives."""

from __future__ import annotations

import json

import numpy as np
import pytest

from fame_desktop.cli import main
from fame_desktop.methods.cam import ALGORITHMS_BY_KEY, CamMethod, CamParams
from fame_desktop.methods.fdcam import FdCamMethod, FdCamParams
from method_helpers import IMAGENET


def test_fame_run_with_a_cam_writes_folder_case_and_report_and_the_case_reopens(tmp_path, capsys):
    from fame_desktop.session.casefile import open_case

    out, case, report = tmp_path / "out", tmp_path / "c.famecase", tmp_path / "r.pdf"
    code = main(["run", "imagenet-classification", str(IMAGENET / "chelsea.jpg"), "--method", "hirescam",
                 "--out", str(out), "--case", str(case), "--report", str(report), "--device", "cpu", "-q"])
    assert code == 0, capsys.readouterr().err
    assert np.load(out / "maps" / "class_285.npy").shape == (224, 224)
    assert report.stat().st_size > 10_000
    session, _notes = open_case(case)
    (result,) = session.results.values()
    assert result.method.key == "hirescam" and result.run.params.describe()["layer"] == "_blocks.15"
    assert result.maps()["class_285"].max() == 1.0  # opening ran HiResCAM's check_run: the map computed again


def test_a_tampered_cam_map_is_found_when_the_case_is_checked(chelsea):
    from fame_desktop.core.errors import FameError

    m = CamMethod(ALGORITHMS_BY_KEY["gradcam"])
    req, result = chelsea.run(m)
    assert m.check_run(req.job, result.run, 1e-4) < 1e-4
    run = result.run
    bad = type(run)(**{**run.__dict__, "delta": run.delta * np.linspace(0.5, 1.5, 224, dtype=np.float32)})
    with pytest.raises(FameError, match="differ from the maps computed again"):
        m.check_run(req.job, bad, 1e-4)
    bad = type(run)(**{**run.__dict__, "initial_score": run.initial_score + 0.1})
    with pytest.raises(FameError, match="stored score"):
        m.check_run(req.job, bad, 1e-4)


def test_parameters_from_a_form_or_the_command_line():
    grad = CamMethod(ALGORITHMS_BY_KEY["gradcam"])
    assert [s.key for s in grad.param_specs(None)] == ["layer"]
    assert grad.params_from(None, {"layer": "layer4"}) == CamParams("gradcam", layer="layer4")
    assert grad.params_from(None, {"layer": ""}) == CamParams("gradcam")
    score = CamMethod(ALGORITHMS_BY_KEY["scorecam"])
    assert score.params_from(None, {"batch_size": "8"}).batch_size == 8
    with pytest.raises(ValueError, match="must be ≥ 1"):
        score.params_from(None, {"batch_size": 0})
    with pytest.raises(ValueError, match="unknown parameter 'sigma'"):
        score.params_from(None, {"sigma": 3})
    assert CamMethod(ALGORITHMS_BY_KEY["fullgrad"]).param_specs(None) == []
    fd = FdCamMethod()
    assert fd.params_from(None, {"group_percent": 10, "layer": ""}) == FdCamParams(group_fraction=0.1)
    record = json.loads(json.dumps(fd.params_from(None, {}).__dict__))  # as a case file keeps it
    assert fd.params_from_record(None, record) == FdCamParams()
