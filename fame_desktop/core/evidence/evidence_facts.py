"""What the console and the report state about a score's evidential value, image quality, regions and
the examiner's work — JSON-ready facts, nothing drawn (report/evidence_section.py draws them).

    facts = evidence_facts(calibration=cal, score=s, qualities={"gallery": qg, "probe": qp},
                           regions=summary, checklist=checklist, conclusion=record)

Every part is optional; a report states only what the case has. Without a calibration there
is no LR, only the cosine (and the report's limitation statement says why).
"""

from __future__ import annotations

import math

from .calibration import Calibration
from .conclusion import ConclusionRecord
from .face_regions import RegionSummary
from .fiswg import FiswgChecklist
from .quality import MEASURES, ImageQuality, quality_flags

CALIBRATION_CAVEATS = (
    "The likelihood ratio compares how probable this score is among pairs of the same person and among pairs of "
    "different people in the calibration set named here. It holds for the case only as far as that set's "
    "population, image conditions and model match the case's: an examiner judges that relevance.",
    "ELUB bounds cap the LR at what the calibration set's size and results can support; a larger LR would "
    "extrapolate beyond the data.",
    "A cosine score by itself is not a likelihood ratio: its value depends on the model and the conditions; "
    "only a calibration on relevant data turns it into a statement of evidential strength.",
)


def log10_text(x: float) -> str:
    """'+2.18'; an unbounded LR as '+∞' or '−∞'."""
    return f"{x:+.2f}" if math.isfinite(x) else ("+∞" if x > 0 else "−∞")


def lr_text(lr_value: float) -> str:
    """An LR for people: 3 significant digits, thousands separated, reciprocal below 1 ("1,510", "1/250")."""
    if lr_value < 1:
        return f"1/{lr_text(1 / lr_value)}"
    if lr_value < 100:
        return f"{lr_value:.3g}"
    if lr_value < 1e7:
        return f"{float(f'{lr_value:.3g}'):,.0f}"
    return f"{lr_value:.2e}"


def score_lines(cal: Calibration, score: float) -> list[str]:
    """The console statement of a case score through a calibration (`fame explain --calibration`)."""
    lr = cal.likelihood_ratio(score)
    bound = ""
    if lr.bound:
        bound = (f"; capped at the ELUB {lr.bound} bound, the calibrator alone gives log10 LR "
                 f"{log10_text(lr.unbounded_log10_lr)}")
    return [f"calibration: {cal.summary()}",
            f"likelihood ratio LR = {lr_text(lr.lr)} (log10 LR {log10_text(lr.log10_lr)}{bound})",
            f"verbal equivalent (ENFSI): {lr.verbal.text}"]


def calibrated_score_facts(cal: Calibration, score: float) -> dict:
    lr = cal.likelihood_ratio(score)
    d = cal.doc
    return {
        **lr.describe(),
        "lr_text": lr_text(lr.lr),
        "calibration": {"description": cal.description, "sha256": cal.sha256, "path": cal.path,
                        "created": d["created"], "model": d["model"], "calibrator": cal.kind,
                        "calibrator_method": d["calibrator"]["method"], "pairs": d["pairs"],
                        "dataset": d["dataset"], "metrics": d["metrics"], "elub": d["elub"],
                        "software": d.get("software", {})},
        "tippett": {**cal.tippett(), "case_log10_lr": lr.log10_lr},
        "histograms": {**cal.histograms(), "case_score": float(score)},
        "caveats": list(CALIBRATION_CAVEATS),
    }


def quality_facts(qualities: dict[str, ImageQuality], cal: Calibration | None = None) -> dict:
    """{side: {"measures", "flags"}}, flags against the fixed limits and the calibration's photographs."""
    ranges = cal.doc.get("quality_ranges") if cal is not None else None
    source = f"calibration “{cal.description}” (SHA-256 {cal.sha256[:12]}…)" if cal is not None else ""
    return {"measures": {k: {"label": v[0], "unit": v[1]} for k, v in MEASURES.items()},
            **{side: {"values": q.describe(), "flags": [f.describe() for f in quality_flags(q, ranges, source)]}
               for side, q in qualities.items()}}


def evidence_facts(*, calibration: Calibration | None = None, score: float | None = None,
                   qualities: dict[str, ImageQuality] | None = None, regions: RegionSummary | None = None,
                   checklist: FiswgChecklist | None = None, conclusion: ConclusionRecord | None = None) -> dict:
    """The evidence part of a report, with only the parts given (see the module docstring)."""
    facts: dict = {}
    if calibration is not None and score is not None:
        facts["calibrated_score"] = calibrated_score_facts(calibration, score)
    if qualities:
        facts["quality"] = quality_facts(qualities, calibration)
    if regions is not None:
        facts["regions"] = regions.describe()
    if checklist is not None:
        facts["checklist"] = checklist.to_json()
    if conclusion is not None:
        facts["conclusion"] = conclusion.to_json()
    return facts
