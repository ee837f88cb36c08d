"""Checking a reopened case against its own evidence: what can be recomputed is recomputed.

A case file stores results (scores, raw outputs, bookkeeping) beside the photographs and
model inputs they came from. The manifest's hashes only show that the members are those
listed; anyone can list new ones. So on opening, for any task (casefile.py calls these):

- the model: the case's model is loaded here, on the CPU (the weights file recorded, or one
  supplied); its weights' SHA-256 must be the one its results record;
- each input is rebuilt from its photograph by the task (`restore_input`) and must match
  the stored model input;
- the model's answer (`task.analyse`: similarity, top-5, cells) is recomputed and must match
  the stored one, number by number;
- each result is checked by its method (`check_run`; FAME: the objective at x and at x + Δx
  gives the stored losses and scores, Δx is what its steps allow);
- the audit log names the stored photographs and the stored results.

Tolerances, measured on obama vs obama2 (20 iterations): other batch sizes, other convolution
kernels (oneDNN off, another memory layout, one thread, as on another CPU) and float64 give
scores within 2e-7 of the stored ones, so `SCORE_TOLERANCE` leaves 50× room. A result
computed on a GPU (TF32 convolutions) is checked on the CPU within `ACCELERATOR_TOLERANCE`;
float16 autocast on the CPU, a harsher stand-in, differs by 2e-4.
"""

from __future__ import annotations

import math
import threading
from pathlib import Path

from ..core.errors import CaseFileError, CaseModelUnavailable, FameError

SCORE_TOLERANCE = 1e-5
ACCELERATOR_TOLERANCE = 2e-3

_lock = threading.Lock()
_cached: tuple[tuple, object] | None = None  # one checking model per process, reused by later openings


def tolerance_for(environment: dict | None) -> float:
    device = str((environment or {}).get("device") or "cpu")
    return SCORE_TOLERANCE if device.startswith("cpu") else ACCELERATOR_TOLERANCE


def checking_model(task, key: str, weights: str | None):
    """The task's model `key` on the CPU (kept for the next case that names the same model and file)."""
    global _cached
    ident: tuple = (task.key, key, None)
    if weights is not None:
        st = Path(weights).stat()
        ident = (task.key, key, (str(Path(weights).resolve()), st.st_size, st.st_mtime_ns))
    with _lock:
        if _cached is not None and _cached[0] == ident:
            return _cached[1]
        model = task.load_model(key, weights, "cpu")
        _cached = (ident, model)
        return model


def model_for(task, key: str, weights: str | None, recorded_sha: str | None, supplied: str | None):
    """(the case's model, its weights file or None): the file supplied, else the one recorded;
    CaseModelUnavailable when a model that needs a file has none here, CaseFileError when its
    weights are not those the results were computed with."""
    from ..tasks.result import describe_model

    choices = {m.key: m for m in task.models()}
    if key not in choices:
        raise CaseFileError(f"the case's model {key!r} is not one {task.title} offers")
    path = supplied or weights
    if choices[key].accepts_file and weights and not (path and Path(path).is_file()):
        sha = f", SHA-256 {recorded_sha[:12]}…" if recorded_sha else ""
        raise CaseModelUnavailable(
            f"the results were computed with {choices[key].name} ({Path(weights).name}{sha}), which is not "
            "available here; it is needed to check them (give the weights file, e.g. `fame report --checkpoint "
            "FILE`)", key, weights)
    try:
        model = checking_model(task, key, path if choices[key].accepts_file else None)
    except FameError as e:
        raise CaseFileError(f"the model needed to check the case cannot be loaded: {e}") from None
    here = (describe_model(model).get("provenance") or {}).get("sha256")
    if recorded_sha is not None and here != recorded_sha:
        raise CaseFileError(f"the weights of {choices[key].name} here (SHA-256 {str(here)[:12]}…) and those that "
                            f"computed the results (SHA-256 {recorded_sha[:12]}…) differ")
    return model, path if choices[key].accepts_file else None


def compare(stored, recomputed, tolerance: float, path: str = "") -> str | None:
    """Where two JSON-like values differ (numbers within `tolerance`), in words; None when they agree."""
    what = path or "value"
    if isinstance(stored, bool) or isinstance(recomputed, bool) or not (
            isinstance(stored, (int, float)) and isinstance(recomputed, (int, float))):
        if isinstance(stored, dict) and isinstance(recomputed, dict):
            for k in sorted(set(stored) | set(recomputed)):
                if k not in stored or k not in recomputed:
                    return f"the {path + '.' if path else ''}{k} is not both stored and recomputed"
                why = compare(stored[k], recomputed[k], tolerance, f"{path}.{k}" if path else str(k))
                if why:
                    return why
            return None
        if isinstance(stored, list) and isinstance(recomputed, list):
            if len(stored) != len(recomputed):
                return f"the stored {what} has {len(stored)} entries, {len(recomputed)} are recomputed"
            for i, (a, b) in enumerate(zip(stored, recomputed)):
                why = compare(a, b, tolerance, f"{path}[{i}]")
                if why:
                    return why
            return None
        return None if stored == recomputed else f"the stored {what} {stored!r} is not the {recomputed!r} recomputed"
    if isinstance(stored, float) or isinstance(recomputed, float):
        if not math.isfinite(float(stored)) or abs(float(stored) - float(recomputed)) > tolerance:
            return f"the stored {what} {float(stored):.4f} does not match the {float(recomputed):.4f} recomputed"
        return None
    return None if stored == recomputed else f"the stored {what} {stored} is not the {recomputed} recomputed"


RUN_ENDS = ("run finished", "run cancelled")


def _logged_runs(entries) -> tuple[set, dict]:
    """(snapshot digests of the runs the log records, {(digest, target key): (iterations, stop reason)} of the
    rows each kept). A "use weights file" entry re-binds its results' snapshots to another path of the weights."""
    digests, rows, started, alias = set(), {}, {}, {}
    for e in entries:
        d = e.details
        if e.action == "run started":
            started[d.get("snapshot")] = d.get("targets") or []
        elif e.action in RUN_ENDS:
            digests.add(d.get("snapshot"))
            kept = set(d.get("kept") or [])
            for key, n, why in zip(started.get(d.get("snapshot"), []), d.get("iterations") or [],
                                   d.get("stop_reasons") or []):
                if key in kept:
                    rows[(d.get("snapshot"), key)] = (n, why)
        elif e.action == "use weights file" and isinstance(d.get("snapshots"), dict):
            alias.update({new: old for old, new in d["snapshots"].items()})
    rows.update({(new, key): v for new, old in alias.items() for (digest, key), v in list(rows.items())
                 if digest == old})
    return digests | set(alias), rows


def check_audit(session) -> None:
    """The log's last load of each photograph names the stored one; its run records name the stored results,
    with the iterations and stop reason of every map."""
    entries = session.audit.entries
    for role, image in session.photos.items():
        loads = [e for e in entries if e.action == f"load {role}"]
        if loads and loads[-1].details.get("sha256") != image.sha256:
            raise CaseFileError(f"{role} photograph: the audit log records {str(loads[-1].details.get('sha256'))[:12]}… "
                                f"loaded, the case holds {image.sha256[:12]}…")
    recorded, rows = _logged_runs(entries)
    for result in session.results.values():
        digest = result.snapshot.digest()
        if recorded and digest not in recorded:
            raise CaseFileError(f"the audit log has no record of the stored {result.method.title} result "
                                f"(inputs {digest[:12]}…)")
        run = result.run
        for i, key in enumerate(result.keys):
            logged = rows.get((digest, key))
            stored = (int(run.iterations[i]), run.stop_reasons[i])
            if logged is not None and tuple(logged) != stored:
                raise CaseFileError(f"{key}: the audit log records {logged[0]} iterations ({logged[1]}), the stored "
                                    f"{result.method.title} result {stored[0]} ({stored[1]})")
