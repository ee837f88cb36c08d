"""Calibration files (.famecal): a score → likelihood-ratio calibration, checked whole on load.

    cal = load_calibration("lfw.famecal")       # CalibrationError when damaged, altered or unknown
    cal.check_model(model.describe())           # refused unless the case's model made it
    lr = cal.likelihood_ratio(0.42)             # log10 LR bounded by ELUB, and its verbal equivalent
    cal.threshold()  /  cal.threshold(fmr=1e-3) # a decision threshold with its source text

A calibration file is UTF-8 JSON (calibration_fit.py builds it, docs/evidence.md lists every
field): the model and its weights' SHA-256, the alignment, the data set's description and
content hash, the genuine and impostor scores, the fitted calibrator's parameters, ELUB
bounds, Cllr, Cllr_min, EER and operating points, the quality range of its photographs.
"sha256" is the SHA-256 of the canonical JSON of everything else (keys sorted, no spaces),
checked on load: it detects damage and edits, it is not a signature against forgery.

Applying a calibration needs numpy only (the fitted parameters are stored, lir is needed
only to fit): logistic, log10 LR = (a + b·s) / ln 10; isotonic, p = the stored step
function interpolated linearly at s (clipped to its range), log10 LR = log10 p/(1 − p).
Both are the formulas of lir's LogitCalibrator / IsotonicCalibrator (tests hold them equal).
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import FameError
from ..io_utils import canonical_json
from ..regular_files import read_regular_file
from .score_rates import OperatingPoint, equal_error_rate, threshold_at_fmr
from .verbal_scale import VerbalEquivalent, verbal_equivalent

FORMAT = "fame-desktop/calibration"
FORMAT_VERSION = 1
SUFFIX = ".famecal"
CALIBRATORS = ("logistic", "isotonic")
MAX_FILE_BYTES = 256 * 1024 * 1024
_REQUIRED = ("model", "alignment", "dataset", "pairs", "scores", "calibrator", "elub", "metrics")


class CalibrationError(FameError):
    """A calibration file that is missing, damaged, altered, of an unknown version or for another model."""


def content_digest(doc: dict) -> str:
    """SHA-256 of the canonical JSON of a calibration document without its "sha256"."""
    return hashlib.sha256(canonical_json({k: v for k, v in doc.items() if k != "sha256"})).hexdigest()


def calibration_bytes(doc: dict) -> bytes:
    """The file content of a calibration document: readable JSON carrying its own digest."""
    body = {k: v for k, v in doc.items() if k != "sha256"}
    text = json.dumps({**body, "sha256": content_digest(body)}, indent=1, ensure_ascii=False, allow_nan=False)
    return (text + "\n").encode("utf-8")


def log10_lr_of(calibrator: dict, scores) -> np.ndarray:
    """Unbounded log10 LRs of scores under a stored calibrator (±inf where isotonic p is 0 or 1)."""
    s = np.asarray(scores, dtype=np.float64)
    if calibrator["kind"] == "logistic":
        return (calibrator["intercept"] + calibrator["slope"] * s) / math.log(10)
    xs, ps = np.asarray(calibrator["scores"], np.float64), np.asarray(calibrator["probabilities"], np.float64)
    p = np.interp(np.clip(s, xs[0], xs[-1]), xs, ps)
    with np.errstate(divide="ignore"):
        return np.log10(p) - np.log10(1.0 - p)


@dataclass(frozen=True)
class CaseLR:
    """A case score through a calibration.

    log10_lr: bounded by the calibration's ELUB; unbounded_log10_lr: the calibrator's own
    value; bound: "upper" / "lower" when the bound applied, else None.
    """

    score: float
    log10_lr: float
    unbounded_log10_lr: float
    bound: str | None
    verbal: VerbalEquivalent

    @property
    def lr(self) -> float:
        return 10.0 ** self.log10_lr

    def describe(self) -> dict:
        unbounded = self.unbounded_log10_lr
        return {"score": self.score, "lr": self.lr, "log10_lr": self.log10_lr,
                "unbounded_log10_lr": unbounded if math.isfinite(unbounded) else str(unbounded),
                "bound": self.bound, "verbal": {"key": self.verbal.key, "text": self.verbal.text}}


@dataclass(frozen=True)
class Calibration:
    """A loaded, verified calibration file. `doc` is its JSON document, `sha256` its content digest."""

    doc: dict
    sha256: str
    path: str = ""

    # what it is -----------------------------------------------------------------------------
    @property
    def description(self) -> str:
        return self.doc["dataset"]["description"]

    @property
    def model_key(self) -> str:
        return self.doc["model"]["key"]

    @property
    def weights_sha256(self) -> str:
        return self.doc["model"]["weights_sha256"]

    @property
    def kind(self) -> str:
        return self.doc["calibrator"]["kind"]

    @property
    def genuine(self) -> np.ndarray:
        return np.asarray(self.doc["scores"]["genuine"], dtype=np.float64)

    @property
    def impostor(self) -> np.ndarray:
        return np.asarray(self.doc["scores"]["impostor"], dtype=np.float64)

    @property
    def elub(self) -> tuple[float, float]:
        """(lower, upper) bounds on log10 LR."""
        return self.doc["elub"]["log10_lower"], self.doc["elub"]["log10_upper"]

    @property
    def metrics(self) -> dict:
        return self.doc["metrics"]

    def summary(self) -> str:
        """One line: what data, which model, how good."""
        m, p = self.metrics, self.doc["pairs"]
        return (f"{self.description} ({p['genuine']} genuine / {p['impostor']} impostor pairs, {self.kind}; "
                f"Cllr {m['cllr']:.3f}, Cllr_min {m['cllr_min']:.3f}, EER {m['eer']:.1%}; SHA-256 {self.sha256[:12]}…)")

    # checks ---------------------------------------------------------------------------------
    def check_model(self, model_info: dict) -> None:
        """CalibrationError unless `model_info` (FaceModel.describe()) is the model this calibration was made with."""
        key = model_info.get("key")
        digest = (model_info.get("provenance") or {}).get("sha256")
        if key != self.model_key or digest != self.weights_sha256:
            raise CalibrationError(
                f"{self.path or 'the calibration'}: made with {self.model_key} (weights {self.weights_sha256[:12]}…), "
                f"not the case's model {key} (weights {(digest or '?')[:12]}…); a calibration holds only for its model")

    # likelihood ratios ------------------------------------------------------------------------
    def log10_lrs(self, scores) -> np.ndarray:
        """Bounded log10 LRs of many scores."""
        lo, hi = self.elub
        return np.clip(log10_lr_of(self.doc["calibrator"], scores), lo, hi)

    def likelihood_ratio(self, score: float) -> CaseLR:
        raw = float(log10_lr_of(self.doc["calibrator"], [score])[0])
        lo, hi = self.elub
        bounded = min(max(raw, lo), hi)
        bound = "upper" if raw > hi else "lower" if raw < lo else None
        return CaseLR(float(score), bounded, raw, bound, verbal_equivalent(bounded))

    # thresholds -------------------------------------------------------------------------------
    def operating_point(self, fmr: float | None = None) -> OperatingPoint:
        """At the EER (fmr None) or at the lowest threshold with FMR ≤ `fmr` on the impostor scores."""
        if fmr is None:
            return equal_error_rate(self.genuine, self.impostor)[1]
        n = self.impostor.size
        if fmr < 1.0 / n:
            raise CalibrationError(f"an FMR of {fmr:g} cannot be measured with {n} impostor pairs "
                                   f"(the smallest step is 1/{n} = {1 / n:.2g})")
        return threshold_at_fmr(self.genuine, self.impostor, fmr)

    def threshold(self, fmr: float | None = None):
        """A session.audit.Threshold at the EER or at `fmr`, its source naming this calibration."""
        from ...session.audit import Threshold

        point = self.operating_point(fmr)
        rule = f"EER threshold (EER {self.metrics['eer']:.2%})" if fmr is None else \
            f"threshold for FMR ≤ {fmr:g} (measured FMR {point.fmr:.2%}, FNMR {point.fnmr:.2%})"
        p = self.doc["pairs"]
        source = (f"{rule} of calibration “{self.description}” ({p['genuine']} genuine / {p['impostor']} impostor "
                  f"pairs, model {self.model_key}, file SHA-256 {self.sha256[:16]}…)")
        return Threshold(round(point.threshold, 6), source)

    # plot data ----------------------------------------------------------------------------------
    def tippett(self) -> dict:
        """Tippett plot data: for each proposition the sorted bounded log10 LRs of the calibration set
        and the share of its pairs with log10 LR ≥ each of them."""
        out = {}
        for name, scores in (("genuine", self.genuine), ("impostor", self.impostor)):
            llr = np.sort(self.log10_lrs(scores))
            out[name] = {"log10_lr": llr.tolist(), "share_at_or_above": (1.0 - np.arange(llr.size) / llr.size).tolist()}
        return out

    def histograms(self, bins: int = 40) -> dict:
        """Score histograms (densities on shared bins) of the genuine and impostor scores."""
        g, i = self.genuine, self.impostor
        edges = np.linspace(min(g.min(), i.min()), max(g.max(), i.max()), bins + 1)
        return {"edges": edges.tolist(), "genuine": np.histogram(g, edges, density=True)[0].tolist(),
                "impostor": np.histogram(i, edges, density=True)[0].tolist()}


def parse_calibration(data: bytes, name: str = "calibration") -> Calibration:
    """A Calibration from file bytes; CalibrationError with the reason when it cannot be used."""
    try:
        doc = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise CalibrationError(f"{name}: not a calibration file (damaged, or not JSON)") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise CalibrationError(f"{name}: not a fame-desktop calibration file")
    version = doc.get("format_version")
    if version != FORMAT_VERSION:
        raise CalibrationError(f"{name}: calibration format version {version!r} is not supported "
                               f"(this fame-desktop reads version {FORMAT_VERSION})")
    stated = doc.get("sha256")
    if not isinstance(stated, str) or content_digest(doc) != stated:
        raise CalibrationError(f"{name}: altered or damaged (its content does not match its SHA-256)")
    _validate(doc, name)
    return Calibration(doc=doc, sha256=stated, path=name)


def load_calibration(path: str | Path) -> Calibration:
    data = read_regular_file(path, MAX_FILE_BYTES, CalibrationError)
    return parse_calibration(data, str(path))


def _validate(doc: dict, name: str) -> None:
    """The structure the code relies on (a digest only proves the file is as written, not that it is sound)."""
    def fail(what: str):
        raise CalibrationError(f"{name}: {what}")

    missing = [k for k in _REQUIRED if not isinstance(doc.get(k), dict)]
    if missing:
        fail(f"lacks {', '.join(missing)}")
    if not isinstance(doc["model"].get("key"), str) or not isinstance(doc["model"].get("weights_sha256"), str):
        fail("names no model key and weights SHA-256")
    for side in ("genuine", "impostor"):
        s = doc["scores"].get(side)
        if not isinstance(s, list) or len(s) < 2 or not all(isinstance(v, (int, float)) for v in s):
            fail(f"needs at least 2 {side} scores")
    cal = doc["calibrator"]
    if cal.get("kind") == "logistic":
        if not all(isinstance(cal.get(k), (int, float)) for k in ("intercept", "slope")):
            fail("logistic calibrator without intercept and slope")
    elif cal.get("kind") == "isotonic":
        xs, ps = cal.get("scores"), cal.get("probabilities")
        if not (isinstance(xs, list) and isinstance(ps, list) and xs and len(xs) == len(ps)):
            fail("isotonic calibrator without matching scores and probabilities")
        x, p = np.asarray(xs, np.float64), np.asarray(ps, np.float64)
        if np.any(np.diff(x) <= 0) or np.any(np.diff(p) < 0) or p.min() < 0 or p.max() > 1:
            fail("isotonic calibrator is not an increasing step function")
    else:
        fail(f"unknown calibrator {cal.get('kind')!r}; known: {', '.join(CALIBRATORS)}")
    lo, hi = doc["elub"].get("log10_lower"), doc["elub"].get("log10_upper")
    if not (isinstance(lo, (int, float)) and isinstance(hi, (int, float)) and lo <= 0 <= hi):
        fail("ELUB bounds missing or not around 0")
    if not all(isinstance(doc["metrics"].get(k), (int, float)) for k in ("cllr", "cllr_min", "eer")):
        fail("lacks Cllr, Cllr_min or EER")
    if not isinstance(doc["dataset"].get("description"), str):
        fail("lacks the data set's description")
