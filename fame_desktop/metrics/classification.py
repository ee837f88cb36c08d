"""Every metric of the class maps of one image, and their means over a set (the FAME paper's Tab. 1).

    settings = MetricSettings()                                   # thresholds, P's, seed
    row = measure(model, prepared_input, class_index, maps, boxes, settings)
        # maps: {method key: (S, S) map in [0, 1]} on the model input; boxes: metrics.boxes.Box
        # objects on the photograph (a VOC file's, or one a user drew), or () when there is none
        # → {method key: {"iou": {"0.3": …}, "pointing": bool, "road": {"10": p, …},
        #                 "deletion": [p(P) …], "insertion": [...], "deletion_auc", "insertion_auc"}}
    table = summarise(rows, methods, settings)                    # means per method (TABLE_COLUMNS)

ROAD and the curves measure the explained class's probability; IoU and the pointing game need a
box of that class (None without one).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from ..tasks.result import input_tensor
from .boxes import box_mask
from .deletion_classification import CURVE_PERCENTS, deletion_insertion
from .localisation import IOU_THRESHOLDS, POINTING_TOLERANCE, iou, pointing_hit
from .road import ROAD_PERCENTS, ROAD_SEED, road_delete


@dataclass(frozen=True)
class MetricSettings:
    iou_thresholds: tuple[float, ...] = IOU_THRESHOLDS
    road_percents: tuple[int, ...] = ROAD_PERCENTS
    road_seed: int = ROAD_SEED
    curve_percents: tuple[int, ...] = CURVE_PERCENTS
    pointing_tolerance: float = POINTING_TOLERANCE

    def describe(self) -> dict:
        return {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(self).items()}

    def columns(self) -> list[tuple[str, str, bool]]:
        """(key, heading, higher is better) of every table column."""
        return ([(f"iou_{t:g}", f"IoU@{t:g} ↑", True) for t in self.iou_thresholds]
                + [("pointing", "pointing ↑", True)]
                + [(f"road_{p}", f"ROAD-Del {p}% ↓", False) for p in self.road_percents]
                + [("deletion_auc", "deletion AUC ↓", False), ("insertion_auc", "insertion AUC ↑", True)])


def measure(model, prepared, class_index: int, maps: dict[str, np.ndarray], boxes=(),
            settings: MetricSettings = MetricSettings()) -> dict[str, dict]:
    """The metrics of every map of one image (see the module docstring); one batch per metric."""
    keys = list(maps)
    stack = np.stack([maps[k] for k in keys]).astype(np.float32)
    x = input_tensor(model, prepared)
    road = road_delete(model, x, stack, class_index, settings.road_percents, settings.road_seed)
    curves = deletion_insertion(model, x, stack, class_index, settings.curve_percents)
    box = box_mask(boxes, prepared.matrix, prepared.size) if boxes else None
    out = {}
    for i, k in enumerate(keys):
        out[k] = {
            "iou": None if box is None else {f"{t:g}": iou(stack[i], box, t) for t in settings.iou_thresholds},
            "pointing": None if box is None else pointing_hit(stack[i], box, settings.pointing_tolerance),
            "road": {str(p): float(road[i, j]) for j, p in enumerate(settings.road_percents)},
            "deletion": [float(v) for v in curves.deletion[i]],
            "insertion": [float(v) for v in curves.insertion[i]],
            "deletion_auc": float(curves.deletion_auc[i]),
            "insertion_auc": float(curves.insertion_auc[i]),
        }
    return out


def table_values(metrics: dict, settings: MetricSettings) -> dict[str, float | None]:
    """One image's metrics of one method as {column key: value} (None where there was no box)."""
    v: dict[str, float | None] = {}
    for t in settings.iou_thresholds:
        v[f"iou_{t:g}"] = None if metrics["iou"] is None else metrics["iou"][f"{t:g}"]
    v["pointing"] = None if metrics["pointing"] is None else float(metrics["pointing"])
    for p in settings.road_percents:
        v[f"road_{p}"] = metrics["road"][str(p)]
    v["deletion_auc"], v["insertion_auc"] = metrics["deletion_auc"], metrics["insertion_auc"]
    return v


def summarise(rows: list[dict], methods: list[str], settings: MetricSettings) -> dict[str, dict]:
    """Means per method over the rows that finished ({"method", "metrics", …} as measure's values).

    → {method: {"images": n, "with_box": n_box, column key: mean or None, "curves": mean curves}}"""
    table = {}
    for m in methods:
        done = [r for r in rows if r["method"] == m and r.get("status") == "done"]
        values = [table_values(r["metrics"], settings) for r in done]
        entry: dict = {"images": len(done), "with_box": sum(r["metrics"]["iou"] is not None for r in done)}
        for key, _heading, _higher in settings.columns():
            vals = [v[key] for v in values if v[key] is not None]
            entry[key] = float(np.mean(vals)) if vals else None
        entry["curves"] = {name: (np.mean([r["metrics"][name] for r in done], axis=0).tolist() if done else None)
                           for name in ("deletion", "insertion")}
        table[m] = entry
    return table


def best_per_column(table: dict[str, dict], settings: MetricSettings) -> dict[str, set[str]]:
    """{column key: methods with the best mean} (ties share it)."""
    best = {}
    for key, _heading, higher in settings.columns():
        vals = {m: e[key] for m, e in table.items() if e[key] is not None}
        if vals:
            target = max(vals.values()) if higher else min(vals.values())
            best[key] = {m for m, v in vals.items() if v == target}
    return best
