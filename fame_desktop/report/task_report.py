"""The report layout of every task but face verification (classification, feature maps, plugins' tasks).

A task describes its result as a Qt-free `ReportSection` (headline, facts, tables,
figures, caveats) drawn in the user's colour map and opacity; this module lays it out with
the face report's fonts, tables and page furniture, and adds what every forensic record
needs whatever the task: the case, the input files with their SHA-256, the model and its
weights' SHA-256, the method and every parameter, each target's run, the software that
produced the maps, the run's input snapshot, notes and the audit log. The exports folder
beside the PDF holds the task's output layout (tasks/output.py) and manifest.json.
"""

from __future__ import annotations

import io
from pathlib import Path

from reportlab.lib.units import mm
from reportlab.platypus import CondPageBreak, KeepTogether, SimpleDocTemplate, Spacer

from .. import __version__
from ..core.attribution import MapSettings
from ..core.environment import versions
from ..core.io_utils import assembled_folder, atomic_write_json
from . import text
from .facts import common_facts
from .layout import FRAME_WIDTH, MARGIN, PAGE, grid_table, kv_table, layout_table, markup, mono, page_canvas, para, \
    picture, register_fonts
from .sections_front import case_file_rows
from .sections_faithfulness import faithfulness_flowables
from .sections_results import notes_and_audit

FIGURE_WIDTH = (FRAME_WIDTH - 8 * mm) / 2


def _figures(section) -> list:
    """Figures two to a row, each with its caption under it."""
    if not section.figures:
        return []
    cells, row = [], []
    for fig in section.figures:
        big = max(fig.image.shape[:2]) > 700  # photographs: JPEG keeps the file small
        row.append([picture(fig.image, width=FIGURE_WIDTH, height=95 * mm, jpeg=big),
                    para(fig.caption, "centre")])
        if len(row) == 2:
            cells.append(row)
            row = []
    if row:
        cells.append(row + [""])
    return [para("Figures", "h1"), layout_table(cells, [FIGURE_WIDTH + 4 * mm] * 2)]


def _table(t) -> list:
    width = FRAME_WIDTH / len(t.columns)
    out = [para(t.caption, "h2")] if t.caption else []
    return out + [grid_table(list(t.columns), [list(r) for r in t.rows], [width] * len(t.columns)), Spacer(1, 2 * mm)]


def _inputs(result) -> list:
    out = [CondPageBreak(60 * mm), para("Inputs", "h1"),
           para("The original files as loaded; the analysis never altered them. FAME ran on the model input "
                "derived from each (its SHA-256 is that of the PNG file of the exact pixels).", "caption")]
    for role, inp in result.inputs.items():
        d = inp.describe()
        rows = [("File name", inp.image.name), ("Path (as loaded)", d["path"]),
                ("File size", text.size(d["file_size"])),
                ("Format", f"{d['format']}, pixel mode {d['original_mode']}"),
                ("Pixels", f"{inp.image.width} × {inp.image.height}"),
                ("EXIF orientation", d["exif_orientation"]),
                ("Conversions", "; ".join(d["conversions"]) or "none"),
                ("SHA-256 of the file", mono(inp.image.sha256)),
                ("Model input", f"{inp.size} × {inp.size} RGB"
                                + (f", preparation {d['preparation']}" if "preparation" in d else "")
                                + (f", region {d['box']} of the photograph" if "box" in d else "")),
                ("SHA-256 of the model input (PNG)", mono(d["input_png_sha256"]))]
        out += [KeepTogether([para(f"{role.title()}: {inp.image.name}", "h2"), kv_table(rows, label_width=45 * mm)])]
    return out


def _model(result) -> list:
    m = result.model
    prov = m.get("provenance") or {}
    rows = [("Name", m.get("name", "–")), ("Key", m.get("key", "–")),
            ("Input convention", m.get("input_convention", "–")),
            ("Weights", prov.get("file") or prov.get("checkpoint") or "–"),
            ("Weights source", prov.get("source") or prov.get("package") or "–"),
            ("Weights SHA-256", mono(prov.get("sha256", "–")))]
    if "matches_published_hash" in prov:
        rows.append(("Published file", prov.get("published_file") or "no published file has this hash"))
    rows.append(("Licence", m.get("licence", "–")))
    return [CondPageBreak(50 * mm), para("Model", "h1"), kv_table(rows, label_width=38 * mm)]


def _parameters(result, settings: MapSettings, display: dict) -> list:
    if result.method.key != "fame":
        return _method_parameters(result, settings, display)
    f = result.run.params.describe()
    rows = [["Preset", text.preset(f)], ["Step size η", text.step_size(f)], ["Iterations T (most)", f["iterations"]],
            ["Early stopping ε", f"{f['epsilon']:g}" + (" (off)" if f["epsilon"] == 0 else "")],
            ["Adaptive stopping", text.adaptive_stopping(f)],
            ["Clamp to [0, 1]", text.yes_no(f["clamp"])],
            ["Map blur", settings.describe()["blur"]], ["Normalisation", settings.normalisation],
            ["Grey of Δx", settings.describe()["grey"]]]
    rows += [[f"Option: {k}", "–" if v in (None, "") else str(v)] for k, v in result.options.items()]
    rows += [[f"Display: {k.replace('_', ' ')}", str(v)] for k, v in display.items()]
    runs = [[t["label"], t["iterations"], text.STOP_REASONS.get(t["stop_reason"], t["stop_reason"]),
             text.num(t["initial_loss"]), text.num(t["final_loss"])]
            for t in result.per_target().values()]
    w = FRAME_WIDTH
    return [CondPageBreak(60 * mm), para("FAME parameters", "h1"),
            grid_table(["Parameter", "Value"], rows, [55 * mm, w - 55 * mm]), Spacer(1, 2 * mm),
            para("Runs", "h2"),
            grid_table(["Target", "Iterations", "Stopped", "Loss before", "Loss after"], runs,
                       [w - 4 * 27 * mm, 27 * mm, 27 * mm, 27 * mm, 27 * mm]),
            para(f"FAME time {result.run.elapsed:.1f} s" + (" — the run was cancelled: maps are partial."
                                                             if result.run.cancelled else "."), "caption")]


def _method_parameters(result, settings: MapSettings, display: dict) -> list:
    rows = [[k.replace("_", " "), str(v)] for k, v in result.run.params.describe().items()]
    blur = settings.describe()["blur"] if result.method.blurs else "the method's own (the user's blur is never applied)"
    rows += [["Map blur", blur], ["Normalisation", settings.normalisation]]
    rows += [[f"Option: {k}", "–" if v in (None, "") else str(v)] for k, v in result.options.items()]
    rows += [[f"Display: {k.replace('_', ' ')}", str(v)] for k, v in display.items()]
    return [CondPageBreak(60 * mm), para(f"{result.method.title} parameters", "h1"),
            grid_table(["Parameter", "Value"], rows, [55 * mm, FRAME_WIDTH - 55 * mm]),
            para(f"{result.method.title} time {result.run.elapsed:.1f} s.", "caption")]


def _software(env: dict) -> list:
    rows = [("Device", env["device"]), ("fame-desktop", env["app"]),
            ("Source revision", env.get("source_revision") or "not recorded (installed package)"),
            ("Python", env["python"]), ("PyTorch", env["torch"]), ("NumPy", env["numpy"]),
            ("Platform", env["platform"])]
    return [CondPageBreak(45 * mm), para("Software and device", "h2"), kv_table(rows)]


def task_facts(session, display: dict) -> dict:
    """What the report states (the manifest of its exports holds the same)."""
    result = session.report_result()
    facts = common_facts(session, result, display)
    return {**facts, "analysis": {"headline": result.analysis.headline, **result.analysis.summary},
            "inputs": {role: inp.describe() for role, inp in result.inputs.items()},
            "targets": result.per_target(), "measurements": result.measurements}


def render_task_pdf(session, facts: dict) -> bytes:
    """The report of the session's result as PDF bytes; `facts` from `task_facts`."""
    register_fonts()
    task, result, settings = session.task, session.result(), session.map_settings
    display, report_id, generated = facts["parameters"]["display"], facts["report_id"], facts["generated"]
    section = task.report_section(result, settings, display)
    c = facts["case"]
    buf = io.BytesIO()
    doc = SimpleDocTemplate(buf, pagesize=PAGE, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=MARGIN + 2,
                            bottomMargin=MARGIN, pageCompression=1,
                            title=f"Explanation report {report_id}", author=c["examiner"] or "fame-desktop",
                            subject=section.title, creator=f"fame-desktop {__version__}", keywords=report_id)
    exhibits = [(f"Exhibit ({role})", c["exhibits"].get(role, "")) for role in result.inputs]
    story = [
        para(f"{section.title}: explanation report", "title"),
        para(f"{task.description} Explained with {result.method.title}. Generated by fame-desktop {__version__}.",
             "subtitle"),
        kv_table([("Case ID", c["case_id"]), *exhibits, ("Examiner", c["examiner"]),
                  ("Report ID", mono(report_id)), ("Report generated", text.when(generated)),
                  ("Task", f"{task.title} ({task.key})"), ("Method", result.method.title),
                  *case_file_rows(facts)]),
        para("Result", "h1"),
        markup(f"<b>{_escape(section.headline)}</b>", "h2") if section.headline else Spacer(1, 0),
    ]
    if section.facts:
        story += [kv_table(list(section.facts)), Spacer(1, 2 * mm)]
    if result.run.cancelled:
        story.append(markup("<b>The run was cancelled: the maps are partial.</b>", "body"))
    story += [para(p) for p in section.paragraphs]
    for t in section.tables:
        story += _table(t)
    story += _figures(section)
    story += faithfulness_flowables(session)
    story += _inputs(result) + _model(result) + _parameters(result, settings, display)
    story += _software(result.environment or versions(facts["device"]))
    story += [kv_table([("Inputs of the run", mono(facts["fame_run"]["input_snapshot"]["sha256"]))])]
    if section.caveats:
        story += [CondPageBreak(30 * mm), para("Limitations", "h1")]
        story += [para(f"{i}. {c}") for i, c in enumerate(section.caveats, 1)]
    story += notes_and_audit(facts)
    canvas_cls = page_canvas(header_left=f"Explanation report · {section.title}",
                             header_right=f"Report ID {report_id}",
                             footer_left=f"Generated {text.when(generated)} · fame-desktop {__version__}")
    doc.build(story, canvasmaker=canvas_cls)
    return buf.getvalue()


def write_task_exports(session, facts: dict, folder: str | Path, pdf: dict | None = None,
                       overwrite: bool = True) -> Path:
    """The exports folder: the task's output layout (tasks/output.py) and manifest.json, assembled atomically."""
    from ..tasks.output import fill_task_dir

    result = session.result()
    with assembled_folder(folder, overwrite) as root:
        fill_task_dir(root, session.task, result, session.map_settings, {}, facts["device"],
                      facts["parameters"]["display"])
        atomic_write_json(root / "manifest.json", {**facts, "report_pdf": pdf})
    return Path(folder)


def _escape(s: str) -> str:
    from xml.sax.saxutils import escape

    return escape(str(s))
