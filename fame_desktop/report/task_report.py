"""The PDF report of any task result (classification, feature maps, third-party tasks).

A task describes its result as a Qt-free `ReportSection` (headline, facts, tables,
figures, caveats); this module lays it out with the face report's fonts, tables and
page furniture, and adds what every forensic record needs whatever the task: the
input files with their SHA-256, the model and its weights' SHA-256, every FAME and
map parameter, each target's run, and the software that produced the maps.

    write_task_report(task, result, settings, "cat.pdf", device="cpu")
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

from reportlab.lib.units import mm
from reportlab.platypus import CondPageBreak, KeepTogether, SimpleDocTemplate, Spacer

from .. import __version__
from ..core.attribution import MapSettings
from ..core.environment import versions
from ..core.errors import ExportError
from ..core.images import sha256_bytes
from ..core.io_utils import atomic_writer, check_target
from ..core.session import now_iso
from . import text
from .facts import new_report_id
from .layout import FRAME_WIDTH, MARGIN, PAGE, grid_table, kv_table, layout_table, markup, mono, page_canvas, para, \
    picture, register_fonts

FIGURE_WIDTH = (FRAME_WIDTH - 8 * mm) / 2


@dataclass(frozen=True)
class TaskReportOutput:
    pdf: Path
    report_id: str
    sha256: str


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


def _software(device: str) -> list:
    env = versions(device)
    rows = [("Device", env["device"]), ("fame-desktop", env["app"]),
            ("Source revision", env.get("source_revision") or "not recorded (installed package)"),
            ("Python", env["python"]), ("PyTorch", env["torch"]), ("NumPy", env["numpy"]),
            ("Platform", env["platform"])]
    return [CondPageBreak(45 * mm), para("Software and device", "h2"), kv_table(rows)]


def render_task_pdf(task, result, settings: MapSettings, report_id: str, generated: str, device: str = "",
                    display: dict | None = None, section=None) -> bytes:
    """The report as PDF bytes. `section`: the task's ReportSection (computed here when None)."""
    register_fonts()
    section = section if section is not None else task.report_section(result, settings)
    buf = io.BytesIO()
    doc = SimpleDocTemplate(buf, pagesize=PAGE, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=MARGIN + 2,
                            bottomMargin=MARGIN, pageCompression=1,
                            title=f"FAME explanation report {report_id}", author="fame-desktop",
                            subject=section.title, creator=f"fame-desktop {__version__}", keywords=report_id)
    story = [
        para(f"{section.title}: FAME explanation report", "title"),
        para(f"{task.description} Generated by fame-desktop {__version__}.", "subtitle"),
        kv_table([("Report ID", mono(report_id)), ("Report generated", text.when(generated)),
                  ("Task", f"{task.title} ({task.key})")]),
        para("Result", "h1"),
        markup(f"<b>{_escape(section.headline)}</b>", "h2") if section.headline else Spacer(1, 0),
    ]
    if section.facts:
        story += [kv_table(list(section.facts)), Spacer(1, 2 * mm)]
    if result.run.cancelled:
        story.append(markup("<b>The FAME run was cancelled: the maps are partial.</b>", "body"))
    story += [para(p) for p in section.paragraphs]
    for t in section.tables:
        story += _table(t)
    story += _figures(section)
    story += _inputs(result) + _model(result) + _parameters(result, settings, display or {}) + _software(device)
    if section.caveats:
        story += [CondPageBreak(30 * mm), para("Limitations", "h1")]
        story += [para(f"{i}. {c}") for i, c in enumerate(section.caveats, 1)]
    canvas_cls = page_canvas(header_left=f"FAME explanation report · {section.title}",
                             header_right=f"Report ID {report_id}",
                             footer_left=f"Generated {text.when(generated)} · fame-desktop {__version__}")
    doc.build(story, canvasmaker=canvas_cls)
    return buf.getvalue()


def _escape(s: str) -> str:
    from xml.sax.saxutils import escape

    return escape(str(s))


def check_task_report_target(pdf_path: str | Path, overwrite: bool = True) -> Path:
    pdf = Path(pdf_path)
    if pdf.suffix.lower() != ".pdf":
        raise ExportError(f"{pdf}: a report file name must end in .pdf")
    return check_target(pdf, overwrite)


def write_task_report(task, result, settings: MapSettings, pdf_path: str | Path, device: str = "",
                      display: dict | None = None, overwrite: bool = True) -> TaskReportOutput:
    """Render and write the PDF atomically (nothing partial is left on failure)."""
    pdf = check_task_report_target(pdf_path, overwrite)
    report_id = new_report_id()
    data = render_task_pdf(task, result, settings, report_id, now_iso(), device, display)
    with atomic_writer(pdf, overwrite) as f:
        f.write(data)
    return TaskReportOutput(pdf=pdf, report_id=report_id, sha256=sha256_bytes(data))
