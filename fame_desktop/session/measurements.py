"""Measurements of how faithful the maps are, kept in the session beside the results they measure.

Two kinds, one record:

    face-faithfulness  a face pair's deletion / insertion curves of one map (metrics/face_deletion.py),
                       per method: {method: PairFaithfulness.describe()}
    class-metrics      a class map's IoU, pointing game, ROAD and deletion / insertion curves
                       (metrics/classification.measure), per method, with the object box(es)

A measurement names the results it was computed from (`SourceRef`: method, input snapshot and the
SHA-256 of the measured map's raw output), the map settings and the metric's parameters, the
values and the time it took. It is current while the session holds exactly those results under
those map settings (and, for a box, the same photograph): `Session.measurement_stale_reasons`.
Case files store the current ones (`describe` / `from_dict`); opening checks them (session/restore.py).

    m = face_measurement(results, "probe_similar", settings, curves, seconds)
    m = class_measurement(results, "class_285", settings, metric_settings, values, box, seconds)
    session.set_measurement(m)               # logged; dropped with the results it measured
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass

import numpy as np

from ..core.attribution import MapSettings
from ..core.io_utils import canonical_json
from ..metrics.boxes import Box
from ..metrics.classification import MetricSettings, table_values
from ..metrics.face_deletion import PairFaithfulness
from .audit import now_iso

FACE = "face-faithfulness"
CLASS = "class-metrics"
KINDS = (FACE, CLASS)
TASK_KINDS = {"face-verification": FACE, "imagenet-classification": CLASS}  # the tasks with a metrics panel
ACTIONS = {FACE: "measure faithfulness", CLASS: "measure class metrics"}


def json_sha256(value) -> str:
    """SHA-256 of a JSON value's canonical form (what the audit log records of a measurement's values)."""
    return hashlib.sha256(canonical_json(value)).hexdigest()


@dataclass(frozen=True)
class SourceRef:
    """The result a measurement used: its method, input snapshot and the measured map's raw output."""

    method: str
    snapshot: str  # the result's InputSnapshot digest
    raw_sha256: str  # SHA-256 of the float32 raw output row of the target measured

    @classmethod
    def of(cls, result, target: str) -> "SourceRef":
        row = np.ascontiguousarray(np.asarray(result.delta(target), np.float32))
        return cls(result.method.key, result.snapshot.digest(), hashlib.sha256(row.tobytes()).hexdigest())


@dataclass(frozen=True)
class ObjectBox:
    """The object's box(es) on a photograph: drawn by the user, or read from a VOC file (its name)."""

    source: str
    photo_sha256: str
    boxes: tuple[Box, ...]

    def describe(self) -> dict:
        return {"source": self.source, "photo_sha256": self.photo_sha256,
                "boxes": [[b.label, b.xmin, b.ymin, b.xmax, b.ymax] for b in self.boxes]}

    @classmethod
    def from_dict(cls, d: dict) -> "ObjectBox":
        return cls(str(d["source"]), str(d["photo_sha256"]),
                   tuple(Box(str(b[0]), *(float(v) for v in b[1:5])) for b in d["boxes"]))


@dataclass(frozen=True)
class Measurement:
    kind: str
    target: str  # the map measured (face: probe_similar …; class: class_285)
    sources: tuple[SourceRef, ...]
    map_settings: MapSettings
    settings: dict  # face: {"percentages", "modes"}; class: MetricSettings.describe()
    values: dict  # {method: its values} (see the module docstring)
    seconds: float
    time: str
    box: ObjectBox | None = None

    @property
    def key(self) -> tuple[str, str]:
        return self.kind, self.target

    @property
    def methods(self) -> tuple[str, ...]:
        return tuple(s.method for s in self.sources)

    def faithfulness(self) -> dict[str, PairFaithfulness]:
        """{method: PairFaithfulness} of a face-faithfulness measurement."""
        return {m: PairFaithfulness.from_dict(v) for m, v in self.values.items()}

    def metric_settings(self) -> MetricSettings:
        s = self.settings
        return MetricSettings(tuple(float(t) for t in s["iou_thresholds"]), tuple(int(p) for p in s["road_percents"]),
                              int(s["road_seed"]), tuple(int(p) for p in s["curve_percents"]),
                              float(s["pointing_tolerance"]))

    def values_sha256(self) -> str:
        return json_sha256(self.values)

    def describe(self) -> dict:
        return {"kind": self.kind, "target": self.target, "sources": [asdict(s) for s in self.sources],
                "map_settings": asdict(self.map_settings), "settings": self.settings, "values": self.values,
                "seconds": round(float(self.seconds), 4), "time": self.time,
                "box": None if self.box is None else self.box.describe()}

    def audit_details(self) -> dict:
        """What the audit log records of it: inputs, parameters, a digest of the values and their summary."""
        if self.kind == FACE:
            summary = {"areas": {m: {c.mode: round(c.area, 4) for c in pf.curves}
                                 for m, pf in self.faithfulness().items()}}
        else:
            ms = self.metric_settings()
            summary = {"metrics": {m: {k: (None if x is None else round(x, 4)) for k, x in table_values(v, ms).items()}
                                   for m, v in self.values.items()}}
        return {"target": self.target, "methods": list(self.methods),
                "snapshots": {s.method: s.snapshot for s in self.sources}, "map_settings": self.map_settings.describe(),
                "settings": self.settings, "values_sha256": self.values_sha256(), **summary,
                "seconds": round(float(self.seconds), 3), **({} if self.box is None else {"box": self.box.describe()})}


def face_measurement(results: dict, target: str, settings: MapSettings, curves: dict[str, PairFaithfulness],
                     seconds: float) -> Measurement:
    """The curves of `target` computed for `results` ({method: TaskResult}) as a measurement."""
    first = next(iter(curves.values())).curves
    return Measurement(FACE, target, tuple(SourceRef.of(results[m], target) for m in curves), settings,
                       {"percentages": list(first[0].percentages), "modes": list(dict.fromkeys(c.mode for c in first))},
                       {m: pf.describe() for m, pf in curves.items()}, seconds, now_iso())


def class_measurement(results: dict, target: str, settings: MapSettings, metric_settings: MetricSettings,
                      values: dict[str, dict], box: ObjectBox | None, seconds: float) -> Measurement:
    """measure()'s values of `target` for `results` ({method: TaskResult}) as a measurement."""
    return Measurement(CLASS, target, tuple(SourceRef.of(results[m], target) for m in values), settings,
                       metric_settings.describe(), dict(values), seconds, now_iso(), box)
