"""`fame evaluate` and `fame evaluate-classification` with `--engine ray`: the items (pairs or
images) evaluated by a pool of Ray actors (issue 17).

    engine = RayEngine(address=None, workers=2, device="auto", methods=...)   # ray.init, or joins ADDR
    summary, config = run_evaluation(pairs, config, state, engine, engine=engine)     # pairs
    for rows in engine.run(ImageJob(...), todo): ...                                  # any job
    print(engine.report())                                                  # throughput, failures, retries

A job (`PairJob` here, classification.ImageJob) says how an item becomes an Arrow-friendly
record, what an actor loads once (`load(device)`) and how one record becomes its rows
(`run(record, loaded)`). The items become a Ray Dataset; `map_batches` runs `BatchEvaluator`,
a callable class that loads the job's models once per actor, on an actor pool of `workers`
(`compute=ActorPoolStrategy(size=workers)`, one GPU each when the cluster has GPUs). Each item
comes back as JSON text; the driver writes every row as it comes (one shard per worker), so a
rerun skips it. A worker that dies loses only the batch it was on: Ray Data restarts the actor
and runs that batch again; a batch started more than RETRIES + 1 times fails the run.
Photographs are read on the workers by path (a folder every node sees) or URL (core.locations).

Ray is imported only here, and only when the engine is made: the rest of fame imports without it.
"""

from __future__ import annotations

import json
import os
import socket
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from ..core.errors import FameError
from ..core.locations import location
from ..core.pair_lists import Pair
from .config import EvaluationConfig

# Items per Ray task: an item costs seconds, Ray's per-batch cost milliseconds, so one item per
# batch keeps the work lost with a dead worker (and the progress step) at one item.
ITEMS_PER_BATCH = 1
# Times a batch is started again after its worker died before the run fails: a worker that keeps
# dying on it is a broken node or an item that kills the process, and must not loop forever. (Ray
# Data restarts actors and retries their tasks without bound; the ledger counts the starts.)
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


@dataclass(frozen=True)
class PairJob:
    """`fame evaluate`'s pairs: a record per pair; an actor loads the face model and the methods once."""

    config: EvaluationConfig
    phase: str  # "scoring" (clean scores) or "evaluation" (every method's curves)

    def records(self, pairs: list[Pair]) -> list[dict]:
        return [{"id": p.pair_id, "gallery": str(p.gallery), "probe": str(p.probe), "same": bool(p.same),
                 "protocol": p.protocol or ""} for p in pairs]

    def load(self, device):
        from .pair import load_models

        return load_models(self.config, device)

    def run(self, record: dict, models) -> list[dict]:
        from .pair import evaluate_pair, score_pair

        pair = Pair(str(record["id"]), location(str(record["gallery"])), location(str(record["probe"])),
                    bool(record["same"]), str(record["protocol"]))
        t0 = time.perf_counter()
        row = (score_pair if self.phase == "scoring" else evaluate_pair)(pair, self.config, models)
        row.setdefault("seconds", round(time.perf_counter() - t0, 3))
        return [row]


class BatchEvaluator:
    """One Ray actor: the job's models loaded once; each batch of records → one JSON text per record.

    batch: the job's record fields as numpy arrays [B] (with "id")
    returns {"rows": object array [B] of JSON text, each a list of that record's rows} (Arrow would
    flatten nested rows otherwise).
    """

    def __init__(self, job, device: str, ledger):
        import torch

        from ..core.device import select_device

        torch.set_grad_enabled(True)  # FAME, FGGB and the CAMs differentiate through the model: never inference mode
        self.job, self.ledger = job, ledger
        self.loaded = job.load(select_device(device))
        self.worker = f"{socket.gethostname()}:{os.getpid()}"
        ledger.actor_started.remote(self.worker)

    def __call__(self, batch: dict) -> dict:
        import numpy as np
        import ray
        import torch

        ids = [str(i) for i in batch["id"]]
        starts = ray.get(self.ledger.batch_started.remote(ids))  # recorded before any work: a retry is counted
        if starts > RETRIES + 1:
            raise RuntimeError(f"{', '.join(ids)}: started {starts} times, its worker died every time")
        crash = os.environ.get(CRASH_ONCE_ENV)
        if crash and not os.path.exists(crash):
            Path(crash).write_text(self.worker)
            os._exit(1)
        out = []
        with torch.enable_grad():
            for i in range(len(ids)):
                rows = self.job.run({k: v[i] for k, v in batch.items()}, self.loaded)
                for row in rows:
                    row["worker"] = self.worker
                out.append(json.dumps(rows, ensure_ascii=False, allow_nan=False))
        return {"rows": np.array(out, dtype=object)}


class _Ledger:
    """A tiny actor on the driver's node: how often each item was started and by how many actors."""

    def __init__(self):
        self.starts, self.actors = Counter(), []

    def actor_started(self, worker: str) -> None:
        self.actors.append(worker)

    def batch_started(self, ids: list[str]) -> int:
        """How often the most started of these items has been started, this time included."""
        self.starts.update(ids)
        return max(self.starts[i] for i in ids)

    def counts(self) -> dict:
        return {"actors": len(self.actors), "retried": sum(1 for n in self.starts.values() if n > 1)}


class RayEngine:
    """Evaluates items on Ray; `methods` (key → Method) answers run.py's questions (titles, which needs a
    threshold) without loading the model on the driver; `unit` names the items in the report."""

    def __init__(self, address: str | None, workers: int, device: str, methods: dict, unit: str = "pairs"):
        if workers < 1:
            raise FameError(f"--workers must be at least 1, got {workers}")
        self.ray = import_ray()
        self.workers, self.device, self.methods, self.unit = workers, device, methods, unit
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
        """run.py's engine: each pair's row as its batch comes back (in no particular order)."""
        for rows in self.run(PairJob(config, phase), pairs):
            yield from rows

    def run(self, job, items: list):
        """The rows of each item (a list per item) as its batch comes back, in no particular order."""
        if not items:
            return
        ray = self.ray
        ledger = ray.remote(num_cpus=0)(_Ledger).remote()
        ds = ray.data.from_items(job.records(items), override_num_blocks=min(len(items), 10 * self.workers))
        ds = ds.map_batches(BatchEvaluator, fn_constructor_args=(job, self.device, ledger),
                            batch_size=ITEMS_PER_BATCH, batch_format="numpy",
                            compute=ray.data.ActorPoolStrategy(size=self.workers), num_cpus=1,
                            num_gpus=self.gpus_per_worker)
        t0 = time.perf_counter()
        try:
            for record in ds.iter_rows():
                rows = json.loads(record["rows"])
                self.totals["items"] += 1
                self.totals["failed"] += any(r["status"] == "failed" for r in rows)
                yield rows
        except ray.exceptions.RayError as e:
            raise FameError(f"the Ray job failed: {str(e).strip().splitlines()[-1]}") from None
        finally:
            self.seconds += time.perf_counter() - t0
            counts = ray.get(ledger.counts.remote())
            self.totals["retried"] += counts["retried"]
            self.totals["restarts"] += max(0, counts["actors"] - self.workers)
            ray.kill(ledger)

    def report(self) -> str:
        """One line: items, time, throughput, failures, retries."""
        n, s, unit = self.totals["items"], self.seconds, self.unit
        rate = f"{60 * n / s:.1f} {unit}/min" if s > 0 and n else f"no {unit} run"
        return (f"ray: {n} {unit} in {s:.1f} s ({rate}) on {self.workers} worker(s)"
                f"{f' with {self.gpus_per_worker} GPU each' if self.gpus_per_worker else ''}; "
                f"{self.totals['failed']} failed, {self.totals['retried']} retried after a worker died, "
                f"{self.totals['restarts']} worker restart(s)")

    def close(self) -> None:
        if self.started_here:
            self.ray.shutdown()
