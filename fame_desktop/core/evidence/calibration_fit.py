"""Fitting a score → LR calibration with lir (the Netherlands Forensic Institute's LR library).

    fitted = fit_calibration(genuine, impostor, "logistic", fmr_targets=(1e-3, 1e-2))
    doc = calibration_document(fitted, model=..., alignment=..., dataset=..., pairs=..., quality_ranges=...)

lir is an optional dependency (the `calibration` extra: it brings scikit-learn, scipy, pandas,
optuna, matplotlib) and is imported only here, only when a calibration is fitted.

What is computed, all on the calibration set's scores (rounded to 7 decimals, as stored):
- calibrator: "logistic" — lir's LogitCalibrator, class-balanced logistic regression of the
  label on the score, without regularisation (scikit-learn's default C = 1 shrinks the slope
  for cosine scores, which span a fraction of [−1, 1], several-fold); "isotonic" — lir's
  IsotonicCalibrator, PAV with balanced classes. Stored as parameters (calibration.py applies them).
- ELUB bounds (Vergeer et al. 2016, lir's ELUBBounder) on the calibrated log10 LRs: the LRs
  the set's size and behaviour can support; every LR is clipped to them.
- Cllr (lir.metrics.cllr) of the bounded log10 LRs of the set itself, and cllr_cv: the same
  with each pair calibrated and bounded by a fit without its fold (k-fold, k ≤ 5, folds by
  position within each class) — the honest figure, as an isotonic fit on its own data is
  optimistic by construction; Cllr_min (lir.metrics.cllr_min): Cllr after PAV of the scores,
  the best any monotonic calibration could reach (the scores' discrimination).
- EER and its threshold, and operating points at the target FMRs (score_rates.py).
"""

from __future__ import annotations

import math
from importlib import metadata
from types import SimpleNamespace

import numpy as np

from ... import __version__
from .calibration import CALIBRATORS, FORMAT, FORMAT_VERSION, CalibrationError, log10_lr_of
from .score_rates import equal_error_rate, threshold_at_fmr

CV_FOLDS = 5
SCORE_DECIMALS = 7  # float32 cosines carry about 7 significant digits


def require_lir() -> SimpleNamespace:
    """The lir pieces used here, or CalibrationError saying how to install the optional extra."""
    try:
        from lir.algorithms.bayeserror import ELUBBounder
        from lir.algorithms.isotonic_regression import IsotonicCalibrator
        from lir.algorithms.logistic_regression import LogitCalibrator
        from lir.data.models import LLRData
        from lir.metrics import cllr, cllr_min
    except ImportError:
        raise CalibrationError("fitting a calibration needs the lir package: "
                               "pip install 'fame-desktop[calibration]'") from None
    return SimpleNamespace(LogitCalibrator=LogitCalibrator, IsotonicCalibrator=IsotonicCalibrator,
                           ELUBBounder=ELUBBounder, LLRData=LLRData, cllr=cllr, cllr_min=cllr_min)


def fit_calibrator(scores: np.ndarray, labels: np.ndarray, kind: str) -> dict:
    """Fit one calibrator with lir; its parameters as stored in a calibration file."""
    lir = require_lir()
    x, y = np.asarray(scores, np.float64), np.asarray(labels, np.int64)
    if kind == "logistic":
        fitted = lir.LogitCalibrator(C=np.inf).fit(x, y)._logit
        return {"kind": "logistic", "intercept": float(fitted.intercept_[0]), "slope": float(fitted.coef_[0, 0]),
                "method": "lir LogitCalibrator: class-balanced logistic regression, no penalty; "
                          "ln LR = intercept + slope · score"}
    if kind == "isotonic":
        ir = lir.IsotonicCalibrator().fit(x, y)._ir
        return {"kind": "isotonic", "scores": [float(v) for v in ir._necessary_X_],
                "probabilities": [float(v) for v in ir._necessary_y_],
                "method": "lir IsotonicCalibrator: pool-adjacent-violators with balanced classes; "
                          "p interpolated linearly between the stored points, LR = p / (1 − p)"}
    raise CalibrationError(f"unknown calibrator {kind!r}; choose {', '.join(CALIBRATORS)}")


def elub_bounds(llr: np.ndarray, labels: np.ndarray) -> tuple[float, float]:
    bounder = require_lir().ELUBBounder()
    lo, hi = bounder.calculate_bounds(np.array(llr, np.float64), np.asarray(labels, np.int64))  # lir edits its input
    return float(lo), float(hi)


def _cllr(llr: np.ndarray, labels: np.ndarray) -> float:
    lir = require_lir()
    return float(lir.cllr(lir.LLRData(features=np.asarray(llr, np.float64), labels=np.asarray(labels, np.int64))))


def _folds(labels: np.ndarray, k: int) -> np.ndarray:
    """Fold number of each item: its position within its class, modulo k."""
    fold = np.empty(labels.size, np.int64)
    for c in (0, 1):
        idx = np.flatnonzero(labels == c)
        fold[idx] = np.arange(idx.size) % k
    return fold


def cross_validated_cllr(scores: np.ndarray, labels: np.ndarray, kind: str) -> tuple[float | None, int]:
    """(Cllr of out-of-fold calibrated and bounded LRs, k); (None, 0) when a class has fewer than 2 pairs."""
    k = min(CV_FOLDS, int(np.bincount(labels, minlength=2).min()))
    if k < 2:
        return None, 0
    fold = _folds(labels, k)
    held_out = np.empty(labels.size)
    for f in range(k):
        train, test = fold != f, fold == f
        cal = fit_calibrator(scores[train], labels[train], kind)
        lo, hi = elub_bounds(log10_lr_of(cal, scores[train]), labels[train])
        held_out[test] = np.clip(log10_lr_of(cal, scores[test]), lo, hi)
    return _cllr(held_out, labels), k


def fit_calibration(genuine, impostor, kind: str = "logistic", fmr_targets=(1e-3, 1e-2)) -> dict:
    """{"scores", "calibrator", "elub", "metrics", "software"} of a calibration file, from raw scores."""
    g = np.round(np.asarray(genuine, np.float64), SCORE_DECIMALS)
    i = np.round(np.asarray(impostor, np.float64), SCORE_DECIMALS)
    if g.size < 2 or i.size < 2:
        raise CalibrationError(f"a calibration needs at least 2 genuine and 2 impostor scores "
                               f"(got {g.size} and {i.size})")
    if not (np.all(np.isfinite(g)) and np.all(np.isfinite(i))):
        raise CalibrationError("the scores are not all finite numbers")
    scores, labels = np.concatenate([g, i]), np.concatenate([np.ones(g.size, np.int64), np.zeros(i.size, np.int64)])
    calibrator = fit_calibrator(scores, labels, kind)
    llr = log10_lr_of(calibrator, scores)
    lo, hi = elub_bounds(llr, labels)
    lir = require_lir()
    cv, folds = cross_validated_cllr(scores, labels, kind)
    eer, at_eer = equal_error_rate(g, i)
    points = []
    for target in fmr_targets:
        p = threshold_at_fmr(g, i, target)
        points.append({"target_fmr": target, **p.describe(), "measurable": target >= 1.0 / i.size})
    return {
        "scores": {"genuine": g.tolist(), "impostor": i.tolist()},
        "calibrator": calibrator,
        "elub": {"log10_lower": lo, "log10_upper": hi,
                 "method": "ELUB, Vergeer et al., Science & Justice 56 (2016) 482–491 (lir ELUBBounder)"},
        "metrics": {
            "cllr": _cllr(np.clip(llr, lo, hi), labels),
            "cllr_cv": cv, "cv_folds": folds,
            "cllr_min": float(lir.cllr_min(lir.LLRData(features=scores, labels=labels))),
            "eer": eer, "eer_threshold": at_eer.threshold, "eer_fmr": at_eer.fmr, "eer_fnmr": at_eer.fnmr,
            "operating_points": points,
        },
        "software": {"fame-desktop": __version__,
                     **{d: metadata.version(d) for d in ("lir", "scikit-learn", "numpy")}},
    }


def calibration_document(fitted: dict, *, model: dict, alignment: dict, dataset: dict, pairs: dict,
                         quality_ranges: dict, created: str) -> dict:
    """The whole calibration document (without its digest: calibration.calibration_bytes adds it)."""
    if not math.isfinite(fitted["metrics"]["cllr"]):
        raise CalibrationError("the fitted calibration gives infinite Cllr (misleading LRs of 0 or ∞)")
    return {"format": FORMAT, "format_version": FORMAT_VERSION, "created": created, "model": model,
            "alignment": alignment, "dataset": dataset, "pairs": pairs, **fitted, "quality_ranges": quality_ranges}
