"""The `fame explain` output folder — a stable contract other tools read.

    DIR/result.json                       similarity, model, parameters, inputs, maps, timings, versions
    DIR/crops/{gallery,probe}.png         the aligned 112×112 crops FAME ran on
    DIR/maps/<side>_<kind>.npy            (112, 112) float32 maps in [0, 1]
    DIR/raw/<side>_<kind>.npy             (3, 112, 112) float32 raw Δx = x̄ − x (RGB, [0, 1] units)
    DIR/overlays/<side>_<kind>.png        the map over its crop

The folder is assembled under a temporary name beside DIR and renamed into place when complete
(io_utils.assembled_folder): it appears whole or not at all.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import numpy as np

from ..core.attribution import MapSettings
from ..core.environment import versions
from ..core.images import encode_png, sha256_bytes
from ..core.io_utils import assembled_folder, atomic_write_bytes, atomic_write_json, ensure_dir, npy_bytes
from ..core.overlay import DEFAULT_COLOUR_MAP, overlay
from ..core.verification import split_key
from .result import TaskResult

FORMAT = "fame-desktop/explain"
FORMAT_VERSION = 1


def now_iso() -> str:
    return datetime.now().astimezone().isoformat(timespec="seconds")


def per_map(result: TaskResult) -> dict[str, dict]:
    """Per map key: iterations, stop reason, losses and the similarity after the optimisation."""
    return {k: {"iterations": v["iterations"], "stop_reason": v["stop_reason"], "initial_loss": v["initial_loss"],
                "final_loss": v["final_loss"], "final_similarity": v["final_score"]}
            for k, v in result.per_target().items()}


def build_result(result: TaskResult, settings: MapSettings, timings: dict) -> dict:
    """The result.json document of a face pair's TaskResult (paths relative to the output folder)."""
    maps = per_map(result)
    inputs = {role: result.inputs[role].payload for role in ("gallery", "probe")}
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "created": now_iso(),
        "similarity": result.analysis.summary["similarity"],
        "model": result.model,
        "method": result.method.key,
        "parameters": {result.method.key: result.run.params.describe(), "maps": settings.describe()},
        "inputs": {role: {**fi.describe(), "crop": f"crops/{role}.png"} for role, fi in inputs.items()},
        "maps": {k: {**maps[k], "map": f"maps/{k}.npy", "raw": f"raw/{k}.npy", "overlay": f"overlays/{k}.png"}
                 for k in result.keys},
        "cancelled": result.run.cancelled,
        "input_snapshot": None if result.snapshot is None else result.snapshot.describe(),
        "timings_s": {k: round(v, 4) for k, v in timings.items()},
        "versions": result.environment or versions(result.model.get("device", "cpu")),
    }


def write_map_files(root: Path, result: TaskResult, settings: MapSettings, cmap: str = DEFAULT_COLOUR_MAP,
                    alpha: float = 0.5) -> dict[str, str]:
    """crops/, maps/, raw/ and overlays/ under the existing folder `root` (the layout above).

    Shared by `fame explain` and the report exports. Returns {relative path: SHA-256}.
    """
    written: dict[str, str] = {}

    def put(rel: str, data: bytes) -> None:
        atomic_write_bytes(root / rel, data)
        written[rel] = sha256_bytes(data)

    for sub in ("crops", "maps", "raw", "overlays"):
        ensure_dir(root / sub)
    crops = {role: result.inputs[role].model_input for role in ("gallery", "probe")}
    for side, crop in crops.items():
        put(f"crops/{side}.png", encode_png(crop))
    maps = result.maps(settings)
    for k in result.keys:
        put(f"maps/{k}.npy", npy_bytes(maps[k].astype(np.float32)))
        put(f"raw/{k}.npy", npy_bytes(result.delta(k).astype(np.float32)))
        side, _ = split_key(k)
        put(f"overlays/{k}.png", encode_png(overlay(crops[side], maps[k], alpha, cmap)))
    return written


def write_explain_dir(out: str | Path, result: TaskResult, settings: MapSettings, timings: dict,
                      cmap: str = DEFAULT_COLOUR_MAP, overwrite: bool = False) -> dict:
    """Write the whole contract as the folder `out` (its parent must exist; an existing folder with
    files is replaced only with `overwrite`); return result.json's content."""
    with assembled_folder(out, overwrite) as root:
        write_map_files(root, result, settings, cmap)
        doc = build_result(result, settings, timings)
        atomic_write_json(root / "result.json", doc)
    return doc
