"""Rows → what a set of pairs says about each method: accuracy over P and its normalised area.

Per set (a protocol of the list): the EER threshold of the clean scores (computed on the same
set, and stated); then for each method, face perturbed (probe: the paper's Tab. 2; gallery: the
roles swapped) and mode (delete / insert), the verification accuracy at that threshold at every
P, and the normalised area under it. Each pair is perturbed by the map that supports its truth:
e+ for a genuine pair, e− for an impostor pair (a method with one map per face uses that map for
both). Pairs that failed, or whose method failed, are left out of that method's figures and
counted.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np

from ..core.pair_lists import Pair
from ..metrics.face_deletion import truth_targets
from ..metrics.set_accuracy import NotEnoughPairs, accuracy_at, eer_threshold, normalised_area
from .config import EvaluationConfig, set_name

SIDES = ("probe", "gallery")
MODES = ("delete", "insert")
MAP_RULE = ("each pair is perturbed by the map supporting its truth: e+ for genuine pairs, e− for impostor "
            "pairs (a method with one map per face uses it for both)")


@dataclass(frozen=True)
class AccuracyCurve:
    method: str
    side: str  # the face perturbed
    mode: str
    accuracy: tuple[float, ...]
    area: float
    pairs: int


@dataclass
class SetSummary:
    name: str
    genuine: int
    impostor: int
    threshold: float | None
    eer: float | None
    clean_accuracy: float | None
    note: str = ""
    curves: list[AccuracyCurve] = field(default_factory=list)

    def curve(self, method: str, side: str, mode: str) -> AccuracyCurve | None:
        return next((c for c in self.curves if (c.method, c.side, c.mode) == (method, side, mode)), None)


@dataclass
class EvaluationSummary:
    methods: tuple[str, ...]
    titles: dict[str, str]
    percentages: tuple[int, ...]
    sets: list[SetSummary]
    pairs: int
    evaluated: int
    failures: list[dict]

    def describe(self) -> dict:
        return {"methods": list(self.methods), "titles": self.titles, "percentages": list(self.percentages),
                "map_rule": MAP_RULE, "threshold_rule": "per set: the EER threshold of its clean scores "
                "(score ≥ threshold is a match), computed on the same set",
                "pairs": self.pairs, "evaluated": self.evaluated, "failed": len(self.failures),
                "failures": self.failures, "sets": [asdict(s) for s in self.sets]}


def truth_curve(faithfulness: dict, side: str, same: bool, mode: str) -> dict | None:
    """The curve of `side` by the map supporting the pair's truth (see MAP_RULE), or None."""
    curves = faithfulness["curves"]
    wanted = [t for t in truth_targets({c["target"] for c in curves}, same) if t.startswith(f"{side}_")]
    return next((c for c in curves if wanted and c["target"] == wanted[0] and c["mode"] == mode), None)


def summarise(pairs: list[Pair], config: EvaluationConfig, scores: dict[str, float], rows: dict[str, dict],
              titles: dict[str, str], failures: list[dict]) -> EvaluationSummary:
    """scores: pair id → clean similarity; rows: pair id → its evaluate_pair row."""
    sets = []
    for name in dict.fromkeys(set_name(p) for p in pairs):
        members = [p for p in pairs if set_name(p) == name and scores.get(p.pair_id) is not None]
        sets.append(_set_summary(name, members, config, scores, rows))
    done = sum(1 for p in pairs if rows.get(p.pair_id, {}).get("status") == "ok")
    return EvaluationSummary(tuple(config.methods), titles, tuple(config.percentages), sets, len(pairs), done,
                             failures)


def _set_summary(name, members, config, scores, rows) -> SetSummary:
    same = [p.same for p in members]
    clean = [scores[p.pair_id] for p in members]
    s = SetSummary(name, sum(same), len(same) - sum(same), None, None, None)
    try:
        s.threshold, s.eer = eer_threshold(clean, same)
    except NotEnoughPairs as e:
        s.note = str(e)
        return s
    s.clean_accuracy = accuracy_at(clean, same, s.threshold)
    for method in config.methods:
        for side in SIDES:
            for mode in MODES:
                got = [(p.same, truth_curve(rows[p.pair_id]["methods"][method]["faithfulness"], side, p.same, mode))
                       for p in members if _method_ok(rows.get(p.pair_id), method)]
                got = [(y, c) for y, c in got if c is not None]
                if not got:
                    continue
                sims = np.array([c["similarity"] for _, c in got])  # (pairs, P)
                truth = np.array([y for y, _ in got])
                acc = tuple(float(((sims[:, i] >= s.threshold) == truth).mean()) for i in range(sims.shape[1]))
                s.curves.append(AccuracyCurve(method, side, mode, acc, normalised_area(config.percentages, acc),
                                              len(got)))
    return s


def _method_ok(row: dict | None, method: str) -> bool:
    return bool(row) and row.get("methods", {}).get(method, {}).get("status") == "ok"
