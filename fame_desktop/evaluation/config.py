"""What an evaluation computes, as one comparable record.

Everything that changes a row is here: the pair list (by content), the model (by key and
checkpoint SHA-256), the methods and each one's parameters, the map settings, the percentages
and, for methods that need a decision threshold (FGGB), the threshold each set gives them.
`describe()` is what evaluation.json keeps; `difference` lists what changed between two of
them (paths are recorded but not compared: a moved pair list is the same list).
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict, dataclass, field, is_dataclass
from pathlib import Path

from ..core.attribution import MapSettings
from ..core.locations import is_folder, is_url, parent_location
from ..core.pair_lists import Pair
from ..metrics.masks import PERCENTAGES

FORMAT = "fame-desktop/evaluate"
FORMAT_VERSION = 1
TASK = "face-verification"


def set_name(pair: Pair) -> str:
    """The set a pair is evaluated in: its protocol, or "all" when the list names none."""
    return pair.protocol or "all"


def pairs_digest(pairs: list[Pair], source: str | Path) -> str:
    """SHA-256 of the pairs (ids, truth, sets, photographs relative to the list's folder): the same for
    the same list in any format, wherever the list and its photographs are moved together."""
    base = source if is_folder(source) else parent_location(source)
    rows = [[p.pair_id, p.same, p.protocol, _relative(p.gallery, base), _relative(p.probe, base)] for p in pairs]
    return hashlib.sha256(json.dumps(rows, ensure_ascii=False).encode("utf-8")).hexdigest()


def _relative(photo: str | Path, base: str | Path) -> str:
    if not is_url(photo) and not is_url(base):
        return os.path.relpath(photo, base)
    prefix = str(base).rstrip("/") + "/"
    return str(photo)[len(prefix):] if str(photo).startswith(prefix) else str(photo)


def describe_params(params) -> dict:
    """A method's parameters as JSON: their describe(), else the dataclass fields, else repr."""
    if callable(getattr(params, "describe", None)):
        return params.describe()
    return asdict(params) if is_dataclass(params) else {"repr": repr(params)}


@dataclass(frozen=True)
class FixedThreshold:
    """A decision threshold given by the user (--threshold) instead of each set's EER threshold."""

    value: float
    source: str


@dataclass(frozen=True)
class EvaluationConfig:
    """methods: registry keys in table order; params: key → that method's parameters (before any
    threshold); thresholds: set → clean EER threshold, known once the set's clean scores are."""

    pair_list: str
    pair_list_sha256: str
    model: str
    checkpoint: str | None
    checkpoint_sha256: str | None
    methods: tuple[str, ...]
    params: dict = field(hash=False)
    map_settings: MapSettings = MapSettings()
    percentages: tuple[int, ...] = PERCENTAGES
    task_options: dict = field(default_factory=lambda: {"gallery_face": 0, "probe_face": 0}, hash=False)
    fixed_threshold: FixedThreshold | None = None
    thresholds: dict | None = field(default=None, hash=False)

    def threshold_in_force(self, pair: Pair) -> tuple[float, str] | None:
        """(θ, where it comes from) for methods that need one, or None while the sets' thresholds are unknown."""
        if self.fixed_threshold is not None:
            return self.fixed_threshold.value, self.fixed_threshold.source
        if self.thresholds is None or set_name(pair) not in self.thresholds:
            return None
        return self.thresholds[set_name(pair)], f"EER threshold of the clean scores of set {set_name(pair)!r}"

    def params_for(self, method, pair: Pair):
        """The parameters `method` runs with on `pair`: a method that needs a threshold gets the one in force."""
        params = self.params[method.key]
        if getattr(method, "needs_threshold", False):
            held = self.threshold_in_force(pair)
            if held is not None:
                params = method.with_threshold(params, *held)
        return params

    def describe(self) -> dict:
        return {
            "format": FORMAT, "format_version": FORMAT_VERSION, "task": TASK,
            "pair_list": {"path": self.pair_list, "sha256": self.pair_list_sha256},
            "model": {"key": self.model, "checkpoint": {"path": self.checkpoint, "sha256": self.checkpoint_sha256}},
            "task_options": dict(self.task_options),
            "methods": {k: describe_params(self.params[k]) for k in self.methods},
            "maps": {k: v for k, v in self.map_settings.describe().items()},
            "percentages": list(self.percentages),
            "perturbation": "pixels set to 0 (black); deletion removes the top-P %, insertion keeps only them",
            "fixed_threshold": None if self.fixed_threshold is None else asdict(self.fixed_threshold),
            "thresholds": self.thresholds,
        }

    @property
    def config_id(self) -> str:
        """SHA-256 (first 16 hex digits) of the compared part of describe(): rows carry it."""
        text = json.dumps(_comparable(self.describe()), sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def _comparable(d):
    if isinstance(d, dict):
        return {k: _comparable(v) for k, v in d.items() if k != "path"}
    return d


def difference(old: dict, new: dict, prefix: str = "") -> list[str]:
    """'name: old → new' for every compared value that differs between two describe() records."""
    old, new = _comparable(old), _comparable(new)
    out = []
    for k in sorted(set(old) | set(new), key=str):
        a, b, name = old.get(k), new.get(k), f"{prefix}{k}"
        if isinstance(a, dict) and isinstance(b, dict):
            out += difference(a, b, f"{name}.")
        elif a != b:
            out.append(f"{name}: {_short(a)} → {_short(b)}")
    return out


def _short(v) -> str:
    text = "(none)" if v is None else json.dumps(v, ensure_ascii=False) if not isinstance(v, str) else v
    return text if len(text) <= 80 else text[:79] + "…"
