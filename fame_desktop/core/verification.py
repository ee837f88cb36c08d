"""FAME for face verification: the four maps of a pair in one batch.

For one side of a pair, s = cos(φ_ref, φ(x̄)) with the other image's embedding φ_ref
frozen. L+ = s gives the similar map e+, L− = 1 − s the dissimilar map e−.
A pair has four maps: {gallery, probe} × {similar, dissimilar}.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Optional, Sequence

import numpy as np
import torch

from .attribution import MapSettings, delta_to_maps
from .fame import FameParams, FameProgress, FameRun, run_fame
from .models import FaceModel
from .snapshot import InputSnapshot

SIDES = ("gallery", "probe")
KINDS = ("similar", "dissimilar")
MAP_KEYS = tuple(f"{side}_{kind}" for side in SIDES for kind in KINDS)


def split_key(key: str) -> tuple[str, str]:
    side, kind = key.split("_", 1)
    if side not in SIDES or kind not in KINDS:
        raise ValueError(f"unknown map {key!r}; choose from {', '.join(MAP_KEYS)}")
    return side, kind


def cosine(emb: torch.Tensor, ref: torch.Tensor, detach_norms: bool) -> torch.Tensor:
    """(B, D), (B, D) → (B,). With detach_norms the denominators get no gradient."""
    dot = (emb * ref).sum(dim=1)
    n_emb = emb.norm(dim=1)
    if detach_norms:
        n_emb = n_emb.detach()
    return dot / (n_emb * ref.norm(dim=1)).clamp_min(1e-8)


class VerificationObjective:
    """Objective for FAME: sample i compares model(x̄_i) with the frozen reference ref[i].

    similar[i] selects L = s (e+) or L = 1 − s (e−). Returns (loss (B,), s (B,)).
    """

    def __init__(self, model: FaceModel, references: torch.Tensor, similar: torch.Tensor,
                 detach_norms: bool = False):
        self.model = model
        self.references = references.detach()
        self.similar = similar
        self.detach_norms = detach_norms

    def __call__(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        s = cosine(self.model(x), self.references, self.detach_norms)
        return torch.where(self.similar, s, 1.0 - s), s

    def subset(self, rows: torch.Tensor) -> "VerificationObjective":
        """The objective of the samples `rows` only (lets the engine drop stopped samples)."""
        return VerificationObjective(self.model, self.references[rows], self.similar[rows], self.detach_norms)


@dataclass
class PairExplanation:
    """FAME maps of a face pair. `run.delta[i]` (3, 112, 112) belongs to `keys[i]`.

    snapshot: what the run was computed from (`core.snapshot.InputSnapshot`), attached when
    the session accepts the result; None only for a bare `explain_pair` call.
    """

    similarity: float
    keys: tuple[str, ...]
    run: FameRun
    snapshot: Optional[InputSnapshot] = None

    def delta(self, key: str) -> np.ndarray:
        return self.run.delta[self.keys.index(key)]

    def maps(self, settings: MapSettings = MapSettings()) -> dict[str, np.ndarray]:
        """{key: (112, 112) float32 map in [0, 1]}."""
        return dict(zip(self.keys, delta_to_maps(self.run.delta, settings)))

    def per_map(self) -> dict[str, dict]:
        r = self.run
        return {
            k: {
                "iterations": int(r.iterations[i]),
                "stop_reason": r.stop_reasons[i],
                "initial_loss": float(r.initial_loss[i]),
                "final_loss": float(r.final_loss[i]),
                "final_similarity": float(r.final_score[i]),
            }
            for i, k in enumerate(self.keys)
        }


@torch.no_grad()
def pair_similarity(model: FaceModel, gallery_crop: np.ndarray, probe_crop: np.ndarray) -> float:
    e = model.embed(np.stack([gallery_crop, probe_crop]))
    return float(cosine(e[:1], e[1:], False).item())


def explain_pair(
    model: FaceModel,
    gallery_crop: np.ndarray,
    probe_crop: np.ndarray,
    params: FameParams = FameParams(),
    maps: Sequence[str] = MAP_KEYS,
    on_progress: Optional[Callable[[FameProgress], None]] = None,
    should_cancel: Optional[Callable[[], bool]] = None,
    start: Optional[PairExplanation] = None,
) -> PairExplanation:
    """Run FAME for the requested maps of a pair as one batch.

    Crops are the aligned (112, 112, 3) uint8 RGB images exactly as saved, so a run can
    be reproduced from the saved crops.

    start: an earlier explanation of the same crops to continue (its maps; `maps` is then
    ignored): each map goes on from where it stopped up to params.iterations ("Refine").
    """
    keys = tuple(start.keys if start is not None else maps)
    for k in keys:
        split_key(k)
    x = model.to_input(np.stack([gallery_crop, probe_crop]))  # (2, 3, S, S)
    with torch.no_grad():
        emb = model(x)
    similarity = float(cosine(emb[:1], emb[1:], False).item())
    side_index = {"gallery": 0, "probe": 1}
    rows = [side_index[split_key(k)[0]] for k in keys]
    x0 = x[rows]
    references = emb[[1 - r for r in rows]]  # each side is compared with the other one
    similar = torch.tensor([split_key(k)[1] == "similar" for k in keys], device=x.device)
    objective = VerificationObjective(model, references, similar, params.detach_norms)
    run = run_fame(objective, x0, params, on_progress=on_progress, should_cancel=should_cancel,
                   start=None if start is None else start.run)
    return PairExplanation(similarity=similarity, keys=keys, run=run)
