"""Adaptive stopping ("fast" preset) against the full 500-iteration run ("reference" preset).

For each real pair (genuine obama/obama2, impostors obama/biden and obama2/biden) the
reference preset runs all four maps for 500 iterations (ε off); the fast preset runs
them with adaptive stopping. Reported per pair: time of each, iterations each fast map
used, and Pearson r between each fast map and its reference map.

    python benchmarks/bench_adaptive.py                         # the fast preset as shipped
    python benchmarks/bench_adaptive.py --tolerances 0.004,0.002 --window 10 --json
    python benchmarks/bench_adaptive.py --variants 0.003@10,0.004@20

The reference run also keeps its maps every 10 iterations, to report how many iterations
each map needs before it reaches r ≥ 0.95 against its own 500-iteration map — the best any
stopping rule could do.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import replace

from _common import PAIRS, emit, load_crops, machine, median, pearson, progress, table


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pairs", default=",".join(PAIRS), help=f"comma-separated, from {', '.join(PAIRS)}")
    ap.add_argument("--tolerances", help="comma-separated δ to compare (default: the fast preset's)")
    ap.add_argument("--window", type=int, help="iterations between map comparisons (default: the preset's)")
    ap.add_argument("--variants", help="comma-separated δ@k pairs, e.g. 0.003@10,0.004@20 (overrides the two above)")
    ap.add_argument("--iterations", "-T", type=int, default=500, help="reference iterations")
    ap.add_argument("--model", default="arcface-mbf")
    ap.add_argument("--checkpoint")
    ap.add_argument("--device", default="auto")
    ap.add_argument("--repeats", type=int, default=1, help="timed repeats of each run; medians reported")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--quiet", "-q", action="store_true")
    args = ap.parse_args(argv)

    import numpy as np

    from fame_desktop.core.device import select_device
    from fame_desktop.core.models import load_face_model
    from fame_desktop.core.presets import PRESETS
    from fame_desktop.core.verification import MAP_KEYS, explain_pair

    device = select_device(args.device)
    model = load_face_model(args.model, args.checkpoint, device)
    crops = load_crops()
    reference = replace(PRESETS["reference"], iterations=args.iterations, snapshot_every=0)
    fast0 = replace(PRESETS["fast"], iterations=min(args.iterations, PRESETS["fast"].iterations), snapshot_every=0)
    if args.window:
        fast0 = replace(fast0, converge_window=args.window)
    if args.variants:
        pairs = [v.split("@") for v in args.variants.split(",")]
        variants = {f"{d}@{k}": replace(fast0, converge_tolerance=float(d), converge_window=int(k)) for d, k in pairs}
    else:
        tolerances = ([float(v) for v in args.tolerances.split(",")] if args.tolerances
                      else [fast0.converge_tolerance])
        variants = {f"{tol:g}@{fast0.converge_window}": replace(fast0, converge_tolerance=tol) for tol in tolerances}
    reference = replace(reference, snapshot_every=10)

    runs, oracle = [], []
    for name in args.pairs.split(","):
        g, p = (n.removesuffix(".jpg") for n in PAIRS[name])
        t_ref, t_fast = [], {tol: [] for tol in variants}
        for r in range(args.repeats):  # interleaved: reference, then each tolerance
            progress(f"{name}: reference ({reference.iterations} iterations) …", args.quiet)
            snaps = {}

            def keep(e, snaps=snaps):  # Δx every 10 iterations; reading it costs a copy, not timed apart
                if e.delta is not None:
                    snaps[e.iteration] = e.delta

            t = time.perf_counter()
            ref = explain_pair(model, crops[g], crops[p], reference, on_progress=keep)
            t_ref.append(time.perf_counter() - t)
            fast = {}
            for tol, params in variants.items():
                t = time.perf_counter()
                fast[tol] = explain_pair(model, crops[g], crops[p], params)
                t_fast[tol].append(time.perf_counter() - t)
            progress(f"  reference {t_ref[-1]:.1f} s, fast " +
                     ", ".join(f"{v[-1]:.1f} s" for v in t_fast.values()), args.quiet)
        ref_maps = ref.maps()
        from fame_desktop.core.attribution import delta_to_maps

        trajectory = {n: dict(zip(ref.keys, delta_to_maps(d))) for n, d in sorted(snaps.items())}
        needs = {k: next((n for n, m in trajectory.items() if pearson(m[k], ref_maps[k]) >= 0.95), None)
                 for k in MAP_KEYS}
        at = {n: {k: pearson(trajectory[n][k], ref_maps[k]) for k in MAP_KEYS} for n in (10, 30, 50, 100)
              if n in trajectory}
        oracle.append({"pair": name, "iterations_to_r95": needs, "r_at": at})
        for tol, expl in fast.items():
            maps, info = expl.maps(), expl.per_map()
            runs.append({
                "pair": name, "gallery": g, "probe": p, "similarity": ref.similarity,
                "variant": tol, "tolerance": variants[tol].converge_tolerance,
                "window": variants[tol].converge_window,
                "reference_s": median(t_ref), "fast_s": median(t_fast[tol]),
                "time_fraction": median(t_fast[tol]) / median(t_ref),
                "iterations": {k: info[k]["iterations"] for k in MAP_KEYS},
                "stop_reasons": {k: info[k]["stop_reason"] for k in MAP_KEYS},
                "r": {k: pearson(maps[k], ref_maps[k]) for k in MAP_KEYS},
            })

    rows = []
    for run in runs:
        rs, its = list(run["r"].values()), list(run["iterations"].values())
        rows.append({"pair": run["pair"], "δ@k": run["variant"],
                     "iterations (G+ G− P+ P−)": " ".join(str(v) for v in its),
                     "min r": min(rs), "mean r": float(np.mean(rs)),
                     "reference s": run["reference_s"], "fast s": run["fast_s"],
                     "time fraction": run["time_fraction"]})
    summary = {}
    for tol in variants:
        sel = [run for run in runs if run["variant"] == tol]
        rs = [v for run in sel for v in run["r"].values()]
        summary[tol] = {"min_r": min(rs), "mean_r": float(np.mean(rs)),
                             "time_fraction_max": max(run["time_fraction"] for run in sel),
                             "time_fraction_total": sum(run["fast_s"] for run in sel) /
                             sum(run["reference_s"] for run in sel)}
    result = {"benchmark": "adaptive", "machine": machine(device), "model": model.spec.key,
              "reference": reference.describe(), "fast": fast0.describe(), "repeats": args.repeats,
              "runs": runs, "summary": summary, "reference_trajectory": oracle}
    text = (f"adaptive stopping vs {reference.iterations} iterations (ε off), model {model.spec.key}, "
            f"{result['machine']['device']}, torch {result['machine']['torch']}, "
            f"load average {result['machine'].get('load_average')}\n"
            + table(rows, ["pair", "δ@k", "iterations (G+ G− P+ P−)", "min r", "mean r", "reference s",
                           "fast s", "time fraction"])
            + "\nreference run: iterations until each map reaches r ≥ 0.95 against its final map (G+ G− P+ P−): "
            + "; ".join(f"{o['pair']} " + " ".join(str(v) for v in o["iterations_to_r95"].values()) for o in oracle)
            + "\n" + "\n".join(f"δ@k {tol}: all maps min r {s['min_r']:.3f}, mean r {s['mean_r']:.3f}, "
                               f"time {100 * s['time_fraction_total']:.1f} % of the reference runs "
                               f"(worst pair {100 * s['time_fraction_max']:.1f} %)" for tol, s in summary.items()))
    emit(result, args.json, text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
