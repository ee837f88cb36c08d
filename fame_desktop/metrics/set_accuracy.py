"""Verification over a set of pairs: the EER threshold, accuracy at a threshold, normalised areas over P.

A score at or above the threshold is a match (METHOD.md §5). The EER threshold: of the observed
scores, the one where the false match rate (impostors at or above it) and the false non-match
rate (genuine pairs below it) are closest (of equally close ones the highest, as the reference
code picks), moved to the middle of the gap below it. The error rates are those of the observed
score, but no pair sits on the threshold: a pair's score recomputed in another batch differs in
its last bits, and a threshold equal to a score would flip that pair at random (on a perfectly
separated set the observed score is the lowest genuine one).
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from ..core.errors import FameError


class NotEnoughPairs(FameError):
    """A set without both genuine and impostor pairs has no EER threshold."""


def eer_threshold(scores: Sequence[float], same: Sequence[bool]) -> tuple[float, float]:
    """(threshold, EER) of a set's clean scores; `same` True for genuine pairs."""
    s = np.asarray(scores, dtype=np.float64)
    y = np.asarray(same, dtype=bool)
    genuine, impostor = s[y], s[~y]
    if genuine.size == 0 or impostor.size == 0:
        raise NotEnoughPairs(f"an EER threshold needs genuine and impostor pairs; this set has {genuine.size} "
                             f"genuine and {impostor.size} impostor pair(s)")
    candidates = np.unique(s)[::-1]  # descending: argmin keeps the highest of tied candidates
    fmr = (impostor[None, :] >= candidates[:, None]).mean(axis=1)
    fnmr = (genuine[None, :] < candidates[:, None]).mean(axis=1)
    i = int(np.argmin(np.abs(fmr - fnmr)))
    t = (candidates[i] + candidates[i + 1]) / 2 if i + 1 < len(candidates) else candidates[i]
    return float(t), float((fmr[i] + fnmr[i]) / 2)


def accuracy_at(scores: Sequence[float], same: Sequence[bool], threshold: float) -> float:
    """Share of pairs decided correctly with `score ≥ threshold` meaning a match."""
    s = np.asarray(scores, dtype=np.float64)
    return float(((s >= threshold) == np.asarray(same, dtype=bool)).mean())


def normalised_area(percentages: Sequence[float], values: Sequence[float]) -> float:
    """Trapezoid area under values over P, divided by the span of P (a flat curve at v gives v)."""
    p = np.asarray(percentages, dtype=np.float64)
    v = np.asarray(values, dtype=np.float64)
    if p.size < 2 or p[-1] == p[0]:
        raise ValueError("an area needs at least two different percentages")
    return float(np.sum((v[1:] + v[:-1]) * np.diff(p)) / 2 / (p[-1] - p[0]))
