"""The one runner: (task, method, model, inputs, targets, parameters) → a TaskResult stamped with its snapshot.

The CLI, the window's worker thread and batch jobs all run explanations through here:

    req = request_run(task, method, model, inputs, analysis, targets, params, options, model_key, checkpoint)
    result = req.execute(on_progress, should_cancel)     # in a worker; req.snapshot was taken at request

`request_run` is called when the user (or the command line) starts the run: it checks that
the method applies to the task and takes the `InputSnapshot` of what the run computes
from, so that a result can be told apart from the inputs shown when it ends.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Optional, Sequence

from ..core.errors import FameError
from ..core.snapshot import InputSnapshot
from ..methods.base import Method, MethodJob
from .base import Task
from .result import TaskResult, describe_model
from .types import Analysis, PreparedInput, Target


class MethodNotApplicable(FameError):
    """A method the task does not offer (e.g. a similarity-only method on a classifier)."""


@dataclass(frozen=True)
class RunRequest:
    """A run ready to start: its job, its method and the snapshot of its inputs."""

    method: Method
    job: MethodJob
    snapshot: InputSnapshot

    @property
    def total_steps(self) -> int:
        return self.method.total_steps(self.job)

    def execute(self, on_progress: Optional[Callable] = None,
                should_cancel: Optional[Callable[[], bool]] = None) -> TaskResult:
        """Run the method (in the calling thread); the result carries the request's snapshot."""
        job = self.job
        run = self.method.run(job, on_progress, should_cancel)
        result = TaskResult(task=job.task.key, model=describe_model(job.model), inputs=dict(job.inputs),
                            analysis=job.analysis, targets=job.targets, run=run, options=dict(job.options),
                            method=self.method, snapshot=self.snapshot)
        result.measurements = job.task.measure(result)
        return result


def request_run(task: Task, method: Method, model, inputs: dict[str, PreparedInput], analysis: Analysis,
                targets: Sequence[Target], params, options: dict, model_key: str | None = None,
                checkpoint: str | None = None, start=None) -> RunRequest:
    """Check the request and take the snapshot of its inputs (now, before anything runs).

    model_key / checkpoint: the model as the caller names it (default: the key the model states).
    start: an earlier result's run of exactly these targets to continue ("Refine": the Fast
    preset's maps taken on to the Reference's iterations without starting again)."""
    why = method.applies_to(task)
    if why:
        raise MethodNotApplicable(why)
    targets = method.select_targets(targets)
    if not targets:
        raise FameError(f"nothing to explain with {method.title}: choose at least one target it can explain")
    missing = sorted({t.role for t in targets} - set(inputs))
    if missing:
        raise FameError(f"inputs missing for {', '.join(missing)}")
    ordered = [inputs[s.role] for s in task.inputs if s.role in inputs]
    info = describe_model(model)
    model_key = model_key or str(info.get("key", info.get("class", "")))
    params = method.resolve_params(model, params)
    snapshot = InputSnapshot.capture(task.key, ordered, model_key, checkpoint, info, params,
                                     options, method.key, task.choice_noun)
    if start is not None and len(start.iterations) != len(targets):
        raise FameError(f"the run to continue has {len(start.iterations)} rows; {len(targets)} targets were asked for")
    job = MethodJob(task, model, dict(inputs), analysis, targets, params, dict(options), start)
    method.check(job)
    return RunRequest(method, job, snapshot)
