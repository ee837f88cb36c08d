"""Fit the agreement estimate of Fast maps (fame_desktop/core/agreement.py) on the hard-pair set.

A map stopped by adaptive stopping with the stopping statistic c = 1 − r between its map
and the map one window earlier is r_ref away from the map the Reference preset (500
iterations) gives. The estimate models

    log(1 − r_ref) = a + b · log max(c, 1e-6)

by least squares on the maps of the pairs not held out (hard_pairs.HELD_OUT), at the stops
the Fast rule makes with its own window and the tolerances δ × (0.5, 0.7, 1, 1.4, 2) — so
the fit sees the statistic over a range, not only just below one δ. Stops come from
replaying the engine's ConvergenceMonitor on the recorded reference runs (trajectories.py):
a stopped map is the reference run's map at that iteration. The conservative figure adds
the largest of the fit's residuals (in log(1 − r)), so every map of the fit
reaches at least its lower figure. The held-out pairs, never used in the fit, check
both figures at the preset's δ.

    python benchmarks/calibrate_agreement.py          # fit, print the constants and the check
    python benchmarks/calibrate_agreement.py --json
"""

from __future__ import annotations

import argparse
from dataclasses import replace

import numpy as np

from _common import emit, pearson, table

SCALES = (0.5, 0.7, 1.0, 1.4, 2.0)


def stops_of(trajs, params, scales=(1.0,)):
    """Rows (pair, map, δ, t, c, r_ref) for each trajectory and each scaled tolerance."""
    from trajectories import replay

    rows = []
    for tr in trajs:
        maps = tr.maps()
        final = tr.reference_maps()
        for s in scales:
            p = replace(params, converge_tolerance=params.converge_tolerance * s)
            stops, change = replay(tr, p, maps)
            for i, key in enumerate(tr.keys):
                if not np.isfinite(change[i]):  # never compared: the estimate is not given (agreement.py)
                    continue
                t = int(stops[i])
                rows.append({"pair": tr.pair, "map": key, "delta": p.converge_tolerance, "t": t,
                             "c": float(change[i]), "r": pearson(maps[t // 5 - 1, i], final[i])})
    return rows


def design(rows) -> np.ndarray:
    c = np.array([r["c"] for r in rows], float)
    return np.c_[np.ones(len(rows)), np.log(np.maximum(c, 1e-6))]


def target(rows) -> np.ndarray:
    return np.log(np.maximum(1 - np.array([r["r"] for r in rows]), 1e-6))


def check(rows, coef, lower_offset) -> dict:
    pred = design(rows) @ coef
    expected = 1 - np.exp(pred)
    lower = 1 - np.exp(pred + lower_offset)
    r = np.array([x["r"] for x in rows])
    return {"maps": len(rows), "mean_abs_error": float(np.mean(np.abs(expected - r))),
            "bias": float(np.mean(expected - r)), "at_or_above_lower": int((r >= lower).sum()),
            "min_r": float(r.min()), "rows": [{**x, "expected": float(e), "lower": float(lo)}
                                              for x, e, lo in zip(rows, expected, lower)]}


def leave_one_pair_out(rows, delta: float) -> dict:
    """Each pair's maps at the preset's δ, predicted by a fit (and its largest residual) on the other pairs."""
    out = []
    for pair in sorted({r["pair"] for r in rows}):
        train = [r for r in rows if r["pair"] != pair]
        coef, *_ = np.linalg.lstsq(design(train), target(train), rcond=None)
        offset = float(np.max(target(train) - design(train) @ coef))
        test = [r for r in rows if r["pair"] == pair and np.isclose(r["delta"], delta)]
        out += check(test, coef, offset)["rows"]
    r = np.array([x["r"] for x in out])
    e = np.array([x["expected"] for x in out])
    return {"maps": len(out), "mean_abs_error": float(np.mean(np.abs(e - r))), "bias": float(np.mean(e - r)),
            "at_or_above_lower": int(sum(x["r"] >= x["lower"] for x in out)), "min_r": float(r.min())}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cached-only", action="store_true", help="use only the pairs whose reference run is cached")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)

    from hard_pairs import HELD_OUT, by_name
    from trajectories import load_all

    from fame_desktop.core import agreement
    from fame_desktop.core.models import load_face_model
    from fame_desktop.core.presets import PRESETS

    model = load_face_model("arcface-mbf", None, "cpu")
    pairs = by_name()
    trajs = load_all(model, pairs, cached_only=args.cached_only)
    fast = PRESETS["fast"]
    fit_trajs = [t for t in trajs if t.pair not in HELD_OUT]
    held_trajs = [t for t in trajs if t.pair in HELD_OUT]

    fit_rows = stops_of(fit_trajs, fast, SCALES)
    coef, *_ = np.linalg.lstsq(design(fit_rows), target(fit_rows), rcond=None)
    resid = target(fit_rows) - design(fit_rows) @ coef
    offset = float(np.max(resid))
    fit_check = check(stops_of(fit_trajs, fast), coef, offset)
    lopo = leave_one_pair_out(fit_rows, fast.converge_tolerance)
    held_check = check(stops_of(held_trajs, fast), coef, offset)
    shipped = agreement.FACE_VERIFICATION
    shipped_coef = np.array([shipped.intercept, shipped.log_change])
    shipped_check = check(stops_of(held_trajs, fast), shipped_coef, shipped.lower_offset)

    result = {
        "fit": {"pairs": [t.pair for t in fit_trajs], "points": len(fit_rows), "tolerances": sorted(
            {r["delta"] for r in fit_rows}), "window": fast.converge_window,
            "coefficients": {"intercept": float(coef[0]), "log_change": float(coef[1])},
            "residual_sd": float(resid.std()), "lower_offset": offset,
            "largest_change": max(r["c"] for r in fit_rows)},
        "fit_set_at_preset": {k: v for k, v in fit_check.items() if k != "rows"},
        "leave_one_pair_out_at_preset": lopo,
        "held_out_at_preset": {k: v for k, v in held_check.items() if k != "rows"},
        "shipped_on_held_out": {k: v for k, v in shipped_check.items() if k != "rows"},
        "held_out_maps": held_check["rows"],
    }
    c = result["fit"]["coefficients"]

    def line(name, d):
        return (f"{name}: {d['maps']} maps, mean |expected − r| {d['mean_abs_error']:.3f} (bias {d['bias']:+.3f}), "
                f"r ≥ lower figure for {d['at_or_above_lower']} of {d['maps']}, min r {d['min_r']:.3f}")

    text = "\n".join([
        f"fit on {len(fit_trajs)} pairs, {len(fit_rows)} stops (window {fast.converge_window}, "
        f"δ × {', '.join(f'{s:g}' for s in SCALES)} of {fast.converge_tolerance:g}):",
        f"  log(1 − r) = {c['intercept']:.4f} + {c['log_change']:.4f} · log c; "
        f"residual sd {result['fit']['residual_sd']:.3f}, lower figure: + {offset:.4f} (largest residual); "
        f"largest c {result['fit']['largest_change']:.6g}",
        line("fit set at the preset's δ", result["fit_set_at_preset"]),
        line("each fit pair predicted by a fit on the others (leave one pair out)", lopo),
        line("held-out pairs at the preset's δ", result["held_out_at_preset"]),
        line("shipped constants on the held-out pairs", result["shipped_on_held_out"]),
        table([{"pair": r["pair"], "map": r["map"], "t": r["t"], "c": r["c"], "r": r["r"], "expected": r["expected"],
                "lower": r["lower"]} for r in held_check["rows"]],
              ["pair", "map", "t", "c", "r", "expected", "lower"]),
    ])
    emit(result, args.json, text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
