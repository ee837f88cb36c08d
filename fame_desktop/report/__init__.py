"""Reports and exports of a comparison session: PDF, files beside it, JSON manifest (no Qt).

    write_report(session, "case.pdf")   → case.pdf and case-exports/ (see exports.py)

Front ends check `target_exists` first (the GUI asks before replacing anything) and
show ExportError's one-line message when a write fails; nothing partial is left behind.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from ..core.errors import ExportError, TargetExistsError
from ..core.images import sha256_bytes
from ..core.file_lock import target_lock
from ..core.io_utils import atomic_writer, check_target, target_exists
from ..core.session import ComparisonSession
from ..core.view_state import ViewState
from .exports import exports_dir_for, write_exports
from .facts import check_reportable, report_facts
from .pdf import render_pdf

__all__ = ["ReportOutput", "write_report", "report_targets", "existing_targets", "check_report_target",
           "exports_dir_for", "check_reportable",
           "report_facts", "render_pdf", "ExportError"]


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


def write_report(session: ComparisonSession, pdf_path: str | Path, exports: bool = True,
                 colour_map: str | None = None, opacity: float | None = None,
                 overwrite: bool = True) -> ReportOutput:
    """Write the PDF (and its exports folder) atomically; log it in the session's audit log.

    Colour map and opacity default to the session's view settings (else jet, 0.5).
    Raises ExportError before writing anything when a target cannot be written, or
    exists and `overwrite` is False.
    """
    pdf = check_report_target(pdf_path, exports, overwrite)
    view = ViewState.from_dict(session.view)[0]  # the session's display, unusable values replaced by defaults
    facts = report_facts(session, colour_map=colour_map or view.colour_map,
                         opacity=float(opacity if opacity is not None else view.opacity))
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
