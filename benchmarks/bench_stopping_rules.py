"""Stopping rules for the Fast preset, replayed offline on the hard pairs' recorded reference runs.

Every rule sees, at its checks (every 10 iterations), what the engine would give it: the
maps so far (default MapSettings, snapshots every 5 iterations) and the losses. A map a
rule stops at iteration t *is* the reference run's map at t, so r against the 500-iteration
map and the iterations used come from the recording (trajectories.py) — no engine run.
Time is modelled from the iterations: each iteration costs what a batch of the maps still
running costs (`--costs`, per batch size 1–4 relative to 4, measured with
`bench_steps.py`: shrinking batches are cheaper per map), over 500 iterations of four maps.

Families (all with at most `--cap` iterations):
    window    1 − r(map_t, map_t−k) < δ                     the rule the engine has
    loss      … and the loss flattened: |L_t−10 − L_t| < τ · |L_0 − L_t|
    half      … and 1 − r(map_t, map_t/2) < h               (a growing comparison window)
    grow      1 − r(map_t, map_t−w) < δ with w = f · t       (growing window alone)
    topk      Jaccard of the top 10 % pixels of map_t and map_t−k > j
    min       any of the above, no stop before t_min; `consec`: the test must hold at 2 checks
    oracle    the first snapshot with r ≥ 0.95 against the final map (knows the answer)

Printed: the oracle, then the rules on the Pareto front of (min r, modelled time) on the
pairs not held out, each with its figures on the held-out pairs.

    python benchmarks/bench_stopping_rules.py [--json]
"""

from __future__ import annotations

import argparse
import itertools

import numpy as np

from _common import emit, table

EVERY = 5  # the recording's snapshot cadence
COSTS = (0.40, 0.60, 0.83, 1.0)  # per-iteration cost of a batch of 1–4 maps, relative to 4 (bench_steps.py)


class Replay:
    """One pair's recording, prepared for fast rule evaluation."""

    def __init__(self, traj):
        self.name = traj.pair
        maps = traj.maps()  # (S, B, H, W)
        s, b = maps.shape[:2]
        f = maps.reshape(s, b, -1).astype(np.float64)
        f -= f.mean(-1, keepdims=True)
        f /= np.linalg.norm(f, axis=-1, keepdims=True) + 1e-30
        self.r = np.einsum("sbp,tbp->bst", f, f)  # (B, S, S) Pearson r between any two snapshots
        self.final = self.r[:, :, -1]  # (B, S) r against the 500-iteration map
        n = maps[0, 0].size // 10
        self.top = np.argsort(-maps.reshape(s, b, -1), axis=-1)[..., :n]  # (S, B, n) top 10 % pixels
        self.loss = traj.loss  # (T, B)
        self.maps = b

    def change(self, b: int, t1: int, t2: int) -> float:
        return 1.0 - self.r[b, t1 // EVERY - 1, t2 // EVERY - 1]

    def jaccard(self, b: int, t1: int, t2: int) -> float:
        x, y = set(self.top[t1 // EVERY - 1, b].tolist()), set(self.top[t2 // EVERY - 1, b].tolist())
        return len(x & y) / len(x | y)

    def loss_flat(self, b: int, t: int) -> float:
        L = self.loss[:, b]
        return abs(L[t - 11] - L[t - 1]) / max(abs(L[0] - L[t - 1]), 1e-12)


def make_rule(kind: str, cap: int, k: int = 10, d: float = 1.0, tau=None, half=None, frac=0.5, j=0.9,
              tmin: int = 0, consec: int = 1):
    """rule(replay, map) → stop iteration."""
    def test(rp: Replay, b: int, t: int) -> bool:
        if kind == "grow":
            w = max(10, int(frac * t) // EVERY * EVERY)
            ok = t - w >= EVERY and rp.change(b, t, t - w) < d
        elif kind == "topk":
            ok = t - k >= EVERY and rp.jaccard(b, t, t - k) > j
        else:
            ok = t - k >= EVERY and rp.change(b, t, t - k) < d
        if ok and tau is not None:
            ok = rp.loss_flat(b, t) < tau
        if ok and half is not None:
            ok = rp.change(b, t, max(EVERY, t // 10 * EVERY)) < half
        return ok

    def rule(rp: Replay, b: int) -> int:
        run = 0
        for t in range(10, cap + 1, 10):
            run = run + 1 if t >= tmin and test(rp, b, t) else 0
            if run >= consec:
                return t
        return cap
    return rule


def oracle(rp: Replay, b: int) -> int:
    ok = np.nonzero(rp.final[b] >= 0.95)[0]
    return int((ok[0] + 1) * EVERY) if len(ok) else 500


def modelled_time(stops, costs=COSTS, total: int = 500) -> float:
    stops = np.asarray(stops)
    spent = sum(costs[n - 1] for t in range(1, total + 1) if (n := int((stops >= t).sum())))
    return spent / (total * costs[-1])


def evaluate(replays, rule, costs=COSTS) -> dict:
    rs, times, pairs = [], [], []
    for rp in replays:
        stops = [rule(rp, b) for b in range(rp.maps)]
        r = [float(rp.final[b, s // EVERY - 1]) for b, s in enumerate(stops)]
        rs += r
        times.append(modelled_time(stops, costs))
        pairs.append({"pair": rp.name, "stops": stops, "r": r, "time": times[-1]})
    rs = np.array(rs)
    return {"min_r": float(rs.min()), "q05_r": float(np.quantile(rs, 0.05)), "mean_r": float(rs.mean()),
            "below_0.95": int((rs < 0.95).sum()), "maps": len(rs), "time_mean": float(np.mean(times)),
            "time_max": float(np.max(times)), "pairs": pairs}


def candidates(cap: int):
    for k, d, tau, half, tmin, consec in itertools.product(
            (10, 20, 30), (0.004, 0.003, 0.002, 0.0015, 0.001, 0.0007, 0.0005), (None, 0.1, 0.05, 0.02),
            (None, 0.01), (0, 40, 60), (1, 2)):
        yield (f"window k={k} δ={d}" + (f" τ={tau}" if tau else "") + (f" h={half}" if half else "")
               + (f" t≥{tmin}" if tmin else "") + (" ×2" if consec > 1 else ""),
               make_rule("window", cap, k=k, d=d, tau=tau, half=half, tmin=tmin, consec=consec))
    for frac, d, tau, tmin in itertools.product((0.25, 0.5), (0.02, 0.01, 0.005, 0.002), (None, 0.05), (0, 40, 60)):
        yield (f"grow w={frac}t δ={d}" + (f" τ={tau}" if tau else "") + (f" t≥{tmin}" if tmin else ""),
               make_rule("grow", cap, frac=frac, d=d, tau=tau, tmin=tmin))
    for k, j, tau, tmin in itertools.product((10, 20), (0.85, 0.9, 0.95), (None, 0.05), (0, 40, 60)):
        yield (f"topk k={k} J>{j}" + (f" τ={tau}" if tau else "") + (f" t≥{tmin}" if tmin else ""),
               make_rule("topk", cap, k=k, j=j, tau=tau, tmin=tmin))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cap", type=int, default=200, help="most iterations any rule may use")
    ap.add_argument("--costs", default=",".join(f"{c:g}" for c in COSTS),
                    help="per-iteration cost of a batch of 1,2,3,4 maps relative to 4")
    ap.add_argument("--cached-only", action="store_true", help="use only the pairs whose reference run is cached")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    costs = tuple(float(c) for c in args.costs.split(","))

    from hard_pairs import HELD_OUT, by_name
    from trajectories import load_all

    from fame_desktop.core.models import load_face_model

    trajs = load_all(load_face_model("arcface-mbf", None, "cpu"), by_name(), cached_only=args.cached_only)
    replays = [Replay(t) for t in trajs]
    fit = [r for r in replays if r.name not in HELD_OUT]
    held = [r for r in replays if r.name in HELD_OUT]

    results = []
    for name, rule in candidates(args.cap):
        results.append({"rule": name, "fit": evaluate(fit, rule, costs), "held_out": evaluate(held, rule, costs)})
    results.sort(key=lambda x: x["fit"]["time_mean"])
    front, best = [], -1.0
    for x in results:
        if x["fit"]["min_r"] > best:
            best = x["fit"]["min_r"]
            front.append(x)
    orc = {k: evaluate(v, oracle, costs) for k, v in (("fit", fit), ("held_out", held), ("all", replays))}

    def row(name, f, h):
        return {"rule": name, "min r": f["min_r"], "5 % r": f["q05_r"], "mean r": f["mean_r"],
                "< 0.95": f"{f['below_0.95']}/{f['maps']}", "time": f"{100 * f['time_mean']:.1f} %",
                "worst": f"{100 * f['time_max']:.1f} %", "held out: min r": h["min_r"],
                "< .95": f"{h['below_0.95']}/{h['maps']}", "time ": f"{100 * h['time_mean']:.1f} %"}

    rows = [row("oracle (knows the answer)", orc["fit"], orc["held_out"])]
    rows += [row(x["rule"], x["fit"], x["held_out"]) for x in front]
    per_pair = table([{"pair": p["pair"], "iterations to r ≥ 0.95 (G+ G− P+ P−)": " ".join(map(str, p["stops"])),
                       "time": f"{100 * p['time']:.1f} %"} for p in orc["all"]["pairs"]],
                     ["pair", "iterations to r ≥ 0.95 (G+ G− P+ P−)", "time"])
    text = (f"{len(results)} rules replayed on {len(fit)} pairs ({sum(r.maps for r in fit)} maps), checked on "
            f"{len(held)} held-out pairs; at most {args.cap} iterations; time modelled with costs {costs}\n"
            f"oracle, all pairs: time {100 * orc['all']['time_mean']:.1f} % (worst pair "
            f"{100 * orc['all']['time_max']:.1f} %)\n{per_pair}\n\nPareto front (fit pairs: min r vs time):\n"
            + table(rows, list(rows[0])))
    emit({"oracle": orc, "front": front, "costs": costs, "cap": args.cap,
          "all": [{"rule": x["rule"], **{k: {m: v for m, v in x[k].items() if m != "pairs"}
                                         for k in ("fit", "held_out")}} for x in results]}, args.json, text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
