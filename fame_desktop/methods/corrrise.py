"""CorrRISE (Lu et al. 2024): random black patches, similarity per masked face, per-pixel correlation.

For each face of a pair: N masks, each with k black p×p patches placed fully inside the image
(origins uniform in [0, S − p]); the masked face is compared with the other face's frozen
embedding through the task's objective (its score s); the correlation over the N masks between
a pixel being kept (1) or blacked out (0) and s is the pixel's attribution. Positive: keeping
the pixel raises the similarity → e+ (similar); negative → e− (dissimilar). Spearman (the
reference: s replaced by its ranks; ranking the binary mask changes nothing) or Pearson.
A pixel no mask covers has no correlation (0). No blur (as the reference).

The masks come from a seeded generator: one seed gives the same masks for every pair (the
reference, too, reuses one mask set), and the run records it.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass

import numpy as np
import torch

from ..core.attribution import MapSettings
from ..core.fame import FameProgress
from .base import Method, MethodJob, RunRecord
from .raw_maps import display_maps, map_record, split_rows

CORRELATIONS = ("spearman", "pearson")


@dataclass(frozen=True)
class CorrRiseParams:
    """masks N, patches k per mask, patch_size p (pixels of the model input), seed of the masks,
    correlation "spearman" | "pearson", batch_size: masked faces per forward pass (memory)."""

    masks: int = 500
    patches: int = 3
    patch_size: int = 30
    seed: int = 0
    correlation: str = "spearman"
    batch_size: int = 50

    def __post_init__(self):
        for name in ("masks", "patches", "patch_size", "batch_size"):
            v = getattr(self, name)
            if int(v) != v or v < 1:
                raise ValueError(f"CorrRISE {name.replace('_', ' ')} must be a positive integer, got {v}")
        if self.masks < 2:
            raise ValueError("CorrRISE needs at least 2 masks to correlate")
        if self.correlation not in CORRELATIONS:
            raise ValueError(f"CorrRISE correlation must be one of {', '.join(CORRELATIONS)}, got {self.correlation!r}")
        if int(self.seed) != self.seed or self.seed < 0:
            raise ValueError(f"CorrRISE seed must be a whole number ≥ 0, got {self.seed}")

    def describe(self) -> dict:
        return asdict(self)


def patch_masks(n: int, size: int, patches: int, patch_size: int, seed: int) -> torch.Tensor:
    """(n, size, size) float32 keep-masks: 0 inside `patches` p×p squares placed fully inside, 1 elsewhere."""
    if patch_size > size:
        raise ValueError(f"CorrRISE patch size {patch_size} is larger than the {size}-pixel input")
    g = torch.Generator().manual_seed(int(seed))
    origin = torch.randint(0, size - patch_size + 1, (n, patches, 2), generator=g)  # (y, x)
    pos = torch.arange(size)
    rows = (pos >= origin[..., :1]) & (pos < origin[..., :1] + patch_size)  # (n, k, S)
    cols = (pos >= origin[..., 1:]) & (pos < origin[..., 1:] + patch_size)
    covered = (rows[..., :, None] & cols[..., None, :]).any(dim=1)  # (n, S, S)
    return (~covered).float()


def average_ranks(a: np.ndarray) -> np.ndarray:
    """1-based ranks of a 1-D array, ties sharing their average rank (as scipy's rankdata)."""
    _, inverse, counts = np.unique(a, return_inverse=True, return_counts=True)
    ends = np.cumsum(counts)
    return (ends - (counts - 1) / 2.0)[inverse]


def pixel_correlation(keep: np.ndarray, scores: np.ndarray, method: str = "spearman") -> np.ndarray:
    """keep (N, S, S) in {0, 1}, scores (N,) → (S, S) correlation over the N masks; 0 where undefined."""
    s = average_ranks(scores) if method == "spearman" else np.asarray(scores, dtype=np.float64)
    k = keep.reshape(keep.shape[0], -1).astype(np.float64)
    kc = k - k.mean(axis=0)
    sc = s - s.mean()
    cov = sc @ kc / len(s)
    denom = np.sqrt((kc ** 2).mean(axis=0)) * np.sqrt((sc ** 2).mean())
    corr = np.divide(cov, denom, out=np.zeros_like(cov), where=denom > 0)
    return corr.reshape(keep.shape[1:]).astype(np.float32)


class CorrRiseMethod(Method):
    key = "corrrise"
    title = "CorrRISE"
    description = ("Correlation RISE (Lu et al. 2024): 500 masks of 3 black 30×30 patches per face; the "
                   "correlation between keeping a pixel and the similarity to the other face gives e+ "
                   "(positive) and e− (negative). Hundreds of forward passes, no gradients.")
    kind = "perturbation"
    blurs = False  # as the reference: the correlation map is shown unsmoothed

    def default_params(self, task):
        return CorrRiseParams()

    def param_specs(self, task) -> list:
        from ..tasks.types import OptionSpec

        d = CorrRiseParams()
        return [OptionSpec("masks", "Masks N", "int", d.masks, minimum=2, help="random masks per face (paper: 500)"),
                OptionSpec("patches", "Patches per mask", "int", d.patches, minimum=1, help="black squares per mask"),
                OptionSpec("patch_size", "Patch size (px)", "int", d.patch_size, minimum=1,
                           help="side of each black square in model-input pixels (paper: 30 at 112 px)"),
                OptionSpec("seed", "Seed", "int", d.seed, minimum=0, help="the masks' random seed (recorded)"),
                OptionSpec("correlation", "Correlation", "choice", d.correlation, choices=CORRELATIONS,
                           help="Spearman (the reference) or Pearson, per pixel over the masks"),
                OptionSpec("batch_size", "Masks per pass", "int", d.batch_size, minimum=1,
                           help="masked faces per forward pass (memory; the maps do not change)")]

    def _batches(self, job: MethodJob) -> int:
        return -(-job.params.masks // job.params.batch_size)

    def total_steps(self, job: MethodJob) -> int:
        return self._batches(job) * len({t.role for t in job.targets})

    def run(self, job: MethodJob, on_progress=None, should_cancel=None) -> RunRecord:
        from ..tasks.result import input_tensor

        p: CorrRiseParams = job.params
        t0 = time.perf_counter()
        roles = list(dict.fromkeys(t.role for t in job.targets))
        size = job.inputs[roles[0]].size
        keep = patch_masks(p.masks, size, p.patches, p.patch_size, p.seed)
        dev = input_tensor(job.model, job.inputs[roles[0]]).device
        signed = {r: np.zeros((size, size), np.float32) for r in roles}
        steps = {r: 0 for r in roles}
        total, done, cancelled = self.total_steps(job), 0, False
        with torch.no_grad():
            loss, score = job.objective()(job.input_batch())
            for role in roles:
                first = next(t for t in job.targets if t.role == role)
                x = input_tensor(job.model, job.inputs[role])
                scores: list[np.ndarray] = []
                objectives = {}  # one objective (both faces embedded) per batch length
                for start in range(0, p.masks, p.batch_size):
                    if should_cancel is not None and should_cancel():
                        cancelled = True
                        break
                    m = keep[start:start + p.batch_size].to(dev)
                    n = m.shape[0]
                    if n not in objectives:
                        objectives[n] = job.objective([first] * n)
                    scores.append(objectives[n](x * m[:, None])[1].float().cpu().numpy())
                    steps[role] += n
                    done += 1
                    if on_progress is not None:
                        signed[role] = pixel_correlation(keep[:steps[role]].numpy(), np.concatenate(scores),
                                                         p.correlation) if steps[role] > 1 else signed[role]
                        on_progress(FameProgress(iteration=done, total=total, loss=loss, score=score,
                                                 active=None, elapsed=time.perf_counter() - t0,
                                                 delta=split_rows(signed, job.targets)))
                if steps[role] > 1:
                    signed[role] = pixel_correlation(keep[:steps[role]].numpy(), np.concatenate(scores), p.correlation)
                if cancelled:
                    break
        return map_record(split_rows(signed, job.targets), np.array([steps[t.role] for t in job.targets]),
                          score.cpu().numpy(), loss.cpu().numpy(), time.perf_counter() - t0, cancelled, p)

    def maps(self, raw: np.ndarray, settings: MapSettings) -> np.ndarray:
        return display_maps(raw, settings)


def setup(registry) -> None:
    """Entry point of the built-in method plugin (group fame_desktop.plugins)."""
    registry.add(CorrRiseMethod())
