"""Reference runs of the hard pairs, recorded once and cached: the 500-iteration maps and the way there.

One Reference-preset run per pair (500 iterations, ε off, all four maps in one batch) keeps
|gray(Δx)| of every map every `EVERY` iterations and the loss of every iteration. Its last
Δx is the pair's reference; the snapshots let a stopping rule be replayed offline: a map a
rule stops at iteration n *is* the reference run's map at n (stopping changes nothing that
was computed before, tests/core/test_adaptive.py), so replaying needs no engine run.

Runs are cached under $FAME_BENCH_CACHE (default ~/.cache/fame-bench), keyed by the SHA-256
of both crops, the model and its weights, the parameters, the cadence and the torch
version, so a rerun of any benchmark costs nothing.

    python benchmarks/trajectories.py [--pairs a,b] [--refresh]   # record what is missing
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import time
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from _common import progress

EVERY = 5
CACHE = Path(os.environ.get("FAME_BENCH_CACHE", Path.home() / ".cache" / "fame-bench"))


@dataclass
class Trajectory:
    """One pair's recorded reference run. S snapshots, B = 4 maps in `keys` order.

    at: (S,) iterations of the snapshots (EVERY, 2·EVERY, …, T).  gray: (S, B, H, W) float32
    |gray(Δx)| there.  loss, score: (T, B) at x̄ before each update.  delta: (B, 3, H, W) the
    final Δx.  seconds: wall time of the recording run (snapshots included; not a timing).
    """

    pair: str
    keys: tuple[str, ...]
    similarity: float
    at: np.ndarray
    gray: np.ndarray
    loss: np.ndarray
    score: np.ndarray
    delta: np.ndarray
    seconds: float

    @property
    def iterations(self) -> int:
        return int(self.at[-1])

    def maps(self, settings=None) -> np.ndarray:
        """(S, B, H, W) the maps as a user sees them (default MapSettings) at every snapshot."""
        from fame_desktop.core.attribution import MapSettings, _one_map

        s = settings or MapSettings()
        return np.stack([np.stack([_one_map(g, s) for g in snap]) for snap in self.gray])

    def reference_maps(self, settings=None) -> np.ndarray:
        """(B, H, W) the maps of the final Δx."""
        from fame_desktop.core.attribution import MapSettings, delta_to_maps

        return delta_to_maps(self.delta, settings or MapSettings())


def replay(traj: Trajectory, params, maps: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Where adaptive stopping with `params` stops each map of the recorded run, and its statistic there.

    The engine's own ConvergenceMonitor sees what it would have seen in a run: at every
    `converge_window` iterations, the maps of the samples still running. → (stops (B,), change (B,)).
    """
    from fame_desktop.core.convergence import ConvergenceMonitor

    if params.converge_window % EVERY or params.iterations > traj.iterations:
        raise ValueError(f"window must be a multiple of {EVERY} and T ≤ {traj.iterations}")
    maps = traj.maps() if maps is None else maps
    b = maps.shape[1]
    stops = np.full(b, params.iterations)
    monitor = ConvergenceMonitor(params.converge_tolerance)
    live = list(range(b))
    for t in range(params.converge_window, params.iterations + 1, params.converge_window):
        done = monitor.update_maps(live, maps[t // EVERY - 1, live])
        stops[done] = t
        live = [i for i in live if i not in done]
        if not live:
            break
    change = np.array([monitor.last_change.get(i, np.nan) for i in range(b)])
    return stops, change


def cache_key(model, crops, params, every: int) -> str:
    import torch

    h = hashlib.sha256()
    for c in crops:
        h.update(np.ascontiguousarray(c).tobytes())
    desc = {"model": model.describe().get("provenance", model.spec.key), "key": model.spec.key,
            "params": {k: v for k, v in params.describe().items() if k != "snapshot_every"},
            "every": every, "torch": torch.__version__, "device": str(model.device)}
    h.update(json.dumps(desc, sort_keys=True, default=str).encode())
    return h.hexdigest()[:32]


def record(model, pair, iterations: int = 500, every: int = EVERY, refresh: bool = False,
           quiet: bool = False, cached_only: bool = False) -> Trajectory | None:
    """The pair's reference trajectory, from the cache or recorded now (and cached); with
    `cached_only`, None when it is not in the cache."""
    from fame_desktop.core.attribution import grayscale_magnitude
    from fame_desktop.core.presets import PRESETS
    from fame_desktop.core.verification import explain_pair

    params = replace(PRESETS["reference"], iterations=iterations, snapshot_every=every)
    path = CACHE / f"{pair.name}-{cache_key(model, pair.crops, params, every)}.npz"
    if path.exists() and not refresh:
        with np.load(path, allow_pickle=False) as z:
            return Trajectory(pair=pair.name, keys=tuple(str(k) for k in z["keys"]),
                              similarity=float(z["similarity"]), at=z["at"], gray=z["gray"], loss=z["loss"],
                              score=z["score"], delta=z["delta"], seconds=float(z["seconds"]))
    if cached_only:
        return None
    progress(f"{pair.name}: recording the reference run ({iterations} iterations, snapshots every {every}) …",
             quiet)
    at, gray, loss, score = [], [], [], []

    def keep(e):
        loss.append(e.loss.copy())
        score.append(e.score.copy())
        if e.delta is not None:
            at.append(e.iteration)
            gray.append(grayscale_magnitude(e.delta))

    t = time.perf_counter()
    expl = explain_pair(model, *pair.crops, params, on_progress=keep)
    seconds = time.perf_counter() - t
    tr = Trajectory(pair=pair.name, keys=expl.keys, similarity=expl.similarity, at=np.asarray(at),
                    gray=np.stack(gray).astype(np.float32), loss=np.stack(loss), score=np.stack(score),
                    delta=expl.run.delta, seconds=seconds)
    CACHE.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp.npz")
    np.savez(tmp, keys=np.asarray(tr.keys), similarity=tr.similarity, at=tr.at, gray=tr.gray, loss=tr.loss,
             score=tr.score, delta=tr.delta, seconds=seconds)
    tmp.replace(path)
    progress(f"  {seconds:.0f} s, cached in {path}", quiet)
    return tr


def load_all(model, pairs, iterations: int = 500, refresh: bool = False, quiet: bool = False,
             cached_only: bool = False) -> list[Trajectory]:
    """The pairs' trajectories (recording the missing ones, or leaving them out with `cached_only`)."""
    out = [record(model, p, iterations, refresh=refresh, quiet=quiet, cached_only=cached_only) for p in pairs]
    return [t for t in out if t is not None]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pairs", help="comma-separated names (default: all hard pairs)")
    ap.add_argument("--iterations", "-T", type=int, default=500)
    ap.add_argument("--refresh", action="store_true", help="record again even when cached")
    args = ap.parse_args(argv)

    from hard_pairs import by_name

    from fame_desktop.core.models import load_face_model

    model = load_face_model("arcface-mbf", None, "cpu")
    pairs = by_name(args.pairs.split(",") if args.pairs else None)
    for tr in load_all(model, pairs, args.iterations, args.refresh):
        print(f"{tr.pair}: similarity {tr.similarity:.3f}, {len(tr.at)} snapshots, recorded in {tr.seconds:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
