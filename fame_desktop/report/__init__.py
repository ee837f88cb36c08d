"""Reports and exports of a session of any task: PDF, files beside it, JSON manifest (no Qt).

    write_report(session, "case.pdf")   → case.pdf and case-exports/

The report reads only the session. Face verification has its own layout (facts.py,
pdf.py, exports.py: the photographs with their faces, the crops, the four maps, the
score and threshold); every other task is laid out from its `ReportSection`
(task_report.py). Both state the case, the inputs' provenance, the model, every parameter,
the software, the input snapshot of the run and the audit log, and draw the overlays in the
colour map and opacity the user chose. Front ends check `existing_targets` first (the GUI
asks before replacing anything) and show ExportError's one-line message when a write
fails; nothing partial is left behind.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from ..core.errors import ExportError, TargetExistsError
from ..core.images import sha256_bytes
from ..core.file_lock import target_lock
from ..core.io_utils import atomic_writer, check_target, target_exists
from ..core.view_state import ViewState
from .exports import SUFFIX, exports_dir_for

__all__ = ["ReportOutput", "write_report", "report_targets", "existing_targets", "check_report_target",
           "exports_dir_for", "ExportError", "SUFFIX"]


def _layout(task_key: str):
    """(facts, render_pdf, write_exports) of the task's report layout."""
    if task_key == "face-verification":
        from . import exports, facts, pdf

        return (lambda s, d: facts.report_facts(s, d["colour_map"], d["opacity"])), pdf.render_pdf, \
            exports.write_exports
    from . import task_report

    return task_report.task_facts, task_report.render_task_pdf, task_report.write_task_exports


@dataclass(frozen=True)
class ReportOutput:
    pdf: Path
    report_id: str
    sha256: str
    exports: Path | None


def report_targets(pdf_path: str | Path, exports: bool = True) -> list[Path]:
    """The paths `write_report` would write; those that exist already would be replaced."""
    p = Path(pdf_path)
    return [p, exports_dir_for(p)] if exports else [p]


def existing_targets(pdf_path: str | Path, exports: bool = True) -> list[Path]:
    return [t for t in report_targets(pdf_path, exports) if target_exists(t)]


def check_report_target(pdf_path: str | Path, exports: bool = True, overwrite: bool = True) -> Path:
    """ExportError unless the report (and its exports folder) can be written there."""
    pdf = Path(pdf_path)
    if pdf.suffix.lower() != ".pdf":
        raise ExportError(f"{pdf}: a report file name must end in .pdf")
    check_target(pdf, overwrite)
    if not overwrite and (found := existing_targets(pdf, exports)):
        raise TargetExistsError(f"{found[0]}: already exists (not replaced)")
    if exports and os.path.lexists(folder := exports_dir_for(pdf)) and not folder.is_dir():
        raise ExportError(f"{folder}: exists and is not a folder")
    return pdf


def write_report(session, pdf_path: str | Path, exports: bool = True, colour_map: str | None = None,
                 opacity: float | None = None, overwrite: bool = True) -> ReportOutput:
    """Write the PDF (and its exports folder) atomically; log it in the session's audit log.

    Colour map and opacity default to the session's view settings (else jet, 0.5).
    Raises ExportError before writing anything when a target cannot be written, or
    exists and `overwrite` is False, or when the session has nothing (current) to report.
    """
    pdf = check_report_target(pdf_path, exports, overwrite)
    report_facts, render_pdf, write_exports = _layout(session.task.key)
    view = ViewState.from_dict(session.view)[0]  # the session's display, unusable values replaced by defaults
    display = {"colour_map": colour_map or view.colour_map,
               "opacity": float(opacity if opacity is not None else view.opacity)}
    facts = report_facts(session, display)
    data = render_pdf(session, facts)
    digest = sha256_bytes(data)
    folder = None
    # the exports are completed inside the PDF's atomic write: if they fail, no PDF appears either;
    # the PDF's lock keeps another writer from pairing its PDF with these exports
    with target_lock(pdf), atomic_writer(pdf, overwrite) as f:
        f.write(data)
        if exports:
            folder = write_exports(session, facts, exports_dir_for(pdf), {"file": pdf.name, "sha256": digest},
                                   overwrite)
    session.audit.record("write report", path=str(pdf), report_id=facts["report_id"], sha256=digest,
                         exports=None if folder is None else str(folder))
    return ReportOutput(pdf=pdf, report_id=facts["report_id"], sha256=digest, exports=folder)
