"""The Fast preset against the Reference preset (500 iterations, ε off) on the hard-pair set.

For every pair of benchmarks/hard_pairs.py: the Reference maps come from the cached reference
run (benchmarks/trajectories.py; recorded on first use), the Fast preset runs for real, and
both are timed in this process, interleaved: the Fast run, then `--reference-sample`
iterations of the Reference preset (the same batch of four for every iteration, so its time
is linear in T and is scaled to 500; `--reference-sample 500` times the whole run).
Reported per map: iterations, stop reason, Pearson r against its Reference map, and the
agreement estimate the run carries (expected r, lower figure); per pair the time ratio.

With --replay nothing runs: each map's stop is replayed on the cached reference run (a map
stopped at iteration t *is* that run's map at t, tests/core/test_adaptive.py), so r is exact,
and the time ratio is modelled from the iterations (bench_stopping_rules.py: each iteration
costs what a batch of the maps still running costs, measured with bench_steps.py).

    python benchmarks/bench_adaptive.py --replay --cached-only   # every recorded pair, in seconds
    python benchmarks/bench_adaptive.py                       # all 16 pairs, the Fast preset
    python benchmarks/bench_adaptive.py --pairs genuine,mask_genuine --json
    python benchmarks/bench_adaptive.py --variants "δ=0.003,k=20"   # FameParams overrides of Fast
"""

from __future__ import annotations

import argparse
import time
from dataclasses import replace

import numpy as np

from _common import emit, machine, median, pearson, progress, table
from bench_stopping_rules import COSTS, EVERY, modelled_time

SHORT = {"gallery_similar": "G+", "gallery_dissimilar": "G−", "probe_similar": "P+", "probe_dissimilar": "P−"}
ALIASES = {"δ": "converge_tolerance", "k": "converge_window", "T": "iterations"}


def parse_variant(text: str, base):
    """'δ=0.003,k=20' → the Fast parameters with those values (names: FameParams fields or δ, k, T)."""
    if not text:
        return base
    values = {}
    for part in text.split(","):
        name, value = part.split("=")
        name = ALIASES.get(name.strip(), name.strip())
        kind = type(getattr(base, name))
        values[name] = kind(float(value)) if kind is int else kind(value)
    return replace(base, **values)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pairs", help="comma-separated hard-pair names (default: all)")
    ap.add_argument("--variants", nargs="*", default=[""],
                    help="Fast-preset overrides to compare, e.g. 'δ=0.002' 'k=20' (default: the preset as shipped)")
    ap.add_argument("--reference-sample", type=int, default=100,
                    help="Reference iterations timed per pair and scaled to 500 (500 = time the whole run)")
    ap.add_argument("--repeats", type=int, default=1, help="timed repeats per pair; medians reported")
    ap.add_argument("--replay", action="store_true",
                    help="replay the stops on the recorded reference runs; time modelled, nothing timed")
    ap.add_argument("--cached-only", action="store_true", help="only the pairs whose reference run is recorded")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--quiet", "-q", action="store_true")
    args = ap.parse_args(argv)

    from hard_pairs import HELD_OUT, by_name
    from trajectories import record

    from fame_desktop.core.agreement import estimate_agreement
    from fame_desktop.core.models import load_face_model
    from fame_desktop.core.presets import PRESETS
    from fame_desktop.core.verification import explain_pair

    model = load_face_model("arcface-mbf", None, "cpu")
    pairs = by_name(args.pairs.split(",") if args.pairs else None)
    reference = replace(PRESETS["reference"], snapshot_every=0)
    sample = replace(reference, iterations=args.reference_sample)
    variants = {v or "fast": parse_variant(v, replace(PRESETS["fast"], snapshot_every=0)) for v in args.variants}
    scale = reference.iterations / sample.iterations

    if not args.replay:
        progress("warm-up (every batch size once) …", args.quiet)
        warm = pairs[0].crops
        for n in range(1, 5):
            explain_pair(model, *warm, replace(reference, iterations=3), maps=list(SHORT)[:n])

    runs = []
    for pair in pairs:
        traj = record(model, pair, reference.iterations, quiet=args.quiet, cached_only=args.cached_only)
        if traj is None:
            progress(f"{pair.name}: no recorded reference run, left out", args.quiet)
            continue
        if args.replay:
            runs += [_replayed(pair, traj, name, params, model.spec.key) for name, params in variants.items()]
            continue
        ref_maps = dict(zip(traj.keys, traj.reference_maps()))
        t_ref, t_fast, fast = [], {v: [] for v in variants}, {}
        for _ in range(args.repeats):
            for name, params in variants.items():
                t = time.perf_counter()
                fast[name] = explain_pair(model, *pair.crops, params)
                t_fast[name].append(time.perf_counter() - t)
            t = time.perf_counter()
            explain_pair(model, *pair.crops, sample)
            t_ref.append((time.perf_counter() - t) * scale)
        progress(f"{pair.name}: reference {median(t_ref):.1f} s, " +
                 ", ".join(f"{n} {median(v):.1f} s" for n, v in t_fast.items()), args.quiet)
        for name, expl in fast.items():
            maps = expl.maps()
            per = {}
            agreement = estimate_agreement(expl.run, model.spec.key)
            for i, key in enumerate(expl.keys):
                a = agreement[i]
                per[key] = {"iterations": int(expl.run.iterations[i]), "stop_reason": expl.run.stop_reasons[i],
                            "r": pearson(maps[key], ref_maps[key]),
                            "expected_r": None if a is None else a.expected_r,
                            "lower_r": None if a is None else a.lower_r,
                            "first_r95": _first_r95(traj, i)}
            runs.append({"pair": pair.name, "category": pair.category, "genuine": pair.genuine,
                         "held_out": pair.name in HELD_OUT, "variant": name, "similarity": expl.similarity,
                         "reference_s": median(t_ref), "fast_s": median(t_fast[name]),
                         "time_fraction": median(t_fast[name]) / median(t_ref), "maps": per})

    summary = {name: _summary([r for r in runs if r["variant"] == name]) for name in variants}
    timing = ("modelled from the iterations (replay; costs of 1–4 maps per batch "
              f"{', '.join(map(str, COSTS))} of 4)" if args.replay else f"{sample.iterations} iterations × {scale:g}")
    result = {"benchmark": "adaptive-hard-pairs", "machine": machine("cpu"), "model": model.spec.key,
              "reference": reference.describe(), "reference_timing": timing,
              "variants": {n: p.describe() for n, p in variants.items()}, "repeats": args.repeats,
              "runs": runs, "summary": summary}
    emit(result, args.json, _text(result, runs, summary))
    return 0


def _replayed(pair, traj, name: str, params, model_key: str) -> dict:
    """One pair's Fast maps replayed on its recorded reference run (no engine run; time modelled)."""
    from hard_pairs import HELD_OUT
    from trajectories import replay

    from fame_desktop.core.agreement import estimate_agreement
    from fame_desktop.core.fame import FameRun

    maps, final = traj.maps(), traj.reference_maps()
    stops, change = replay(traj, params, maps)
    reasons = ["converged" if t < params.iterations else "iterations" for t in stops]
    b = len(stops)
    zeros = np.zeros(b, np.float32)
    run = FameRun(delta=traj.delta, iterations=stops, stop_reasons=reasons, initial_loss=zeros, final_loss=zeros,
                  initial_score=zeros, final_score=zeros, elapsed=0.0, params=params, stop_change=change)
    agreement = estimate_agreement(run, model_key)
    per = {key: {"iterations": int(stops[i]), "stop_reason": reasons[i],
                 "r": pearson(maps[int(stops[i]) // EVERY - 1, i], final[i]),
                 "expected_r": None if agreement[i] is None else agreement[i].expected_r,
                 "lower_r": None if agreement[i] is None else agreement[i].lower_r,
                 "first_r95": _first_r95(traj, i)} for i, key in enumerate(traj.keys)}
    fraction = modelled_time(stops)
    return {"pair": pair.name, "category": pair.category, "genuine": pair.genuine, "held_out": pair.name in HELD_OUT,
            "variant": name, "similarity": traj.similarity, "reference_s": 1.0, "fast_s": fraction,
            "time_fraction": fraction, "maps": per}


def _first_r95(traj, i: int):
    """The first snapshot iteration whose map reaches r ≥ 0.95 against the final one (what an oracle would stop at)."""
    final = traj.reference_maps()[i]
    for n, m in zip(traj.at, traj.maps()[:, i]):
        if pearson(m, final) >= 0.95:
            return int(n)
    return None


def _summary(sel: list[dict]) -> dict:
    maps = [m for r in sel for m in r["maps"].values()]
    rs = [m["r"] for m in maps]
    est = [m for m in maps if m["expected_r"] is not None]
    out = {"maps": len(maps), "min_r": min(rs), "mean_r": float(np.mean(rs)),
           "maps_below_0.95": sum(r < 0.95 for r in rs),
           "time_fraction_mean": float(np.mean([r["time_fraction"] for r in sel])),
           "time_fraction_total": sum(r["fast_s"] for r in sel) / sum(r["reference_s"] for r in sel),
           "time_fraction_max": max(r["time_fraction"] for r in sel),
           "worst_pair": max(sel, key=lambda r: r["time_fraction"])["pair"]}
    if est:
        err = [m["expected_r"] - m["r"] for m in est]
        out["agreement"] = {"maps": len(est), "mean_abs_error": float(np.mean(np.abs(err))),
                            "mean_error": float(np.mean(err)),
                            "r_at_or_above_lower": sum(m["r"] >= m["lower_r"] for m in est)}
    return out


def _text(result: dict, runs: list[dict], summary: dict) -> str:
    rows = []
    for r in runs:
        m = r["maps"]
        rows.append({"pair": r["pair"] + (" *" if r["held_out"] else ""), "variant": r["variant"],
                     "s": r["similarity"],
                     "iterations G+ G− P+ P−": " ".join(str(v["iterations"]) for v in m.values()),
                     "r G+ G− P+ P−": " ".join(f"{v['r']:.3f}" for v in m.values()),
                     "expected (lower)": " ".join("–" if v["expected_r"] is None else
                                                  f"{v['expected_r']:.2f}({v['lower_r']:.2f})" for v in m.values()),
                     "first r≥.95": " ".join(str(v["first_r95"]) for v in m.values()),
                     **({} if result["reference_timing"].startswith("modelled") else
                        {"ref s": r["reference_s"], "fast s": r["fast_s"]}),
                     "time": f"{100 * r['time_fraction']:.1f} %"})
    mc = result["machine"]
    lines = [f"Fast vs Reference (500 iterations, ε off) on the hard pairs; model {result['model']}, {mc['cpu']}, "
             f"torch {mc['torch']}, {mc['torch_threads']} threads, load average {mc.get('load_average')}; "
             f"reference time = {result['reference_timing']}; * = held out of every fit",
             table(rows, list(rows[0]))]
    for name, s in summary.items():
        line = (f"{name}: {s['maps']} maps, min r {s['min_r']:.3f}, mean r {s['mean_r']:.3f}, "
                f"{s['maps_below_0.95']} below 0.95; time {100 * s['time_fraction_mean']:.1f} % of the Reference "
                f"(mean over pairs; total {100 * s['time_fraction_total']:.1f} %), worst pair {s['worst_pair']} "
                f"{100 * s['time_fraction_max']:.1f} %")
        if "agreement" in s:
            a = s["agreement"]
            line += (f"; agreement estimate: mean |expected − r| {a['mean_abs_error']:.3f} (bias {a['mean_error']:+.3f}), "
                     f"r ≥ lower figure for {a['r_at_or_above_lower']} of {a['maps']} maps")
        lines.append(line)
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())
