"""What a run of a task returns (`TaskResult`), and turning a prepared input into a model tensor.

Row i of every progress event and of the result's raw output belongs to `targets[i]`, so
a live preview can label each snapshot before the run ends. Runs are made by
`tasks.runner`, for every task and every method.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import torch

from ..core.attribution import MapSettings
from ..core.fame import FameRun
from ..core.snapshot import InputSnapshot
from ..methods.base import Method
from ..methods.fame import FameMethod
from .types import Analysis, PreparedInput, Target


def _num(v) -> float | None:
    v = float(v)
    return None if math.isnan(v) else v


@dataclass
class TaskResult:
    """The maps of a task made by one method. run.delta[i] (the raw output) belongs to targets[i].

    snapshot: what the run computed from (`core.snapshot`), taken when it started; a session
    accepts the result only while it matches its inputs.
    """

    task: str
    model: dict
    inputs: dict[str, PreparedInput]
    analysis: Analysis
    targets: tuple[Target, ...]
    run: FameRun
    options: dict
    measurements: dict = field(default_factory=dict)
    method: Method = field(default_factory=FameMethod)
    snapshot: InputSnapshot | None = None
    environment: dict | None = None  # software and device that made it (core.environment.versions)

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(t.key for t in self.targets)

    def index(self, key: str) -> int:
        return self.keys.index(key)

    def delta(self, key: str) -> np.ndarray:
        return self.run.delta[self.index(key)]

    def maps(self, settings: MapSettings = MapSettings()) -> dict[str, np.ndarray]:
        """{key: (S, S) float32 map in [0, 1]} — cheap, re-run when the settings change."""
        return dict(zip(self.keys, self.method.maps(self.run.delta, settings)))

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
            "method": self.method.key,
            "model": self.model,
            "options": self.options,
            "inputs": {role: inp.describe() for role, inp in self.inputs.items()},
            "analysis": {"headline": self.analysis.headline, **self.analysis.summary},
            "parameters": self.run.params.describe(),  # the method's (FAME: FameParams)
            "targets": self.per_target(),
            "measurements": self.measurements,
            "cancelled": self.run.cancelled,
            "method_seconds": round(self.run.elapsed, 4),
            "input_snapshot": None if self.snapshot is None else self.snapshot.describe(),
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


def model_name(model) -> str:
    """The name a person reads for `model`: its description's name, else its key, else its class."""
    d = describe_model(model)
    return str(d.get("name") or d.get("key") or d.get("class", ""))


def merge_results(task, results: list[TaskResult]) -> TaskResult:
    """Several runs of one task on the same inputs and parameters as one result, e.g. the cells a
    user computed one click at a time; a later run of the same target replaces an earlier one."""
    if not results:
        raise ValueError("nothing to merge")
    first = results[0]
    for r in results[1:]:
        if (r.task != first.task or r.method.key != first.method.key or r.run.params != first.run.params
                or r.options != first.options):
            raise ValueError("only runs of the same task and method with the same parameters and options can be "
                             "merged")
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
                  params=first.run.params, stop_change=stack("stop_change"))
    merged = TaskResult(task=first.task, model=first.model, inputs=first.inputs, analysis=first.analysis,
                        targets=tuple(r.targets[i] for r, i in picks), run=run, options=first.options,
                        method=first.method, snapshot=first.snapshot)
    merged.measurements = task.measure(merged)
    return merged
