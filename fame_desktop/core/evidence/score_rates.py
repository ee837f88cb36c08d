"""Error rates of a score threshold on genuine and impostor scores (ISO/IEC 19795-1 terms).

A comparison with score ≥ t is a match. FMR(t): share of impostor scores ≥ t; FNMR(t): share
of genuine scores < t. The equal error rate is read where the two cross: at the candidate
threshold (every observed score) where |FMR − FNMR| is smallest, EER = (FMR + FNMR) / 2 there;
the threshold stated is the middle of the interval of thresholds with those rates.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class OperatingPoint:
    threshold: float
    fmr: float
    fnmr: float

    def describe(self) -> dict:
        return {"threshold": self.threshold, "fmr": self.fmr, "fnmr": self.fnmr}


def rates(genuine: np.ndarray, impostor: np.ndarray, threshold: float) -> OperatingPoint:
    g, i = np.asarray(genuine, np.float64), np.asarray(impostor, np.float64)
    return OperatingPoint(float(threshold), float(np.mean(i >= threshold)), float(np.mean(g < threshold)))


def equal_error_rate(genuine: np.ndarray, impostor: np.ndarray) -> tuple[float, OperatingPoint]:
    """(EER, the operating point where FMR and FNMR are closest)."""
    g, i = np.sort(np.asarray(genuine, np.float64)), np.sort(np.asarray(impostor, np.float64))
    t = np.unique(np.concatenate([g, i, [np.nextafter(max(g[-1], i[-1]), np.inf)]]))
    fmr = 1.0 - np.searchsorted(i, t, side="left") / i.size  # share of impostors ≥ t
    fnmr = np.searchsorted(g, t, side="left") / g.size  # share of genuines < t
    k = int(np.argmin(np.abs(fmr - fnmr)))
    # the rates are the same for every threshold in (t[k-1], t[k]]: take its middle (for separated
    # scores, the middle of the gap between them rather than the lowest genuine score)
    mid = t[k] if k == 0 else (t[k - 1] + t[k]) / 2
    return float((fmr[k] + fnmr[k]) / 2), OperatingPoint(float(mid), float(fmr[k]), float(fnmr[k]))


def threshold_at_fmr(genuine: np.ndarray, impostor: np.ndarray, target: float) -> OperatingPoint:
    """The lowest threshold whose FMR on these impostor scores is at most `target` (0 < target < 1).

    With n impostor scores the FMR moves in steps of 1/n: a target below 1/n gives the
    threshold just above the highest impostor score (FMR 0 measured, `target` not verified).
    """
    if not 0.0 < target < 1.0:
        raise ValueError(f"a target FMR lies between 0 and 1, got {target}")
    i = np.sort(np.asarray(impostor, np.float64))[::-1]
    allowed = int(np.floor(target * i.size + 1e-9))  # impostor scores that may lie at or above t
    t = np.nextafter(i[allowed], np.inf) if allowed < i.size else i[-1]
    return rates(genuine, impostor, float(t))
