"""The evidence of a face comparison in the session: calibration and LR, quality, regions, the FISWG
checklist, the conclusion with its signed revisions — logged, saved in case files, checked when reopened
(forged values refused), and printed in the report built from the session."""

from __future__ import annotations

import hashlib
import json

import pypdfium2 as pdfium
import pytest
from case_forgery import edit_session, forge, rechain

from fame_desktop.core.errors import CaseFileError
from fame_desktop.core.evidence.calibration import CalibrationError
from fame_desktop.core.evidence.conclusion import Conclusion, ConclusionError
from fame_desktop.session import evidence
from fame_desktop.session.casefile import open_case, save_case

from evidence_helpers import generated_calibration


def _actions(session) -> list[str]:
    return [e.action for e in session.audit.entries]


def _pdf_text(path) -> str:
    pdf = pdfium.PdfDocument(str(path))
    try:
        return " ".join(" ".join(pdf[i].get_textpage().get_text_range() for i in range(len(pdf))).split())
    finally:
        pdf.close()


def _examined(session, calibration, face_model) -> None:
    """What an examiner does: choose the calibration, assess two components, conclude, sign off."""
    session.set_calibration(calibration, face_model.describe())
    session.assess_component("nose", "similar", "straight bridge")
    session.assess_component("ears", "not_assessable", "covered by hair")
    session.edit_conclusion(conclusion=Conclusion("Agreement in every assessable component.", "moderate:Hp"),
                            examiner="A. Examiner", examiner_date="2025-03-01")
    session.sign_off_conclusion()


@pytest.fixture(scope="module")
def examined_case(tmp_path_factory, _pair_session_master, face_calibration, face_model):
    """(session, path): the explained pair examined (calibration, checklist, signed conclusion) and saved."""
    from fame_desktop.session.model import Session

    s = Session.from_state(_pair_session_master)
    _examined(s, face_calibration, face_model)
    path = tmp_path_factory.mktemp("evidence") / "examined.famecase"
    save_case(s, path)
    return s, path


def test_the_lr_is_the_calibrations_for_the_score_and_the_choice_is_logged(pair_session, face_calibration,
                                                                          face_model):
    s = pair_session
    assert evidence.likelihood_ratio(s) is None  # without a calibration: the cosine only
    s.set_calibration(face_calibration, face_model.describe())
    score = s.analysis.summary["similarity"]
    assert evidence.likelihood_ratio(s) == face_calibration.likelihood_ratio(score)
    entry = s.audit.entries[-1]
    assert entry.action == "load calibration" and entry.details["sha256"] == face_calibration.sha256
    assert entry.details["description"] == "generated frontal pairs"
    s.set_calibration(face_calibration, face_model.describe())  # the same again: nothing new to log
    assert s.audit.entries[-1] is entry
    s.set_calibration(None)
    assert evidence.likelihood_ratio(s) is None and _actions(s)[-1] == "remove calibration"


def test_a_calibration_of_another_model_is_refused_and_a_model_change_removes_it(pair_session, face_calibration,
                                                                                face_model):
    s = pair_session
    info = face_model.describe()
    other = {**info, "provenance": {**info["provenance"], "sha256": "b" * 64}}
    before = len(s.audit.entries)
    with pytest.raises(CalibrationError, match="a calibration holds only for its model"):
        s.set_calibration(face_calibration, other)
    assert s.evidence.calibration is None and len(s.audit.entries) == before
    s.set_calibration(face_calibration, info)
    s.set_model(s.model_key, None, "cuda")  # another device, the same weights: kept
    assert s.evidence.calibration is face_calibration
    s.set_model("adaface", "/nowhere/adaface.ckpt")
    assert s.evidence.calibration is None
    assert _actions(s)[-2:] == ["choose model", "remove calibration"]
    assert s.audit.entries[-1].details["reason"] == "the model was changed"


def test_quality_is_measured_with_the_score(pair_session):
    q = evidence.qualities(pair_session)
    assert set(q) == {"gallery", "probe"}
    assert q["gallery"].inter_eye_px > 50 and abs(q["gallery"].pose.yaw) < 20
    assert q["gallery"].detection_probability > 0.9 and q["gallery"].embedding_norm is None  # not AdaFace


def test_regions_follow_the_result(pair_session):
    summary = evidence.region_summary(pair_session)
    assert set(summary.shares) == set(pair_session.result().keys)
    pair_session.set_map_settings(pair_session.map_settings.__class__(blur_kernel=0, blur_sigma=1.0))
    assert evidence.region_summary(pair_session).shares != summary.shares  # other maps, other shares


def test_checklist_conclusion_sign_off_revision_and_verification(pair_session):
    s = pair_session
    s.edit_conclusion(examiner="A. Examiner", examiner_date="2025-03-01")
    with pytest.raises(ConclusionError, match="needs a conclusion"):
        s.sign_off_conclusion()
    s.assess_component("eyes", "similar")
    s.edit_conclusion(conclusion=Conclusion("Same person, moderately.", "moderate:Hp"))
    s.sign_off_conclusion()
    r1 = s.evidence.record.latest
    assert r1.number == 1 and r1.case_sha256 == evidence.content_digest(s)
    assert evidence.signed_content_current(s) is True
    with pytest.raises(ConclusionError, match="already signed"):
        s.sign_off_conclusion()
    s.edit_conclusion(conclusion=Conclusion("Same person, moderately; ears not visible.", "moderate:Hp"))
    assert s.evidence.record.status == "revised" and s.evidence.record.revisions == (r1,)  # revision 1 unchanged
    s.sign_off_conclusion()
    s.verify_conclusion("B. Reviewer", "2025-03-02", True)
    acts = _actions(s)
    assert acts.count("sign off conclusion") == 2 and acts[-1] == "verify conclusion"
    assert [e.details["revision"] for e in s.audit.entries if e.action == "sign off conclusion"] == [1, 2]
    assert "assess FISWG component" in acts and "edit conclusion" in acts
    from fame_desktop.session.audit import Threshold

    s.set_threshold(Threshold(0.5, "another source"))  # the signed content changed
    assert evidence.signed_content_current(s) is False


def test_sign_off_needs_a_current_result(face_inputs, face_model):
    from dataclasses import replace

    from fame_desktop.session.model import Session
    from fame_desktop.tasks import default_registry
    from fame_desktop.tasks.face_verification import face_prepared_input

    s = Session(default_registry().get("face-verification"), model_key="arcface-mbf")
    s.set_input(face_prepared_input(replace(face_inputs["obama"], role="gallery")))
    s.edit_conclusion(conclusion=Conclusion("x"), examiner="A. Examiner", examiner_date="2025-03-01")
    with pytest.raises(ConclusionError, match="nothing to sign"):
        s.sign_off_conclusion()


def test_other_tasks_keep_no_evidence():
    from fame_desktop.session.model import Session
    from fame_desktop.tasks import default_registry

    s = Session(default_registry().get("imagenet-classification"))
    with pytest.raises(ValueError, match="keeps no evidence record"):
        s.assess_component("nose", "similar")


def test_the_evidence_survives_the_case_file(examined_case):
    before, path = examined_case
    after, notes = open_case(path)
    assert after.evidence == before.evidence
    assert evidence.likelihood_ratio(after).log10_lr == pytest.approx(evidence.likelihood_ratio(before).log10_lr,
                                                                      abs=1e-6)
    assert evidence.signed_content_current(after) is True  # the reopened case is the content signed
    doc = json.loads(__import__("zipfile").ZipFile(path).read("session.json"))
    assert doc["evidence"]["calibration"]["sha256"] == before.evidence.calibration.sha256
    assert doc["evidence"]["conclusion"]["revisions"][0]["examiner"] == "A. Examiner"


def test_a_case_without_evidence_stores_none(tmp_path, pair_session):
    save_case(pair_session, tmp_path / "plain.famecase")
    doc = json.loads(__import__("zipfile").ZipFile(tmp_path / "plain.famecase").read("session.json"))
    assert doc["evidence"] is None
    assert open_case(tmp_path / "plain.famecase")[0].evidence == pair_session.evidence


def _calibration_digest(cal: dict) -> str:
    body = {k: v for k, v in cal.items() if k != "sha256"}
    return hashlib.sha256(json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                                     allow_nan=False).encode()).hexdigest()


def _forged_lr(doc):
    doc["evidence"]["likelihood_ratio"]["log10_lr"] += 2
    doc["evidence"]["likelihood_ratio"]["lr"] *= 100


def _forged_calibration_kept_digest(doc):
    doc["evidence"]["calibration"]["calibrator"]["intercept"] += 3


def _forged_calibration_redigested(doc):
    """A careful forger: a weaker calibrator with its digest recomputed, the log's record of it updated."""
    cal = doc["evidence"]["calibration"]
    cal["calibrator"]["intercept"] -= 10
    old, cal["sha256"] = cal["sha256"], _calibration_digest(cal)
    for e in doc["audit"]:
        if e["details"].get("sha256") == old:
            e["details"]["sha256"] = cal["sha256"]
    rechain(doc)


def _calibration_of_another_model(doc):
    cal = doc["evidence"]["calibration"]
    cal["model"]["weights_sha256"] = "b" * 64
    cal["sha256"] = _calibration_digest(cal)


def _revision_text(doc):
    doc["evidence"]["conclusion"]["revisions"][0]["conclusion"]["text"] = "Different people."


def _revision_rehashed(doc):
    """The revision's text changed and its own digest recomputed (the audit log still names the signed one)."""
    conclusion = doc["evidence"]["conclusion"]
    conclusion["revisions"][0]["conclusion"]["text"] = "Different people."
    r = conclusion["revisions"][0]
    content = {k: r[k] for k in ("number", "conclusion", "checklist", "examiner", "examiner_date", "signed_at",
                                 "case_sha256")}
    r["sha256"] = hashlib.sha256(json.dumps(content, sort_keys=True, separators=(",", ":"),
                                            ensure_ascii=False).encode()).hexdigest()


def _lr_without_calibration(doc):
    doc["evidence"]["calibration"] = None


@pytest.mark.parametrize("change, reason", [
    (_forged_lr, "the stated likelihood ratio .* is not what the calibration gives"),
    (_forged_calibration_kept_digest, "altered or damaged \\(its content does not match its SHA-256\\)"),
    (_forged_calibration_redigested, "the stated likelihood ratio .* is not what the calibration gives"),
    (_calibration_of_another_model, "a calibration holds only for its model"),
    (_revision_text, "revision 1 was altered after it was signed"),
    (_revision_rehashed, "the audit log has no record of signing revision 1"),
    (_lr_without_calibration, "states a likelihood ratio without a calibration"),
])
def test_forged_evidence_is_refused_on_opening(examined_case, tmp_path, change, reason):
    _, path = examined_case
    with pytest.raises(CaseFileError, match=reason):
        open_case(forge(path, tmp_path / "forged.famecase", edit_session(change)))


def test_a_signed_case_with_evidence_verifies_and_its_evidence_cannot_be_edited(examined_case, tmp_path):
    from fame_desktop.session.casefile import case_file_status, opened_text
    from fame_desktop.session.signing import generate_key_pair, load_signing_key

    session, _ = examined_case
    keys = generate_key_pair(tmp_path / "examiner")
    signed = tmp_path / "signed.famecase"
    info = save_case(session.__class__.from_state(session), signed, signer=load_signing_key(keys.private))
    fp = keys.fingerprint
    assert info.saved_text() == (f"Saved signed.famecase (SHA-256 {info.sha256[:16]}…, {info.size / 1e6:.1f} MB, "
                                 f"signed, key {fp[:4]} {fp[4:8]} …)")
    reopened, _ = open_case(signed)
    assert case_file_status(reopened)["signature"]["fingerprint"] == keys.fingerprint
    assert opened_text(reopened, "signed.famecase").startswith("Opened signed.famecase (saved 20")
    assert opened_text(reopened, "x").endswith(" — signed — results restored without running again")
    assert reopened.evidence == session.evidence
    with pytest.raises(CaseFileError, match="signature"):
        open_case(forge(signed, tmp_path / "edited.famecase", edit_session(_forged_lr)))


def test_the_report_states_the_evidence(examined_case, tmp_path):
    from fame_desktop.core.evidence.evidence_facts import lr_text
    from fame_desktop.report import write_report

    session, path = examined_case
    reopened, _ = open_case(path)
    out = write_report(reopened, tmp_path / "r.pdf", exports=True)
    text = _pdf_text(out.pdf)
    lr = evidence.likelihood_ratio(reopened)
    for expected in (f"LR = {lr_text(lr.lr)}", "generated frontal pairs", "Evidential value of the score",
                     "Tippett plot", "Image quality", "Facial regions of the maps", "FISWG component comparison",
                     "straight bridge", "covered by hair", "Conclusion and signatures", "Revision 1",
                     "Agreement in every assessable component.", "revision 1 signed by A. Examiner on 2025-03-01",
                     "load calibration", "sign off conclusion"):
        assert expected in text, expected
    assert "signed other case content" not in text
    manifest = json.loads((out.exports / "manifest.json").read_text())
    assert manifest["evidence"]["calibrated_score"]["log10_lr"] == lr.log10_lr
    assert manifest["evidence"]["conclusion"]["signs_this_case"] is True


def test_a_report_without_a_calibration_states_no_lr(pair_session, tmp_path):
    from fame_desktop.report import write_report

    text = _pdf_text(write_report(pair_session, tmp_path / "plain.pdf", exports=False).pdf)
    assert "Likelihood ratio" not in text and "Image quality" in text and "Examiner's conclusion not signed" in text


def test_a_second_calibration_of_the_same_model_replaces_the_first(pair_session, face_calibration, face_model):
    other = generated_calibration(face_model.describe(), "another population", seed=1)
    pair_session.set_calibration(face_calibration, face_model.describe())
    pair_session.set_calibration(other, face_model.describe())
    assert pair_session.evidence.calibration is other
    assert [e.details["description"] for e in pair_session.audit.entries if e.action == "load calibration"] == \
        ["generated frontal pairs", "another population"]
