"""The comparison session: inputs, parameters and results all land in the append-only audit log."""

from dataclasses import replace
from datetime import datetime

import pytest

from fame_desktop.core.fame import FameParams
from fame_desktop.session.audit import AuditLog, ComparisonSession, Threshold


def test_session_records_every_step(face_inputs):
    s = ComparisonSession()
    g, p = face_inputs["obama"], face_inputs["obama2"]
    s.set_input(g)
    assert not s.ready
    s.set_input(replace(p, role="probe"))
    assert s.ready and s.probe.image.sha256 == p.image.sha256
    s.set_parameters(FameParams(iterations=10))
    s.set_parameters(FameParams(iterations=10))  # unchanged: not logged again
    s.set_threshold(Threshold(0.3, "examiner's choice for this demo"))
    s.set_case(case_id="C-1", notes="first look")
    actions = [e.action for e in s.audit.entries]
    assert actions == ["load gallery", "use face", "load probe", "use face", "set FAME parameters", "set threshold",
                       "edit case details"]
    assert s.audit.entries[0].details["sha256"] == g.image.sha256
    assert s.audit.entries[1].details["face"] == 1  # the number the user sees (1 = largest)
    assert datetime.fromisoformat(s.audit.entries[0].time).tzinfo is not None
    assert AuditLog.from_list(s.audit.to_list()).to_list() == s.audit.to_list()


def test_threshold_needs_a_source_and_a_cosine_range():
    with pytest.raises(ValueError, match="source"):
        Threshold(0.3, " ")
    with pytest.raises(ValueError, match="-1, 1"):
        Threshold(1.5, "x")


def test_clearing_a_slot_drops_the_result_and_is_logged(face_inputs):
    s = ComparisonSession()
    s.set_input(face_inputs["obama"])
    s.clear_input("gallery", "no face found", file="grey.png")
    assert s.gallery is None and s.explanation is None
    e = s.audit.entries[-1]
    assert e.action == "clear gallery"
    assert e.details == {"reason": "no face found", "previous_sha256": face_inputs["obama"].image.sha256,
                         "file": "grey.png"}
    with pytest.raises(ValueError, match="role"):
        s.clear_input("suspect", "x")


def test_frozen_copy_is_not_changed_by_later_edits(pair_session, face_inputs):
    from dataclasses import replace

    s = pair_session
    s.view["colour_map"] = "inferno"
    snap = s.frozen_copy()
    n = len(snap.audit)
    s.set_case(case_id="changed", notes="later")
    s.view["colour_map"] = "jet"
    s.set_input(replace(face_inputs["biden"], role="probe"))
    s.audit.record("something later")
    assert snap.case.case_id == "2024-FR-0173" and snap.view["colour_map"] == "inferno"
    assert snap.probe.image.sha256 != s.probe.image.sha256 and snap.explanation is not None
    assert len(snap.audit) == n
    snap.audit.record("write report")  # and the other way round
    assert s.audit.entries[-1].action == "something later"


def _explained(s, face_model, params=FameParams(iterations=2, epsilon=0.0)):
    from fame_desktop.core.verification import explain_pair

    snapshot = s.run_snapshot(face_model.describe(), params)
    return explain_pair(face_model, s.gallery.crop, s.probe.crop, params), snapshot


def test_a_result_is_accepted_only_for_the_inputs_it_was_computed_from(face_inputs, face_model):
    s = ComparisonSession()
    s.set_input(face_inputs["obama"])
    s.set_input(replace(face_inputs["obama2"], role="probe"))
    explanation, snapshot = _explained(s, face_model)
    s.set_photo("probe", face_inputs["biden"].image)  # a new probe arrives while the run goes on
    s.set_input(replace(face_inputs["biden"], role="probe"))
    assert not s.set_explanation(explanation, face_model.describe(), snapshot)
    assert s.explanation is None
    last = s.audit.entries[-1]
    assert last.action == "FAME result discarded" and "the probe photograph" in last.details["reason"]
    assert last.details["snapshot"] == snapshot.digest()
    # the same result for the inputs it was computed from is accepted, with its snapshot
    s.set_input(replace(face_inputs["obama2"], role="probe"))
    assert s.set_explanation(explanation, face_model.describe(), snapshot)
    assert s.explanation.snapshot == snapshot
    finished = s.audit.entries[-1]
    assert finished.action == "FAME run finished"
    assert finished.details["probe_sha256"] == face_inputs["obama2"].image.sha256


def test_another_face_or_another_model_makes_a_result_stale(face_inputs, face_model):
    s = ComparisonSession()
    s.set_input(face_inputs["obama"])
    s.set_input(replace(face_inputs["obama2"], role="probe"))
    explanation, snapshot = _explained(s, face_model)
    moved = face_inputs["obama2"].face.landmarks + 3.0  # the same photograph, landmarks placed by hand
    from fame_desktop.core.pipeline import build_face_input

    s.set_input(build_face_input(face_inputs["obama2"].image, (), "probe", landmarks=moved))
    assert s.stale_reasons(snapshot) == ["the face chosen in the probe photograph"]
    s.set_input(replace(face_inputs["obama2"], role="probe"))
    s.set_model("adaface-ir18", "/tmp/x.ckpt", "cpu")
    assert s.stale_reasons(snapshot) == ["the face model"]


def test_reports_and_case_files_refuse_a_result_of_other_inputs(pair_session, face_inputs, tmp_path):
    from fame_desktop.session.casefile import save_case
    from fame_desktop.core.errors import CaseFileError, ExportError
    from fame_desktop.report import write_report

    s = pair_session
    s.inputs["probe"] = replace(face_inputs["biden"], role="probe")  # bypassing the setters: a bug elsewhere
    with pytest.raises(ExportError, match="computed for other inputs.*probe photograph"):
        write_report(s, tmp_path / "r.pdf")
    with pytest.raises(CaseFileError, match="computed for other inputs.*probe photograph"):
        save_case(s, tmp_path / "c.famecase")
    assert not list(tmp_path.iterdir())


def test_the_load_is_logged_when_the_photograph_is_read_before_its_face(face_inputs):
    s = ComparisonSession()
    s.set_photo("probe", face_inputs["biden"].image)
    assert s.audit.entries[-1].action == "load probe" and s.probe is None and not s.ready
    s.set_input(replace(face_inputs["biden"], role="probe"))
    assert [e.action for e in s.audit.entries] == ["load probe", "use face"]  # not a second "load"
