"""Run records and display maps of methods whose raw output is already a map per target (not Δx).

CorrRISE and FGGB compute, per face, one signed map and split it at 0 into e+ (rows of kind
"similar") and e− (kind "dissimilar"); the record keeps the unblurred non-negative part in
`delta` as (B, 1, S, S), so maps can be re-drawn with another normalisation without re-running.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from ..core.attribution import MapSettings, magnitude_to_map
from .base import RunRecord


def split_rows(signed: dict[str, np.ndarray], targets) -> np.ndarray:
    """{role: (S, S) signed map} → (B, 1, S, S) float32: row i = the positive part for a "similar"
    target, the negative part for a "dissimilar" one, of the map of targets[i].role."""
    rows = []
    for t in targets:
        m = signed[t.role]
        rows.append(np.maximum(m, 0.0) if t.data.get("kind", "similar") == "similar" else np.maximum(-m, 0.0))
    return np.stack(rows)[:, None].astype(np.float32)


def map_record(delta: np.ndarray, steps: np.ndarray, score: np.ndarray, loss: np.ndarray, elapsed: float,
               cancelled: bool, params) -> RunRecord:
    """A RunRecord of a one-shot method: `steps` (B,) forward or backward passes each row's map took,
    `score` / `loss` (B,) the objective on the unperturbed input (final values: NaN, nothing is optimised)."""
    b = delta.shape[0]
    nan = np.full(b, np.nan, dtype=np.float32)
    return RunRecord(delta=delta, iterations=np.asarray(steps, dtype=np.int64),
                     stop_reasons=["cancelled" if cancelled else "iterations"] * b,
                     initial_loss=np.asarray(loss, dtype=np.float32), final_loss=nan,
                     initial_score=np.asarray(score, dtype=np.float32), final_score=nan.copy(),
                     elapsed=elapsed, cancelled=cancelled, params=params)


def display_maps(delta: np.ndarray, settings: MapSettings, blur_kernel: int = 0, blur_sigma: float = 0.0) -> np.ndarray:
    """(B, 1, S, S) raw maps → (B, S, S) in [0, 1]: the method's own blur, the user's normalisation."""
    own = replace(settings, blur_kernel=blur_kernel, blur_sigma=blur_sigma)
    return np.stack([magnitude_to_map(m[0], own) for m in delta]).astype(np.float32)
