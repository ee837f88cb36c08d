"""Scoring a list of face pairs for a calibration: resumable, per-pair failures recorded, never fatal.

    cache = ScoreCache(Path("lfw.famecal.scores.jsonl"), scoring_header(model, detector))
    outcomes = score_pairs(pairs, model, detector, cache, on_progress)

Each pair's outcome (its cosine, or why it has none: an unreadable file, no face) is appended
to the cache file as one JSON line, in batches of a few pairs and whenever the run stops (also
on Ctrl+C or SIGTERM), so an interrupted run keeps what it scored. A rerun with the same cache skips every pair already scored (same
id, photographs and label) and tries the failed ones again. The first line of the cache names
the model (key, weights SHA-256) and the alignment: a cache made otherwise is refused, as its
scores would mix two systems. Each photograph is read, detected (its largest face), aligned and
embedded once per run however many pairs name it; its quality measures ride along.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from ..errors import ExportError, FaceNotFoundError, FameError, ImageLoadError
from ..faces import ARCFACE_TEMPLATE, FaceDetector
from ..images import load_image
from ..pair_lists import Pair
from ..pipeline import prepare_face
from .calibration import CalibrationError
from .quality import measure_quality

CACHE_FORMAT = "fame-desktop/calibration-scores"
CACHE_VERSION = 1
CACHE_SUFFIX = ".scores.jsonl"


def cache_path_for(calibration_path: str | Path) -> Path:
    """Where the per-pair scores of a calibration file are kept: beside it, `<name>.scores.jsonl`."""
    p = Path(calibration_path)
    return p.with_name(p.name + CACHE_SUFFIX)


def alignment_record(detector: FaceDetector) -> dict:
    return {
        "detector": f"MTCNN vendored from facenet-pytorch 2.6.0 (stage thresholds 0.6 / 0.7 / 0.7), smallest face "
                    f"{detector.min_face_size} px, run on a copy whose longer side is at most {detector.max_side} px",
        "face": "the largest detected face of each photograph",
        "transform": "5-point similarity transform onto the ArcFace 112×112 template",
        "template": ARCFACE_TEMPLATE.tolist(),
    }


def scoring_header(model_info: dict, detector: FaceDetector) -> dict:
    """What a cache's scores depend on: model (key, weights SHA-256) and alignment."""
    return {"format": CACHE_FORMAT, "format_version": CACHE_VERSION,
            "model": {"key": model_info["key"], "weights_sha256": model_info["provenance"]["sha256"]},
            "alignment": alignment_record(detector)}


@dataclass(frozen=True)
class PairOutcome:
    """A scored pair (score set) or a failed one (error and error_kind set: "unreadable", "no face", "failed")."""

    pair_id: str
    gallery: str
    probe: str
    same: bool
    score: float | None = None
    error: str | None = None
    error_kind: str | None = None
    gallery_sha256: str | None = None
    probe_sha256: str | None = None
    gallery_quality: dict | None = None
    probe_quality: dict | None = None

    def matches(self, pair: Pair) -> bool:
        return (self.pair_id, self.gallery, self.probe, self.same) == (pair.pair_id, _path(pair.gallery),
                                                                     _path(pair.probe), pair.same)


def _path(p: Path) -> str:
    return os.path.abspath(p)


class ScoreCache:
    """The JSON-lines file of pair outcomes beside a calibration file (module docstring)."""

    def __init__(self, path: Path, header: dict):
        self.path = Path(path)
        self.header = header

    def read(self) -> dict[str, PairOutcome]:
        """{pair_id: the last outcome recorded}; CalibrationError when the cache was made otherwise."""
        if not self.path.exists() or self.path.stat().st_size == 0:
            return {}
        out = {}
        try:
            with open(self.path, encoding="utf-8") as f:
                self._check_header(f.readline())
                for line in f:
                    try:
                        rec = PairOutcome(**json.loads(line))
                    except (json.JSONDecodeError, TypeError):
                        continue  # a line cut by an interrupted run: that pair is scored again
                    out[rec.pair_id] = rec
        except (OSError, UnicodeDecodeError) as e:
            raise CalibrationError(f"{self.path}: cannot read the score cache ({e})") from None
        return out

    def _check_header(self, line: str) -> None:
        try:
            first = json.loads(line)
        except json.JSONDecodeError:
            first = None
        if not isinstance(first, dict) or first.get("format") != CACHE_FORMAT:
            raise CalibrationError(f"{self.path}: not a score cache of fame calibrate; move it away")
        for part in ("model", "alignment"):
            if first.get(part) != self.header[part]:
                raise CalibrationError(
                    f"{self.path}: its scores were made with another {part} "
                    f"({json.dumps(first.get(part), ensure_ascii=False)[:120]}); remove it or write the "
                    "calibration elsewhere")

    def append(self, outcomes: list[PairOutcome]) -> None:
        try:
            with open(self.path, "a+b") as f:
                if f.tell() == 0:
                    f.write((json.dumps(self.header, ensure_ascii=False) + "\n").encode("utf-8"))
                else:  # a line cut by an interrupted run must not swallow the next one
                    f.seek(-1, os.SEEK_END)
                    if f.read(1) != b"\n":
                        f.write(b"\n")
                for o in outcomes:
                    f.write((json.dumps(asdict(o), ensure_ascii=False, allow_nan=False) + "\n").encode("utf-8"))
        except OSError as e:
            raise ExportError(f"{self.path}: cannot write the score cache ({e.strerror or e})") from None


@dataclass
class _Photo:
    sha256: str | None = None
    embedding: np.ndarray | None = None  # (D,) L2-normalised
    quality: dict | None = None
    error: str | None = None
    kind: str | None = None


def _photo(path: Path, model, detector: FaceDetector) -> _Photo:
    try:
        image = load_image(path)
    except ImageLoadError as e:
        return _Photo(error=str(e), kind="unreadable")
    try:
        face = prepare_face(image, detector, "gallery")
    except FaceNotFoundError as e:
        return _Photo(sha256=image.sha256, error=str(e), kind="no face")
    except FameError as e:
        return _Photo(sha256=image.sha256, error=str(e), kind="failed")
    emb = model.embed(face.crop)[0].detach().cpu().double().numpy()
    quality = measure_quality(face, model, emb).measures()
    return _Photo(sha256=image.sha256, embedding=emb / max(np.linalg.norm(emb), 1e-12), quality=quality)


def score_pairs(pairs: list[Pair], model, detector: FaceDetector, cache: ScoreCache,
                on_progress: Callable[[int, int, int], None] | None = None, flush_every: int = 16) -> list[PairOutcome]:
    """One outcome per pair, in list order; scored pairs in the cache are reused (module docstring).

    on_progress(done, total, failed) after each pair.
    """
    cached = cache.read()
    photos: dict[str, _Photo] = {}

    def photo(path: Path) -> _Photo:
        key = _path(path)
        if key not in photos:
            photos[key] = _photo(path, model, detector)
        return photos[key]

    outcomes, pending, failed = [], [], 0
    try:
        for n, pair in enumerate(pairs, 1):
            old = cached.get(pair.pair_id)
            if old is not None and old.score is not None and old.matches(pair):
                outcome = old
            else:
                outcome = _outcome(pair, photo(pair.gallery), photo(pair.probe))
                pending.append(outcome)
                if len(pending) >= flush_every:
                    cache.append(pending)
                    pending = []
            failed += outcome.score is None
            outcomes.append(outcome)
            if on_progress is not None:
                on_progress(n, len(pairs), failed)
    finally:  # also when interrupted: what was scored is kept
        cache.append(pending)
    return outcomes


def _outcome(pair: Pair, g: _Photo, p: _Photo) -> PairOutcome:
    base = dict(pair_id=pair.pair_id, gallery=_path(pair.gallery), probe=_path(pair.probe), same=pair.same,
                gallery_sha256=g.sha256, probe_sha256=p.sha256, gallery_quality=g.quality, probe_quality=p.quality)
    for role, photo in (("gallery", g), ("probe", p)):
        if photo.error is not None:
            return PairOutcome(**base, error=f"{role}: {photo.error}", error_kind=photo.kind)
    return PairOutcome(**base, score=round(float(g.embedding @ p.embedding), 7))


def pairs_sha256(outcomes: list[PairOutcome]) -> str:
    """SHA-256 of the data set's content: each pair's id, label and photographs' SHA-256, in list order
    (independent of where the files lie; an unreadable photograph counts as an empty hash)."""
    h = hashlib.sha256()
    for o in outcomes:
        h.update(f"{o.pair_id}\t{int(o.same)}\t{o.gallery_sha256 or ''}\t{o.probe_sha256 or ''}\n".encode())
    return h.hexdigest()


def summarise_outcomes(outcomes: list[PairOutcome]) -> dict:
    """The "pairs" part of a calibration file: counts, failures by kind, each failure's pair and reason."""
    failures = [o for o in outcomes if o.score is None]
    kinds: dict[str, int] = {}
    for o in failures:
        kinds[o.error_kind or "failed"] = kinds.get(o.error_kind or "failed", 0) + 1
    scored = [o for o in outcomes if o.score is not None]
    return {"listed": len(outcomes), "scored": len(scored), "genuine": sum(o.same for o in scored),
            "impostor": sum(not o.same for o in scored), "failed": len(failures), "failures_by_kind": kinds,
            "failures": [{"pair_id": o.pair_id, "kind": o.error_kind, "reason": o.error} for o in failures]}


def photo_measures(outcomes: list[PairOutcome]) -> list[dict]:
    """The quality measures of each distinct photograph that was scored (by SHA-256)."""
    seen: dict[str, dict] = {}
    for o in outcomes:
        if o.score is None:
            continue
        for sha, q in ((o.gallery_sha256, o.gallery_quality), (o.probe_sha256, o.probe_quality)):
            if sha and q:
                seen.setdefault(sha, q)
    return list(seen.values())
