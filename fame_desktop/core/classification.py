"""FAME for image classification: L_cls = z_o, the raw logit of the explained class o.

The original script's variant descends |z_o| instead ("abs-logit"). The score shown
during a run is the class probability softmax(z)_o.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Optional, Sequence

import numpy as np
import torch

from .fame import FameParams, FameProgress, FameRun, run_fame

VARIANTS = ("logit", "abs-logit")
VARIANT_TEXT = {"logit": "L = z_o (raw logit, paper)", "abs-logit": "L = |z_o| (original script)"}


@dataclass(frozen=True)
class ClassScore:
    index: int
    name: str
    probability: float
    logit: float

    def describe(self) -> dict:
        return {"index": self.index, "name": self.name, "probability": self.probability, "logit": self.logit}


class ClassObjective:
    """Sample i descends the logit of classes[i]. (B, 3, S, S) → (loss (B,), probability (B,))."""

    def __init__(self, model: torch.nn.Module, classes: Sequence[int], variant: str = "logit"):
        if variant not in VARIANTS:
            raise ValueError(f"unknown variant {variant!r}; choose one of {', '.join(VARIANTS)}")
        self.model = model
        self.variant = variant
        self.classes = torch.as_tensor(list(classes), dtype=torch.long)

    def __call__(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        logits = self.model(x)
        idx = self.classes.to(logits.device).view(-1, 1)
        z = logits.gather(1, idx).squeeze(1)
        p = torch.softmax(logits, dim=1).gather(1, idx).squeeze(1)
        return (z.abs() if self.variant == "abs-logit" else z), p


@torch.no_grad()
def top_classes(model, x: torch.Tensor, k: int = 5) -> list[ClassScore]:
    """x (1, 3, S, S) in [0, 1] → the k most probable classes, most probable first."""
    logits = model(x)[0].float()
    probs = torch.softmax(logits, dim=0)
    top = torch.topk(probs, k)
    names = model.categories
    return [ClassScore(int(i), names[int(i)], float(p), float(logits[int(i)]))
            for p, i in zip(top.values, top.indices)]


def check_class(index: int, n_classes: int) -> int:
    if not 0 <= int(index) < n_classes:
        raise ValueError(f"class index {index} out of range 0–{n_classes - 1}")
    return int(index)


def explain_classes(model, rgb: np.ndarray, classes: Sequence[int], params: FameParams = FameParams(),
                    variant: str = "logit", on_progress: Optional[Callable[[FameProgress], None]] = None,
                    should_cancel: Optional[Callable[[], bool]] = None) -> FameRun:
    """FAME for several classes of one (S, S, 3) uint8 input, as one batch; delta[i] ↔ classes[i]."""
    for c in classes:
        check_class(c, len(model.categories))
    x0 = model.to_input(rgb).repeat(len(classes), 1, 1, 1)
    return run_fame(ClassObjective(model, classes, variant), x0, params, on_progress, should_cancel)
