"""The comparison session: inputs, parameters and results all land in the append-only audit log."""

from dataclasses import replace
from datetime import datetime

import pytest

from fame_desktop.core.fame import FameParams
from fame_desktop.core.session import AuditLog, ComparisonSession, Threshold


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
    assert actions == ["load gallery", "load probe", "set FAME parameters", "set threshold", "edit case details"]
    assert s.audit.entries[0].details["sha256"] == g.image.sha256
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


def test_snapshot_is_not_changed_by_later_edits(pair_session, face_inputs):
    from dataclasses import replace

    s = pair_session
    s.view["colour_map"] = "inferno"
    snap = s.snapshot()
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
