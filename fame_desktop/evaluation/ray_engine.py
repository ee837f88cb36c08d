"""`fame evaluate --engine ray`: the pairs evaluated by a pool of Ray actors (issue 17).

    engine = RayEngine(address=None, workers=2, device="auto", methods=...)   # ray.init, or joins ADDR
    summary, config = run_evaluation(pairs, config, state, engine, engine=engine)
    print(engine.report())                                                  # throughput, failures, retries

The pair list becomes a Ray Dataset of (id, photographs, truth, set) records; `map_batches`
runs `PairEvaluator`, a callable class that loads the model once per actor, on an actor pool
of `workers` (one GPU each when the cluster has GPUs). Each batch returns its rows as JSON
text; the driver writes every row as it comes back (run.py: one shard per worker), so a rerun
skips it. A worker that dies loses only the batch it was on: Ray restarts the actor and runs
that batch again. Photographs are read by path on the workers (a folder every node sees).

Ray is imported only here, and only when the engine is made: the rest of fame imports without it.
"""

from __future__ import annotations

import json
import os
import socket
import time
from collections import Counter
from pathlib import Path

from ..core.errors import FameError
from ..core.pair_lists import Pair
from .config import EvaluationConfig

# Pairs per Ray task: a pair costs seconds, Ray's per-batch cost milliseconds, so one pair per
# batch keeps the work lost with a dead worker (and the progress step) at one pair.
PAIRS_PER_BATCH = 1
# Times an actor is restarted (and a batch retried) before the run fails: a worker that keeps
# dying is a broken node or a pair that kills the process, and must not loop forever.
RETRIES = 4
# Test hook: a path; the first actor to reach a batch creates the file and exits (a killed worker).
CRASH_ONCE_ENV = "FAME_RAY_TEST_CRASH_ONCE"


def import_ray():
    """The ray module, or a one-line FameError saying how to install it."""
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")  # a forensic tool sends nothing anywhere
    try:
        import ray
        import ray.data  # noqa: F401  (Ray Data needs pyarrow; `ray[data]` brings it)
    except ImportError as e:
        raise FameError(f"--engine ray needs Ray Data ({e.name or e} is missing): pip install 'fame-desktop[ray]'") \
            from None
    return ray


def _record(pair: Pair) -> dict:
    return {"pair_id": pair.pair_id, "gallery": str(pair.gallery), "probe": str(pair.probe), "same": bool(pair.same),
            "protocol": pair.protocol or ""}


class PairEvaluator:
    """One Ray actor: the models loaded once; each batch of pair records → a batch of JSON rows.

    batch: {"pair_id", "gallery", "probe", "protocol": str arrays [B], "same": bool array [B]}
    returns {"row": object array [B] of JSON text} (Arrow would flatten the nested rows otherwise).
    """

    def __init__(self, config: EvaluationConfig, phase: str, device: str, ledger):
        import torch

        from ..core.device import select_device
        from .pair import evaluate_pair, load_models, score_pair

        torch.set_grad_enabled(True)  # FAME and FGGB differentiate through the model: never inference mode
        self.config, self.ledger = config, ledger
        self.models = load_models(config, select_device(device))
        self.work = score_pair if phase == "scoring" else evaluate_pair
        self.worker = f"{socket.gethostname()}:{os.getpid()}"
        ledger.actor_started.remote(self.worker)

    def __call__(self, batch: dict) -> dict:
        import numpy as np
        import ray
        import torch

        ids = [str(i) for i in batch["pair_id"]]
        ray.get(self.ledger.batch_started.remote(ids))  # recorded before any work: a retry is counted
        crash = os.environ.get(CRASH_ONCE_ENV)
        if crash and not os.path.exists(crash):
            Path(crash).write_text(self.worker)
            os._exit(1)
        rows = []
        with torch.enable_grad():
            for i, pair_id in enumerate(ids):
                pair = Pair(pair_id, Path(str(batch["gallery"][i])), Path(str(batch["probe"][i])),
                            bool(batch["same"][i]), str(batch["protocol"][i]))
                t0 = time.perf_counter()
                row = self.work(pair, self.config, self.models)
                row.setdefault("seconds", round(time.perf_counter() - t0, 3))
                row["worker"] = self.worker
                rows.append(json.dumps(row, ensure_ascii=False, allow_nan=False))
        return {"row": np.array(rows, dtype=object)}


class _Ledger:
    """A tiny actor on the driver's node: how often each pair was started and by how many actors."""

    def __init__(self):
        self.starts, self.actors = Counter(), []

    def actor_started(self, worker: str) -> None:
        self.actors.append(worker)

    def batch_started(self, ids: list[str]) -> None:
        self.starts.update(ids)

    def counts(self) -> dict:
        return {"actors": len(self.actors), "retried": sum(1 for n in self.starts.values() if n > 1)}


class RayEngine:
    """Evaluates the pairs of a phase on Ray; `methods` (key → Method) answers run.py's questions
    (titles, which needs a threshold) without loading the model on the driver."""

    def __init__(self, address: str | None, workers: int, device: str, methods: dict):
        if workers < 1:
            raise FameError(f"--workers must be at least 1, got {workers}")
        self.ray = import_ray()
        self.workers, self.device, self.methods = workers, device, methods
        self.started_here = not self.ray.is_initialized()
        if self.started_here:
            try:
                self.ray.init(address=address, log_to_driver=False, include_dashboard=False)
            except (ConnectionError, RuntimeError, ValueError) as e:
                raise FameError(f"--address {address}: cannot join the Ray cluster ({e})") from None
        ctx = self.ray.data.DataContext.get_current()
        ctx.enable_progress_bars = False  # the CLI draws one bar over the whole job
        ctx.print_on_execution_start = False
        self.gpus_per_worker = 1 if self.ray.cluster_resources().get("GPU", 0) >= 1 and device != "cpu" else 0
        self.totals = Counter()
        self.seconds = 0.0

    def rows(self, phase: str, pairs: list[Pair], config: EvaluationConfig):
        """Each pair's row as its batch comes back (in no particular order)."""
        if not pairs:
            return
        ray = self.ray
        ledger = ray.remote(num_cpus=0)(_Ledger).remote()
        ds = ray.data.from_items([_record(p) for p in pairs], override_num_blocks=min(len(pairs), 10 * self.workers))
        ds = ds.map_batches(PairEvaluator, fn_constructor_args=(config, phase, self.device, ledger),
                            batch_size=PAIRS_PER_BATCH, batch_format="numpy", concurrency=self.workers,
                            num_cpus=1, num_gpus=self.gpus_per_worker, max_restarts=RETRIES,
                            max_task_retries=RETRIES)
        t0 = time.perf_counter()
        try:
            for record in ds.iter_rows():
                row = json.loads(record["row"])
                self.totals["pairs"] += 1
                self.totals["failed"] += row["status"] != "ok"
                yield row
        except ray.exceptions.RayError as e:
            raise FameError(f"the Ray job failed: {str(e).strip().splitlines()[-1]}") from None
        finally:
            self.seconds += time.perf_counter() - t0
            counts = ray.get(ledger.counts.remote())
            self.totals["retried"] += counts["retried"]
            self.totals["restarts"] += max(0, counts["actors"] - self.workers)
            ray.kill(ledger)

    def report(self) -> str:
        """One line: pairs, time, throughput, failures, retries."""
        n, s = self.totals["pairs"], self.seconds
        rate = f"{60 * n / s:.1f} pairs/min" if s > 0 and n else "no pairs run"
        return (f"ray: {n} pairs in {s:.1f} s ({rate}) on {self.workers} worker(s)"
                f"{f' with {self.gpus_per_worker} GPU each' if self.gpus_per_worker else ''}; "
                f"{self.totals['failed']} failed, {self.totals['retried']} retried after a worker died, "
                f"{self.totals['restarts']} worker restart(s)")

    def close(self) -> None:
        if self.started_here:
            self.ray.shutdown()
