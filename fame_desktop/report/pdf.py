"""The PDF explanation report of a comparison session (reportlab; no widgets needed)."""

from __future__ import annotations

import io

from reportlab.platypus import SimpleDocTemplate

from .. import __version__
from . import sections_front, sections_results, text
from .evidence_section import evidence_flowables
from .sections_faithfulness import faithfulness_flowables
from .layout import MARGIN, PAGE, page_canvas, register_fonts


def render_pdf(session, facts: dict) -> bytes:
    """The report as PDF bytes; `facts` from `report_facts(session, ...)`."""
    register_fonts()
    c = facts["case"]
    buf = io.BytesIO()
    doc = SimpleDocTemplate(
        buf, pagesize=PAGE, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=MARGIN + 2, bottomMargin=MARGIN,
        pageCompression=1, title=f"FAME explanation report {facts['report_id']}", author=c["examiner"] or "fame-desktop",
        subject=f"Case {c['case_id']}" if c["case_id"] else "Face comparison",
        creator=f"fame-desktop {__version__}", keywords=facts["report_id"],
    )
    story = [
        *sections_front.summary(facts),
        *sections_front.inputs(session, facts),
        *sections_front.processing(session, facts),
        *sections_results.results(facts),
        *sections_results.maps(session, facts),
        *faithfulness_flowables(session),
        *evidence_flowables(facts["evidence"]),
        *sections_results.notes_and_audit(facts),
    ]
    case = f"Case {c['case_id']}" if c["case_id"] else "No case ID"
    canvas_cls = page_canvas(
        header_left=f"FAME explanation report · {case}",
        header_right=f"Report ID {facts['report_id']}",
        footer_left=f"Generated {text.when(facts['generated'])} · fame-desktop {__version__}",
    )
    doc.build(story, canvasmaker=canvas_cls)
    return buf.getvalue()
