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


def execute_with_reports(request, make_preview, report, cancelled):
    """Execute `request` (in a worker, holding the model's lock) and its TaskResult: `report` hears a first
    ProgressReport with the run's length, then throttled ProgressReports and previews (`make_preview(progress)`)
    until `cancelled()`. Counting the steps may run the model (a CAM's layer size), hence the lock."""
    throttle = ReportThrottle()
    rows = len(request.job.targets)
    report(ProgressReport(0, request.total_steps, 0.0, rows, rows, ()))

    def on_progress(pr) -> None:
        if (progress := throttle.progress(pr)) is not None:
            report(progress)
        if throttle.preview_due(pr) and not cancelled():
            report(make_preview(pr))

    return request.execute(on_progress, cancelled)


def preview_layers(maps: dict, inputs: dict, roles: dict, cmap: str) -> dict:
    """{key: PhotoLayer}: each preview map drawn on its input's photograph (inputs: role → PreparedInput)."""
    from ..core.photo_overlay import photo_heat_layer

    return {k: photo_heat_layer(m, inputs[roles[k]].matrix, inputs[roles[k]].image.width,
                                inputs[roles[k]].image.height, cmap)
            for k, m in maps.items()}


@dataclass(frozen=True)
class Shown:
    """What the window shows maps with, as one immutable value a run's worker may read at any time."""

    map_settings: object  # core.attribution.MapSettings
    colour_map: str
    alpha: float
    on_photo: bool  # maps drawn on the photographs too


def preview_maker(request, shown):
    """A function, run in the worker, turning a progress event with a raw snapshot into a Preview:
    every row's map and, with the overlay on, its layer on the photograph. `shown()`: the display now."""
    method, inputs = request.method, dict(request.job.inputs)
    keys, roles = [t.key for t in request.job.targets], {t.key: t.role for t in request.job.targets}

    def preview(pr):
        now = shown()
        maps = dict(zip(keys, method.maps(pr.delta, now.map_settings)))
        layers = preview_layers(maps, inputs, roles, now.colour_map) if now.on_photo else {}
        return Preview(pr.iteration, pr.total, maps, layers, now.colour_map)

    return preview


def cell_preview_maker(request, grid, previous, shown, selected, tile: int, gap: int, mosaic_every: float):
    """The feature-map page's previews (run in the worker): only the selected cell's map and layer, and every
    `mosaic_every` seconds the mosaic of all cells (49 maps cost), `previous` (a result) holding earlier ones.
    `shown()` and `selected()`: the display and the selected (row, col) or None, now."""
    from ..core.feature_map import cell_key
    from ..core.photo_overlay import photo_heat_layer
    from .figures import cell_mosaic

    inp, targets, method = request.job.inputs["image"], request.job.targets, request.method
    keys = [t.key for t in targets]
    state = {"mosaic_at": -1e9, "previous": None}

    def preview(pr):
        now, cell = shown(), selected()
        maps, layers, extra = {}, {}, {}
        if cell is not None and cell_key(*cell) in keys:
            key = cell_key(*cell)
            m = method.maps(pr.delta[[keys.index(key)]], now.map_settings)[0]
            maps[key] = m
            layers[key] = photo_heat_layer(m, inp.matrix, inp.image.width, inp.image.height, now.colour_map)
        if len(keys) > 1 and time.monotonic() - state["mosaic_at"] >= mosaic_every:
            state["mosaic_at"] = time.monotonic()
            if state["previous"] is None:  # earlier cells: once per run
                state["previous"] = {} if previous is None else dict(zip(
                    [(t.data["row"], t.data["col"]) for t in previous.targets],
                    previous.method.maps(previous.run.delta, now.map_settings)))
            started = [i for i in range(len(keys)) if abs(pr.delta[i]).max() > 0]
            cells = dict(state["previous"])
            if started:
                for i, m in zip(started, method.maps(pr.delta[started], now.map_settings)):
                    cells[(targets[i].data["row"], targets[i].data["col"])] = m
            extra["mosaic"] = cell_mosaic(inp.model_input, grid, cells, tile, gap, max(now.alpha, 0.05),
                                          now.colour_map)
        return Preview(pr.iteration, pr.total, maps, layers, now.colour_map, extra)

    return preview
