"""The evidence section of a report: facts are JSON, the PDF states the LR, Cllr, verbal equivalent, the
Tippett plot and histograms as text and vector drawings, quality, regions, the checklist and the signatures."""

from __future__ import annotations

import io
import json

import numpy as np
import pypdfium2 as pdfium
import pytest
from reportlab.platypus import SimpleDocTemplate

from fame_desktop.core.evidence.calibration import calibration_bytes, parse_calibration
from fame_desktop.core.evidence.calibration_fit import calibration_document, fit_calibration
from fame_desktop.core.evidence.conclusion import Conclusion, ConclusionRecord
from fame_desktop.core.evidence.evidence_facts import evidence_facts, lr_text, score_lines
from fame_desktop.core.evidence.face_regions import summarise_regions
from fame_desktop.core.evidence.fiswg import FiswgChecklist
from fame_desktop.core.evidence.quality import measure_quality
from fame_desktop.report.evidence_section import evidence_flowables
from fame_desktop.report.layout import MARGIN, PAGE, register_fonts


@pytest.fixture(scope="module")
def calibration():
    rng = np.random.default_rng(0)
    fitted = fit_calibration(rng.normal(0.55, 0.12, 600), rng.normal(0.05, 0.1, 600), "logistic")
    doc = calibration_document(fitted, created="2025-01-01T00:00:00+00:00",
                               model={"key": "arcface-mbf", "name": "x", "weights_sha256": "a" * 64},
                               alignment={}, dataset={"description": "generated frontal pairs"},
                               pairs={"listed": 1200, "scored": 1200, "genuine": 600, "impostor": 600, "failed": 0,
                                      "failures_by_kind": {}, "failures": []},
                               quality_ranges={"inter_eye_px": {"p01": 30.0, "p05": 35, "p50": 50, "p95": 80,
                                                                "p99": 90.0, "n": 1200}})
    return parse_calibration(calibration_bytes(doc), "generated.famecal")


def pdf_text(flowables) -> tuple[str, int]:
    register_fonts()
    buf = io.BytesIO()
    SimpleDocTemplate(buf, pagesize=PAGE, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=MARGIN,
                      bottomMargin=MARGIN).build(flowables)
    pdf = pdfium.PdfDocument(buf.getvalue())
    try:
        return "\n".join(pdf[i].get_textpage().get_text_range() for i in range(len(pdf))), len(pdf)
    finally:
        pdf.close()


def test_every_part_is_in_the_facts_and_the_pdf(pair_session, calibration, face_model):
    s = pair_session
    score = s.analysis.summary["similarity"]
    faces = {r: s.inputs[r].payload for r in ("gallery", "probe")}
    regions = summarise_regions(s.result().maps(s.map_settings),
                                {r: f.aligned.landmarks_in_crop() for r, f in faces.items()})
    checklist = FiswgChecklist().assess("nose", "similar", "straight bridge <b>")
    record = ConclusionRecord().edit(conclusion=Conclusion("Agreement in all assessable components.", "moderate:Hp"),
                                     examiner="A. Examiner", examiner_date="2025-03-01",
                                     checklist=checklist).sign_off("c" * 64)
    facts = evidence_facts(calibration=calibration, score=score,
                           qualities={r: measure_quality(f, face_model) for r, f in faces.items()},
                           regions=regions, checklist=checklist, conclusion=record)
    json.dumps(facts, allow_nan=False)  # JSON-ready, for manifests and case files
    lr = calibration.likelihood_ratio(score)
    f = facts["calibrated_score"]
    assert f["log10_lr"] == lr.log10_lr and f["verbal"]["text"] == lr.verbal.text
    assert f["tippett"]["case_log10_lr"] == lr.log10_lr and f["histograms"]["case_score"] == score
    # obama's eyes are 107 px apart: above the calibration photographs' 99th percentile (90 px)
    assert any("above the 99th percentile" in fl["text"] for fl in facts["quality"]["gallery"]["flags"])

    text, pages = pdf_text(evidence_flowables(facts))
    flat = " ".join(text.split())
    for expected in (f"LR = {lr_text(lr.lr)}", f"log10 LR {lr.log10_lr:+.2f}", "Cllr", "Cllr_min", "EER",
                     lr.verbal.text, "generated frontal pairs", calibration.sha256,
                     "Tippett plot: share of pairs with log10 LR ≥ x", "Score distributions", "genuine (same person)",
                     "Image quality", "inter-eye distance", "Facial regions of the maps", "eyes and brows",
                     "FISWG component comparison", "straight bridge <b>", "not yet assessed",
                     "Conclusion and signatures", "Revision 1", "not yet verified", "Examiner signature"):
        assert expected in flat, expected
    assert pages >= 3


def test_only_the_parts_given_are_reported(calibration):
    facts = evidence_facts(checklist=FiswgChecklist())
    assert set(facts) == {"checklist"}
    text, _ = pdf_text(evidence_flowables(facts))
    assert "FISWG component comparison" in text and "Likelihood ratio" not in text
    assert evidence_facts(calibration=calibration) == {}  # no score, no LR


def test_console_lines_of_a_case_score(calibration):
    lines = score_lines(calibration, 0.99)
    assert lines[0].startswith("calibration: generated frontal pairs (600 genuine / 600 impostor pairs, logistic; Cllr")
    assert "capped at the ELUB upper bound" in lines[1] and lines[2].startswith("verbal equivalent (ENFSI): ")
