"""Progress and live previews of a run, made in its worker thread and sent at a pace the window can absorb.

The engine reports every iteration; the throttle turns that into a progress report at most
every `min_progress` seconds and a preview when the event carries a raw snapshot and
`min_preview` seconds have passed. Preview maps (the method's `maps`) and their layers on
the photographs are made in the worker, never in the GUI thread.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class ProgressReport:
    iteration: int
    total: int
    elapsed: float
    active: int  # rows still being optimised
    rows: int
    scores: tuple[float, ...]


@dataclass(frozen=True)
class Preview:
    iteration: int
    total: int
    maps: dict  # {target key: (S, S) float32 in [0, 1]}
    layers: dict  # {target key: core.photo_overlay.PhotoLayer on its photograph} (may be empty)
    cmap: str  # the colour map of the layers
    extra: dict = field(default_factory=dict)  # what a page adds (e.g. the feature-map mosaic)


class ReportThrottle:
    """A progress report at most every `min_progress` s (and for the last step); a preview every `min_preview` s."""

    def __init__(self, min_preview: float = 0.3, min_progress: float = 0.05):
        self.min_preview, self.min_progress = min_preview, min_progress
        self._last_progress = self._last_preview = -1e9

    def progress(self, p) -> ProgressReport | None:
        now = time.monotonic()
        if p.iteration != p.total and now - self._last_progress < self.min_progress:
            return None
        self._last_progress = now
        active = p.active if p.active is not None else np.ones(0, bool)
        scores = () if p.score is None else tuple(float(s) for s in p.score)
        return ProgressReport(p.iteration, p.total, p.elapsed, int(np.sum(active)), len(active), scores)

    def preview_due(self, p) -> bool:
        now = time.monotonic()
        if p.delta is None or (p.iteration != p.total and now - self._last_preview < self.min_preview):
            return False
        self._last_preview = now
        return True


def preview_layers(maps: dict, inputs: dict, roles: dict, cmap: str) -> dict:
    """{key: PhotoLayer}: each preview map drawn on its input's photograph (inputs: role → PreparedInput)."""
    from ..core.photo_overlay import photo_heat_layer

    return {k: photo_heat_layer(m, inputs[roles[k]].matrix, inputs[roles[k]].image.width,
                                inputs[roles[k]].image.height, cmap)
            for k, m in maps.items()}
