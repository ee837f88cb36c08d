"""Files beside the PDF: overlays as PNG, raw Δx and maps as .npy, and a JSON manifest.

    <stem>-exports/manifest.json              everything the report states (report_facts) plus the
                                              PDF's and every exported file's SHA-256
    <stem>-exports/crops/, maps/, raw/, overlays/   the `fame explain` layout (tasks/face_output.py)
    <stem>-exports/photo_overlays/<key>.png   each map on the original photograph, full resolution,
                                              cut to the region around the face

The folder is built under a temporary name and renamed into place when complete
(io_utils.assembled_folder), so a failure (full disk, unwritable folder, interrupt) leaves
neither a partial folder nor stray files.
"""

from __future__ import annotations

from pathlib import Path

from ..core.images import encode_png, sha256_bytes
from ..core.io_utils import assembled_folder, atomic_write_bytes, atomic_write_json
from ..core.verification import split_key
from ..tasks.face_output import write_map_files
from . import figures

SUFFIX = "-exports"


def exports_dir_for(pdf_path: str | Path) -> Path:
    p = Path(pdf_path)
    return p.with_name(p.stem + SUFFIX)


def _fill(root: Path, session, facts: dict, pdf: dict | None) -> None:
    cmap, alpha = facts["parameters"]["display"]["colour_map"], facts["parameters"]["display"]["opacity"]
    result = session.result()
    files = write_map_files(root, result, session.map_settings, cmap, alpha)
    (root / "photo_overlays").mkdir()
    maps = result.maps(session.map_settings)
    for key in result.keys:
        fi = session.inputs[split_key(key)[0]].payload
        png = encode_png(figures.photo_overlay(fi, maps[key], cmap, alpha, max_side=1 << 16, outline=False))
        rel = f"photo_overlays/{key}.png"
        atomic_write_bytes(root / rel, png)
        files[rel] = sha256_bytes(png)
    manifest = {**facts, "report_pdf": pdf,
                "regions": {r: list(figures.footprint_region(session.inputs[r].payload)) for r in ("gallery", "probe")},
                "files": dict(sorted(files.items()))}
    atomic_write_json(root / "manifest.json", manifest)


def write_exports(session, facts: dict, folder: str | Path, pdf: dict | None = None,
                  overwrite: bool = True) -> Path:
    """Write the exports folder atomically (replacing an old one with files only with `overwrite`)."""
    with assembled_folder(folder, overwrite) as tmp:
        _fill(tmp, session, facts, pdf)
    return Path(folder)
