"""CorrRISE, FGGB and the deletion / insertion curves on one pair, with the embedded model.

Targets (issue 15): CorrRISE with 500 masks for one pair ≤ 15 s; FGGB ≤ 10 s (its 512 backward
passes per face); one pair's 4 deletion / insertion curves (probe and gallery × Delete and
Insert, by the map supporting the truth) for 6 methods ≤ 20 s. Each method runs through the
runner on the genuine test pair (obama / obama2) exactly as `fame evaluate` runs it; the
curves are timed per curve (one batch of 11 perturbed crops each) over every map of every
method measured here and scaled to 4 curves × 6 methods.

    python benchmarks/bench_face_baselines.py                  # CorrRISE, FGGB, curves; 1 repeat
    python benchmarks/bench_face_baselines.py --repeats 3 --fggb-batch 32 --json
"""

from __future__ import annotations

import argparse
import time

from _common import DATA, emit, machine, median, progress, table


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeats", type=int, default=1, help="runs of each method (median reported)")
    ap.add_argument("--masks", type=int, default=500, help="CorrRISE masks per face")
    ap.add_argument("--corrrise-batch", type=int, default=50, help="masked faces per forward pass")
    ap.add_argument("--fggb-batch", type=int, default=64, help="dimensions back-propagated per batch")
    ap.add_argument("--fame-iterations", type=int, default=50, help="FAME iterations for the maps whose curves are timed")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--quiet", "-q", action="store_true")
    args = ap.parse_args()

    import torch

    from fame_desktop.core.fame import FameParams
    from fame_desktop.core.images import load_image
    from fame_desktop.methods import CorrRiseMethod, CorrRiseParams, FameMethod, FggbMethod, FggbParams
    from fame_desktop.metrics.face_deletion import pair_faithfulness
    from fame_desktop.tasks import discover
    from fame_desktop.tasks.runner import request_run

    task = discover().get("face-verification")
    model = task.load_model(task.default_model, None, "cpu")
    options = task.resolve_options({}, model)
    inputs = {role: task.prepare(model, role, load_image(DATA / name), options)
              for role, name in (("gallery", "obama.jpg"), ("probe", "obama2.jpg"))}
    analysis = task.analyse(model, inputs, options)
    settings = task.default_map_settings(model)

    def run(method, params, targets=None):
        chosen = analysis.defaults() if targets is None else [analysis.target(k) for k in targets]
        t = time.perf_counter()
        result = request_run(task, method, model, inputs, analysis, chosen, params, options).execute()
        return result, time.perf_counter() - t

    rows, results = [], {}
    plans = [
        ("CorrRISE, both faces", CorrRiseMethod(), CorrRiseParams(masks=args.masks, batch_size=args.corrrise_batch),
         None, 15.0, f"{2 * args.masks} forward passes"),
        ("FGGB, both faces", FggbMethod(), FggbParams(threshold=0.3, threshold_source="benchmark",
                                                      batch_size=args.fggb_batch), None, None,
         "2 × 512 backward passes"),
        ("FGGB, one face", FggbMethod(), FggbParams(threshold=0.3, threshold_source="benchmark",
                                                    batch_size=args.fggb_batch), ["probe_similar", "probe_dissimilar"],
         10.0, "512 backward passes"),
    ]
    for name, method, params, targets, target_s, work in plans:
        times = []
        for r in range(args.repeats):
            progress(f"{name}: run {r + 1}/{args.repeats}", args.quiet)
            result, seconds = run(method, params, targets)
            times.append(seconds)
        results.setdefault(method.key, result)
        rows.append({"measure": name, "work": work, "seconds": median(times), "target_s": target_s,
                     "runs": len(times)})
    progress(f"FAME ({args.fame_iterations} iterations) for its curves", args.quiet)
    results["fame"], _ = run(FameMethod(), FameParams(iterations=args.fame_iterations, epsilon=0.0))

    per_curve = []
    for key, result in results.items():
        for _ in range(args.repeats):
            pf = pair_faithfulness(task, model, result, settings)
            per_curve.append(pf.seconds / len(pf.curves))
    curve_s = median(per_curve)
    rows.append({"measure": "1 deletion / insertion curve", "work": "11 perturbed crops, one batch",
                 "seconds": curve_s, "runs": len(per_curve)})
    rows.append({"measure": "4 curves × 6 methods", "work": "24 batches of 11", "seconds": 24 * curve_s,
                 "target_s": 20.0, "runs": len(per_curve)})
    info = machine("cpu")
    result = {"machine": info, "torch_threads": torch.get_num_threads(), "rows": rows,
              "parameters": {"masks": args.masks, "corrrise_batch": args.corrrise_batch,
                             "fggb_batch": args.fggb_batch}}
    text = (f"{info['cpu']}, {info['cpu_count']} cores, torch {info['torch']} ({info['torch_threads']} threads), "
            f"load average {info.get('load_average')}\n"
            + table(rows, ["measure", "work", "seconds", "target_s", "runs"]))
    emit(result, args.json, text)


if __name__ == "__main__":
    main()
