"""The FAME engine: iterative, gradient-normalised perturbation of the input (METHOD.md §1).

    x̄ ← x̄ − η · ∇ / max|∇|,   ∇ = ∂L(f(x̄)) / ∂x̄,   max per sample over (C, H, W)

Samples of a batch are independent (the model is in eval mode; losses are summed before
the backward pass, so each sample's gradient is its own). The accumulated change
Δx = x̄ − x is kept raw; `attribution.delta_to_maps` turns it into maps.

The engine is task-agnostic: a task supplies an objective `(B, C, H, W) → (loss (B,),
score (B,))`. Face verification's objective and the pair explanation live in
`verification.py`.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from typing import Callable, Optional

import numpy as np
import torch

Objective = Callable[[torch.Tensor], tuple[torch.Tensor, torch.Tensor]]


@dataclass(frozen=True)
class FameParams:
    """Optimisation parameters. Defaults: the reference implementation's (METHOD.md §1).

    step_size: η, in [0, 1] pixel units (default 1/255).
    iterations: T, the most updates each sample receives.
    epsilon: stop a sample once its loss is below ε; 0 turns early stopping off.
    clamp: keep x̄ inside [0, 1] after every step.
    detach_norms: do not differentiate the cosine's norms (paper footnote) — verification only.
    snapshot_every: copy Δx to the progress callback every this many iterations (0 = never).
    """

    step_size: float = 1.0 / 255.0
    iterations: int = 500
    epsilon: float = 0.01
    clamp: bool = False
    detach_norms: bool = False
    snapshot_every: int = 25

    def __post_init__(self):
        if not (self.step_size > 0 and np.isfinite(self.step_size)):
            raise ValueError(f"step size must be positive, got {self.step_size}")
        if int(self.iterations) != self.iterations or self.iterations < 1:
            raise ValueError(f"iterations must be a positive integer, got {self.iterations}")
        if not (self.epsilon >= 0 and np.isfinite(self.epsilon)):
            raise ValueError(f"epsilon must be ≥ 0 (0 = off), got {self.epsilon}")
        if self.snapshot_every < 0:
            raise ValueError("snapshot_every must be ≥ 0")

    def describe(self) -> dict:
        d = asdict(self)
        d["step_size_255"] = round(self.step_size * 255.0, 6)
        return d


@dataclass
class FameProgress:
    """One iteration's report. Arrays have one entry per sample (B,).

    iteration: updates done so far (1..total).  delta: (B, C, H, W) Δx snapshot or None.
    """

    iteration: int
    total: int
    loss: np.ndarray
    score: np.ndarray
    active: np.ndarray
    elapsed: float
    delta: Optional[np.ndarray] = None


@dataclass
class FameRun:
    """Result of one optimisation. delta: (B, C, H, W) float32 Δx = x̄ − x.

    iterations: (B,) updates each sample received.  stop_reasons: per sample,
    "iterations", "epsilon" or "cancelled".  *_loss / *_score: (B,) at x and at x̄.
    """

    delta: np.ndarray
    iterations: np.ndarray
    stop_reasons: list[str]
    initial_loss: np.ndarray
    final_loss: np.ndarray
    initial_score: np.ndarray
    final_score: np.ndarray
    elapsed: float
    cancelled: bool = False
    params: FameParams = field(default_factory=FameParams)


def normalised_step(grad: torch.Tensor) -> torch.Tensor:
    """∇ / max|∇| with the max per sample over (C, H, W); a zero gradient gives a zero step."""
    peak = grad.abs().amax(dim=tuple(range(1, grad.dim())), keepdim=True)
    return grad / peak.clamp_min(torch.finfo(grad.dtype).tiny)


def run_fame(
    objective: Objective,
    x0: torch.Tensor,
    params: FameParams,
    on_progress: Optional[Callable[[FameProgress], None]] = None,
    should_cancel: Optional[Callable[[], bool]] = None,
) -> FameRun:
    """Optimise a batch x0 (B, C, H, W) in [0, 1]; return Δx and per-sample bookkeeping.

    Cancelling (should_cancel() → True) takes effect before the next iteration; the
    result then holds Δx as far as it got, with cancelled=True.
    """
    t0 = time.perf_counter()
    x0 = x0.detach()
    b = x0.shape[0]
    x = x0.clone()
    active = torch.ones(b, dtype=torch.bool, device=x0.device)
    done = torch.zeros(b, dtype=torch.long, device=x0.device)
    reasons = ["iterations"] * b
    cancelled = False
    initial_loss = initial_score = None
    with torch.enable_grad():
        for it in range(params.iterations):
            if should_cancel is not None and should_cancel():
                cancelled = True
                break
            x.requires_grad_(True)
            loss, score = objective(x)
            if initial_loss is None:
                initial_loss, initial_score = loss.detach().clone(), score.detach().clone()
            if params.epsilon > 0:
                reached = active & (loss.detach() < params.epsilon)
                if bool(reached.any()):
                    for i in torch.nonzero(reached).flatten().tolist():
                        reasons[i] = "epsilon"
                    active &= ~reached
                    if not bool(active.any()):
                        break
            (grad,) = torch.autograd.grad(loss.sum(), x)
            step = normalised_step(grad) * active.view(-1, *([1] * (x.dim() - 1))).to(grad.dtype)
            with torch.no_grad():
                x = x.detach() - params.step_size * step
                if params.clamp:
                    x.clamp_(0.0, 1.0)
            done += active
            if on_progress is not None:
                n = it + 1
                snap = params.snapshot_every and (n % params.snapshot_every == 0 or n == params.iterations)
                on_progress(FameProgress(
                    iteration=n, total=params.iterations,
                    loss=loss.detach().cpu().numpy(), score=score.detach().cpu().numpy(),
                    active=active.cpu().numpy().copy(), elapsed=time.perf_counter() - t0,
                    delta=(x - x0).cpu().numpy() if snap else None,
                ))
        with torch.no_grad():
            final_loss, final_score = objective(x.detach())
    if initial_loss is None:  # cancelled before the first iteration
        initial_loss, initial_score = final_loss, final_score
    if cancelled:
        reasons = ["cancelled" if r == "iterations" else r for r in reasons]
    return FameRun(
        delta=(x.detach() - x0).float().cpu().numpy(),
        iterations=done.cpu().numpy(),
        stop_reasons=reasons,
        initial_loss=initial_loss.cpu().numpy(),
        final_loss=final_loss.cpu().numpy(),
        initial_score=initial_score.cpu().numpy(),
        final_score=final_score.cpu().numpy(),
        elapsed=time.perf_counter() - t0,
        cancelled=cancelled,
        params=params,
    )
