"""The FISWG checklist the examiner fills in, and the conclusion with its sign-off revisions (ACE-V)."""

from __future__ import annotations

import json

import pytest

from fame_desktop.core.evidence.conclusion import Conclusion, ConclusionError, ConclusionRecord
from fame_desktop.core.evidence.fiswg import COMPONENTS, ChecklistError, FiswgChecklist

CASE_A, CASE_B = "a" * 64, "b" * 64


def test_a_new_checklist_is_wholly_unassessed_and_lists_fiswgs_components():
    c = FiswgChecklist()
    assert [i.component for i in c.items] == [k for k, _ in COMPONENTS]
    assert {"eyebrows", "ears", "chin_jawline", "facial_marks", "alterations"} <= {k for k, _ in COMPONENTS}
    assert c.counts() == {"similar": 0, "dissimilar": 0, "not_assessable": 0, "unassessed": len(COMPONENTS)}


def test_the_examiner_assesses_components_and_the_json_round_trips():
    c = FiswgChecklist().assess("nose", "similar", "straight bridge, same tip shape")
    c = c.assess("ears", "not_assessable", "covered by hair").assess("nose", "dissimilar")
    assert c.item("nose").assessment == "dissimilar" and c.item("nose").notes == "straight bridge, same tip shape"
    assert c.counts()["not_assessable"] == 1 and FiswgChecklist().item("nose").assessment is None  # immutable
    assert FiswgChecklist.from_json(json.loads(json.dumps(c.to_json()))) == c


@pytest.mark.parametrize("action, message", [
    (lambda c: c.assess("tattoo", "similar"), "unknown FISWG component"),
    (lambda c: c.assess("nose", "same"), "assessment must be one of"),
    (lambda c: FiswgChecklist.from_json({**c.to_json(), "items": c.to_json()["items"][:-1]}), "each FISWG component"),
    (lambda c: FiswgChecklist.from_json({"format": "x"}), "not a FISWG checklist"),
])
def test_bad_checklist_input_is_refused(action, message):
    with pytest.raises(ChecklistError, match=message):
        action(FiswgChecklist())


def _drafted() -> ConclusionRecord:
    return ConclusionRecord().edit(conclusion=Conclusion("The features compared agree; no differences found.",
                                                         "moderate:Hp"),
                                   examiner="A. Examiner", examiner_date="2025-03-01",
                                   checklist=FiswgChecklist().assess("eyes", "similar"))


def test_sign_off_freezes_a_revision_and_later_edits_make_the_next_one():
    draft = _drafted()
    assert draft.status == "draft" and draft.latest is None
    signed = draft.sign_off(CASE_A, signed_at="2025-03-01T10:00:00+01:00")
    r1 = signed.latest
    assert signed.status == "signed" and r1.number == 1 and r1.case_sha256 == CASE_A
    with pytest.raises(ConclusionError, match="already signed and nothing changed"):
        signed.sign_off(CASE_A)
    edited = signed.edit(conclusion=Conclusion("Revised after the second photograph was enhanced.", "weak:Hp"))
    assert edited.status == "revised" and edited.latest == r1  # the signed revision is untouched
    twice = edited.sign_off(CASE_B)
    assert [r.number for r in twice.revisions] == [1, 2] and twice.revisions[0] == r1
    assert twice.revisions[1].conclusion.verbal == "weak:Hp" and twice.revisions[0].conclusion.verbal == "moderate:Hp"
    with pytest.raises(ConclusionError, match="signed revisions never change"):
        twice.edit(revisions=())


@pytest.mark.parametrize("change, message", [
    (dict(examiner=""), "examiner's name"),
    (dict(examiner_date="1 March"), "not a date"),
    (dict(conclusion=Conclusion()), "needs a conclusion"),
])
def test_a_sign_off_needs_examiner_date_and_conclusion(change, message):
    with pytest.raises(ConclusionError, match=message):
        _drafted().edit(**change).sign_off(CASE_A)
    with pytest.raises(ConclusionError, match="SHA-256 of the case content"):
        _drafted().sign_off("not a digest")


def test_verification_is_by_a_second_examiner_of_the_latest_unchanged_revision():
    signed = _drafted().sign_off(CASE_A)
    with pytest.raises(ConclusionError, match="second examiner"):
        signed.verify(" a. examiner ", "2025-03-02", agrees=True)
    with pytest.raises(ConclusionError, match="before the examiner's"):
        signed.verify("B. Reviewer", "2025-02-01", agrees=True)
    verified = signed.verify("B. Reviewer", "2025-03-02", agrees=True, notes="Agree with the analysis.")
    assert verified.latest.verification.reviewer == "B. Reviewer" and verified.latest.sha256 == signed.latest.sha256
    with pytest.raises(ConclusionError, match="verified already"):
        verified.verify("C. Third", "2025-03-03", agrees=False)
    with pytest.raises(ConclusionError, match="sign the new revision"):
        verified.edit(examiner_date="2025-03-04").verify("C. Third", "2025-03-04", agrees=True)
    with pytest.raises(ConclusionError, match="no revision has been signed"):
        _drafted().verify("B. Reviewer", "2025-03-02", agrees=True)
    with pytest.raises(ConclusionError, match="unknown verbal-scale choice"):
        Conclusion("x", "certain")


def test_json_round_trip_and_an_altered_revision_is_refused():
    rec = _drafted().sign_off(CASE_A).verify("B. Reviewer", "2025-03-02", agrees=True)
    rec = rec.edit(conclusion=Conclusion("Draft of revision 2."))
    d = json.loads(json.dumps(rec.to_json()))
    assert d["status"] == "revised" and len(d["revisions"]) == 1
    assert ConclusionRecord.from_json(d) == rec
    d["revisions"][0]["conclusion"]["verbal"] = "strong:Hp"  # someone strengthens the signed conclusion
    with pytest.raises(ConclusionError, match="revision 1 was altered after it was signed"):
        ConclusionRecord.from_json(d)
    with pytest.raises(ConclusionError, match="malformed"):
        ConclusionRecord.from_json({"format": "fame-desktop/conclusion", "format_version": 1, "draft": {}})
