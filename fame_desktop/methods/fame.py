"""FAME as a method: the iterative, gradient-normalised perturbation of core.fame (METHOD.md §1).

Each target is one sample of the batch; its loss is the task's objective. Large batches
(e.g. every feature-map cell) run in chunks of `task.chunk_size` rows. The raw output is
Δx = x̄ − x (B, 3, S, S); maps are |gray(Δx)|, blurred and normalised (core.attribution).
"""

from __future__ import annotations

import math

import numpy as np

from ..core.attribution import MapSettings, delta_to_maps
from ..core.fame_chunks import run_fame_chunked
from ..core.presets import PRESETS
from .base import Method, MethodJob, RunRecord


class FameMethod(Method):
    key = "fame"
    title = "FAME"
    description = ("Feature Activation Map Explanation: iteratively perturb the input against the gradient of "
                   "the task's loss; the accumulated change marks the pixels the model relies on.")
    kind = "iterative"

    def default_params(self, task):
        return PRESETS[task.default_preset]

    def chunk_rows(self, job: MethodJob) -> int | None:
        chunk = job.task.chunk_size(job.model, job.targets, job.options)
        return chunk if chunk and chunk < len(job.targets) else None

    def total_steps(self, job: MethodJob) -> int:
        chunk = self.chunk_rows(job)
        return (1 if not chunk else math.ceil(len(job.targets) / chunk)) * job.params.iterations

    def run(self, job: MethodJob, on_progress=None, should_cancel=None) -> RunRecord:
        targets = list(job.targets)
        return run_fame_chunked(lambda rows: job.objective(targets[rows]), job.input_batch(), job.params,
                                self.chunk_rows(job), on_progress, should_cancel)

    def maps(self, raw: np.ndarray, settings: MapSettings) -> np.ndarray:
        """raw: Δx (B, 3, S, S)."""
        return delta_to_maps(raw, settings)


def setup(registry) -> None:
    """Entry point of the built-in method plugin (group fame_desktop.plugins)."""
    registry.add(FameMethod())
