"""How close a Fast map is to the Reference's: an estimate from the stopping statistic.

A map that adaptive stopping ended with the statistic c = 1 − r between its map and the
map one window earlier (`convergence.py`) would have gone on changing up to the Reference
preset's 500 iterations. How far it would still have moved was measured on the hard-pair
benchmark set (docs/performance.md, "Agreement estimate"):

    log(1 − r_ref) = a + b · log c                  (least squares on the set)
    expected r     = 1 − exp(a + b · log c)
    lower r        = 1 − exp(a + b · log c + q)     (q: the fit's largest residual)

The statistic tells the maps apart only a little (a settled-looking map can still drift
slowly for hundreds of iterations), so the figures mostly say how close Fast maps are on
that set: they describe the set, not a guarantee for a given pair. They are given only
where they were measured: face verification with the model, window and tolerance range of
the fit, maps ended by adaptive stopping or by the iteration limit before 500 iterations, with a statistic
no larger than the fitted maps had.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Optional

import numpy as np

REFERENCE_ITERATIONS = 500


@dataclass(frozen=True)
class Agreement:
    """Estimated Pearson r between a map and the same map after the Reference's 500 iterations.

    expected_r: the calibration's central estimate.  lower_r: the conservative figure (every
    map of the fit reached at least its own).  statistic: the stopping statistic c it
    came from.  calibration: where the figures come from, in words.
    """

    expected_r: float
    lower_r: float
    statistic: float
    calibration: str

    def describe(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> "Agreement":
        return cls(expected_r=float(d["expected_r"]), lower_r=float(d["lower_r"]),
                   statistic=float(d["statistic"]), calibration=str(d["calibration"]))


@dataclass(frozen=True)
class Calibration:
    """The fitted model and where it holds (benchmarks/calibrate_agreement.py prints these values)."""

    intercept: float
    log_change: float
    lower_offset: float
    model: str  # the face model key it was fit with
    window: int  # converge_window of the fit
    tolerances: tuple[float, float]  # the range of δ the fit covered
    largest_change: float  # the largest statistic among the fitted maps; beyond it nothing was measured
    description: str

    def covers(self, params, model_key: str) -> bool:
        lo, hi = self.tolerances
        return (params.adaptive and model_key == self.model and params.converge_window == self.window
                and lo <= params.converge_tolerance <= hi)

    def estimate(self, change: float) -> Agreement:
        """The Agreement of a map stopped with the stopping statistic `change` (finite)."""
        p = self.intercept + self.log_change * math.log(max(change, 1e-6))
        return Agreement(expected_r=round(1 - math.exp(p), 4), lower_r=round(1 - math.exp(p + self.lower_offset), 4),
                         statistic=float(change), calibration=self.description)


# benchmarks/calibrate_agreement.py on the fit pairs of benchmarks/hard_pairs.py recorded so far
# (9 pairs, 36 maps × 5 tolerances; the held-out pairs check it), docs/performance.md
FACE_VERIFICATION = Calibration(
    intercept=-0.1674, log_change=0.6468, lower_offset=2.2089,
    model="arcface-mbf", window=30, tolerances=(0.00025, 0.001), largest_change=0.000960493,
    description=("fit on fame-desktop's hard-pair benchmark set (face pairs with masks, sunglasses, scarves, "
                 "rotations, side views, impostors; model arcface-mbf; Fast window 30, δ 0.00025–0.001), "
                 "docs/performance.md"),
)


def estimate_agreement(run, model_key: str, calibration: Optional[Calibration] = None
                       ) -> list[Optional[Agreement]]:
    """Per sample of a face-verification FameRun: its Agreement, or None where the calibration does not hold.

    None for: runs without adaptive stopping, another model, window or tolerance than the
    fit's, maps stopped by ε or cancelled, maps not compared yet (no statistic) or still
    changing more than any fitted map did, and maps that ran the Reference's 500 iterations.
    """
    calibration = calibration or FACE_VERIFICATION
    if not calibration.covers(run.params, model_key):
        return [None] * len(run.iterations)
    out: list[Optional[Agreement]] = []
    for n, why, change in zip(np.asarray(run.iterations).tolist(), run.stop_reasons, run.stop_change):
        ok = (why in ("converged", "iterations") and n < REFERENCE_ITERATIONS
              and math.isfinite(change) and change <= calibration.largest_change)
        out.append(calibration.estimate(float(change)) if ok else None)
    return out
