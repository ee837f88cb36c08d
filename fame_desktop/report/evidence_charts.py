"""Vector charts for the evidence section (reportlab graphics; no matplotlib): Tippett plot, score
histograms with the case marked, and region shares. Their labels are PDF text (searchable, selectable)."""

from __future__ import annotations

import math

import numpy as np
from reportlab.graphics.shapes import Drawing, Line, PolyLine, Rect, String
from reportlab.lib import colors
from reportlab.pdfbase.pdfmetrics import stringWidth

from .layout import MUTED, SANS

GENUINE = colors.HexColor("#1f5fbf")
IMPOSTOR = colors.HexColor("#c0392b")
CASE = colors.HexColor("#1a1a1a")
AXIS = colors.HexColor("#777777")
LEGEND = [("genuine (same person)", GENUINE), ("impostor (different people)", IMPOSTOR)]
LEFT, BOTTOM, TOP, RIGHT = 34.0, 26.0, 26.0, 8.0


def nice_ticks(lo: float, hi: float, n: int = 5) -> list[float]:
    """About n round tick values covering [lo, hi]."""
    if hi <= lo:
        hi = lo + 1.0
    step = 10 ** math.floor(math.log10((hi - lo) / n))
    for m in (1, 2, 2.5, 5, 10):
        if (hi - lo) / (m * step) <= n:
            step *= m
            break
    first = math.ceil(lo / step) * step
    return [round(first + k * step, 10) for k in range(int((hi - first) / step + 1e-9) + 1)]


class Axes:
    """Maps data (x, y) into a drawing's plot area and draws its frame, ticks and labels."""

    def __init__(self, d: Drawing, xlim, ylim, title: str, xlabel: str):
        self.d, (self.x0, self.x1), (self.y0, self.y1) = d, xlim, ylim
        self.w, self.h = d.width - LEFT - RIGHT, d.height - BOTTOM - TOP
        d.add(Rect(LEFT, BOTTOM, self.w, self.h, strokeColor=AXIS, strokeWidth=0.5, fillColor=None))
        d.add(String(LEFT, d.height - 11, title, fontName=SANS, fontSize=8, fillColor=CASE))
        d.add(String(LEFT + self.w / 2, 3, xlabel, fontName=SANS, fontSize=7, fillColor=MUTED, textAnchor="middle"))
        for t in nice_ticks(*xlim):
            x = self.px(t)
            d.add(Line(x, BOTTOM, x, BOTTOM - 2.5, strokeColor=AXIS, strokeWidth=0.5))
            d.add(String(x, BOTTOM - 10, f"{t:g}", fontName=SANS, fontSize=6.5, fillColor=MUTED, textAnchor="middle"))
        for t in nice_ticks(*ylim, n=4):
            y = self.py(t)
            d.add(Line(LEFT, y, LEFT - 2.5, y, strokeColor=AXIS, strokeWidth=0.5))
            d.add(String(LEFT - 4, y - 2.2, f"{t:g}", fontName=SANS, fontSize=6.5, fillColor=MUTED, textAnchor="end"))

    def px(self, x: float) -> float:
        return LEFT + (min(max(x, self.x0), self.x1) - self.x0) / (self.x1 - self.x0) * self.w

    def py(self, y: float) -> float:
        return BOTTOM + (min(max(y, self.y0), self.y1) - self.y0) / (self.y1 - self.y0) * self.h

    def line(self, xs, ys, colour, width: float = 1.0, dash=None) -> None:
        pts = [v for x, y in zip(xs, ys) for v in (self.px(x), self.py(y))]
        self.d.add(PolyLine(pts, strokeColor=colour, strokeWidth=width, strokeDashArray=dash))

    def vline(self, x: float, colour, label: str = "", dash=(2, 2)) -> None:
        self.d.add(Line(self.px(x), BOTTOM, self.px(x), BOTTOM + self.h, strokeColor=colour, strokeWidth=0.8,
                        strokeDashArray=dash))
        if label:
            self.d.add(String(self.px(x) + 2, BOTTOM + self.h - 8, label, fontName=SANS, fontSize=6.5,
                              fillColor=colour))

    def legend(self, entries: list[tuple[str, object]]) -> None:
        """One line under the title: a short stroke and the text of each entry."""
        x, y = LEFT, self.d.height - 21
        for text, colour in entries:
            self.d.add(Line(x, y + 2.5, x + 10, y + 2.5, strokeColor=colour, strokeWidth=1.2))
            self.d.add(String(x + 13, y, text, fontName=SANS, fontSize=6.5, fillColor=colour))
            x += 13 + stringWidth(text, SANS, 6.5) + 10


def _steps(llr: list[float], share: list[float], lo: float, hi: float,
           most: int = 1000) -> tuple[list[float], list[float]]:
    """The empirical 'share with log10 LR ≥ x' as a step line from lo to hi; at most `most` steps
    (a large set is drawn at evenly spaced ranks: the values there are exact, the steps between finer than print)."""
    n = len(llr)
    idx = np.unique(np.round(np.linspace(0, n - 1, min(n, most))).astype(int))
    xs, ys = [lo], [1.0]
    for k, nxt in zip(idx, [*idx[1:], n]):
        xs += [llr[k], llr[k]]
        ys += [share[k], share[nxt] if nxt < n else 0.0]
    return xs + [hi], ys + [0.0]


def tippett_drawing(tippett: dict, width: float, height: float) -> Drawing:
    """Tippett plot: the share of genuine and of impostor pairs with log10 LR ≥ x, the case's log10 LR marked."""
    d = Drawing(width, height)
    allv = tippett["genuine"]["log10_lr"] + tippett["impostor"]["log10_lr"] + [tippett["case_log10_lr"]]
    lo, hi = min(allv) - 0.3, max(allv) + 0.3
    ax = Axes(d, (lo, hi), (0.0, 1.0), "Tippett plot: share of pairs with log10 LR ≥ x", "x = log10 LR (bounded by ELUB)")
    ax.vline(0.0, AXIS, dash=(1, 2))
    for side, colour in (("genuine", GENUINE), ("impostor", IMPOSTOR)):
        ax.line(*_steps(tippett[side]["log10_lr"], tippett[side]["share_at_or_above"], lo, hi), colour)
    ax.vline(tippett["case_log10_lr"], CASE, f"case {tippett['case_log10_lr']:+.2f}")
    ax.legend(LEGEND)
    return d


def histogram_drawing(hist: dict, width: float, height: float) -> Drawing:
    """Score densities of the genuine and impostor pairs as step outlines, the case score marked."""
    d = Drawing(width, height)
    edges = np.asarray(hist["edges"])
    lo, hi = min(edges[0], hist["case_score"]) - 0.02, max(edges[-1], hist["case_score"]) + 0.02
    top = max(max(hist["genuine"]), max(hist["impostor"])) * 1.1 or 1.0
    ax = Axes(d, (lo, hi), (0.0, top), "Score distributions (density)", "cosine score")
    for side, colour in (("genuine", GENUINE), ("impostor", IMPOSTOR)):
        xs = [edges[0]] + [e for e in edges[1:-1] for _ in (0, 1)] + [edges[-1]]
        ys = [v for v in hist[side] for _ in (0, 1)]
        ax.line([edges[0], *xs, edges[-1]], [0.0, *ys, 0.0], colour)
    ax.vline(hist["case_score"], CASE, f"case {hist['case_score']:.3f}")
    ax.legend(LEGEND)
    return d


MAP_COLOURS = {"gallery_similar": colors.HexColor("#2e7d32"), "gallery_dissimilar": colors.HexColor("#c62828"),
               "probe_similar": colors.HexColor("#81c784"), "probe_dissimilar": colors.HexColor("#ef9a9a")}


def region_bars_drawing(regions: dict, width: float, height: float) -> Drawing:
    """Grouped horizontal bars: each map's share of its mass per region (REGIONS order, top to bottom)."""
    d = Drawing(width, height)
    names = regions["regions"]
    keys = [k for k in MAP_COLOURS if regions["shares"].get(k) is not None]
    label_w, top_pad, bottom_pad = 70.0, 14.0, 20.0
    plot_w = width - label_w - RIGHT
    most = max(s for k in keys for s in regions["shares"][k].values()) if keys else 1.0
    full = min(1.0, math.ceil(most * 10 + 1e-9) / 10)  # the axis ends at the next 10 %
    row_h = (height - top_pad - bottom_pad) / len(names)
    bar_h = row_h * 0.8 / max(1, len(keys))
    d.add(String(label_w, height - 10, "Share of each map's mass per facial region", fontName=SANS, fontSize=8,
                 fillColor=CASE))
    for r, name in enumerate(names):
        y_row = height - top_pad - (r + 1) * row_h
        d.add(String(label_w - 4, y_row + row_h / 2 - 2.5, regions["labels"][name], fontName=SANS, fontSize=6.5,
                     fillColor=MUTED, textAnchor="end"))
        for k, key in enumerate(keys):
            share = regions["shares"][key][name]
            y = y_row + row_h * 0.9 - (k + 1) * bar_h
            d.add(Rect(label_w, y, max(0.3, share / full * plot_w), bar_h * 0.9, fillColor=MAP_COLOURS[key],
                       strokeColor=None))
    for t in nice_ticks(0.0, full, 4):
        x = label_w + t / full * plot_w
        d.add(Line(x, bottom_pad - 2, x, height - top_pad, strokeColor=AXIS, strokeWidth=0.3, strokeDashArray=(1, 2)))
        d.add(String(x, bottom_pad - 10, f"{t:.0%}", fontName=SANS, fontSize=6.5, fillColor=MUTED, textAnchor="middle"))
    for k, key in enumerate(keys):
        x = label_w + k * plot_w / max(1, len(keys))
        d.add(Rect(x, 1, 8, 5, fillColor=MAP_COLOURS[key], strokeColor=None))
        side, kind = key.split("_")
        d.add(String(x + 10, 1, f"{side} {'e+' if kind == 'similar' else 'e−'}", fontName=SANS, fontSize=6.5,
                     fillColor=MUTED))
    return d
