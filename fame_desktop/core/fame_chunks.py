"""Run a large FAME batch in chunks (memory), reporting progress as if it were one batch.

Samples are independent, so optimising rows [i, j) on their own gives the same Δx as
the whole batch would. Progress events cover all B rows: rows not started yet have
loss NaN and are inactive; the iteration count runs over all chunks (chunks × T), and
Δx snapshots hold the finished chunks plus the current one. A run continuing an earlier one
(`start`, "Refine") continues each chunk from that run's rows.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Callable, Optional

import numpy as np
import torch

from .fame import FameParams, FameProgress, FameRun, Objective, run_fame


def run_fame_chunked(
    make_objective: Callable[[slice], Objective],
    x0: torch.Tensor,
    params: FameParams,
    chunk: int | None = None,
    on_progress: Optional[Callable[[FameProgress], None]] = None,
    should_cancel: Optional[Callable[[], bool]] = None,
    start: Optional[FameRun] = None,
) -> FameRun:
    """x0 (B, C, H, W); make_objective(rows) → the objective for x0[rows]. chunk None/≥B = one batch.

    start: an earlier run of the same B rows to continue (`run_fame`)."""
    b = x0.shape[0]
    chunk = b if not chunk or chunk >= b else int(chunk)
    if chunk == b:
        return run_fame(make_objective(slice(0, b)), x0, params, on_progress, should_cancel, start)
    slices = [slice(i, min(i + chunk, b)) for i in range(0, b, chunk)]
    total = params.iterations * len(slices)
    delta = np.zeros(tuple(x0.shape), dtype=np.float32)
    loss = np.full(b, np.nan, dtype=np.float32)
    score = np.full(b, np.nan, dtype=np.float32)
    runs: list[FameRun] = []
    elapsed_before = 0.0

    for k, rows in enumerate(slices):
        def relay(p: FameProgress, rows=rows, k=k, base=elapsed_before):
            loss[rows], score[rows] = p.loss, p.score
            active = np.zeros(b, dtype=bool)
            active[rows] = p.active
            snap = None
            if p.delta is not None:
                delta[rows] = p.delta
                snap = delta.copy()
            on_progress(FameProgress(iteration=k * params.iterations + p.iteration, total=total,
                                     loss=loss.copy(), score=score.copy(), active=active,
                                     elapsed=base + p.elapsed, delta=snap))

        run = run_fame(make_objective(rows), x0[rows], params,
                       relay if on_progress is not None else None, should_cancel,
                       None if start is None else rows_of(start, rows))
        runs.append(run)
        delta[rows] = run.delta
        elapsed_before += run.elapsed
        if run.cancelled:
            break
    return _merge(runs, slices, b, delta, params)


def rows_of(run: FameRun, rows: slice) -> FameRun:
    """The run's rows `rows` as a run of their own (its time shared out by rows)."""
    b = len(run.iterations)
    return replace(run, delta=run.delta[rows], iterations=run.iterations[rows], stop_reasons=run.stop_reasons[rows],
                   initial_loss=run.initial_loss[rows], final_loss=run.final_loss[rows],
                   initial_score=run.initial_score[rows], final_score=run.final_score[rows],
                   stop_change=run.stop_change[rows], elapsed=run.elapsed * len(range(b)[rows]) / max(b, 1))


def _merge(runs: list[FameRun], slices: list[slice], b: int, delta: np.ndarray, params: FameParams) -> FameRun:
    """One FameRun for all B rows; rows of chunks never started are 'cancelled' with 0 iterations."""
    iterations = np.zeros(b, dtype=np.int64)
    change = np.full(b, np.nan)
    reasons = ["cancelled"] * b
    arrays = {name: np.full(b, np.nan, dtype=np.float32)
              for name in ("initial_loss", "final_loss", "initial_score", "final_score")}
    for run, rows in zip(runs, slices):
        iterations[rows] = run.iterations
        reasons[rows] = run.stop_reasons
        change[rows] = run.stop_change
        for name, a in arrays.items():
            a[rows] = getattr(run, name)
    return FameRun(delta=delta, iterations=iterations, stop_reasons=reasons, elapsed=sum(r.elapsed for r in runs),
                   cancelled=any(r.cancelled for r in runs), params=params, stop_change=change, **arrays)
