"""The report's "Faithfulness of the maps" section, from the session's measurements (session/measurements.py).

Face pair: per map measured, the Delete and Insert curves of every method (the clean similarity and
the decision threshold as lines), a table of the normalised areas with the best in bold, which face
was perturbed (the other stayed fixed), and how to read them. Classification: the FAME paper's
Tab. 1 for the image (IoU, pointing game, ROAD-Delete, deletion / insertion AUC), the box on the
photograph and the curves. A task that offers a measurement but has none gets one line saying so;
other tasks get no section. Everything comes from the session (a case file's stored values).
"""

from __future__ import annotations

from xml.sax.saxutils import escape

import cv2
import numpy as np
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.platypus import CondPageBreak, KeepTogether

from ..metrics.classification import best_per_column, table_values
from ..session.measurements import FACE, TASK_KINDS
from . import text
from .evidence_charts import AXIS, Axes
from .figures import _downscale
from .layout import FRAME_WIDTH, SANS, grid_table, layout_table, markup, para, picture

# the metrics panels' colours (gui/faithfulness_panel.PALETTE) in the task's method order; FAME, light grey
# on the dark panel, is drawn black on paper
PALETTE = ("#1a1a1a", "#ff7f0e", "#1f9bff", "#2ca02c", "#d62728", "#9467bd", "#c49c94", "#e377c2", "#bcbd22",
           "#17becf")
THRESHOLD = colors.HexColor("#a0006e")  # a colour no method has (orange is Grad-CAM's)
BOX = (0, 160, 150)
HALF = (FRAME_WIDTH - 6 * mm) / 2

FACE_READING = (
    "How to read this: the computer took away (Delete) or kept only (Insert) the pixels a map marks as most "
    "important, 10 % of the face at a time, and measured the similarity again each time. If an e+ map is "
    "faithful, the similarity falls quickly when its pixels are taken away (a small Delete area) and climbs "
    "quickly back when only they are kept (a large Insert area); for an e− map it is the other way round. "
    "The areas are averages of the similarity over all steps, so they are in the same units as the score; "
    "they say how well each map describes what the model used, not whether the two faces are the same person.")
CLASS_READING = (
    "How to read this: IoU is the overlap of the map's strong region (at or above 0.3, 0.5 or 0.7) with the "
    "object's box, from 0 (none) to 1 (the same region); the pointing game asks whether the map's strongest "
    "point lies on the object. ROAD-Delete removes the top P % of the map's pixels and fills them in from "
    "their neighbours (so no sharp-edged hole is left): a lower class probability afterwards means the map "
    "found what the model used. The deletion AUC (lower is better) and "
    "insertion AUC (higher is better) summarise the curves: the class probability as the map's top pixels are "
    "blacked out, or as only they are shown.")


def method_colours(session) -> dict[str, str]:
    from ..tasks import default_registry

    return {k: PALETTE[i % len(PALETTE)] for i, k in enumerate(default_registry().methods_for(session.task))}


def _title(session, key: str) -> str:
    r = session.result(key)
    return r.method.title if r is not None else key


def _bold(value: str, best: bool):
    return markup(f"<b>{escape(value)}</b>", "cell") if best else value


def _legend(session, methods, colours) -> object:
    items = " &nbsp; ".join(f'<font color="{colours.get(m, "#1a1a1a")}">■</font> {escape(_title(session, m))}'
                            for m in methods)
    return markup(items, "centre")


def _curves_drawing(title: str, xlabel: str, ylabel_range, series, lines=()) -> Drawing:
    """series: [(xs, ys, colour)]; lines: [(y, colour, label)] drawn across."""
    d = Drawing(HALF, 62 * mm)
    ax = Axes(d, (0.0, 100.0), ylabel_range, title, xlabel)
    for y, colour, label in lines:
        ax.line([0, 100], [y, y], colour, 0.8, dash=(3, 2))
        d.add(String(ax.px(100) - 2, ax.py(y) + 2, label, fontName=SANS, fontSize=6.5, fillColor=colour,
                     textAnchor="end"))
    for xs, ys, colour in series:
        ax.line(xs, ys, colors.HexColor(colour), 1.3)
    return d


# face pair ---------------------------------------------------------------------------------------------------
def _face(session, measurements) -> list:
    colours = method_colours(session)
    clean = float(session.analysis.summary["similarity"])
    theta = session.threshold
    rows = []
    for m in measurements:
        e_plus = m.target.endswith("_similar")
        pfs = m.faithfulness()
        areas = {k: {c.mode: c.area for c in pf.curves} for k, pf in pfs.items()}
        best = {}
        for mode, lower in (("delete", e_plus), ("insert", not e_plus)):
            vals = [a[mode] for a in areas.values() if mode in a]
            best[mode] = (min(vals) if lower else max(vals)) if len(vals) > 1 else None
        for k, a in areas.items():
            rows.append([_title(session, k), text.map_name(m.target),
                         *(_bold(f"{a[mode]:.3f}", best[mode] is not None and a[mode] == best[mode])
                           if mode in a else "–" for mode in ("delete", "insert")), f"{pfs[k].seconds:.1f}"])
    out = [para("Normalised areas (similarity averaged over P = 0 … 100 %); the best of each map in bold: the "
                "smallest Delete and largest Insert area for an e+ map, the reverse for an e− map.", "caption"),
           grid_table(["Method", "Map perturbed", "Delete area", "Insert area", "Seconds"], rows,
                      [40 * mm, 44 * mm, 32 * mm, 32 * mm, FRAME_WIDTH - 148 * mm])]
    for m in measurements:
        side = m.target.split("_", 1)[0]
        other = "gallery" if side == "probe" else "probe"
        lines = [(clean, AXIS, f"clean {clean:.3f}")]
        if theta is not None:
            lines.append((theta.value, THRESHOLD, f"θ {theta.value:.3f}"))
        pfs = m.faithfulness()
        values = [v for pf in pfs.values() for c in pf.curves for v in c.similarity] + [y for y, _c, _l in lines]
        yr = (min(0.0, min(values) - 0.05), max(values) + 0.05)
        drawings = []
        for mode, heading in (("delete", "Delete: top-P % pixels set to black"),
                              ("insert", "Insert: only the top-P % pixels kept")):
            series = [(c.percentages, c.similarity, colours.get(k, "#1a1a1a"))
                      for k, pf in pfs.items() for c in pf.curves if c.mode == mode]
            drawings.append(_curves_drawing(heading, "P (% of the face's pixels, top of the map first)", yr, series,
                                            lines))
        out.append(KeepTogether([
            para(f"{text.map_name(m.target)} map perturbed", "h2"),
            para(f"The {side} face was perturbed by each method's {text.map_name(m.target).split(' ', 1)[1]} map; "
                 f"the {other} face stayed fixed. Cosine similarity to it over P. Measured {text.when(m.time)} "
                 f"in {m.seconds:.1f} s.", "caption"),
            layout_table([drawings, [_legend(session, pfs, colours), ""]], [HALF + 3 * mm] * 2),
        ]))
    threshold = (f"the magenta line is the decision threshold θ = {theta.value:.3f} ({theta.source})."
                 if theta is not None else "no decision threshold was set.")
    out.append(para(f"{FACE_READING} The grey line is the clean similarity of the pair; {threshold}"))
    return out


# classification ----------------------------------------------------------------------------------------------
def _box_picture(photo, box) -> np.ndarray:
    img, s = _downscale(photo.rgb, 900)
    lw = max(2, round(max(img.shape[:2]) / 250))
    for b in box.boxes:
        cv2.rectangle(img, (round(b.xmin * s), round(b.ymin * s)), (round((b.xmax + 1) * s) - 1,
                                                                   round((b.ymax + 1) * s) - 1), BOX, lw, cv2.LINE_AA)
    return img


def _class(session, m) -> list:
    colours = method_colours(session)
    settings = m.metric_settings()
    table = {k: table_values(v, settings) for k, v in m.values.items()}
    best = best_per_column(table, settings) if len(table) > 1 else {}
    columns = settings.columns()
    headings = {f"iou_{t:g}": f"IoU\n{t:g} ↑" for t in settings.iou_thresholds} | {
        f"road_{p}": f"ROAD\n{p} % ↓" for p in settings.road_percents} | {
        "pointing": "Pointing\n↑", "deletion_auc": "Deletion\nAUC ↓", "insertion_auc": "Insertion\nAUC ↑"}
    rows = []
    for k, values in table.items():
        cells = [_title(session, k)]
        for key, _h, _higher in columns:
            v = values[key]
            shown = "–" if v is None else (("yes" if v else "no") if key == "pointing" else f"{v:.3f}")
            cells.append(_bold(shown, k in best.get(key, ())))
        rows.append(cells)
    share = {"iou": 14, "pointing": 18, "road": 16, "deletion": 24, "insertion": 24}  # mm, as their headings need
    wanted = [share[k.split("_")[0]] * mm for k, _h, _b in columns]
    widths = [FRAME_WIDTH - sum(wanted)] + wanted
    result = session.result(m.methods[0])
    target = result.targets[result.keys.index(m.target)]
    photo = next(p for p in session.photos.values())
    if m.box is None:
        box_text = "No object box was given: IoU and the pointing game were not computed."
    else:
        where = "drawn by the user" if m.box.source == "drawn" else f"read from the box file {m.box.source}"
        corners = "; ".join(f"x {b.xmin:.0f}–{b.xmax:.0f}, y {b.ymin:.0f}–{b.ymax:.0f}" for b in m.box.boxes)
        box_text = (f"Object box {where}: {corners} of the {photo.width} × {photo.height} photograph "
                    f"(SHA-256 {m.box.photo_sha256}).")
    out = [
        para(f"Class {target.label}: metrics of each method's map", "h2"),
        para(f"{box_text} Measured {text.when(m.time)} in {m.seconds:.1f} s; ROAD with seed {settings.road_seed}; "
             f"pointing within {settings.pointing_tolerance:g} pixels of the box.", "caption"),
        grid_table(["Method", *(headings.get(k, h) for k, h, _b in columns)], rows, widths),
        para("ROAD: ROAD-Delete, the class probability with the top P % imputed. ↑ higher is better, ↓ lower is "
             "better; the best of each column in bold when several methods were measured.", "caption"),
    ]
    xs = list(settings.curve_percents)
    drawings = [_curves_drawing(heading, "P (% of the input's pixels)", (0.0, 1.0),
                                [(xs, v[name], colours.get(k, "#1a1a1a")) for k, v in m.values.items()])
                for name, heading in (("deletion", "Deletion: class probability, top-P % black"),
                                      ("insertion", "Insertion: class probability, only top-P % kept"))]
    figures = [layout_table([drawings, [_legend(session, m.values, colours), ""]], [HALF + 3 * mm] * 2)]
    if m.box is not None:
        figures.append(layout_table([[picture(_box_picture(photo, m.box), width=HALF, height=70 * mm, jpeg=True)],
                                     [para(f"The object box on {photo.name}.", "centre")]], [HALF + 3 * mm]))
    out += [KeepTogether(figures[:1]), *figures[1:], para(CLASS_READING)]
    return out


def faithfulness_flowables(session) -> list:
    """The section for the session's current measurements (see the module docstring)."""
    kind = TASK_KINDS.get(session.task.key)
    if kind is None:
        return []
    measured = [m for m in session.current_measurements() if m.kind == kind]
    out = [CondPageBreak(90 * mm), para("Faithfulness of the maps", "h1")]
    if not measured:
        return out + [para("No faithfulness measurement was made in this session.", "body")]
    if kind == FACE:
        return out + _face(session, measured)
    for m in measured:
        out += _class(session, m)
    return out

