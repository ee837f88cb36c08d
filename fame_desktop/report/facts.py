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
from ..core.case_signing import signature_text
from ..core.casefile import case_file_status
from ..core.environment import versions
from ..core.errors import ExportError
from ..core.images import sha256_bytes
from ..core.io_utils import npy_bytes
from ..core.overlay import COLOUR_MAPS
from ..core.session import ComparisonSession, now_iso
from ..core.snapshot import StaleResultError
from ..core.verification import MAP_KEYS, split_key

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


def new_report_id() -> str:
    """Unique per report document: 'FR-' and 16 hex digits of a random UUID."""
    return "FR-" + uuid.uuid4().hex[:16].upper()


def npy_sha256(a: np.ndarray) -> str:
    """SHA-256 of the float32 .npy file of an array, as written to the exports (check with sha256sum)."""
    return sha256_bytes(npy_bytes(np.asarray(a, dtype=np.float32)))


def _threshold(session: ComparisonSession) -> dict | None:
    t = session.threshold
    if t is None:
        return None
    score = session.explanation.similarity
    return {"value": t.value, "source": t.source, "score_at_or_above": bool(score >= t.value)}


def _maps(session: ComparisonSession) -> dict:
    e = session.explanation
    maps = e.maps(session.map_settings)
    per = e.per_map()
    per = {k: {n: (None if isinstance(v, float) and not math.isfinite(v) else v) for n, v in d.items()}
           for k, d in per.items()}  # JSON has no NaN
    return {
        k: {**per[k], "side": split_key(k)[0], "kind": split_key(k)[1],
            "raw_npy_sha256": npy_sha256(e.delta(k)), "map_npy_sha256": npy_sha256(maps[k]),
            "raw_delta_max_abs": float(np.abs(e.delta(k)).max()), "empty": bool(maps[k].max() <= 0)}
        for k in e.keys
    }


def _case_file(session: ComparisonSession) -> dict | None:
    """The case file the session was last opened from or saved to, with its signature status in words."""
    status = case_file_status(session)
    return None if status is None else {**status, "signature_text": signature_text(status["signature"])}


def check_reportable(session: ComparisonSession) -> None:
    """ExportError unless the session holds both photographs and a FAME result of all four maps."""
    if not session.ready:
        raise ExportError("nothing to report: the session needs both a gallery and a probe photograph")
    if session.explanation is None:
        raise ExportError("nothing to report: FAME has not been run on this pair")
    missing = [k for k in MAP_KEYS if k not in session.explanation.keys]
    if missing:
        raise ExportError(f"nothing to report: the FAME result lacks the map(s) {', '.join(missing)}")
    try:
        session.check_result_current()
    except StaleResultError as e:
        raise ExportError(f"cannot report: {e}") from None


def report_facts(session: ComparisonSession, report_id: str | None = None, colour_map: str = "jet",
                 opacity: float = 0.5, generated: str | None = None) -> dict:
    """The report's content. `colour_map` / `opacity` are how overlays are drawn."""
    check_reportable(session)
    if colour_map not in COLOUR_MAPS:
        raise ExportError(f"unknown colour map {colour_map!r}; choose one of {', '.join(COLOUR_MAPS)}")
    if not 0.0 < opacity <= 1.0:
        raise ExportError(f"overlay opacity must be in (0, 1], got {opacity}")
    e = session.explanation
    model = dict(session.model_info or {"key": session.model_key, "name": session.model_key})
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "report_id": report_id or new_report_id(),
        "generated": generated or now_iso(),
        "generated_by": {"app": __version__, **{k: v for k, v in versions("-").items() if k != "device"}},
        "case": asdict(session.case),
        "session_created": session.created,
        "case_file": _case_file(session),
        "inputs": {role: session.inputs[role].describe() for role in ("gallery", "probe")},
        "model": model,
        "device": (session.environment or {}).get("device") or model.get("device") or session.device,
        "environment": session.environment,
        "similarity": float(e.similarity),
        "threshold": _threshold(session),
        "parameters": {
            "fame": e.run.params.describe(),
            "maps": session.map_settings.describe(),
            "display": {"colour_map": colour_map, "opacity": opacity},
        },
        "fame_run": {"cancelled": bool(e.run.cancelled), "elapsed_s": round(float(e.run.elapsed), 3),
                     "batch_order": list(e.keys), "input_snapshot": e.snapshot.describe()},
        "maps": _maps(session),
        "audit": session.audit.to_list(),
        "limitations": list(LIMITATIONS),
    }
