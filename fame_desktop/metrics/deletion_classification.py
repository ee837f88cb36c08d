"""Deletion and insertion curves of a classifier (Petsiuk et al.'s RISE metrics, plain form).

Deletion: the top-P % pixels by a map are set to black (0 in [0, 1] pixel space), P = 0, 10, …, 100;
insertion: the image starts black and only the top-P % pixels are put back. The class probability
over P is the curve; its area over P ∈ [0, 1] (trapezoids) is the normalised AUC — low for deletion
and high for insertion mean the map ranks the pixels the class depends on first.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from .masks import PERCENTAGES as CURVE_PERCENTS, top_fraction_mask

BATCH = 32  # perturbed images per forward pass


@dataclass(frozen=True)
class Curves:
    """Class probability over P: deletion and insertion (M, len(percents)), row i ↔ maps[i]."""

    percents: tuple[int, ...]
    deletion: np.ndarray
    insertion: np.ndarray

    def auc(self, curve: np.ndarray) -> np.ndarray:
        """(M,) area under each curve over P ∈ [0, 1]."""
        x = np.asarray(self.percents, dtype=np.float64) / 100.0
        y = np.asarray(curve, dtype=np.float64)
        return ((y[:, 1:] + y[:, :-1]) / 2 * np.diff(x)).sum(axis=1)

    @property
    def deletion_auc(self) -> np.ndarray:
        return self.auc(self.deletion)

    @property
    def insertion_auc(self) -> np.ndarray:
        return self.auc(self.insertion)


@torch.no_grad()
def deletion_insertion(model: torch.nn.Module, x: torch.Tensor, maps: np.ndarray, class_index: int,
                       percents=CURVE_PERCENTS) -> Curves:
    """model: (B, 3, S, S) in [0, 1] → logits; x (1, 3, S, S); maps (M, S, S) → Curves."""
    maps = np.asarray(maps)
    keep = np.stack([[top_fraction_mask(m, p / 100.0) for p in percents] for m in maps])  # (M, P, S, S)
    keep_t = torch.from_numpy(keep).to(x.device, x.dtype)[:, :, None]  # (M, P, 1, S, S)
    images = torch.cat([x * (1 - keep_t), x * keep_t], dim=1).reshape(-1, *x.shape[1:])  # deletion, insertion
    probs = torch.cat([torch.softmax(model(images[i:i + BATCH]).float(), dim=1)[:, class_index]
                       for i in range(0, images.shape[0], BATCH)]).cpu().numpy()
    probs = probs.reshape(len(maps), 2, len(percents))
    return Curves(tuple(percents), probs[:, 0].astype(np.float32), probs[:, 1].astype(np.float32))
