"""Adaptive stopping: a sample stops once its attribution map has stopped changing.

At every check (each `converge_window` iterations) the engine hands over the current Δx
of the samples still running. Each becomes the map a user would see (`delta_to_maps`
with the default `MapSettings()`: grayscale, Gaussian blur 49 / σ 7.7, min-max) and is
compared with the same sample's map at the previous check:

    change = 1 − Pearson r(map_now, map_before)

A sample whose change is below the tolerance has converged. Pearson r is the measure the
benchmarks report against the full 500-iteration maps, and it ignores the map's overall
scale, which keeps growing while its shape no longer moves.
"""

from __future__ import annotations

import numpy as np

from .attribution import MapSettings, delta_to_maps

CRITERION_MAPS = MapSettings()


def map_change(a: np.ndarray, b: np.ndarray) -> float:
    """1 − Pearson r of two maps (H, W); 1 when either is flat (nothing to compare yet)."""
    a = np.ravel(a).astype(np.float64)
    b = np.ravel(b).astype(np.float64)
    a -= a.mean()
    b -= b.mean()
    denom = np.sqrt((a * a).sum() * (b * b).sum())
    return 1.0 if denom <= 0 else float(1.0 - (a * b).sum() / denom)


class ConvergenceMonitor:
    """Remembers each sample's map at the previous check; reports the samples that converged."""

    def __init__(self, tolerance: float, settings: MapSettings = CRITERION_MAPS):
        self.tolerance = tolerance
        self.settings = settings
        self.previous: dict[int, np.ndarray] = {}
        self.last_change: dict[int, float] = {}

    def update(self, rows: list[int], delta: np.ndarray) -> list[int]:
        """rows: original sample indices; delta: (len(rows), C, H, W) their Δx now. → converged rows."""
        return self.update_maps(rows, delta_to_maps(np.asarray(delta), self.settings))

    def update_maps(self, rows: list[int], maps: np.ndarray) -> list[int]:
        """The same with the rows' maps (len(rows), H, W) already made (a replay of recorded maps)."""
        converged = []
        for row, m in zip(rows, maps):
            before = self.previous.get(row)
            self.previous[row] = m
            if before is None:
                continue
            change = map_change(m, before)
            self.last_change[row] = change
            if change < self.tolerance:
                converged.append(row)
        return converged
