"""FAME as a method: the iterative, gradient-normalised perturbation of core.fame (METHOD.md §1).

Each target is one sample of the batch; its loss is the task's objective. Large batches
(e.g. every feature-map cell) run in chunks of `task.chunk_size` rows. The raw output is
Δx = x̄ − x (B, 3, S, S); maps are |gray(Δx)|, blurred and normalised (core.attribution).
"""

from __future__ import annotations

import math

import numpy as np
import torch

from ..core.attribution import MapSettings, delta_to_maps
from ..core.errors import FameError
from ..core.fame import STOP_REASONS
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

    def check_run(self, job: MethodJob, run: RunRecord, tolerance: float) -> float:
        """A stored FAME run against its inputs: bookkeeping plausible, Δx within what its steps allow, and
        the task's objective at x and at x + Δx giving the stored losses and scores (one forward pass each).

        Every step moves a pixel by at most η, so |Δx| ≤ iterations · η (float32 rounding aside); with
        clamp, x + Δx stays in [0, 1]."""
        p, keys = run.params, [t.key for t in job.targets]
        x0 = job.input_batch()
        delta = torch.from_numpy(np.ascontiguousarray(run.delta)).to(x0.device)
        if tuple(delta.shape) != tuple(x0.shape):
            raise FameError(f"the raw Δx has shape {tuple(delta.shape)}; the inputs give {tuple(x0.shape)}")
        for i, key in enumerate(keys):
            n = int(run.iterations[i])
            if not 0 <= n <= p.iterations:
                raise FameError(f"{key}: {n} iterations recorded, the run allowed {p.iterations}")
            if run.stop_reasons[i] not in STOP_REASONS:
                raise FameError(f"{key}: unknown stop reason {run.stop_reasons[i]!r}")
            for name in ("initial_score", "final_score", "initial_loss", "final_loss"):
                if not np.isfinite(getattr(run, name)[i]):
                    raise FameError(f"{key}: the stored {name.replace('_', ' ')} is not a number")
            d = run.delta[i]
            if not np.isfinite(d).all():
                raise FameError(f"the raw Δx of {key} is not finite")
            change, bound = float(np.abs(d).max()), n * p.step_size
            if change > bound + (n + 2) * 2.0 ** -23 * (1.0 + n * p.step_size):
                raise FameError(f"{key}: the raw Δx changes a pixel by {change:.4f}; {n} iteration"
                                f"{'' if n == 1 else 's'} of η = {p.step_size * 255:.4g}/255 allow at most {bound:.4f}")
        if p.clamp:
            x1 = x0 + delta
            if float(x1.min()) < -1e-5 or float(x1.max()) > 1 + 1e-5:
                raise FameError("the raw Δx leaves [0, 1] although the run clamped it")
        objective = job.objective()
        with torch.no_grad():
            now = [tuple(v.float().cpu().numpy() for v in objective(x)) for x in (x0, x0 + delta)]
        largest = 0.0
        for stage, (loss, score) in zip(("initial", "final"), now):
            for name, recomputed in (("score", score), ("loss", loss)):
                stored = getattr(run, f"{stage}_{name}")
                diff = np.abs(stored.astype(np.float64) - recomputed.astype(np.float64))
                largest = max(largest, float(diff.max()))
                if diff.max() > tolerance:
                    i = int(diff.argmax())
                    raise FameError(f"{keys[i]}: the stored {stage} {name} {float(stored[i]):.4f} does not match "
                                    f"the {float(recomputed[i]):.4f} recomputed from the input and the raw Δx")
        return largest


def setup(registry) -> None:
    """Entry point of the built-in method plugin (group fame_desktop.plugins)."""
    registry.add(FameMethod())
