"""FGGB, feature-guided gradient backpropagation (Lu et al. 2024): per-dimension gradients of the normalised embedding, weighted by the match.

For each face: the gradient of every dimension i of its L2-normalised embedding φ̂ with
respect to the face (D backward passes, batched: row j of a batch of copies of the face
back-propagates dimension i_j); per-dimension map n_i = mean over colour of |∂φ̂_i/∂x|,
L2-normalised; weights w_i = v_i − θ/D with v = φ̂_g ⊙ φ̂_p (Σ v_i is the cosine) and θ the
decision threshold in force, so Σ w_i = s − θ; the weighted sum Σ w_i n_i split at 0 gives e+
(positive part) and e− (negative part), each blurred (kernel 25, σ 5, the reference's) and
normalised.

FGGB needs a threshold: without one it refuses to run (`check`), and the run records θ and
where it came from.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, replace

import numpy as np
import torch

from ..core.attribution import MapSettings
from ..core.errors import FameError
from ..core.fame import FameProgress
from .base import Method, MethodJob, RunRecord
from .raw_maps import display_maps, map_record, split_rows


# e+ / e− are blurred as the reference implementation does, whatever the user's blur for FAME maps
BLUR_KERNEL, BLUR_SIGMA = 25, 5.0


class ThresholdRequired(FameError):
    """FGGB asked to run without a decision threshold."""


@dataclass(frozen=True)
class FggbParams:
    """threshold θ on the cosine (None: not set, the method refuses to run) and where it comes from;
    batch_size: dimensions back-propagated per batch (memory)."""

    threshold: float | None = None
    threshold_source: str = ""
    batch_size: int = 64

    def __post_init__(self):
        if self.threshold is not None and not (-1.0 <= self.threshold <= 1.0):
            raise ValueError(f"FGGB threshold must be a cosine in [-1, 1], got {self.threshold}")
        if int(self.batch_size) != self.batch_size or self.batch_size < 1:
            raise ValueError(f"FGGB batch size must be a positive integer, got {self.batch_size}")

    def describe(self) -> dict:
        return {**asdict(self), "blur": f"kernel {BLUR_KERNEL}, σ {BLUR_SIGMA:g} (fixed, the reference's)"}


def normalised_embedding(model, x: torch.Tensor) -> torch.Tensor:
    """(B, 3, S, S) → (B, D) φ(x) / ‖φ(x)‖."""
    e = model(x)
    return e / e.norm(dim=1, keepdim=True).clamp_min(1e-12)


class FggbMethod(Method):
    key = "fggb"
    title = "FGGB"
    description = ("Feature-guided gradient backpropagation (Lu et al. 2024): the gradient of each embedding dimension, "
                   "weighted by its share of the match minus the decision threshold's; split into e+ and e−. "
                   "Needs a decision threshold θ (e.g. the EER threshold of a calibration set); D backward "
                   "passes per face.")
    kind = "gradient"
    blurs = False  # its own blur (BLUR_KERNEL, BLUR_SIGMA), not the user's
    needs_threshold = True  # its params take the decision threshold in force (`with_threshold`)

    def default_params(self, task):
        return FggbParams()

    @staticmethod
    def with_threshold(params: FggbParams, value: float, source: str) -> FggbParams:
        return replace(params, threshold=float(value), threshold_source=source)

    def check(self, job: MethodJob) -> None:
        if job.params.threshold is None:
            raise ThresholdRequired(
                "FGGB needs the decision threshold θ in force (its weights are v_i − θ/D): set one — in the "
                "window as the case's threshold (Ctrl+T), for `fame explain` with --threshold and "
                "--threshold-source, for `fame evaluate` with --threshold (default: the set's EER threshold), in "
                "code as FggbParams(threshold=…, threshold_source=…) or the session's threshold")

    def _dimensions(self, job: MethodJob) -> int:
        from ..tasks.result import input_tensor

        with torch.no_grad():
            return int(job.model(input_tensor(job.model, job.inputs[job.targets[0].role])).shape[1])

    def total_steps(self, job: MethodJob) -> int:
        return -(-self._dimensions(job) // job.params.batch_size) * len({t.role for t in job.targets})

    def run(self, job: MethodJob, on_progress=None, should_cancel=None) -> RunRecord:
        from ..tasks.result import input_tensor

        self.check(job)
        p: FggbParams = job.params
        t0 = time.perf_counter()
        x = {r: input_tensor(job.model, job.inputs[r]) for r in ("gallery", "probe")}
        with torch.no_grad():
            loss, score = job.objective()(job.input_batch())
            unit = {r: normalised_embedding(job.model, x[r])[0] for r in x}
        dims = unit["gallery"].shape[0]
        weights = unit["gallery"] * unit["probe"] - p.threshold / dims  # (D,)
        roles = list(dict.fromkeys(t.role for t in job.targets))
        size = x[roles[0]].shape[-1]
        signed = {r: np.zeros((size, size), np.float32) for r in roles}
        steps = {r: 0 for r in roles}
        per_role = -(-dims // p.batch_size)
        total, done, cancelled = per_role * len(roles), 0, False
        for role in roles:
            acc = torch.zeros(size, size, dtype=torch.float64, device=weights.device)
            for start in range(0, dims, p.batch_size):
                if should_cancel is not None and should_cancel():
                    cancelled = True
                    break
                idx = torch.arange(start, min(start + p.batch_size, dims), device=weights.device)
                acc += (weights[idx, None, None].double() * self._dimension_maps(job.model, x[role], idx)).sum(0)
                steps[role] += len(idx)
                done += 1
                if on_progress is not None:
                    signed[role] = acc.float().cpu().numpy()
                    on_progress(FameProgress(iteration=done, total=total, loss=loss, score=score, active=None,
                                             elapsed=time.perf_counter() - t0, delta=split_rows(signed, job.targets)))
            signed[role] = acc.float().cpu().numpy()
            if cancelled:
                break
        return map_record(split_rows(signed, job.targets), np.array([steps[t.role] for t in job.targets]),
                          score.cpu().numpy(), loss.cpu().numpy(), time.perf_counter() - t0, cancelled, p)

    @staticmethod
    def _dimension_maps(model, x: torch.Tensor, idx: torch.Tensor) -> torch.Tensor:
        """(1, 3, S, S), dims (b,) → (b, S, S) float64 n_i: mean over colour of |∂φ̂_i/∂x|, L2-normalised."""
        xb = x.expand(len(idx), -1, -1, -1).clone().requires_grad_(True)
        with torch.enable_grad():
            chosen = normalised_embedding(model, xb).gather(1, idx[:, None]).sum()  # row j → dimension idx[j]
            (grad,) = torch.autograd.grad(chosen, xb)
        m = grad.abs().mean(dim=1).double()
        return m / m.flatten(1).norm(dim=1).clamp_min(1e-30)[:, None, None]

    def maps(self, raw: np.ndarray, settings: MapSettings) -> np.ndarray:
        return display_maps(raw, settings, BLUR_KERNEL, BLUR_SIGMA)

    def param_specs(self, task) -> list:
        from ..tasks.types import OptionSpec

        return [OptionSpec("batch_size", "Dimensions per pass", "int", 64, minimum=1,
                           help="embedding dimensions back-propagated together (memory; the maps do not change)")]


def setup(registry) -> None:
    """Entry point of the built-in method plugin (group fame_desktop.plugins)."""
    registry.add(FggbMethod())
