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

from .attribution import MapSettings
from .environment import versions  # noqa: F401  (part of this module's API)
from .images import encode_png, sha256_bytes
from .io_utils import assembled_folder, atomic_write_bytes, atomic_write_json, ensure_dir, npy_bytes
from .models import FaceModel
from .overlay import DEFAULT_COLOUR_MAP, overlay
from .pipeline import FaceInput
from .verification import PairExplanation, split_key

FORMAT = "fame-desktop/explain"
FORMAT_VERSION = 1


def now_iso() -> str:
    return datetime.now().astimezone().isoformat(timespec="seconds")


def build_result(gallery: FaceInput, probe: FaceInput, model: FaceModel, explanation: PairExplanation,
                 settings: MapSettings, timings: dict) -> dict:
    """The result.json document (paths relative to the output folder)."""
    per_map = explanation.per_map()
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "created": now_iso(),
        "similarity": explanation.similarity,
        "model": model.describe(),
        "parameters": {"fame": explanation.run.params.describe(), "maps": settings.describe()},
        "inputs": {
            "gallery": {**gallery.describe(), "crop": "crops/gallery.png"},
            "probe": {**probe.describe(), "crop": "crops/probe.png"},
        },
        "maps": {
            k: {**per_map[k], "map": f"maps/{k}.npy", "raw": f"raw/{k}.npy", "overlay": f"overlays/{k}.png"}
            for k in explanation.keys
        },
        "cancelled": explanation.run.cancelled,
        "input_snapshot": None if explanation.snapshot is None else explanation.snapshot.describe(),
        "timings_s": {k: round(v, 4) for k, v in timings.items()},
        "versions": versions(model.device),
    }


def write_map_files(root: Path, gallery: FaceInput, probe: FaceInput, explanation: PairExplanation,
                    settings: MapSettings, cmap: str = DEFAULT_COLOUR_MAP, alpha: float = 0.5) -> dict[str, str]:
    """crops/, maps/, raw/ and overlays/ under the existing folder `root` (the layout above).

    Shared by `fame explain` and the report exports. Returns {relative path: SHA-256}.
    """
    written: dict[str, str] = {}

    def put(rel: str, data: bytes) -> None:
        atomic_write_bytes(root / rel, data)
        written[rel] = sha256_bytes(data)

    for sub in ("crops", "maps", "raw", "overlays"):
        ensure_dir(root / sub)
    crops = {"gallery": gallery.crop, "probe": probe.crop}
    for side, crop in crops.items():
        put(f"crops/{side}.png", encode_png(crop))
    maps = explanation.maps(settings)
    for k in explanation.keys:
        put(f"maps/{k}.npy", npy_bytes(maps[k].astype(np.float32)))
        put(f"raw/{k}.npy", npy_bytes(explanation.delta(k).astype(np.float32)))
        side, _ = split_key(k)
        put(f"overlays/{k}.png", encode_png(overlay(crops[side], maps[k], alpha, cmap)))
    return written


def write_explain_dir(out: str | Path, gallery: FaceInput, probe: FaceInput, model: FaceModel,
                      explanation: PairExplanation, settings: MapSettings, timings: dict,
                      cmap: str = DEFAULT_COLOUR_MAP, overwrite: bool = False) -> dict:
    """Write the whole contract as the folder `out` (its parent must exist; an existing folder with
    files is replaced only with `overwrite`); return result.json's content."""
    with assembled_folder(out, overwrite) as root:
        write_map_files(root, gallery, probe, explanation, settings, cmap)
        result = build_result(gallery, probe, model, explanation, settings, timings)
        atomic_write_json(root / "result.json", result)
    return result
