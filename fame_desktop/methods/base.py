"""The explanation-method plugin interface: the second axis beside tasks.

A task prepares inputs, owns the model and says what can be explained (targets, and
the objective whose gradient or value speaks for each target). A method turns that into
maps. It is driven the same way by the CLI, the window's worker thread and batch jobs
(`tasks.runner`):

    job  = MethodJob(task, model, inputs, analysis, targets, params, options)
    run  = method.run(job, on_progress, should_cancel)    # a RunRecord; row i ↔ targets[i]
    maps = method.maps(run.delta, settings)               # (B, S, S) in [0, 1], cheap

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
from dataclasses import dataclass, fields, replace
from typing import TYPE_CHECKING, Callable, Optional

import numpy as np
import torch

from ..core.attribution import MapSettings
from ..core.errors import FameError
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
class Preset:
    """A named parameter set the user picks instead of setting each value (FAME: fast, reference)."""

    label: str  # "Fast — adaptive stopping"
    help: str  # one line on what it does
    params: object


@dataclass(frozen=True)
class MethodJob:
    """What a method explains: row i of the run belongs to targets[i] and starts from inputs[targets[i].role]
    (or, with `start`, from where that earlier run of the same targets left it: "Refine")."""

    task: "Task"
    model: torch.nn.Module
    inputs: dict[str, "PreparedInput"]
    analysis: "Analysis"
    targets: tuple["Target", ...]
    params: object
    options: dict
    start: Optional[RunRecord] = None  # an earlier run of these targets to continue (iterative methods)

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
    blurs: bool = True  # maps() applies MapSettings' blur (False: its maps are never blurred, or blurred its own way)

    def applies_to(self, task: "Task") -> str:
        """'' when the method can explain `task`'s targets, else why not (shown beside the chooser)."""
        return "" if self.key in task.methods else f"{task.title} does not offer {self.title or self.key}"

    @abstractmethod
    def default_params(self, task: "Task"):
        """The parameters a new user starts with on `task` (an immutable object with `describe()`)."""

    def param_specs(self, task: "Task") -> list:
        """The parameters a user may set, as `tasks.OptionSpec`s: the window draws its form from them."""
        return []

    def presets(self, task: "Task") -> dict[str, Preset]:
        """Named parameter sets offered above the form (none by default)."""
        return {}

    def param_values(self, task: "Task", params) -> dict:
        """{spec key: value} of `params`, to show them in the form (a reopened case's parameters)."""
        return {s.key: getattr(params, s.key) for s in self.param_specs(task)}

    def params_from(self, task: "Task", values: dict):
        """Parameters from form or command-line values {spec key: value}, each parsed by its `param_specs`
        entry and named like the parameter's field; a value left out or empty keeps the default (ValueError
        with a readable reason)."""
        given = params_from_specs(self.param_specs(task), values)
        try:
            return replace(self.default_params(task), **given)
        except TypeError as e:
            raise ValueError(f"{self.title}: {e}") from None

    def preset_of(self, task: "Task", params) -> str:
        """The name of the preset whose values `params` holds ('' if none)."""
        values = self.param_values(task, params)
        return next((name for name, p in self.presets(task).items()
                     if all(_same(v, w) for v, w in zip(values.values(), self.param_values(task, p.params).values()))),
                    "")

    def with_live_previews(self, params):
        """`params` set so that progress events carry raw previews as often as the method can (the window)."""
        return params

    def params_from_record(self, task: "Task", record: dict):
        """Parameters saved as a plain record (a case file: `dataclasses.asdict`) back as the method's object."""
        default = self.default_params(task)
        names = {f.name for f in fields(default)}
        return replace(default, **{k: v for k, v in record.items() if k in names})

    def check_run(self, job: MethodJob, run: RunRecord, tolerance: float) -> float:
        """A stored run (a reopened case) checked against its inputs: FameError at the first mismatch; returns
        the largest difference found. The default checks only that the raw output is finite."""
        if not np.isfinite(run.delta).all():
            raise FameError(f"the raw output of {self.title} is not finite")
        return 0.0

    def select_targets(self, targets) -> tuple:
        """The targets this method explains among those asked for, in their order (default: all).

        E.g. a method with one map per input (a CAM of the similarity) keeps one target per input."""
        return tuple(targets)

    def resolve_params(self, model, params):
        """The parameters as a run on `model` will use them where the model decides a default (a CAM's
        target layer). The runner applies it before it takes the run's snapshot, so the parameters a
        result stores name the same choices as its snapshot. Default: unchanged."""
        return params

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
    def maps(self, raw: np.ndarray, settings: MapSettings) -> np.ndarray:
        """(B, S, S) float32 maps in [0, 1] from raw output (a run's `delta`, or a preview's snapshot of it).

        Cheap: re-run whenever the settings change."""

    def describe(self) -> dict:
        return {"key": self.key, "title": self.title, "description": self.description, "kind": self.kind,
                "blurs": self.blurs, "api_version": self.api_version}


def params_from_specs(specs, values: dict) -> dict:
    """Form or command-line values checked by their OptionSpecs ({} for a value left empty);
    ValueError with the reason, as Method.params_from promises."""
    by_key = {s.key: s for s in specs}
    out = {}
    for key, value in values.items():
        if key not in by_key:
            raise ValueError(f"unknown parameter {key!r}; known: {', '.join(by_key) or 'none'}")
        if value is None or value == "":
            continue
        try:
            out[key] = by_key[key].parse(value)
        except FameError as e:
            raise ValueError(str(e)) from None
    return out


def _same(a, b) -> bool:
    return abs(a - b) <= 1e-9 * max(1.0, abs(b)) if isinstance(b, float) else a == b
