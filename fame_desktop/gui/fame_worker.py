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


class ReportThrottle:
    """Turns the engine's per-iteration events into reports the window can absorb.

    A progress report at most every `min_progress` seconds and always for the last
    iteration; a preview is due when the event carries a Δx snapshot and `min_preview`
    seconds have passed (or, with final_preview, on the last iteration).
    """

    def __init__(self, min_preview: float, min_progress: float, final_preview: bool):
        self.min_preview, self.min_progress, self.final_preview = min_preview, min_progress, final_preview
        self._last_progress = self._last_preview = -1e9

    def progress(self, p) -> FameProgressReport | None:
        now = time.monotonic()
        if p.iteration != p.total and now - self._last_progress < self.min_progress:
            return None
        self._last_progress = now
        return FameProgressReport(p.iteration, p.total, p.elapsed, int(np.sum(p.active)), len(p.active),
                                  tuple(float(s) for s in p.score))

    def preview_due(self, p) -> bool:
        now = time.monotonic()
        final = p.iteration == p.total
        if p.delta is None or (final and not self.final_preview):
            return False
        if not final and now - self._last_preview < self.min_preview:
            return False
        self._last_preview = now
        return True


def photo_geometry(face_inputs) -> dict:
    """{side: (alignment matrix, photo width, photo height)} of the FaceInputs given (None skipped)."""
    return {fi.role: (fi.aligned.matrix, fi.image.width, fi.image.height) for fi in face_inputs if fi is not None}


def heat_layers(maps: dict, photos: dict, cmap: str) -> dict:
    """{map key: PhotoLayer}: each map (112, 112) drawn on its side's photograph (`photo_geometry`)."""
    from ..core.photo_overlay import photo_heat_layer
    from ..core.verification import split_key

    sides = {k: split_key(k)[0] for k in maps}
    return {k: photo_heat_layer(m, *photos[sides[k]], cmap) for k, m in maps.items() if sides[k] in photos}


def fame_task(engine, model, gallery_crop: np.ndarray, probe_crop: np.ndarray, params,
              map_settings: Callable[[], object], colour_map: Callable[[], str], photos: dict,
              min_preview_interval: float = 0.3, min_progress_interval: float = 0.05):
    """A Job function running explain_pair; returns the PairExplanation (cancelled or not).

    photos: `photo_geometry` of the pair, for the map layers drawn on the photographs; map_settings / colour_map read the window's current choices.
    """

    def task(job):
        from ..core.attribution import delta_to_maps
        from ..core.verification import MAP_KEYS, explain_pair

        throttle = ReportThrottle(min_preview_interval, min_progress_interval, final_preview=True)

        def on_progress(p) -> None:
            if (report := throttle.progress(p)) is not None:
                job.report(report)
            if throttle.preview_due(p):
                maps = dict(zip(MAP_KEYS, delta_to_maps(p.delta, map_settings())))
                cmap = colour_map()
                layers = heat_layers(maps, photos, cmap)
                job.report(FamePreview(p.iteration, p.total, maps, layers, cmap))

        with engine.model_lock:
            return explain_pair(model, gallery_crop, probe_crop, params, maps=MAP_KEYS,
                                on_progress=on_progress, should_cancel=lambda: job.cancelled)

    return task
