"""Checking a reopened case against its own evidence: what can be recomputed is recomputed.

A case file stores a FAME result (similarity, per-map scores, Δx, iterations) beside the
photographs, alignment and crops it came from. The manifest's hashes only show that the
members are those listed; anyone can list new ones. So on opening (after the crops have
been re-warped from the photographs, session_codec):

- the model: the result's model is the case's model; it is loaded here, on the CPU (the
  checkpoint recorded, or one supplied); its weights' SHA-256 is the one recorded;
- one batched forward pass of B + 2 images — the two crops and crop + Δx of each map —
  gives the similarity, each map's initial score (= the similarity) and final score; each
  must match the stored value (losses follow from scores: L+ = s, L− = 1 − s);
- Δx is finite and plausible: every FAME step moves a pixel by at most η, so
  |Δx| ≤ iterations · η per pixel (float32 rounding aside); with clamp, crop + Δx ∈ [0, 1];
- the audit log names the stored photographs and the stored result.

The maps themselves are always computed from the stored Δx, never stored.

Tolerances, measured on obama vs obama2 (20 iterations): the check's own batch of 6 against
the run's batch of 4, other convolution kernels (oneDNN off, another memory layout, one
thread, as on another CPU) and float64 all give scores within 2e-7 of the stored ones, so
`SCORE_TOLERANCE` leaves 50× room. A result computed on a GPU (TF32 convolutions: 10-bit
mantissas) is checked on the CPU within `ACCELERATOR_TOLERANCE`; float16 autocast on the
CPU, a harsher stand-in, differs by 2e-4.
"""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import torch

from .errors import CaseFileError, CaseModelUnavailable, CheckpointError, ModelError
from .fame import STOP_REASONS
from .models import FaceModel, get_face_model_spec, load_face_model
from .session import ComparisonSession
from .verification import SIDES, cosine, split_key

SCORE_TOLERANCE = 1e-5
ACCELERATOR_TOLERANCE = 2e-3
LOSS_TOLERANCE = 1e-5

_model_lock = threading.Lock()
_cached: tuple[tuple, FaceModel] | None = None  # one checking model per process, reused by later openings


def checking_model(key: str, checkpoint: str | None) -> FaceModel:
    """The face model `key` on the CPU (kept for the next case that names the same model and file)."""
    global _cached
    ident: tuple = (key, None)
    if checkpoint is not None:
        p = Path(checkpoint)
        st = p.stat()
        ident = (key, (str(p.resolve()), st.st_size, st.st_mtime_ns))
    with _model_lock:
        if _cached is not None and _cached[0] == ident:
            return _cached[1]
        model = load_face_model(key, checkpoint, device="cpu")
        _cached = (ident, model)
        return model


def _model_for(session: ComparisonSession, checkpoint: str | None) -> tuple[FaceModel, str | None]:
    """(the model that produced the session's result, with its recorded weights; its checkpoint file or None);
    CaseFileError otherwise."""
    info = session.model_info if isinstance(session.model_info, dict) else {}
    recorded_key, provenance = info.get("key"), info.get("provenance")
    recorded_sha = provenance.get("sha256") if isinstance(provenance, dict) else None
    if not isinstance(recorded_key, str) or not isinstance(recorded_sha, str):
        raise CaseFileError("the result does not record its model and the SHA-256 of its weights")
    try:
        spec, case_spec = get_face_model_spec(recorded_key), get_face_model_spec(session.model_key)
    except ModelError as e:
        raise CaseFileError(f"the result's model cannot be checked: {e}") from None
    if spec.key != recorded_key or case_spec.family != spec.family or case_spec.depth not in (None, spec.depth):
        raise CaseFileError(f"the result's model ({recorded_key}) is not the case's model {session.model_key}")
    path = None
    if spec.needs_checkpoint:
        path = checkpoint or session.checkpoint
        if not path or not Path(path).is_file():
            where = Path(session.checkpoint).name if session.checkpoint else "its checkpoint"
            raise CaseModelUnavailable(
                f"the result was computed with {spec.display_name} ({where}, SHA-256 {recorded_sha[:12]}…), which "
                "is not available here; it is needed to check the result (give the checkpoint file, e.g. "
                "`fame report --checkpoint FILE`)", spec.key, session.checkpoint)
    try:
        model = checking_model(spec.key, path)
    except (ModelError, CheckpointError) as e:
        raise CaseFileError(f"the model needed to check the result cannot be loaded: {e}") from None
    here = model.provenance.get("sha256")
    if here != recorded_sha:
        raise CaseFileError(f"the weights of {spec.display_name} here (SHA-256 {str(here)[:12]}…) and those that "
                            f"computed the result (SHA-256 {recorded_sha[:12]}…) differ")
    return model, path


@torch.no_grad()
def recompute_scores(model: FaceModel, gallery_crop: np.ndarray, probe_crop: np.ndarray, keys, delta: np.ndarray):
    """(similarity, final scores (B,)) from the crops and Δx (B, 3, S, S) in one forward pass of B + 2 images."""
    x = model.to_input(np.stack([gallery_crop, probe_crop]))  # (2, 3, S, S)
    rows = [SIDES.index(split_key(k)[0]) for k in keys]
    perturbed = x[rows] + torch.from_numpy(np.ascontiguousarray(delta)).to(x.device)
    emb = model(torch.cat([x, perturbed]))
    similarity = float(cosine(emb[:1], emb[1:2], False).item())
    final = cosine(emb[2:], emb[[1 - r for r in rows]], False)
    return similarity, final.cpu().numpy().astype(np.float64)


def _rounding(iterations: int, step: float) -> float:
    """Float32 rounding that |Δx| may carry after `iterations` steps of `step` (one ulp per step)."""
    return (iterations + 2) * 2.0 ** -23 * (1.0 + iterations * step)


def _check_bookkeeping(e) -> None:
    run, p = e.run, e.run.params
    if not np.isfinite(e.similarity):
        raise CaseFileError("the stored similarity is not a number")
    if len(run.stop_reasons) != len(e.keys) or run.iterations.shape != (len(e.keys),):
        raise CaseFileError("the FAME bookkeeping does not list every map")
    for i, key in enumerate(e.keys):
        n = int(run.iterations[i])
        if not 0 <= n <= p.iterations:
            raise CaseFileError(f"{key}: {n} iterations recorded, the run allowed {p.iterations}")
        if run.stop_reasons[i] not in STOP_REASONS:
            raise CaseFileError(f"{key}: unknown stop reason {run.stop_reasons[i]!r}")
        for name in ("initial_score", "final_score", "initial_loss", "final_loss"):
            if not np.isfinite(getattr(run, name)[i]):
                raise CaseFileError(f"{key}: the stored {name.replace('_', ' ')} is not a number")
        delta = run.delta[i]
        if not np.isfinite(delta).all():
            raise CaseFileError(f"the raw Δx of {key} is not finite")
        change, bound = float(np.abs(delta).max()), n * p.step_size
        if change > bound + _rounding(n, p.step_size):
            raise CaseFileError(f"{key}: the raw Δx changes a pixel by {change:.4f}; {n} iteration"
                                f"{'' if n == 1 else 's'} of η = {p.step_size * 255:.4g}/255 allow at most {bound:.4f}")


def _check_audit(session: ComparisonSession) -> None:
    """The log's last load of each photograph and its record of the result name what the case holds."""
    entries = session.audit.entries
    for role, fi in session.inputs.items():
        loads = [e for e in entries if e.action == f"load {role}"]
        if loads and loads[-1].details.get("sha256") != fi.image.sha256:
            raise CaseFileError(f"{role} photograph: the audit log records {str(loads[-1].details.get('sha256'))[:12]}… "
                                f"loaded, the case holds {fi.image.sha256[:12]}…")
    e = session.explanation
    runs = [x for x in entries if x.action in ("FAME run finished", "FAME run cancelled") and "similarity" in x.details]
    if e is None or not runs:
        return
    d = runs[-1].details
    try:
        recorded = float(d["similarity"])
    except (TypeError, ValueError):
        raise CaseFileError("the audit log's record of the FAME run is malformed") from None
    checks = {"similarity": abs(recorded - e.similarity) <= 2e-6,
              "iterations": d.get("iterations", list(e.run.iterations)) == [int(i) for i in e.run.iterations],
              "gallery_sha256": d.get("gallery_sha256", session.gallery.image.sha256) == session.gallery.image.sha256,
              "probe_sha256": d.get("probe_sha256", session.probe.image.sha256) == session.probe.image.sha256}
    wrong = [k for k, ok in checks.items() if not ok]
    if wrong:
        raise CaseFileError(f"the audit log's record of the FAME run does not match the stored result ({wrong[0]})")


def check_result(session: ComparisonSession, checkpoint: str | None = None) -> dict | None:
    """Recompute the stored result from the stored evidence; CaseFileError with the first mismatch.

    Returns what was checked, for the audit log (None without a result): the recomputed
    similarity, the largest score difference, the tolerance used, the model's weights SHA-256
    (and the checkpoint file that held them).
    """
    e = session.explanation
    if e is None:
        _check_audit(session)
        return None
    _check_bookkeeping(e)
    model, path = _model_for(session, checkpoint)
    run = e.run
    size = model.spec.convention.size
    if run.delta.shape[2:] != (size, size):
        raise CaseFileError(f"the raw Δx is {run.delta.shape[2]} × {run.delta.shape[3]}; the model takes "
                            f"{size} × {size}")
    similarity, final = recompute_scores(model, session.gallery.crop, session.probe.crop, e.keys, run.delta)
    device = str((session.environment or {}).get("device") or "cpu")
    tolerance = SCORE_TOLERANCE if device.startswith("cpu") else ACCELERATOR_TOLERANCE
    diffs = [abs(similarity - e.similarity)]
    if diffs[0] > tolerance:
        raise CaseFileError(f"the stored similarity {e.similarity:.4f} does not match the {similarity:.4f} "
                            "recomputed from the crops")
    for i, key in enumerate(e.keys):
        similar = split_key(key)[1] == "similar"
        for stage, stored, recomputed in (("initial", run.initial_score[i], similarity),
                                          ("final", run.final_score[i], final[i])):
            diffs.append(abs(float(stored) - recomputed))
            if diffs[-1] > tolerance:
                raise CaseFileError(f"{key}: the stored {stage} score {float(stored):.4f} does not match the "
                                    f"{recomputed:.4f} recomputed from the crop and the raw Δx")
            loss = float((run.initial_loss if stage == "initial" else run.final_loss)[i])
            if abs(loss - (float(stored) if similar else 1.0 - float(stored))) > LOSS_TOLERANCE:
                raise CaseFileError(f"{key}: the stored {stage} loss does not follow from its score")
        if run.params.clamp:
            x = session.inputs[split_key(key)[0]].crop.transpose(2, 0, 1) / 255.0 + run.delta[i]
            if x.min() < -1e-5 or x.max() > 1 + 1e-5:
                raise CaseFileError(f"{key}: the raw Δx leaves [0, 1] although the run clamped it")
    _check_audit(session)
    return {"similarity": round(similarity, 7), "largest_score_difference": float(f"{max(diffs):.3g}"),
            "tolerance": tolerance, "model": model.spec.key, "weights_sha256": model.provenance.get("sha256"),
            "device": "cpu", **({"checkpoint": str(path)} if path else {})}
