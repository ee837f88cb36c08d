"""The output folder of a task run (`fame classify`, `fame featuremap`) — a stable contract.

    DIR/result.json            task, analysis (e.g. top-5), model + weights SHA-256, parameters,
                               inputs (file SHA-256, preparation, model-input PNG SHA-256),
                               per target: iterations, stop reason, losses, scores, files;
                               measurements, figures, timings, versions
    DIR/inputs/<role>.png      the model input FAME ran on (a run is reproducible from it)
    DIR/maps/<key>.npy         (S, S) float32 maps in [0, 1]
    DIR/raw/<key>.npy          (3, S, S) float32 raw Δx = x̄ − x (RGB, [0, 1] units)
    DIR/overlays/<key>.png     each map over its model input (nominal area outlined, if any)
    DIR/figures/NN_<name>.png  the figures of the task's report section

The folder is assembled under a temporary name beside DIR and renamed into place when complete
(io_utils.assembled_folder): it appears whole or not at all.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from ..core.attribution import MapSettings
from ..core.environment import versions
from ..session.audit import now_iso
from ..core.images import encode_png
from ..core.io_utils import assembled_folder, atomic_write_bytes, atomic_write_json, atomic_write_npy, ensure_dir
from ..core.overlay import overlay
from .base import DISPLAY, Task
from .figures import receptive_field_figure
from .result import TaskResult

FORMAT = "fame-desktop/task"
FORMAT_VERSION = 1


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")[:48] or "figure"


def write_task_dir(out: str | Path, task: Task, result: TaskResult, settings: MapSettings,
                   timings: dict, device, overwrite: bool = False, display: dict = DISPLAY) -> dict:
    """Write the whole contract as the folder `out` (its parent must exist; an existing folder with
    files is replaced only with `overwrite`); return result.json's content."""
    with assembled_folder(out, overwrite) as root:
        return fill_task_dir(root, task, result, settings, timings, device, display)


def fill_task_dir(root: Path, task: Task, result: TaskResult, settings: MapSettings, timings: dict, device,
                  display: dict = DISPLAY) -> dict:
    """The contract's files in the existing folder `root` (also the report's exports); returns result.json."""
    for sub in ("inputs", "maps", "raw", "overlays", "figures"):
        ensure_dir(root / sub)
    for role, inp in result.inputs.items():
        atomic_write_bytes(root / "inputs" / f"{role}.png", inp.input_png())
    for view in task.views(result, settings):
        atomic_write_npy(root / "maps" / f"{view.key}.npy", view.map.astype(np.float32))
        atomic_write_npy(root / "raw" / f"{view.key}.npy", result.delta(view.key).astype(np.float32))
        rgb = result.inputs[view.role].model_input
        alpha, cmap = display["opacity"], display["colour_map"]
        pic = (overlay(rgb, view.map, alpha, cmap) if view.outline is None
               else receptive_field_figure(rgb, view.map, view.outline, alpha=alpha, cmap=cmap))
        atomic_write_bytes(root / "overlays" / f"{view.key}.png", encode_png(pic))
    section = task.report_section(result, settings, display)
    figures = []
    for i, fig in enumerate(section.figures):
        name = f"figures/{i:02d}_{_slug(fig.caption)}.png"
        atomic_write_bytes(root / name, encode_png(fig.image))
        figures.append({"file": name, "caption": fig.caption})
    d = result.describe()
    doc = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "created": now_iso(),
        "task": task.describe(),
        "analysis": d["analysis"],
        "model": d["model"],
        "method": d["method"],
        "parameters": {d["method"]: d["parameters"], "maps": settings.describe(), "options": d["options"],
                       "display": dict(display)},
        "inputs": {role: {**v, "input": f"inputs/{role}.png"} for role, v in d["inputs"].items()},
        "maps": {k: {**v, "map": f"maps/{k}.npy", "raw": f"raw/{k}.npy", "overlay": f"overlays/{k}.png"}
                 for k, v in d["targets"].items()},
        "measurements": d["measurements"],
        "figures": figures,
        "report": section.to_text(),
        "cancelled": d["cancelled"],
        "input_snapshot": d["input_snapshot"],
        "timings_s": {k: round(v, 4) for k, v in timings.items()},
        "versions": result.environment or versions(device),
    }
    atomic_write_json(root / "result.json", doc)
    return doc
