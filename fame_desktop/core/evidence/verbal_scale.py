"""The ENFSI verbal scale (ENFSI Guideline for Evaluative Reporting in Forensic Science, 2015).

    LR 1–10 weak, 10–100 moderate, 100–1,000 moderately strong, 1,000–10,000 strong,
    10,000–1,000,000 very strong, above extremely strong support —
    for Hp (the images show the same person) when LR > 1, and with the reciprocal 1/LR for Hd
    (different people) when LR < 1. LR = 1 supports neither.

Each band includes its lower limit (LR = 100 is moderately strong support). The same
scale gives the examiner's optional verbal choice in a conclusion (`VERBAL_CHOICES`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

# (strength, lowest log10 of the supported side's LR)
BANDS = (("weak", 0.0), ("moderate", 1.0), ("moderately strong", 2.0), ("strong", 3.0), ("very strong", 4.0),
         ("extremely strong", 6.0))
HYPOTHESES = {"Hp": "the two images show the same person", "Hd": "the two images show different people"}
SHORT_HYPOTHESES = {"Hp": "same person", "Hd": "different people"}
NEITHER = "neither"
VERBAL_CHOICES = (NEITHER,) + tuple(f"{s}:{h}" for h in ("Hp", "Hd") for s, _ in BANDS)


@dataclass(frozen=True)
class VerbalEquivalent:
    """direction "Hp", "Hd" or "neither"; strength one of BANDS' names ("" for neither)."""

    direction: str
    strength: str

    @property
    def key(self) -> str:
        """Its VERBAL_CHOICES key, e.g. "moderate:Hp"."""
        return NEITHER if self.direction == NEITHER else f"{self.strength}:{self.direction}"

    @property
    def short(self) -> str:
        """'moderately strong support for Hp (same person)': the verbal equivalent in a few words."""
        if self.direction == NEITHER:
            return "supports neither proposition"
        return f"{self.strength} support for {self.direction} ({SHORT_HYPOTHESES[self.direction]})"

    @property
    def text(self) -> str:
        if self.direction == NEITHER:
            return "the findings support neither proposition (LR = 1)"
        other = "Hd" if self.direction == "Hp" else "Hp"
        return (f"{self.strength} support for {self.direction} ({HYPOTHESES[self.direction]}) rather than "
                f"{other} ({HYPOTHESES[other]})")


def verbal_equivalent(log10_lr: float) -> VerbalEquivalent:
    """The ENFSI verbal equivalent of a likelihood ratio given as log10 LR (±inf allowed)."""
    if math.isnan(log10_lr):
        raise ValueError("log10 LR is not a number")
    if log10_lr == 0:
        return VerbalEquivalent(NEITHER, "")
    magnitude = abs(log10_lr)
    strength = [name for name, low in BANDS if magnitude >= low][-1]
    return VerbalEquivalent("Hp" if log10_lr > 0 else "Hd", strength)


def parse_choice(key: str) -> VerbalEquivalent:
    """A VERBAL_CHOICES key back as a VerbalEquivalent; ValueError for an unknown one."""
    if key not in VERBAL_CHOICES:
        raise ValueError(f"unknown verbal-scale choice {key!r}; choose one of {', '.join(VERBAL_CHOICES)}")
    if key == NEITHER:
        return VerbalEquivalent(NEITHER, "")
    strength, direction = key.split(":")
    return VerbalEquivalent(direction, strength)
