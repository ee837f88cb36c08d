"""How a cell's FAME receptive field compares with its nominal area (figures for the view and report).

Measured on the raw magnitude |gray(Δx)| (no blur, no normalisation: the mass
distribution of the change FAME made), for one cell with nominal box (x0, y0, x1, y1):

- mass_outside: share of the total mass outside the nominal box (0 = CAM's assumption holds);
- centre_of_mass / offset: mass centre vs. the box centre, in pixels and in cell sizes;
- extent_90 / extent_50: width and height holding the central 90 % / 50 % of the mass
  (5–95 % / 25–75 % quantiles of the column and row marginals), also in cell sizes; the
  50 % extent describes the concentrated core, the 90 % extent includes the faint tail.
"""

from __future__ import annotations

import numpy as np

from .attribution import grayscale_magnitude


def _quantile_span(marginal: np.ndarray, lo: float = 0.05, hi: float = 0.95) -> float:
    cdf = np.cumsum(marginal) / marginal.sum()
    return float(np.searchsorted(cdf, hi) - np.searchsorted(cdf, lo) + 1)


def receptive_field_figures(magnitude: np.ndarray, box: tuple[float, float, float, float]) -> dict:
    """magnitude: (H, W) ≥ 0 (e.g. |gray(Δx)|); box: nominal cell area in the same pixels."""
    m = np.asarray(magnitude, dtype=np.float64)
    total = float(m.sum())
    x0, y0, x1, y1 = box
    cw, ch = x1 - x0, y1 - y0
    if total <= 0:
        return {"mass_outside": None, "empty": True}
    h, w = m.shape
    ys, xs = np.arange(h) + 0.5, np.arange(w) + 0.5  # pixel centres
    inside_x = (xs > x0) & (xs < x1)
    inside_y = (ys > y0) & (ys < y1)
    inside = float(m[np.ix_(inside_y, inside_x)].sum())
    col, row = m.sum(axis=0), m.sum(axis=1)
    cx, cy = float((col * xs).sum() / total), float((row * ys).sum() / total)
    bx, by = (x0 + x1) / 2, (y0 + y1) / 2
    ew, eh = _quantile_span(col), _quantile_span(row)
    cw50, ch50 = _quantile_span(col, 0.25, 0.75), _quantile_span(row, 0.25, 0.75)
    peak_y, peak_x = np.unravel_index(int(np.argmax(m)), m.shape)
    return {
        "empty": False,
        "mass_outside": 1.0 - inside / total,
        "centre_of_mass": [cx, cy],
        "cell_centre": [bx, by],
        "offset_px": [cx - bx, cy - by],
        "offset_cells": [(cx - bx) / cw, (cy - by) / ch],
        "extent_90_px": [ew, eh],
        "extent_90_cells": [ew / cw, eh / ch],
        "extent_50_px": [cw50, ch50],
        "extent_50_cells": [cw50 / cw, ch50 / ch],
        "peak": [int(peak_x), int(peak_y)],
        "peak_inside": bool(x0 <= peak_x + 0.5 <= x1 and y0 <= peak_y + 0.5 <= y1),
    }


def cell_figures(delta: np.ndarray, box: tuple[float, float, float, float]) -> dict:
    """delta: (3, H, W) raw Δx of one cell's run."""
    return receptive_field_figures(grayscale_magnitude(delta), box)


def summarise_rows(figures: dict[tuple[int, int], dict]) -> dict:
    """Per grid row: mean mass outside, mean |offset| and mean extent (cells), over measured cells."""
    rows: dict[int, list[dict]] = {}
    for (r, _c), f in figures.items():
        if not f.get("empty", True):
            rows.setdefault(r, []).append(f)
    out = {}
    for r, fs in sorted(rows.items()):
        out[str(r)] = {
            "cells": len(fs),
            "mean_mass_outside": float(np.mean([f["mass_outside"] for f in fs])),
            "mean_offset_cells": [float(np.mean([f["offset_cells"][i] for f in fs])) for i in (0, 1)],
            "mean_extent_90_cells": [float(np.mean([f["extent_90_cells"][i] for f in fs])) for i in (0, 1)],
            "mean_extent_50_cells": [float(np.mean([f["extent_50_cells"][i] for f in fs])) for i in (0, 1)],
        }
    return out
