"""The explanation-method plugin interface: the second axis beside tasks.

A task prepares inputs, owns the model and says what can be explained (targets, and
the objective whose gradient or value speaks for each target). A method turns that into
maps. It is driven the same way by the CLI, the window's worker thread and batch jobs
(`tasks.runner`):

    job  = MethodJob(task, model, inputs, analysis, targets, params, options)
    run  = method.run(job, on_progress, should_cancel)    # a RunRecord; row i ↔ targets[i]
    maps = method.maps(run, settings)                     # (B, S, S) in [0, 1], cheap

Kinds, so the app can say what a run costs: "iterative" (an optimisation, e.g. FAME's
hundreds of steps), "gradient" (one or a few backward passes, e.g. the Grad-CAM family),
"perturbation" (many forward passes in batches, e.g. RISE). Progress events have
`iteration`, `total`, `elapsed` and, when the method can show one, `delta`: a raw preview
of the same kind as the run's `delta`, turned into maps by `maps`. Cancel takes effect
between steps; a cancelled run marks the rows it cut short "cancelled".

Nothing here imports Qt.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, Optional

import numpy as np
import torch

from ..core.attribution import MapSettings
from ..core.fame import FameRun

if TYPE_CHECKING:
    from ..tasks.base import Task
    from ..tasks.types import Analysis, PreparedInput, Target

PLUGIN_API_VERSION = 1
KINDS = ("iterative", "gradient", "perturbation")

# Every method returns its rows in this record: raw output per target in `delta` (FAME: Δx
# (B, 3, S, S); other methods their own raw maps), steps each row received, why it stopped,
# the objective's loss and score before and after, run time, cancelled, and the parameters.
RunRecord = FameRun


@dataclass(frozen=True)
class MethodJob:
    """What a method explains: row i of the run belongs to targets[i] and starts from inputs[targets[i].role]."""

    task: "Task"
    model: torch.nn.Module
    inputs: dict[str, "PreparedInput"]
    analysis: "Analysis"
    targets: tuple["Target", ...]
    params: object
    options: dict

    def objective(self, targets=None):
        """The task's objective for `targets` (default: all rows): x (B, 3, S, S) → (loss (B,), score (B,))."""
        rows = list(self.targets if targets is None else targets)
        return self.task.objective(self.model, self.inputs, self.analysis, rows, self.options, self.params)

    def input_batch(self) -> torch.Tensor:
        """(B, 3, S, S) float32 in [0, 1] on the model's device: each row's starting image."""
        from ..tasks.result import input_tensor

        x = {role: input_tensor(self.model, inp) for role, inp in self.inputs.items()}
        return torch.cat([x[t.role] for t in self.targets])


class Method(ABC):
    """Base class of every explanation method. Subclasses set the class attributes and the hooks."""

    api_version: int = PLUGIN_API_VERSION
    key: str = ""
    title: str = ""
    description: str = ""
    kind: str = "iterative"

    def applies_to(self, task: "Task") -> str:
        """'' when the method can explain `task`'s targets, else why not (shown beside the chooser)."""
        return "" if self.key in task.methods else f"{task.title} does not offer {self.title or self.key}"

    @abstractmethod
    def default_params(self, task: "Task"):
        """The parameters a new user starts with on `task` (an immutable object with `describe()`)."""

    def select_targets(self, targets) -> tuple:
        """The targets this method explains among those asked for, in their order (default: all).

        E.g. a method with one map per input (a CAM of the similarity) keeps one target per input."""
        return tuple(targets)

    def check(self, job: MethodJob) -> None:
        """Raise a FameError saying what to set when `job` cannot run (e.g. a parameter it needs is
        unset); the runner calls it before anything runs. Default: every job can run."""

    def total_steps(self, job: MethodJob) -> int:
        """The length of the progress bar of `job` (the `total` of its progress events)."""
        return 1

    @abstractmethod
    def run(self, job: MethodJob, on_progress: Optional[Callable] = None,
            should_cancel: Optional[Callable[[], bool]] = None) -> RunRecord:
        """Explain every target of `job`; row i of the record belongs to job.targets[i]."""

    @abstractmethod
    def maps(self, run: RunRecord, settings: MapSettings) -> np.ndarray:
        """(B, S, S) float32 maps in [0, 1] from the run's raw output; cheap (re-run when settings change)."""

    def describe(self) -> dict:
        return {"key": self.key, "title": self.title, "description": self.description, "kind": self.kind,
                "api_version": self.api_version}
