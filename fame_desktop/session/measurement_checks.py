"""Reopening a case's measurements (session/measurements.py), each checked against the restored results.

Every measurement must name results the case holds (method, input snapshot and the SHA-256 of
the measured map's raw output), the case's map settings, values of the shape and range its kind
writes, a box on the case's photograph and inside it, and an audit-log entry recording it
(with the SHA-256 of its values). Then:

- face-faithfulness: the curves are cheap (a batch of 11 crops per curve on a 112 × 112 face model),
  so they are computed again with the case's model and must match the stored ones (checks.compare,
  the results' tolerance);
- class-metrics: IoU and the pointing game are computed again from the restored maps and the box;
  ROAD and the deletion / insertion curves cost about 1.4 s per method with EfficientNet-Lite0
  (ROAD's imputation dominates), so they are checked for shape, range and consistency (each AUC is
  the area under its stored curve) only — the "open case file" audit entry and docs/case-files.md
  say so.

Any failure is a CaseFileError with its reason.
"""

from __future__ import annotations

import math

import numpy as np

from ..core.errors import CaseFileError
from ..metrics.boxes import box_mask
from ..metrics.face_deletion import MODES, pair_faithfulness
from ..metrics.localisation import iou, pointing_hit
from .checks import compare
from .codec import map_settings, typed
from .measurements import ACTIONS, FACE, KINDS, TASK_KINDS, Measurement, ObjectBox, SourceRef

CLASS_CHECK = ("IoU and pointing game recomputed; ROAD and the deletion / insertion curves checked for shape, "
               "range and consistency only (recomputing them costs about 1.4 s per method)")


def _number_list(values, n: int, lo: float, hi: float, what: str) -> list[float]:
    typed(values, list, what)
    if len(values) != n or not all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)
                                   and lo <= v <= hi for v in values):
        raise CaseFileError(f"{what} must be {n} numbers in [{lo:g}, {hi:g}]")
    return [float(v) for v in values]


def _parse(d) -> Measurement:
    """A stored measurement record, each field of the type the format writes."""
    typed(d, dict, "a measurement")
    kind = typed(d["kind"], str, "a measurement's kind")
    if kind not in KINDS:
        raise CaseFileError(f"a measurement of kind {kind!r}, which this version does not know")
    sources = tuple(SourceRef(typed(s["method"], str, "a measured method"), typed(s["snapshot"], str, "a snapshot"),
                              typed(s["raw_sha256"], str, "a raw output's SHA-256"))
                    for s in typed(d["sources"], list, "a measurement's sources"))
    if not sources or len({s.method for s in sources}) != len(sources):
        raise CaseFileError("a measurement must name each method it measured once")
    seconds = typed(d["seconds"], (int, float), "a measurement's time")
    if not (math.isfinite(seconds) and seconds >= 0):
        raise CaseFileError(f"a measurement's time {seconds} is not a duration")
    box = None
    if d.get("box") is not None:
        b = typed(d["box"], dict, "a measurement's box")
        for item in typed(b["boxes"], list, "the boxes"):
            typed(item, list, "a box")
            typed(item[0] if item else None, str, "a box's label")
            _number_list(item[1:], 4, -math.inf, math.inf, "a box's corners")
            if len(item) != 5:
                raise CaseFileError("a box must be a label and four corners")
        box = ObjectBox.from_dict(b)
        if not box.boxes:
            raise CaseFileError("a measurement's box record holds no box")
    return Measurement(kind, typed(d["target"], str, "a measured map"), sources,
                       map_settings(typed(d["map_settings"], dict, "a measurement's map settings")),
                       typed(d["settings"], dict, "a measurement's settings"),
                       typed(d["values"], dict, "a measurement's values"), float(seconds),
                       typed(d["time"], str, "a measurement's time"), box)


def _sources(session, m: Measurement) -> dict:
    """{method: its restored result}: every source must be a result the case holds, as it was measured."""
    results = {}
    for ref in m.sources:
        result = session.result(ref.method)
        if result is None:
            raise CaseFileError(f"a measurement refers to {ref.method}, which has no result in the case")
        if m.target not in result.keys:
            raise CaseFileError(f"a measurement refers to the map {m.target} of {result.method.title}, whose result "
                                "holds no such map")
        if SourceRef.of(result, m.target) != ref:
            raise CaseFileError(f"a measurement refers to another {result.method.title} result than the case holds")
        results[ref.method] = result
    if set(m.values) != set(results):
        raise CaseFileError("a measurement's values are not those of the methods it names")
    if m.map_settings != session.map_settings:
        raise CaseFileError("a measurement was computed with other map settings than the case's")
    return results


def _check_face(session, m: Measurement, results: dict, model, tolerance: float) -> float:
    percentages = typed(m.settings.get("percentages"), list, "the percentages of a faithfulness measurement")
    modes = m.settings.get("modes")
    _number_list(percentages, len(percentages), 0, 100, "the percentages of a faithfulness measurement")
    if len(percentages) < 2 or sorted(set(percentages)) != percentages or not all(isinstance(p, int) for p in percentages):
        raise CaseFileError("the percentages of a faithfulness measurement must be rising whole numbers")
    if not isinstance(modes, list) or not modes or not set(modes) <= set(MODES) or len(set(modes)) != len(modes):
        raise CaseFileError(f"the modes of a faithfulness measurement must be some of {', '.join(MODES)}")
    largest = 0.0
    for method, result in results.items():
        stored = typed(m.values[method], dict, "a method's curves")
        curves = typed(stored["curves"], list, "a method's curves")
        if len(curves) != len(modes):
            raise CaseFileError(f"the faithfulness of {result.method.title} holds {len(curves)} curves, not one per mode")
        for c in curves:
            typed(c, dict, "a curve")
            _number_list(c["similarity"], len(percentages), -1, 1, f"a {result.method.title} curve's similarities")
        again = pair_faithfulness(session.task, model, result, m.map_settings, tuple(percentages), tuple(modes),
                                  targets=(m.target,)).describe()
        for part in ("method", "similarity", "empty", "curves"):
            if why := compare(stored.get(part), again[part], tolerance, f"{result.method.title} faithfulness {part}"):
                raise CaseFileError(f"{why} (the curves do not reproduce)")
        largest = max([largest, *(abs(a - b) for s, r in zip(stored["curves"], again["curves"])
                                  for a, b in zip(s["similarity"], r["similarity"]))])
    return largest


def _check_class(session, m: Measurement, results: dict) -> None:
    try:
        ms = m.metric_settings()
    except (KeyError, TypeError, ValueError) as e:
        raise CaseFileError(f"the settings of a class-metrics measurement are damaged ({type(e).__name__}: {e})") \
            from None
    if ms.describe() != m.settings:
        raise CaseFileError("the settings of a class-metrics measurement are not of the form this version writes")
    (role,) = session.roles
    prepared = session.inputs[role]
    box = None
    if m.box is not None:
        photo = session.photos[role]
        if m.box.photo_sha256 != photo.sha256:
            raise CaseFileError(f"a measurement's box was placed on another photograph (SHA-256 "
                                f"{m.box.photo_sha256[:12]}…) than the case's {photo.sha256[:12]}…")
        for b in m.box.boxes:
            if not (0 <= b.xmin <= b.xmax <= photo.width - 1 and 0 <= b.ymin <= b.ymax <= photo.height - 1):
                raise CaseFileError(f"a measurement's box ({b.xmin:g}, {b.ymin:g})–({b.xmax:g}, {b.ymax:g}) lies "
                                    f"outside its {photo.width} × {photo.height} photograph")
        box = box_mask(m.box.boxes, prepared.matrix, prepared.size)
    x = np.asarray(ms.curve_percents, np.float64) / 100.0
    for method, result in results.items():
        v = typed(m.values[method], dict, "a method's metrics")
        title = result.method.title
        road = typed(v["road"], dict, f"{title}'s ROAD values")
        if sorted(road) != sorted(str(p) for p in ms.road_percents):
            raise CaseFileError(f"{title}'s ROAD values are not one per P of its settings")
        _number_list(list(road.values()), len(road), 0, 1, f"{title}'s ROAD values")
        for name in ("deletion", "insertion"):
            curve = _number_list(v[name], len(ms.curve_percents), 0, 1, f"{title}'s {name} curve")
            auc = typed(v[f"{name}_auc"], (int, float), f"{title}'s {name} AUC")
            area = float(((np.asarray(curve[1:]) + np.asarray(curve[:-1])) / 2 * np.diff(x)).sum())
            if not abs(auc - area) <= 1e-6:
                raise CaseFileError(f"{title}'s {name} AUC {auc:.4f} is not the area {area:.4f} under its curve")
        if box is None:
            if v["iou"] is not None or v["pointing"] is not None:
                raise CaseFileError(f"{title}'s IoU or pointing game is stored without a box")
            continue
        saliency = result.maps(m.map_settings)[m.target]
        again = {"iou": {f"{t:g}": iou(saliency, box, t) for t in ms.iou_thresholds},
                 "pointing": pointing_hit(saliency, box, ms.pointing_tolerance)}
        for part in ("iou", "pointing"):
            if why := compare(v[part], again[part], 1e-9, f"{title} {part}"):
                raise CaseFileError(f"{why} from the map and the box")


def restore_measurements(session, stored, model, tolerance: float) -> list[dict] | None:
    """Check the stored measurements (see the module docstring) and keep them in `session`; what was checked
    (for the opening's audit entry), None when there are none."""
    if stored is None:
        return None
    checks = []
    logged = {(e.action, e.details.get("target"), e.details.get("values_sha256")) for e in session.audit.entries}
    for d in typed(stored, list, "the measurements"):
        m = _parse(d)
        if m.kind != TASK_KINDS.get(session.task.key):
            raise CaseFileError(f"holds a {m.kind} measurement, which {session.task.title} does not make")
        if m.key in session.measurements:
            raise CaseFileError(f"holds two {m.kind} measurements of the map {m.target}")
        results = _sources(session, m)
        if m.kind == FACE:
            largest = _check_face(session, m, results, model, tolerance)
            check = f"curves recomputed (largest difference {largest:.2g})"
        else:
            _check_class(session, m, results)
            check = CLASS_CHECK
        if (ACTIONS[m.kind], m.target, m.values_sha256()) not in logged:
            raise CaseFileError(f"the audit log has no record of the stored {m.kind} measurement of {m.target}")
        session.measurements[m.key] = m
        checks.append({"kind": m.kind, "target": m.target, "methods": list(m.methods), "check": check})
    return checks or None

