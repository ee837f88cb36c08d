"""Everything a report states, as one JSON-ready document built from a session.

The PDF renders this document and the export manifest stores it, so the two cannot
disagree. Nothing here draws or writes.
"""

from __future__ import annotations

import math
import uuid
from dataclasses import asdict

import numpy as np

from .. import __version__
from ..session.signing import signature_text
from ..session.casefile import case_file_status
from ..core.environment import versions
from ..core.errors import ExportError
from ..core.images import sha256_bytes
from ..core.io_utils import npy_bytes
from ..core.overlay import COLOUR_MAPS
from ..session.audit import now_iso
from ..session.evidence import report_facts as evidence_report_facts
from ..core.verification import split_key

FORMAT = "fame-desktop/report"
FORMAT_VERSION = 1

LIMITATIONS = (
    "The maps explain the behaviour of the face recognition model named in this report on these two "
    "images: which pixels carry its similarity score (e+) and which speak against it (e−). They do not "
    "show which features identify a person, and they are not evidence of identity or non-identity.",
    "The similarity score is the cosine of the angle between the two embeddings (−1 to 1). It is not a "
    "probability and not a likelihood ratio: its evidential value depends on the model, the image "
    "conditions and a calibration on relevant reference data, none of which this report provides.",
    "A threshold, where one is stated, is a decision rule whose validity depends on its source; the "
    "score being above or below it is the model's decision at that threshold, not a conclusion.",
    "The analysis ran on the aligned 112 × 112 crops shown; details outside them, or lost in the "
    "downscaling, played no part. The original files were not altered (see their SHA-256 values).",
    "FAME maps depend on the parameters listed (step size, iterations, early stopping, blur); a map "
    "whose optimisation stopped at once is empty, and the early-stopping threshold ε can cause that.",
)
CALIBRATED_SCORE_LIMITATION = (  # replaces the second limitation when the report states an LR
    "The similarity score is the cosine of the angle between the two embeddings (−1 to 1). It is not a "
    "probability and not a likelihood ratio by itself: the likelihood ratio stated is the score calibrated on "
    "the reference pairs named under “Evidential value of the score”, and it holds for this case only as far "
    "as those pairs resemble the case's images and population — a judgement this report leaves to the examiner.")

# docs/performance.md §2 (bench_adaptive.py --replay: 44 maps of 11 hard pairs, δ 0.0005, k 30, T 500)
FAST_PRESET_NOTE = (
    "The maps come from the Fast preset: each map stopped once it no longer changed (adaptive stopping), "
    "so they approximate the maps of the Reference preset (500 iterations each, the published method). On "
    "the project's hard test pairs (occlusion, pose, low resolution, impostors; 44 maps) Fast maps agree with "
    "the Reference maps at Pearson r 0.992 on average and 0.968 at worst, in about 42 % of the time "
    "(docs/performance.md, section 2); each map's own estimate is given with it. Run the Reference preset "
    "for maps that must match the published method exactly.")


def new_report_id() -> str:
    """Unique per report document: 'FR-' and 16 hex digits of a random UUID."""
    return "FR-" + uuid.uuid4().hex[:16].upper()


def npy_sha256(a: np.ndarray) -> str:
    """SHA-256 of the float32 .npy file of an array, as written to the exports (check with sha256sum)."""
    return sha256_bytes(npy_bytes(np.asarray(a, dtype=np.float32)))


def _threshold(session, score: float) -> dict | None:
    t = session.threshold
    if t is None:
        return None
    return {"value": t.value, "source": t.source, "score_at_or_above": bool(score >= t.value)}


def _maps(session, result) -> dict:
    maps = result.maps(session.map_settings)
    per = {k: {n: (None if isinstance(v, float) and not math.isfinite(v) else v) for n, v in d.items()}
           for k, d in result.per_target().items()}  # JSON has no NaN
    agreement = result.measurements.get("agreement_with_reference", {})
    return {
        k: {"iterations": per[k]["iterations"], "stop_reason": per[k]["stop_reason"], "agreement": agreement.get(k),
            "initial_loss": per[k]["initial_loss"], "final_loss": per[k]["final_loss"],
            "final_similarity": per[k]["final_score"], "side": split_key(k)[0], "kind": split_key(k)[1],
            "raw_npy_sha256": npy_sha256(result.delta(k)), "map_npy_sha256": npy_sha256(maps[k]),
            "raw_delta_max_abs": float(np.abs(result.delta(k)).max()), "empty": bool(maps[k].max() <= 0)}
        for k in result.keys
    }


def _case_file(session) -> dict | None:
    """The case file the session was last opened from or saved to, with its signature status in words."""
    status = case_file_status(session)
    return None if status is None else {**status, "signature_text": signature_text(status["signature"])}


def check_display(display: dict) -> dict:
    """The overlays' colour map and opacity, checked."""
    cmap, opacity = display["colour_map"], float(display["opacity"])
    if cmap not in COLOUR_MAPS:
        raise ExportError(f"unknown colour map {cmap!r}; choose one of {', '.join(COLOUR_MAPS)}")
    if not 0.0 < opacity <= 1.0:
        raise ExportError(f"overlay opacity must be in (0, 1], got {opacity}")
    return {"colour_map": cmap, "opacity": opacity}


def common_facts(session, result, display: dict, report_id: str | None = None, generated: str | None = None) -> dict:
    """What every report states, whatever the task: case, inputs' provenance, model, software, run, audit."""
    env = result.environment or {}
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "report_id": report_id or new_report_id(),
        "generated": generated or now_iso(),
        "generated_by": {"app": __version__, **{k: v for k, v in versions("-").items() if k != "device"}},
        "task": {"key": session.task.key, "title": session.task.title},
        "method": result.method.describe(),
        "case": asdict(session.case),
        "session_created": session.created,
        "case_file": _case_file(session),
        "model": dict(result.model),
        "device": env.get("device") or result.model.get("device") or session.device,
        "environment": result.environment,
        "parameters": {
            result.method.key: result.run.params.describe(),  # the method's, as result.json keeps them
            "maps": session.map_settings.describe(),
            "options": {k: (v if isinstance(v, (int, float, bool)) or v is None else str(v))
                        for k, v in result.options.items()},
            "display": check_display(display),
        },
        "fame_run": {"cancelled": bool(result.run.cancelled), "elapsed_s": round(float(result.run.elapsed), 3),
                     "batch_order": list(result.keys), "input_snapshot": result.snapshot.describe()},
        "faithfulness": [m.describe() for m in session.current_measurements()],  # the report's section, as stored
        "audit": session.audit.to_list(),
    }


def report_facts(session, colour_map: str = "jet", opacity: float = 0.5, report_id: str | None = None,
                 generated: str | None = None) -> dict:
    """The face-verification report's content; `colour_map` / `opacity` are how overlays are drawn."""
    result = session.report_result()
    similarity = float(result.analysis.summary["similarity"])
    evidence = evidence_report_facts(session)
    limitations = list(LIMITATIONS)
    if "calibrated_score" in evidence:
        limitations[1] = CALIBRATED_SCORE_LIMITATION
    facts = common_facts(session, result, {"colour_map": colour_map, "opacity": opacity}, report_id, generated)
    c = facts["case"]
    c.update({f"exhibit_{r}": c["exhibits"].get(r, "") for r in ("gallery", "probe")})
    return {**facts,
            "inputs": {role: session.inputs[role].payload.describe() for role in ("gallery", "probe")},
            "similarity": similarity,
            "threshold": _threshold(session, similarity),
            "maps": _maps(session, result),
            "evidence": evidence,
            "detector": session.task.detector().describe(),
            "limitations": limitations + ([FAST_PRESET_NOTE] if _fast(result) else [])}


def _fast(result) -> bool:
    """Whether the maps come from the Fast preset (its values changed or not)."""
    return str(getattr(result.run.params, "preset", "")).split(" ")[0] == "fast"
