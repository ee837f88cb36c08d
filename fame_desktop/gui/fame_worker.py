"""The FAME run as a worker-thread task: progress and live preview maps go back as reports.

Preview maps, and their layers on the photographs, are made here (core.attribution,
core.photo_overlay), not in the GUI thread,
from the Δx snapshots the engine takes every `params.snapshot_every` iterations, and
sent at most every `min_preview_interval` seconds so a fast GPU does not flood the
window. Cancelling takes effect before the engine's next iteration.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable

import numpy as np


@dataclass(frozen=True)
class FameProgressReport:
    iteration: int
    total: int
    elapsed: float
    active: int  # maps still being optimised
    maps: int
    scores: tuple[float, ...]


@dataclass(frozen=True)
class FamePreview:
    iteration: int
    total: int
    maps: dict  # {map key: (112, 112) float32 in [0, 1]}
    layers: dict  # {map key: core.photo_overlay.PhotoLayer of that map on its photograph}
    cmap: str  # the colour map of the layers


def fame_task(engine, model, gallery_crop: np.ndarray, probe_crop: np.ndarray, params,
              map_settings: Callable[[], object], colour_map: Callable[[], str], photos: dict,
              min_preview_interval: float = 0.3, min_progress_interval: float = 0.05):
    """A Job function running explain_pair; returns the PairExplanation (cancelled or not).

    photos: {side: (alignment matrix, photo width, photo height)} for the map layers drawn
    on the photographs; map_settings / colour_map read the window's current choices.
    """

    def task(job):
        from ..core.attribution import delta_to_maps
        from ..core.photo_overlay import photo_heat_layer
        from ..core.verification import MAP_KEYS, explain_pair, split_key

        last = {"progress": -1e9, "preview": -1e9}

        def on_progress(p) -> None:
            now = time.monotonic()
            final = p.iteration == p.total
            if final or now - last["progress"] >= min_progress_interval:
                last["progress"] = now
                job.report(FameProgressReport(p.iteration, p.total, p.elapsed, int(np.sum(p.active)),
                                              len(p.active), tuple(float(s) for s in p.score)))
            if p.delta is not None and (final or now - last["preview"] >= min_preview_interval):
                last["preview"] = now
                maps = dict(zip(MAP_KEYS, delta_to_maps(p.delta, map_settings())))
                cmap = colour_map()
                layers = {k: photo_heat_layer(m, *photos[split_key(k)[0]], cmap) for k, m in maps.items()}
                job.report(FamePreview(p.iteration, p.total, maps, layers, cmap))

        with engine.model_lock:
            return explain_pair(model, gallery_crop, probe_crop, params, maps=MAP_KEYS,
                                on_progress=on_progress, should_cancel=lambda: job.cancelled)

    return task
