"""What the "fast" preset is worth on the other tasks: ImageNet classification and feature-map cells.

One reference run per image and task (500 iterations, ε off) keeps every map every 10
iterations. Replaying the fast preset's rule on that trajectory (a map stops at the first
check where 1 − r against its map `window` iterations earlier is below δ; at most the
preset's iterations) gives the iteration the fast preset stops at — a converged map is the
reference run's map at that iteration (tests/core/test_adaptive.py), so no second run is
needed. Reported per map: the fast stop, r of the map there against the 500-iteration map
(as the task shows maps: its default blur and normalisation), and the first iteration at
which any rule could have reached r ≥ 0.95.

    python benchmarks/bench_task_presets.py                    # chelsea + coffee, 3 cells
    python benchmarks/bench_task_presets.py --cells 0,0 3,3 --json
"""

from __future__ import annotations

import argparse
import time

from _common import emit, machine, pearson, progress, table

IMAGES = ("chelsea", "coffee")  # skimage.data photographs (shipped with scikit-image)


def trajectory(task, model, image, targets_keys, iterations: int, every: int = 10):
    """{iteration: (B, S, S) maps} of one reference run, the task's map settings, and its time."""
    from fame_desktop.methods import FameMethod
    from fame_desktop.tasks.runner import request_run
    from fame_desktop.core.fame import FameParams

    opts = task.resolve_options({}, model)
    inputs = {"image": task.prepare(model, "image", image, opts)}
    analysis = task.analyse(model, inputs, opts)
    targets = [task.target(analysis, k) for k in targets_keys] if targets_keys else analysis.defaults()
    snaps = {}

    def keep(p):
        if p.delta is not None:
            snaps[p.iteration] = p.delta.copy()

    params = FameParams(iterations=iterations, epsilon=0.0, snapshot_every=every)
    t = time.perf_counter()
    request_run(task, FameMethod(), model, inputs, analysis, targets, params, opts).execute(on_progress=keep)
    seconds = time.perf_counter() - t
    return targets, snaps, task.default_map_settings(model), seconds


def replay(targets, snaps, shown, iterations, fast) -> list[dict]:
    """One row per target: where the fast rule stops and how close that map is to the reference.

    The engine's own ConvergenceMonitor sees the snapshots it would have seen: at every
    `converge_window` iterations, the Δx of the maps still running.
    """
    from fame_desktop.core.attribution import delta_to_maps
    from fame_desktop.core.convergence import ConvergenceMonitor

    monitor = ConvergenceMonitor(fast.converge_tolerance)
    stops: dict[int, int] = {}
    for t in range(fast.converge_window, min(fast.iterations, iterations) + 1, fast.converge_window):
        live = [i for i in range(len(targets)) if i not in stops]
        if not live:
            break
        stops.update((i, t) for i in monitor.update(live, snaps[t][live]))
    view = {t: delta_to_maps(d, shown) for t, d in snaps.items()}
    rows = []
    for i, target in enumerate(targets):
        final = view[iterations][i]
        stop = stops.get(i, fast.iterations)
        reach = next((t for t in sorted(view) if pearson(view[t][i], final) >= 0.95), None)
        rows.append({"map": target.key, "fast stop": stop, "r at stop": pearson(view[stop][i], final),
                     "share of T": stop / iterations, "first r≥0.95": reach})
    return rows


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--images", default=",".join(IMAGES), help="skimage.data names, comma-separated")
    ap.add_argument("--cells", nargs="*", default=["0,0", "3,3", "6,2"], help="feature-map cells row,col")
    ap.add_argument("--iterations", "-T", type=int, default=500)
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--quiet", "-q", action="store_true")
    args = ap.parse_args(argv)

    import skimage.data

    from fame_desktop.cli.task_runner import builtin_task
    import cv2

    from fame_desktop.core.images import load_image_bytes
    from fame_desktop.core.presets import PRESETS

    fast = PRESETS["fast"]
    rows = []
    for key, cells in (("imagenet-classification", None), ("feature-map", args.cells)):
        task = builtin_task(key)
        model = task.load_model(task.default_model, None, args.device)
        for name in args.images.split(","):
            png = cv2.imencode(".png", getattr(skimage.data, name)()[:, :, ::-1])[1].tobytes()
            image = load_image_bytes(png, f"skimage.data.{name}()")
            progress(f"{key} {name}: reference run of {args.iterations} iterations", args.quiet)
            targets, snaps, shown, seconds = trajectory(task, model, image, cells, args.iterations)
            for row in replay(targets, snaps, shown, args.iterations, fast):
                rows.append({"task": key, "image": name, **row, "reference s": seconds})
            if key == "feature-map":
                break  # one image is enough for the cells
    result = {"machine": machine(args.device), "fast": fast.describe(), "iterations": args.iterations, "rows": rows}
    text = table(rows, ["task", "image", "map", "fast stop", "share of T", "r at stop", "first r≥0.95",
                        "reference s"])
    emit(result, args.json, text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
