"""The evidence of a face comparison in its session (issue 18), Qt-free.

What the examiner chooses and writes is kept in `Evidence`: the calibration (a verified
.famecal document) and the `ConclusionRecord` (FISWG checklist, conclusion, examiner, signed
revisions and their ACE-V verification). Everything else is derived from the session when
asked for, so it always matches what is shown and cannot drift from it:

    likelihood ratio   the calibration applied to the model's similarity (bounded by ELUB)
    image quality      measured by the task with the similarity (analysis.summary["quality"])
    quality flags      those measures against fixed limits and the calibration's photographs
    facial regions     the current result's maps over the regions of each aligned crop

`content_digest` names what a sign-off signs: the inputs (photographs, faces chosen, model
inputs), the model's weights, the method and its parameters, the raw result, the calibration
and the threshold. Case files store the evidence with the LR stated (`to_json`); reopening
verifies the calibration's digest and model, recomputes the LR from the recomputed score,
checks each signed revision's digest and that the audit log records every sign-off and
verification (`from_json`, `check_evidence_audit`).
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass, field

import numpy as np

from ..core.errors import CaseFileError, FameError
from ..core.evidence.calibration import Calibration, CalibrationError, CaseLR, calibration_bytes, parse_calibration
from ..core.evidence.conclusion import ConclusionError, ConclusionRecord
from ..core.evidence.quality import ImageQuality
from ..core.snapshot import canonical_sha256

FACE_SIDES = ("gallery", "probe")
_LR_EXACT = 1e-9  # the LR is a function of the stored score and calibration: recomputed, it is the same number


@dataclass(frozen=True)
class Evidence:
    """The examiner's evidence choices and record: the calibration (or None) and the conclusion record."""

    calibration: Calibration | None = None
    record: ConclusionRecord = field(default_factory=ConclusionRecord)

    @property
    def empty(self) -> bool:
        return self.calibration is None and self.record == ConclusionRecord()


def calibration_details(cal: Calibration) -> dict:
    """What the audit log records of a calibration chosen."""
    m, p = cal.metrics, cal.doc["pairs"]
    return {"path": cal.path, "sha256": cal.sha256, "description": cal.description, "model": cal.model_key,
            "calibrator": cal.kind, "pairs": f"{p['genuine']} genuine / {p['impostor']} impostor",
            "cllr": m["cllr"], "eer": m["eer"]}


def similarity_of(session) -> float | None:
    """The model's cosine similarity for the current inputs, None before it is computed."""
    a = session.analysis
    return None if a is None or "similarity" not in a.summary else float(a.summary["similarity"])


def likelihood_ratio(session) -> CaseLR | None:
    """The case score through the session's calibration (None without either)."""
    cal, score = session.evidence.calibration, similarity_of(session)
    return None if cal is None or score is None else cal.likelihood_ratio(score)


def qualities(session) -> dict[str, ImageQuality]:
    """{side: ImageQuality} measured with the similarity ({} before it is computed)."""
    q = (session.analysis.summary.get("quality") if session.analysis is not None else None) or {}
    return {side: ImageQuality.from_record(q[side]) for side in FACE_SIDES if side in q}


def region_summary(session):
    """Facial-region shares of the current result's maps (core.evidence.face_regions), None without a result."""
    from ..core.evidence.face_regions import summarise_regions

    result = session.result()
    if result is None or session.stale_reasons(result) or not session.ready:
        return None
    landmarks = {side: session.inputs[side].payload.aligned.landmarks_in_crop() for side in FACE_SIDES}
    return summarise_regions(result.maps(session.map_settings), landmarks)


def content_digest(session) -> str:
    """SHA-256 of what a sign-off signs (module docstring); ConclusionError when there is no current result."""
    try:
        result = session.report_result()
    except FameError as e:
        raise ConclusionError(str(e).replace("nothing to report", "nothing to sign", 1)) from None
    snap = result.snapshot
    cal, t = session.evidence.calibration, session.threshold
    return canonical_sha256({
        "task": snap.task, "method": snap.method, "inputs": [r.__dict__ for r in snap.inputs],
        "model": snap.model_key, "weights_sha256": snap.weights_sha256, "parameters": dict(snap.parameters),
        "raw_sha256": hashlib.sha256(np.ascontiguousarray(result.run.delta, np.float32).tobytes()).hexdigest(),
        "calibration_sha256": None if cal is None else cal.sha256,
        "threshold": None if t is None else {"value": t.value, "source": t.source}})


def signed_content_current(session) -> bool | None:
    """Whether the latest signed revision signs the case as it is now (None: nothing signed)."""
    latest = session.evidence.record.latest
    if latest is None:
        return None
    try:
        return latest.case_sha256 == content_digest(session)
    except ConclusionError:
        return False


def report_facts(session) -> dict:
    """The evidence part of a face report and its manifest (core.evidence.evidence_facts): the LR with its
    calibration, quality, regions, the checklist and the conclusion; and whether the latest sign-off signs
    the case as reported."""
    from ..core.evidence.evidence_facts import evidence_facts

    ev = session.evidence
    facts = evidence_facts(calibration=ev.calibration, score=similarity_of(session), qualities=qualities(session),
                           regions=region_summary(session), checklist=ev.record.checklist, conclusion=ev.record)
    facts["conclusion"]["signs_this_case"] = signed_content_current(session)
    return facts


# --- case files ------------------------------------------------------------------------------------------

def to_json(session) -> dict | None:
    """The "evidence" record of session.json (None when the examiner chose and wrote nothing)."""
    ev = session.evidence
    if ev.empty:
        return None
    lr = likelihood_ratio(session)
    cal = ev.calibration
    return {"calibration": None if cal is None else json.loads(calibration_bytes(cal.doc)),
            "calibration_file": None if cal is None else cal.path,
            "likelihood_ratio": None if lr is None else lr.describe(),
            "conclusion": ev.record.to_json()}


def from_json(d, model_info: dict | None, similarity: float | None, tolerance: float) -> Evidence:
    """The evidence of a case file, verified: the calibration's own digest and model, the stated LR against the
    recomputed `similarity`, every signed revision's digest. CaseFileError with the reason otherwise."""
    if d is None:
        return Evidence()
    if not isinstance(d, dict):
        raise CaseFileError(f"the evidence record is not a record: {type(d).__name__}")
    cal = None
    if d.get("calibration") is not None:
        if not isinstance(d["calibration"], dict):
            raise CaseFileError("the calibration is not a record")
        path = d.get("calibration_file", "")
        if not isinstance(path, str):
            raise CaseFileError("the calibration's file name is not text")
        try:
            cal = parse_calibration(json.dumps(d["calibration"], ensure_ascii=False).encode("utf-8"),
                                    path or "the case's calibration")
            if model_info is None:
                raise CalibrationError("the case's calibration is stored without the model it applies to")
            cal.check_model(model_info)
        except CalibrationError as e:
            raise CaseFileError(str(e)) from None
    _check_lr(d.get("likelihood_ratio"), cal, similarity, tolerance)
    try:
        record = ConclusionRecord.from_json(d.get("conclusion"))
    except ConclusionError as e:
        raise CaseFileError(f"the examiner's conclusion: {e}") from None
    return Evidence(calibration=cal, record=record)


def _check_lr(stated, cal: Calibration | None, similarity: float | None, tolerance: float) -> None:
    """The stated LR is the calibration applied to a score that is the recomputed similarity."""
    if cal is None or similarity is None:
        if stated is not None:
            raise CaseFileError("states a likelihood ratio without a calibration and a score to compute it from")
        return
    if not isinstance(stated, dict):
        raise CaseFileError("holds a calibration and a score but does not state their likelihood ratio")
    score, log10_lr = stated.get("score"), stated.get("log10_lr")
    if not all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)
               for v in (score, log10_lr)):
        raise CaseFileError("the stated likelihood ratio is not a number")
    if abs(score - similarity) > tolerance:
        raise CaseFileError(f"the likelihood ratio is stated for the score {score:.4f}, the score recomputed is "
                            f"{similarity:.4f}")
    expected = cal.likelihood_ratio(score)
    if abs(log10_lr - expected.log10_lr) > _LR_EXACT or (stated.get("verbal") or {}).get("key") != expected.verbal.key:
        raise CaseFileError(f"the stated likelihood ratio (log10 LR {log10_lr:+.3f}) is not what the calibration "
                            f"gives for the score (log10 LR {expected.log10_lr:+.3f})")


def evidence_checks(ev: Evidence) -> dict:
    """What opening checked of the evidence (for the "open case file" entry and the report)."""
    cal = ev.calibration
    return {"calibration_sha256": None if cal is None else cal.sha256,
            "likelihood_ratio": "recomputed" if cal is not None else None,
            "signed_revisions": len(ev.record.revisions)}


def check_evidence_audit(session) -> None:
    """The audit log records loading the calibration kept, each sign-off and each verification as stored."""
    entries, ev = session.audit.entries, session.evidence
    if ev.calibration is not None:
        chosen = [e for e in entries if e.action in ("load calibration", "remove calibration")]
        if not chosen or chosen[-1].action != "load calibration" or chosen[-1].details.get("sha256") != ev.calibration.sha256:
            raise CaseFileError(f"the audit log does not record loading the case's calibration "
                                f"(SHA-256 {ev.calibration.sha256[:12]}…)")
    signed = {e.details.get("revision"): e.details for e in entries if e.action == "sign off conclusion"}
    verified = {e.details.get("revision"): e.details for e in entries if e.action == "verify conclusion"}
    for r in ev.record.revisions:
        logged = signed.get(r.number)
        if logged is None or logged.get("sha256") != r.sha256:
            raise CaseFileError(f"the audit log has no record of signing revision {r.number} of the conclusion as "
                                "stored")
        v = r.verification
        if v is not None:
            logged = verified.get(r.number)
            if logged is None or (logged.get("reviewer"), logged.get("agrees")) != (v.reviewer, v.agrees):
                raise CaseFileError(f"the audit log has no record of the verification of revision {r.number} as "
                                    "stored")
