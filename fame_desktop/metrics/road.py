"""ROAD-Delete (Rong et al. 2022) with grad-cam's implementation: the top-P % pixels by a map are
removed and filled in by noisy linear imputation from their neighbours (so the removal leaves no
sharp-edged hole the classifier could react to); the class probability is measured after it.
Lower is better: a faithful map points at the pixels the class needs.

grad-cam removes the pixels at or above the map's (100 − P)th percentile; with a ReLU'd CAM whose
zeros cover more than 100 − P % of the image, that is every pixel. The maps are therefore handed
to it as ranks (masks.rank_map: ties broken in raster order), which removes exactly P %.
The imputation adds Gaussian noise (σ 0.01): it is drawn from a generator seeded with `seed`.
"""

from __future__ import annotations

import numpy as np
import torch

from .masks import rank_map

ROAD_PERCENTS = (10, 30, 50)
ROAD_SEED = 0


@torch.no_grad()
def road_delete(model: torch.nn.Module, x: torch.Tensor, maps: np.ndarray, class_index: int,
                percents=ROAD_PERCENTS, seed: int = ROAD_SEED) -> np.ndarray:
    """Class probability after ROAD removal of the top P % pixels of each map.

    model: (B, 3, S, S) in [0, 1] → (B, classes) logits; x (1, 3, S, S); maps (M, S, S).
    Returns (M, len(percents)) float32; column j ↔ percents[j].
    """
    from pytorch_grad_cam.metrics.road import ROADMostRelevantFirst
    from pytorch_grad_cam.utils.model_targets import ClassifierOutputSoftmaxTarget

    ranks = np.stack([rank_map(m) for m in np.asarray(maps)])
    batch = x.expand(len(ranks), -1, -1, -1).contiguous()
    targets = [ClassifierOutputSoftmaxTarget(int(class_index))] * len(ranks)
    out = np.zeros((len(ranks), len(percents)), dtype=np.float32)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        for j, p in enumerate(percents):
            if not 0 < p < 100:
                raise ValueError(f"ROAD removes 0 < P < 100 % of the pixels, got {p}")
            metric = ROADMostRelevantFirst(percentile=100 - p)
            out[:, j] = metric(batch, ranks, targets, model, return_diff=False)
    return out
