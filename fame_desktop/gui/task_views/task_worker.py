"""Worker-thread functions of a task mode: prepare + analyse an input, run FAME with previews.

Everything heavy happens here, never in the GUI thread: the model's forward passes, the
FAME iterations, the preview maps and their layers on the photograph (made by a page's
`preview` function from each Δx snapshot, at most every `min_preview_interval` seconds),
and merging the new rows into the results shown so far.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from ..fame_worker import ReportThrottle


@dataclass(frozen=True)
class Prepared:
    """The inputs as the model sees them and the model's answer (top-5, the cell grid, …)."""

    generation: int
    inputs: dict  # role → PreparedInput
    analysis: object  # tasks.Analysis
    options: dict  # resolved by the task

    @property
    def options_key(self) -> tuple:
        return tuple(sorted((k, str(v)) for k, v in self.options.items()))


@dataclass(frozen=True)
class TaskPreview:
    iteration: int
    total: int
    payload: object  # what the page's preview function made


@dataclass
class RunOutcome:
    result: object  # tasks.TaskResult of this run (cancelled or not)
    accumulated: object  # tasks.result_rows.Accumulated: what to show from now on


def prepare_job(task, model, lock, images: dict, option_values: dict, generation: int):
    """A Job function: resolve the options, prepare every input, analyse (FameError → shown in the slot)."""

    def fn(job) -> Prepared:
        with lock:
            options = task.resolve_options(option_values, model)
            inputs = {}
            for role, image in images.items():
                try:
                    inputs[role] = task.prepare(model, role, image, options)
                except Exception as e:
                    e.role = role  # the page says it in that slot
                    raise
            analysis = task.analyse(model, inputs, options)
        return Prepared(generation, inputs, analysis, options)

    return fn


def run_job(task, model, lock, prepared: Prepared, targets: list, params, previous,
            preview: Callable[[np.ndarray, tuple], object], min_preview_interval: float = 0.3,
            min_progress_interval: float = 0.05):
    """A Job function running FAME on `targets`; returns a RunOutcome with the rows merged into `previous`.

    preview(delta (B, 3, S, S), targets) runs here, in the worker, for the live preview.
    """

    def fn(job) -> RunOutcome:
        from ...tasks.result_rows import accumulate

        throttle = ReportThrottle(min_preview_interval, min_progress_interval, final_preview=False)
        from ...methods import FameMethod
        from ...tasks.runner import request_run

        plan = request_run(task, FameMethod(), model, prepared.inputs, prepared.analysis, targets, params,
                           prepared.options)

        def on_progress(p) -> None:
            if (report := throttle.progress(p)) is not None:
                job.report(report)
            if throttle.preview_due(p):
                job.report(TaskPreview(p.iteration, p.total, preview(p.delta, plan.job.targets)))

        with lock:
            result = plan.execute(on_progress, lambda: job.cancelled)
        return RunOutcome(result, accumulate(task, previous, result))

    return fn
