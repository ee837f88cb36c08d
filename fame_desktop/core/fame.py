"""The FAME engine: iterative, gradient-normalised perturbation of the input (METHOD.md §1).

    x̄ ← x̄ − η · ∇ / max|∇|,   ∇ = ∂L(f(x̄)) / ∂x̄,   max per sample over (C, H, W)

Samples of a batch are independent (the model is in eval mode; losses are summed before
the backward pass, so each sample's gradient is its own). The accumulated change
Δx = x̄ − x is kept raw; `attribution.delta_to_maps` turns it into maps.

The engine is task-agnostic: a task supplies an objective `(B, C, H, W) → (loss (B,),
score (B,))`. Face verification's objective and the pair explanation live in
`verification.py`.

Speed (docs/performance.md): all samples run as one batch and only the input gradient
is taken. A sample that stops (ε, convergence) leaves the batch when the objective can
be narrowed to the remaining rows (`subset(rows)`, optional); otherwise it stays in the
batch with a zero step. Progress events carry device tensors that are copied to the host
only when a listener reads them, and on a GPU the host looks at the stop state only every
`ACCELERATOR_CHECK_EVERY` iterations (the per-sample mask on the device keeps the result
exact in between).
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from typing import Callable, Optional, Protocol

import numpy as np
import torch

from .convergence import ConvergenceMonitor

Objective = Callable[[torch.Tensor], tuple[torch.Tensor, torch.Tensor]]
STOP_REASONS = ("iterations", "epsilon", "converged", "cancelled")
# why a run's row stopped, in words (every front end and the report say it the same way); "done":
# a method without iterations (one pass) finished
STOP_TEXT = {"iterations": "reached T", "epsilon": "loss below ε", "converged": "map stopped changing (δ)",
             "cancelled": "cancelled by the user", "done": "done"}
ACCELERATOR_CHECK_EVERY = 8  # iterations between host looks at the stop state on CUDA / MPS


class SubsettableObjective(Protocol):
    """An objective that can be narrowed to some of its rows, so stopped samples leave the batch."""

    def __call__(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]: ...

    def subset(self, rows: torch.Tensor) -> "SubsettableObjective":
        """The objective for the original rows `rows` (1-D long tensor), in that order."""


@dataclass(frozen=True)
class FameParams:
    """Optimisation parameters. Defaults: the reference implementation's (METHOD.md §1).

    step_size: η, in [0, 1] pixel units (default 1/255).
    iterations: T, the most updates each sample receives.
    epsilon: stop a sample once its loss is below ε; 0 turns early stopping off.
    clamp: keep x̄ inside [0, 1] after every step.
    detach_norms: do not differentiate the cosine's norms (paper footnote) — verification only.
    snapshot_every: copy Δx to the progress callback every this many iterations (0 = never).
    converge_tolerance: adaptive stopping (0 = off): stop a sample once its map (blurred,
        normalised as `MapSettings()`) has changed by less than this over the last
        `converge_window` iterations — change = 1 − Pearson r between the two maps.
    converge_window: iterations between the map comparisons of adaptive stopping.
    preset: the name of the preset these values came from ("" = chosen one by one).
    """

    step_size: float = 1.0 / 255.0
    iterations: int = 500
    epsilon: float = 0.01
    clamp: bool = False
    detach_norms: bool = False
    snapshot_every: int = 25
    converge_tolerance: float = 0.0
    converge_window: int = 10
    preset: str = ""

    def __post_init__(self):
        if not (self.step_size > 0 and np.isfinite(self.step_size)):
            raise ValueError(f"step size must be positive, got {self.step_size}")
        if int(self.iterations) != self.iterations or self.iterations < 1:
            raise ValueError(f"iterations must be a positive integer, got {self.iterations}")
        if not (self.epsilon >= 0 and np.isfinite(self.epsilon)):
            raise ValueError(f"epsilon must be ≥ 0 (0 = off), got {self.epsilon}")
        if self.snapshot_every < 0:
            raise ValueError("snapshot_every must be ≥ 0")
        if not (0 <= self.converge_tolerance < 1):
            raise ValueError(f"convergence tolerance must be in [0, 1) (0 = off), got {self.converge_tolerance}")
        if int(self.converge_window) != self.converge_window or self.converge_window < 1:
            raise ValueError(f"convergence window must be a positive integer, got {self.converge_window}")

    @property
    def adaptive(self) -> bool:
        return self.converge_tolerance > 0

    def describe(self) -> dict:
        d = asdict(self)
        d["step_size_255"] = round(self.step_size * 255.0, 6)
        return d


def _host(a) -> Optional[np.ndarray]:
    if a is None or isinstance(a, np.ndarray):
        return a
    if isinstance(a, torch.Tensor):
        return a.detach().cpu().numpy()
    return np.asarray(a)


class FameProgress:
    """One iteration's report. Arrays have one entry per sample (B,).

    iteration: updates done so far (1..total).  loss, score: the latest value per sample
    (a stopped sample keeps its last one).  active: samples still being optimised.
    done: (B,) updates each sample received so far.  delta: (B, C, H, W) Δx snapshot at
    the snapshot cadence, else None. The engine hands over device tensors; they are
    copied to numpy on first access only, so a listener that reads rarely costs nothing.
    """

    def __init__(self, iteration: int, total: int, loss, score, active, elapsed: float,
                 delta=None, done=None):
        self.iteration = iteration
        self.total = total
        self.elapsed = elapsed
        self._raw = {"loss": loss, "score": score, "active": active, "delta": delta, "done": done}
        self._host: dict[str, Optional[np.ndarray]] = {}

    def _get(self, name: str) -> Optional[np.ndarray]:
        if name not in self._host:
            self._host[name] = _host(self._raw[name])
            self._raw[name] = None
        return self._host[name]

    loss = property(lambda self: self._get("loss"))
    score = property(lambda self: self._get("score"))
    active = property(lambda self: self._get("active"))
    delta = property(lambda self: self._get("delta"))
    done = property(lambda self: self._get("done"))

    def __repr__(self) -> str:
        return f"FameProgress(iteration={self.iteration}, total={self.total}, elapsed={self.elapsed:.3f})"


@dataclass
class FameRun:
    """Result of one optimisation. delta: (B, C, H, W) float32 Δx = x̄ − x.

    iterations: (B,) updates each sample received.  stop_reasons: per sample,
    "iterations", "epsilon", "converged" or "cancelled".  *_loss / *_score: (B,) at x and at x̄.
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


class _Batch:
    """The rows still in the working batch, and where the finished ones are kept."""

    def __init__(self, objective: Objective, x0: torch.Tensor):
        self.root = objective
        self.objective = objective
        self.can_shrink = callable(getattr(objective, "subset", None))
        self.rows = torch.arange(x0.shape[0], device=x0.device)  # original index of each working row
        self.x = x0.clone()  # working rows of x̄
        self.x_all = x0.clone()  # x̄ of every row; working rows are written back when they leave
        self.live = torch.ones(x0.shape[0], dtype=torch.bool, device=x0.device)  # working rows still stepping

    @torch.no_grad()
    def full(self) -> torch.Tensor:
        """(B, C, H, W) x̄ of every row as it is now."""
        out = self.x_all.clone()
        out[self.rows] = self.x
        return out

    @torch.no_grad()
    def drop(self, positions: list[int]) -> None:
        """Take working rows (positions in the working batch) out, keeping their x̄."""
        if not positions:
            return
        pos = torch.tensor(positions, device=self.x.device)
        self.x_all[self.rows[pos]] = self.x[pos]
        if not self.can_shrink:  # stays in the batch, masked
            self.live[pos] = False
            return
        keep = torch.ones(self.rows.shape[0], dtype=torch.bool, device=self.x.device)
        keep[pos] = False
        self.rows, self.x, self.live = self.rows[keep], self.x[keep], self.live[keep]
        if self.rows.numel():
            self.objective = self.root.subset(self.rows)


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
    b, dev = x0.shape[0], x0.device
    batch = _Batch(objective, x0)
    done = torch.zeros(b, dtype=torch.long, device=dev)
    last_loss = torch.zeros(b, dtype=x0.dtype, device=dev)
    last_score = torch.zeros(b, dtype=x0.dtype, device=dev)
    stopped = torch.zeros(b, dtype=torch.bool, device=dev)  # per original row, as the device sees it
    reasons = ["iterations"] * b
    monitor = ConvergenceMonitor(params.converge_tolerance) if params.adaptive else None
    host_is_free = _host_reads_are_free(dev)
    check_every = 1 if host_is_free else ACCELERATOR_CHECK_EVERY
    cancelled = False
    initial_loss = initial_score = None
    with torch.enable_grad():
        for it in range(params.iterations):
            if should_cancel is not None and should_cancel():
                cancelled = True
                break
            x = batch.x.requires_grad_(True)
            loss, score = batch.objective(x)
            loss_d, score_d = loss.detach(), score.detach()
            if initial_loss is None:
                initial_loss, initial_score = loss_d.clone(), score_d.clone()
            last_loss[batch.rows] = loss_d
            last_score[batch.rows] = score_d
            if params.epsilon > 0:
                batch.live &= loss_d >= params.epsilon
                if host_is_free and not bool(batch.live.any()):
                    _stop_epsilon(batch, reasons, stopped)
                    break
            (grad,) = torch.autograd.grad(loss.sum(), x)
            step = normalised_step(grad) * batch.live.view(-1, *([1] * (x.dim() - 1))).to(grad.dtype)
            with torch.no_grad():
                batch.x = x.detach() - params.step_size * step
                if params.clamp:
                    batch.x.clamp_(0.0, 1.0)
            done.index_add_(0, batch.rows, batch.live.long())
            n = it + 1
            finished = False
            if (n % check_every == 0 or n == params.iterations
                    or (monitor is not None and n % params.converge_window == 0)):
                _stop_epsilon(batch, reasons, stopped)
                if monitor is not None and n % params.converge_window == 0:
                    _stop_converged(batch, x0, monitor, reasons, stopped)
                finished = not bool(batch.live.any())  # also when stopped rows stay in the batch, masked
            if on_progress is not None:
                snap = params.snapshot_every and (n % params.snapshot_every == 0 or n == params.iterations)
                active = ~stopped
                active[batch.rows] &= batch.live
                on_progress(FameProgress(
                    iteration=n, total=params.iterations, loss=last_loss.clone(), score=last_score.clone(),
                    active=active, elapsed=time.perf_counter() - t0,
                    delta=(batch.full() - x0) if snap else None, done=done.clone(),
                ))
            if finished:
                break
        x_final = batch.full()
        with torch.no_grad():
            final_loss, final_score = objective(x_final)
    if initial_loss is None:  # cancelled before the first iteration
        initial_loss, initial_score = final_loss, final_score
    if cancelled:
        reasons = ["cancelled" if r == "iterations" else r for r in reasons]
    return FameRun(
        delta=(x_final - x0).float().cpu().numpy(),
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


def _host_reads_are_free(device: torch.device) -> bool:
    """Reading a CPU tensor costs no device synchronisation; on CUDA / MPS it stalls the queue."""
    return device.type == "cpu"


def _stop_epsilon(batch: _Batch, reasons: list[str], stopped: torch.Tensor) -> None:
    """Rows whose loss fell below ε (masked on the device already) leave the batch."""
    live = batch.live.tolist()
    if all(live):
        return
    positions = [i for i, keep in enumerate(live) if not keep]
    for i in positions:
        row = int(batch.rows[i])
        if reasons[row] == "iterations":
            reasons[row] = "epsilon"
        stopped[row] = True
    batch.drop(positions)


def _stop_converged(batch: _Batch, x0: torch.Tensor, monitor: ConvergenceMonitor, reasons: list[str],
                    stopped: torch.Tensor) -> None:
    """Rows whose map has stopped changing leave the batch (adaptive stopping)."""
    live = batch.live.tolist()
    positions = [i for i, keep in enumerate(live) if keep]
    if not positions:
        return
    rows = [int(r) for r in batch.rows[positions].tolist()]
    delta = (batch.x[positions] - x0[batch.rows[positions]]).float().cpu().numpy()
    converged = set(monitor.update(rows, delta))
    out = [p for p, r in zip(positions, rows) if r in converged]
    for p in out:
        row = int(batch.rows[p])
        reasons[row] = "converged"
        stopped[row] = True
    batch.drop(out)
