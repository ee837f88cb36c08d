"""Face deletion / insertion for one pair (Lu et al.; METHOD.md §5): how the similarity follows a map.

For P = 0, 10, …, 100 % the top-P % pixels of one face by one of its maps are deleted (set to
0, black) or inserted (kept, everything else black) while the other face stays as it is; the
similarity to the other face is recomputed through the task's objective — one batch of
len(P) perturbed crops per curve. A faithful e+ makes the similarity fall fast when its pixels
are deleted (small Delete area) and rise fast when they are inserted (large Insert area); for
e− the other way round. The area is the trapezoid area under similarity over P divided by
100, in units of the cosine.

    pf = pair_faithfulness(task, model, result, settings)      # result: a TaskResult of any method
    pf.curve("probe_similar", "delete").similarity             # (11,) cosine over P
    pf.table()                                                 # header, rows of areas (GUI, report)
    pf.describe()  /  PairFaithfulness.from_dict(d)            # JSON (fame evaluate rows, case files)
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import torch

from ..core.attribution import MapSettings
from .masks import PERCENTAGES, top_percent_masks
from .set_accuracy import normalised_area

MODES = ("delete", "insert")


@dataclass(frozen=True)
class FaithfulnessCurve:
    """The similarity while face `side` is perturbed by the map of `target` (side, kind); the other face is fixed."""

    target: str
    side: str
    kind: str
    mode: str
    percentages: tuple[int, ...]
    similarity: tuple[float, ...]

    @property
    def area(self) -> float:
        return normalised_area(self.percentages, self.similarity)

    def describe(self) -> dict:
        return {"target": self.target, "side": self.side, "kind": self.kind, "mode": self.mode,
                "percentages": list(self.percentages), "similarity": [round(v, 7) for v in self.similarity],
                "area": round(self.area, 7)}


@dataclass(frozen=True)
class PairFaithfulness:
    """Every curve of one method's maps on one pair; `similarity` is the clean score."""

    method: str
    similarity: float
    curves: tuple[FaithfulnessCurve, ...]
    seconds: float = 0.0
    empty: tuple[str, ...] = ()  # targets whose map is all zero (their curves rank pixels by position only)

    def curve(self, target: str, mode: str) -> FaithfulnessCurve:
        for c in self.curves:
            if c.target == target and c.mode == mode:
                return c
        raise KeyError(f"no {mode} curve of {target!r} for {self.method}")

    def table(self) -> tuple[tuple[str, ...], tuple[tuple, ...]]:
        """Header and rows (target, side perturbed, map, Delete area, Insert area), as the GUI and report show them."""
        rows = []
        for target in dict.fromkeys(c.target for c in self.curves):
            by_mode = {c.mode: c for c in self.curves if c.target == target}
            first = next(iter(by_mode.values()))
            rows.append((target, first.side, "e+" if first.kind == "similar" else "e−",
                         *(round(by_mode[m].area, 4) if m in by_mode else None for m in MODES)))
        return ("target", "face perturbed", "map", "Delete area", "Insert area"), tuple(rows)

    def describe(self) -> dict:
        return {"method": self.method, "similarity": self.similarity, "seconds": round(self.seconds, 4),
                "empty": list(self.empty), "curves": [c.describe() for c in self.curves]}

    @classmethod
    def from_dict(cls, d: dict) -> "PairFaithfulness":
        curves = tuple(FaithfulnessCurve(c["target"], c["side"], c["kind"], c["mode"], tuple(c["percentages"]),
                                         tuple(c["similarity"])) for c in d["curves"])
        return cls(d["method"], d["similarity"], curves, d.get("seconds", 0.0), tuple(d.get("empty", ())))


def truth_targets(keys, same: bool) -> tuple[str, ...]:
    """The map of each face that supports the pair's truth: e+ for a genuine pair, e− for an impostor
    pair, e+ when a method has no e− (one map per face)."""
    out = []
    for side in ("gallery", "probe"):
        want = f"{side}_{'similar' if same else 'dissimilar'}"
        if want not in keys:
            want = f"{side}_similar"
        if want in keys:
            out.append(want)
    return tuple(out)


def perturbed_batch(x: torch.Tensor, saliency: np.ndarray, mode: str, percentages=PERCENTAGES) -> torch.Tensor:
    """x (1, 3, S, S), map (S, S) → (len(P), 3, S, S): the top-P % pixels zeroed ("delete") or alone kept ("insert")."""
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
    top = torch.from_numpy(top_percent_masks(saliency, percentages)).to(x.device)
    keep = ~top if mode == "delete" else top
    return x * keep[:, None].to(x.dtype)


def pair_faithfulness(task, model, result, settings: MapSettings, percentages=PERCENTAGES,
                      modes=MODES, maps: dict[str, np.ndarray] | None = None,
                      targets: tuple[str, ...] | None = None) -> PairFaithfulness:
    """Deletion / insertion curves of the maps of `result` (a TaskResult of a face-verification task):
    every map, or those of `targets` (keys).

    Each target's map (as `result.maps(settings)` draws it, or `maps[key]` when given — e.g. a random
    map as a baseline) perturbs the face it belongs to; the similarity comes from the task's
    objective for that target (the other face's embedding frozen).
    """
    from ..tasks.result import input_tensor

    t0 = time.perf_counter()
    maps = {**result.maps(settings), **(maps or {})}
    curves = []
    with torch.no_grad():
        for t in (t for t in result.targets if targets is None or t.key in targets):
            x = input_tensor(model, result.inputs[t.role])
            objective = task.objective(model, result.inputs, result.analysis, [t] * len(percentages),
                                       result.options, result.run.params)
            for mode in modes:
                score = objective(perturbed_batch(x, maps[t.key], mode, percentages))[1]
                curves.append(FaithfulnessCurve(t.key, t.role, t.data.get("kind", "similar"), mode,
                                                tuple(int(p) for p in percentages),
                                                tuple(float(v) for v in score.cpu().numpy())))
    empty = tuple(t for t in dict.fromkeys(c.target for c in curves) if not maps[t].max() > 0)
    return PairFaithfulness(result.method.key, float(result.analysis.summary["similarity"]), tuple(curves),
                            time.perf_counter() - t0, empty)
