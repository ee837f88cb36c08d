"""Pairs per minute of `fame evaluate` (FAME, fast preset): the local engine against Ray with 1 and 2 workers;
with --images, images per minute of `fame evaluate-classification` (Grad-CAM, or --image-methods, on the
five photographs of tests/data/imagenet with their boxes; the metrics' forward passes are most of an
image's time): local against Ray with 1 worker.

The pairs: the first `--pairs` of the frontal pairs of tests/data (obama / obama2, biden / obama,
obama / 32bit, biden / obama2, then again under new ids). Torch gets one thread in every process
(Ray gives each 1-CPU actor one; the local engine is held to the same with OMP_NUM_THREADS=1),
so 2 Ray workers use two cores where the other variants use one. Each variant is one `fame evaluate`
process into a new folder, timed from start to exit (model loads and Ray's start included:
what a user waits for). Ray's overhead per pair = (Ray wall time with 1 worker − the sum of its
rows' own seconds) / pairs: starting Ray, the actor, its model, scheduling and moving rows.

    nice -n 10 python benchmarks/bench_ray_engine.py            # needs `pip install 'fame-desktop[ray]'`
    python benchmarks/bench_ray_engine.py --pairs 8 --json
    nice -n 10 python benchmarks/bench_ray_engine.py --images --json
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import DATA, ROOT, emit, machine, table

FRONTAL = [("obama.jpg", "obama2.jpg", 1), ("biden.jpg", "obama.jpg", 0), ("obama.jpg", "32bit.png", 1),
           ("biden.jpg", "obama2.jpg", 0)]
VARIANTS = {"local": [], "ray, 1 worker": ["--engine", "ray", "--workers", "1"],
            "ray, 2 workers": ["--engine", "ray", "--workers", "2"]}


def pair_list(folder: Path, n: int) -> Path:
    path = folder / "pairs.csv"
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["gallery", "probe", "same", "protocol"])
        w.writerows([DATA / g, DATA / p, s, "frontal"] for g, p, s in (FRONTAL[i % 4] for i in range(n)))
    return path


def _cli(command: list[str], extra: list[str]) -> tuple[float, str]:
    """Run `fame COMMAND… EXTRA` with torch on one thread; (wall seconds, its stderr)."""
    t0 = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "fame_desktop.cli", *command, "-q", *extra], cwd=ROOT,
                          capture_output=True, text=True,
                          env={**os.environ, "RAY_USAGE_STATS_ENABLED": "0", "OMP_NUM_THREADS": "1"})
    wall = time.perf_counter() - t0
    if done.returncode:
        sys.exit(f"{extra or 'local'} failed:\n{done.stderr}")
    return wall, next((line for line in done.stderr.splitlines() if line.startswith("ray:")), "")


def run(pairs: Path, out: Path, extra: list[str]) -> dict:
    wall, report = _cli(["evaluate", str(pairs), "--methods", "fame", "--preset", "fast", "--out", str(out)], extra)
    rows = [json.loads(line) for f in out.glob("pairs*.jsonl") for line in f.read_text().splitlines()]
    return {"pairs": len(rows), "wall_s": round(wall, 1), "rows_s": round(sum(r["seconds"] for r in rows), 1),
            "pairs_per_min": round(60 * len(rows) / wall, 2), "report": report}


def run_images(out: Path, methods: str, extra: list[str]) -> dict:
    wall, report = _cli(["evaluate-classification", str(DATA / "imagenet"), "--boxes", str(DATA / "imagenet"),
                         "--methods", methods, "--preset", "fast", "--out", str(out)], extra)
    rows = [json.loads(line) for f in out.glob("rows*.jsonl") for line in f.read_text().splitlines()]
    images = len({r["image"] for r in rows})
    return {"images": images, "wall_s": round(wall, 1), "rows_s": round(sum(r["seconds"] for r in rows), 1),
            "images_per_min": round(60 * images / wall, 2), "report": report}


def main_images(methods: str, as_json: bool) -> None:
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name, extra in (("local", []), ("ray, 1 worker", ["--engine", "ray", "--workers", "1"])):
            results[name] = run_images(Path(tmp) / name.replace(", ", "-").replace(" ", ""), methods, extra)
            print(f"{name}: {results[name]}", file=sys.stderr)
    doc = {"machine": machine(), "methods": methods, "load_average": os.getloadavg(), "results": results}
    rows = [{"engine": k, "images": v["images"], "wall s": v["wall_s"], "rows' own s": v["rows_s"],
             "images / min": v["images_per_min"]} for k, v in results.items()]
    emit(doc, as_json, table(rows, ["engine", "images", "wall s", "rows' own s", "images / min"])
         + f"\nload average {doc['load_average']}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--pairs", type=int, default=4, help="pairs evaluated (default 4; at least 2: a genuine and "
                                                         "an impostor pair)")
    ap.add_argument("--images", action="store_true", help="evaluate-classification instead (images per minute)")
    ap.add_argument("--image-methods", default="gradcam", help="with --images: --methods (default %(default)s; "
                                                               "FAME fast takes minutes per 224-px image on one core)")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    if args.images:
        return main_images(args.image_methods, args.json)
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        pairs = pair_list(Path(tmp), args.pairs)
        for name, extra in VARIANTS.items():
            results[name] = run(pairs, Path(tmp) / name.replace(", ", "-").replace(" ", ""), extra)
            print(f"{name}: {results[name]}", file=sys.stderr)
    one = results["ray, 1 worker"]
    overhead = (one["wall_s"] - one["rows_s"]) / one["pairs"]
    local = results["local"]
    doc = {"machine": machine(), "load_average": os.getloadavg(), "results": results,
           "local_overhead_s_per_pair": round((local["wall_s"] - local["rows_s"]) / local["pairs"], 2),
           "ray_overhead_s_per_pair": round(overhead, 2)}
    rows = [{"engine": k, "pairs": v["pairs"], "wall s": v["wall_s"], "rows' own s": v["rows_s"],
             "pairs / min": v["pairs_per_min"]} for k, v in results.items()]
    emit(doc, args.json, table(rows, ["engine", "pairs", "wall s", "rows' own s", "pairs / min"])
         + f"\noutside the pairs, per pair: local {doc['local_overhead_s_per_pair']} s, ray 1 worker "
           f"{doc['ray_overhead_s_per_pair']} s; load average {doc['load_average']}")

if __name__ == "__main__":
    main()
