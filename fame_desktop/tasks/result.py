"""A planned FAME run of a task (`ExplainJob`) and what it returns (`TaskResult`).

Row i of every progress event and of the result's Δx belongs to `targets[i]`, so a
live preview can label each snapshot before the run ends.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable, Optional

import numpy as np
import torch

from ..core.attribution import MapSettings, delta_to_maps
from ..core.fame import FameParams, FameProgress, FameRun
from ..core.fame_chunks import run_fame_chunked
from .types import Analysis, PreparedInput, Target

if TYPE_CHECKING:
    from .base import Task


def _num(v) -> float | None:
    v = float(v)
    return None if math.isnan(v) else v


@dataclass
class TaskResult:
    """FAME maps of a task. run.delta[i] (3, S, S) belongs to targets[i]."""

    task: str
    model: dict
    inputs: dict[str, PreparedInput]
    analysis: Analysis
    targets: tuple[Target, ...]
    run: FameRun
    options: dict
    measurements: dict = field(default_factory=dict)

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(t.key for t in self.targets)

    def index(self, key: str) -> int:
        return self.keys.index(key)

    def delta(self, key: str) -> np.ndarray:
        return self.run.delta[self.index(key)]

    def maps(self, settings: MapSettings = MapSettings()) -> dict[str, np.ndarray]:
        """{key: (S, S) float32 map in [0, 1]} — cheap, re-run when the settings change."""
        return dict(zip(self.keys, delta_to_maps(self.run.delta, settings)))

    def per_target(self) -> dict[str, dict]:
        r = self.run
        return {t.key: {"label": t.label, "input": t.role, **t.data,
                        "iterations": int(r.iterations[i]), "stop_reason": r.stop_reasons[i],
                        "initial_loss": _num(r.initial_loss[i]), "final_loss": _num(r.final_loss[i]),
                        "initial_score": _num(r.initial_score[i]), "final_score": _num(r.final_score[i])}
                for i, t in enumerate(self.targets)}

    def describe(self) -> dict:
        """JSON-ready record (no arrays): task, model, inputs, analysis, per-target runs, measurements."""
        return {
            "task": self.task,
            "model": self.model,
            "options": self.options,
            "inputs": {role: inp.describe() for role, inp in self.inputs.items()},
            "analysis": {"headline": self.analysis.headline, **self.analysis.summary},
            "fame": self.run.params.describe(),
            "targets": self.per_target(),
            "measurements": self.measurements,
            "cancelled": self.run.cancelled,
            "fame_seconds": round(self.run.elapsed, 4),
        }


def input_tensor(model: torch.nn.Module, prepared: PreparedInput) -> torch.Tensor:
    """(S, S, 3) uint8 → (1, 3, S, S) float32 in [0, 1] on the model's device.

    Uses the model's own `to_input` when it has one, so a task computes exactly what the
    core functions compute (the memory layout decides which convolution kernels run).
    """
    if callable(getattr(model, "to_input", None)):
        return model.to_input(prepared.model_input)
    p = next(model.parameters(), None)
    dev = p.device if p is not None else torch.device("cpu")
    a = np.ascontiguousarray(prepared.model_input)
    return (torch.from_numpy(a.copy()).permute(2, 0, 1)[None].float() / 255.0).to(dev)


def describe_model(model) -> dict:
    """The model's own JSON-ready description (`describe()`), or at least its class."""
    describe = getattr(model, "describe", None)
    return describe() if callable(describe) else {"class": type(model).__name__}


class ExplainJob:
    """One FAME run of a task, ready to start (e.g. in a worker thread).

    targets: row order of progress events and of the result; total_iterations: the
    progress bar's length (chunks × T).
    """

    def __init__(self, task: "Task", model, inputs: dict[str, PreparedInput], analysis: Analysis,
                 targets: list[Target], params: FameParams, options: dict, chunk: int | None = None):
        if not targets:
            raise ValueError("nothing to explain: choose at least one target")
        missing = {t.role for t in targets} - set(inputs)
        if missing:
            raise ValueError(f"inputs missing for {', '.join(sorted(missing))}")
        self.task, self.model, self.inputs, self.analysis = task, model, inputs, analysis
        self.targets = tuple(targets)
        self.params, self.options = params, options
        self.chunk = chunk if chunk and chunk < len(targets) else None

    @property
    def total_iterations(self) -> int:
        chunks = 1 if not self.chunk else math.ceil(len(self.targets) / self.chunk)
        return chunks * self.params.iterations

    def run(self, on_progress: Optional[Callable[[FameProgress], None]] = None,
            should_cancel: Optional[Callable[[], bool]] = None) -> TaskResult:
        x = {role: input_tensor(self.model, inp) for role, inp in self.inputs.items()}
        x0 = torch.cat([x[t.role] for t in self.targets])

        def make_objective(rows: slice):
            return self.task.objective(self.model, self.inputs, self.analysis, list(self.targets[rows]),
                                       self.options, self.params)

        run = run_fame_chunked(make_objective, x0, self.params, self.chunk, on_progress, should_cancel)
        result = TaskResult(task=self.task.key, model=describe_model(self.model), inputs=self.inputs,
                            analysis=self.analysis, targets=self.targets, run=run, options=dict(self.options))
        result.measurements = self.task.measure(result)
        return result


def merge_results(task: "Task", results: list[TaskResult]) -> TaskResult:
    """Several runs of one task on the same inputs and parameters as one result, e.g. the cells a
    user computed one click at a time; a later run of the same target replaces an earlier one."""
    if not results:
        raise ValueError("nothing to merge")
    first = results[0]
    for r in results[1:]:
        if r.task != first.task or r.run.params != first.run.params or r.options != first.options:
            raise ValueError("only runs of the same task with the same parameters and options can be merged")
        if any(r.inputs[k].input_png() != first.inputs[k].input_png() for k in first.inputs):
            raise ValueError("only runs on the same inputs can be merged")
    rows: dict[str, tuple[TaskResult, int]] = {}
    for r in results:
        for i, key in enumerate(r.keys):
            rows[key] = (r, i)
    picks = list(rows.values())

    def stack(name):
        return np.stack([getattr(r.run, name)[i] for r, i in picks])

    run = FameRun(delta=stack("delta"), iterations=stack("iterations"),
                  stop_reasons=[r.run.stop_reasons[i] for r, i in picks],
                  initial_loss=stack("initial_loss"), final_loss=stack("final_loss"),
                  initial_score=stack("initial_score"), final_score=stack("final_score"),
                  elapsed=sum(r.run.elapsed for r in results), cancelled=any(r.run.cancelled for r in results),
                  params=first.run.params)
    merged = TaskResult(task=first.task, model=first.model, inputs=first.inputs, analysis=first.analysis,
                        targets=tuple(r.targets[i] for r, i in picks), run=run, options=first.options)
    merged.measurements = task.measure(merged)
    return merged
