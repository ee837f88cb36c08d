#!/usr/bin/env python
"""Print how far feature-map cells' FAME receptive fields stray from their nominal areas.

    .venv/bin/python scripts/receptive_field_figures.py [--model KEY] [--image FILE] [-T N] [--rows 0 3]

Defaults: EfficientNet-Lite0 on skimage's chelsea and the embedded face model on
tests/data/obama.jpg, rows 0 (first) and 3 (centre), T = 100 (the supplement's maps
stabilise between 75 and 200 iterations). Figures are measured on raw |gray(Δx)|
(core.receptive_field): share of mass outside the nominal cell, mass-centre offset and
90 % extent in cell sizes. Timings are wall-clock on this machine (noisy when shared).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run(model_key: str, image_path: Path, iterations: int, rows: list[int]) -> None:
    from fame_desktop.methods import FameMethod
    from fame_desktop.tasks.runner import request_run
    from fame_desktop.core.fame import FameParams
    from fame_desktop.core.images import load_image
    from fame_desktop.tasks.feature_map import FeatureMapTask

    task = FeatureMapTask()
    model = task.load_model(model_key, device="auto")
    options = task.resolve_options({}, model)
    inputs = {"image": task.prepare(model, "image", load_image(image_path), options)}
    analysis = task.analyse(model, inputs, options)
    targets = [t for t in analysis.targets if t.data["row"] in rows]
    job = request_run(task, FameMethod(), model, inputs, analysis, targets, FameParams(iterations=iterations, epsilon=0), options)
    t0 = time.perf_counter()
    result = job.execute()
    seconds = time.perf_counter() - t0
    print(f"\n{model_key} on {image_path.name}: {analysis.headline}; T = {iterations}, {len(targets)} cells, "
          f"chunks of {job.method.chunk_rows(job.job) or len(targets)}; FAME {seconds:.0f} s "
          f"({1000 * seconds / (iterations * len(targets)):.0f} ms per cell-iteration, device {model.device})")
    print(f"{'cell':>12} {'outside':>8} {'offset x,y (cells)':>19} {'90% extent w×h':>15} {'50% extent w×h':>15} {'peak in cell':>12}")
    for key, f in result.measurements["cells"].items():
        print(f"{key:>12} {f['mass_outside']:8.1%} {f['offset_cells'][0]:+9.2f},{f['offset_cells'][1]:+6.2f} "
              f"{f['extent_90_cells'][0]:>9.1f} × {f['extent_90_cells'][1]:<4.1f}"
              f"{f['extent_50_cells'][0]:>9.1f} × {f['extent_50_cells'][1]:<4.1f} {str(f['peak_inside']):>12}")
    for r, s in result.measurements["rows"].items():
        print(f"  row {r} mean: {s['mean_mass_outside']:.1%} outside, offset {s['mean_offset_cells'][0]:+.2f}, "
              f"{s['mean_offset_cells'][1]:+.2f} cells, 90 % extent {s['mean_extent_90_cells'][0]:.1f} × "
              f"{s['mean_extent_90_cells'][1]:.1f}, 50 % extent {s['mean_extent_50_cells'][0]:.1f} × "
              f"{s['mean_extent_50_cells'][1]:.1f} cells")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", action="append", help="model key (repeat); default efficientnet-lite0 and arcface-mbf")
    ap.add_argument("--image", type=Path, help="photograph (default: chelsea for ImageNet, obama.jpg for faces)")
    ap.add_argument("-T", "--iterations", type=int, default=100)
    ap.add_argument("--rows", type=int, nargs="+", default=[0, 3])
    args = ap.parse_args()
    import cv2
    from skimage import data

    chelsea = Path(tempfile.mkdtemp()) / "chelsea.png"
    cv2.imwrite(str(chelsea), data.chelsea()[:, :, ::-1])
    from fame_desktop.tasks.models import FACE, model_family

    for key in args.model or ["efficientnet-lite0", "arcface-mbf"]:
        image = args.image or (ROOT / "tests" / "data" / "obama.jpg" if model_family(key) == FACE else chelsea)
        run(key, image, args.iterations, args.rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
