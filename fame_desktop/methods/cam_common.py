"""What the CAM-family methods (cam.py, fdcam.py) share: the task's loss as a network, the target
layer, a model left exactly as found, progress and cancel, the run record and the maps.

Every CAM here explains the LOSS of each target from the task's objective (`job.objective`):
for a face e+ target that is L = s, the cosine to the frozen partner embedding; for a class
L = z_o (or |z_o|). `ObjectiveModule` wraps the objective as an nn.Module whose output is
the per-row loss (n,), so grad-cam's algorithms run on it with an identity target.

Raw output (`RunRecord.delta`): (B, 1, S, S) float32 ≥ 0, the CAM of row i upsampled bilinearly
from the layer's h × w grid to the model input (S × S), not normalised. `cam_maps` normalises
it as the user chose (MapSettings.normalisation) and never blurs: a 7 × 7 grid upsampled is
already as smooth as its layer, and a blur would spread the map beyond what the layer says.
"""

from __future__ import annotations

import time
from contextlib import contextmanager
from dataclasses import replace
from typing import Callable, Optional, Sequence

import cv2
import numpy as np
import torch
from torch import nn

from ..core.attribution import MapSettings
from ..core.errors import FameError, ModelError
from ..core.fame import FameProgress
from ..core.feature_map import LayerCapture, default_layer, resolve_layer
from .base import Method, MethodJob, RunRecord

# Every dict in which torch keeps a module's hooks (keyed by the hook's id).
_HOOK_DICTS = ("_forward_hooks", "_forward_hooks_with_kwargs", "_forward_hooks_always_called",
               "_forward_pre_hooks", "_forward_pre_hooks_with_kwargs", "_backward_hooks", "_backward_pre_hooks")


class Cancelled(Exception):
    """Raised between forward passes when the user cancels; the method marks unfinished rows."""


def similar_only(targets) -> tuple:
    """One map per input: a face's e− target (L = 1 − s) has the same gradient as e+ up to sign, so a
    CAM explains only the similarity; other tasks' targets all stay."""
    return tuple(t for t in targets if t.data.get("kind") != "dissimilar")


def layer_name(model: nn.Module, layer: str) -> str:
    """The target layer: `layer`, or the model's last convolutional block (core.feature_map.default_layer)."""
    return layer or default_layer(model)


@torch.no_grad()
def layer_shape(model: nn.Module, layer: str, x: torch.Tensor) -> tuple[int, int, int]:
    """(C, h, w) of `layer`'s output for the input x (1, 3, S, S)."""
    with LayerCapture(resolve_layer(model, layer), stop=True) as cap:
        a = cap.run(model, x[:1])
    if a.dim() != 4:
        raise ModelError(f"layer {layer!r} gives a {a.dim()}-d output; a CAM needs a (C, h, w) feature map")
    return int(a.shape[1]), int(a.shape[2]), int(a.shape[3])


class ObjectiveModule(nn.Module):
    """The task's objective for `targets` as a network: x (n, 3, S, S) → loss (n,).

    n = len(targets) (row i ↔ targets[i]), or any n in `copies` for a single target (n copies of
    its input, as Score-CAM's and Ablation-CAM's batches are). Every objective is built here, with
    the model untouched: a face objective embeds the partner face when it is built, which must
    never happen while a method has switched a layer's channels off. `on_forward(n)` is called
    before every pass (progress, cancel).
    """

    def __init__(self, job: MethodJob, targets: Sequence, copies: Sequence[int] = (),
                 on_forward: Optional[Callable[[int], None]] = None):
        super().__init__()
        self.net = job.model
        targets = list(targets)
        self._objectives = {len(targets): job.objective(targets)}
        if len(targets) == 1:
            for n in copies:
                if n not in self._objectives:
                    self._objectives[n] = job.objective(targets * n)
        self.on_forward = on_forward

    def objective(self, n: int):
        if n not in self._objectives:
            raise RuntimeError(f"no objective built for a batch of {n} (built: {sorted(self._objectives)})")
        return self._objectives[n]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.on_forward is not None:
            self.on_forward(int(x.shape[0]))
        loss, _score = self.objective(int(x.shape[0]))(x)
        return loss


def identity_target(output: torch.Tensor) -> torch.Tensor:
    """grad-cam target of one row: the row's loss itself (ObjectiveModule already computed it)."""
    return output


@torch.no_grad()
def loss_and_score(job: MethodJob, x: torch.Tensor) -> tuple[np.ndarray, np.ndarray]:
    """(B,) loss and score of every target at its input x (B, 3, S, S)."""
    loss, score = job.objective()(x)
    return loss.float().cpu().numpy(), score.float().cpu().numpy()


@contextmanager
def model_left_as_found(model: nn.Module):
    """Whatever happens inside (an exception, a cancel between passes), the model leaves with the
    modules and hooks it came in with: grad-cam registers hooks on the target layer (and FullGrad on
    every biased layer) and Ablation-CAM swaps the target layer for its own while it runs."""
    modules = dict(model.named_modules())
    hooks = {name: {d: set(getattr(m, d, {}) or ()) for d in _HOOK_DICTS} for name, m in modules.items()}
    try:
        yield
    finally:
        for name, m in modules.items():
            if name:
                parent_name, _, child = name.rpartition(".")
                parent = modules[parent_name]
                if parent._modules.get(child) is not m:
                    parent._modules[child] = m
            for d in _HOOK_DICTS:
                table = getattr(m, d, None)
                for key in [k for k in (table or ()) if k not in hooks[name][d]]:
                    del table[key]


def upsample(raw: np.ndarray, size: int) -> np.ndarray:
    """(B, h, w) → (B, size, size) float32, bilinear (cv2.resize, as grad-cam scales its maps)."""
    raw = np.asarray(raw, dtype=np.float32)
    if raw.shape[1:] == (size, size):
        return raw
    return np.stack([cv2.resize(m, (size, size), interpolation=cv2.INTER_LINEAR) for m in raw]).astype(np.float32)


def cam_maps(raw: np.ndarray, settings: MapSettings) -> np.ndarray:
    """(B, 1, S, S) raw maps → (B, S, S) float32 in [0, 1], each normalised as `settings` says, never
    blurred: "minmax" (m − min) / (max − min), "max" m / max; a flat map gives zeros."""
    out = []
    for m in np.asarray(raw, dtype=np.float32)[:, 0]:
        lo = float(m.min()) if settings.normalisation == "minmax" else 0.0
        hi = float(m.max())
        out.append((m - lo) / (hi - lo) if hi > lo else np.zeros_like(m))
    return np.stack(out).astype(np.float32)


class Progress:
    """Counts steps (forward passes or batches) and reports them as FameProgress events; raises
    `Cancelled` at the next step once the user has asked to stop."""

    def __init__(self, total: int, loss: np.ndarray, score: np.ndarray, on_progress=None, should_cancel=None):
        self.total, self.done = max(1, int(total)), 0
        self.loss, self.score = loss, score
        self.active = np.ones(len(loss), dtype=bool)
        self.on_progress, self.should_cancel = on_progress, should_cancel
        self.t0 = time.perf_counter()

    def check(self) -> None:
        if self.should_cancel is not None and self.should_cancel():
            raise Cancelled

    def step(self, n: int = 1) -> None:
        """Before a step: stop if cancelled; then count it and report."""
        self.check()
        self.done = min(self.total, self.done + n)
        self.report()

    def report(self) -> None:
        if self.on_progress is not None:
            self.on_progress(FameProgress(iteration=self.done, total=self.total, loss=self.loss.copy(),
                                          score=self.score.copy(), active=self.active.copy(),
                                          elapsed=self.elapsed))

    @property
    def elapsed(self) -> float:
        return time.perf_counter() - self.t0


def check_cam_run(method, job: MethodJob, run: RunRecord, tolerance: float, recompute: bool) -> float:
    """A stored CAM run (a reopened case) against its inputs: raw maps of the inputs' shape, finite and
    ≥ 0, known stop reasons, the stored loss and score equal to the objective at the input; with
    `recompute` (cheap methods) the maps computed again equal the stored ones. Returns the largest
    difference found; FameError at the first mismatch."""
    keys = [t.key for t in job.targets]
    x = job.input_batch()
    shape = (x.shape[0], 1, x.shape[2], x.shape[3])
    delta = np.asarray(run.delta)
    if delta.shape != shape:
        raise FameError(f"the raw {method.title} maps have shape {delta.shape}; the inputs give {shape}")
    if not np.isfinite(delta).all() or (delta < 0).any():
        raise FameError(f"the raw {method.title} maps are not finite and non-negative")
    for key, reason in zip(keys, run.stop_reasons):
        if reason not in ("done", "cancelled"):
            raise FameError(f"{key}: unknown stop reason {reason!r}")
    loss, score = loss_and_score(job, x)
    largest = 0.0
    for name, now in (("loss", loss), ("score", score)):
        for stored in (getattr(run, f"initial_{name}"), getattr(run, f"final_{name}")):
            diff = np.abs(np.asarray(stored, np.float64) - now)
            largest = max(largest, float(diff.max()))
            if diff.max() > tolerance:
                i = int(diff.argmax())
                raise FameError(f"{keys[i]}: the stored {name} {float(stored[i]):.4f} does not match the "
                                f"{float(now[i]):.4f} recomputed from the input")
    if recompute and all(r == "done" for r in run.stop_reasons):
        again = method.run(job).delta
        scale = max(float(np.abs(again).max()), 1e-12)
        diff = float(np.abs(again - delta).max()) / scale
        if diff > max(tolerance, 1e-4):
            raise FameError(f"the stored {method.title} maps differ from the maps computed again from the inputs "
                            f"(by {diff:.2%} of their maximum)")
        largest = max(largest, diff)
    return largest


def cam_record(delta: np.ndarray, steps: np.ndarray, finished: np.ndarray, loss: np.ndarray, score: np.ndarray,
               elapsed: float, params) -> RunRecord:
    """The run record of a CAM: raw maps (B, S, S) kept as (B, 1, S, S), steps per row, "done" / "cancelled" per row; the input is
    never changed, so the loss and score before and after are the same."""
    finished = np.asarray(finished, dtype=bool)
    return RunRecord(delta=np.asarray(delta, dtype=np.float32)[:, None], iterations=np.asarray(steps, dtype=np.int64),
                     stop_reasons=["done" if f else "cancelled" for f in finished],
                     initial_loss=loss, final_loss=loss.copy(), initial_score=score, final_score=score.copy(),
                     elapsed=elapsed, cancelled=not bool(finished.all()), params=params)


class LayerMapMethod(Method):
    """What a CAM-family method shares: e+ targets only, maps normalised and never blurred, and the frame
    of a run — loss and score at the input, the layer resolved and its output shape recorded in the
    parameters, progress and cancel, the model left as found, the run record. A subclass says how many
    steps a run takes (`run_steps`) and fills the raw maps (`compute`)."""

    blurs = False  # maps() never blur (see the module docstring)

    def select_targets(self, targets) -> tuple:
        return similar_only(targets)

    def maps(self, raw: np.ndarray, settings: MapSettings) -> np.ndarray:
        return cam_maps(raw, settings)

    def target_layer(self, model: nn.Module, params) -> str:
        """The layer a run with `params` uses on `model` ("" where the method uses no single layer)."""
        return layer_name(model, params.layer)

    def run_steps(self, params, rows: int) -> int:
        """Progress steps of a run on `rows` targets with `params` (its layer_output filled in)."""
        raise NotImplementedError

    def compute(self, job: MethodJob, x: torch.Tensor, params, progress: Progress, delta: np.ndarray,
                steps: np.ndarray, finished: np.ndarray) -> None:
        """Fill delta (B, S, S) with the raw maps of x (B, 3, S, S), and steps / finished (B,) per row,
        stepping `progress` (which raises Cancelled once the user has asked to stop)."""
        raise NotImplementedError

    def run(self, job: MethodJob, on_progress=None, should_cancel=None) -> RunRecord:
        x = job.input_batch()
        loss, score = loss_and_score(job, x)
        layer = self.target_layer(job.model, job.params)
        params = replace(job.params, layer=layer, layer_output=layer_shape(job.model, layer, x) if layer else ())
        b, size = x.shape[0], x.shape[-1]
        delta = np.zeros((b, size, size), np.float32)
        steps, finished = np.zeros(b, np.int64), np.zeros(b, bool)
        progress = Progress(self.run_steps(params, b), loss, score, on_progress, should_cancel)
        try:
            with model_left_as_found(job.model):
                self.compute(job, x, params, progress, delta, steps, finished)
        except Cancelled:
            pass
        progress.active[:] = False
        progress.report()
        return cam_record(delta, steps, finished, loss, score, progress.elapsed, params)
