"""Export report… for any page: the PDF of the session and its exports folder, written in a worker.

The report is rendered from a frozen copy of the session taken when the user confirmed
(rendering takes a second or two; later edits cannot tear it), with the colour map and
opacity the page shows. Nothing is replaced without asking; a failed write (unwritable
folder, full disk) shows its reason and leaves nothing behind (the report package writes
atomically). The export lands in the session's audit log (path, report ID, PDF SHA-256).
"""

from __future__ import annotations

import time
from pathlib import Path

from PySide6.QtCore import QObject, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QFileDialog, QMessageBox

from ..dialogs import ask_yes_no
from ..jobs import start_owned
from .inputs import PHOTO_FOLDER_KEY

PDF_FILTER = "PDF report (*.pdf)"
FOLDER_KEY = "recent/report_folder"
DEFAULT_OPACITY = 0.5  # for the report when the page shows the maps at 0 % (they would be invisible)


class ReportExport(QObject):
    exported = Signal(object)  # report.ReportOutput
    failed = Signal(object)  # the error

    def __init__(self, page):
        super().__init__(page)
        self.page = page
        self.job = None
        self.last = None
        self.done_box: QMessageBox | None = None

    @property
    def shell(self):
        return self.page.shell

    def reportable(self) -> str:
        """'' when the session has something to report, else why not."""
        from ...core.errors import FameError

        try:
            self.page.session.report_result()
        except FameError as e:
            return str(e)
        return ""

    def suggested_path(self) -> Path:
        from ...core.file_names import default_name

        case_folder = self.page.cases.path.parent if self.page.cases.path else None
        s = self.shell.settings
        folder = Path(s.get(FOLDER_KEY, str(case_folder or s.get(PHOTO_FOLDER_KEY, str(Path.home())))))
        return folder / default_name(self.page.session.case.case_id, ".pdf")

    def export(self, path: str | Path | None = None) -> bool:
        """Ask for a file (unless given), confirm replacing, then write in the background."""
        from ...report import ExportError, check_report_target, existing_targets

        page = self.page
        if self.job is not None:
            return False
        page.flush_edits()  # words typed a moment ago belong in the report
        why = self.reportable()
        if why:
            self.shell.messages.info("Nothing to report yet", why)
            return False
        if path is None:
            chosen, _ = QFileDialog.getSaveFileName(self.shell, "Export the report", str(self.suggested_path()),
                                                    PDF_FILTER, options=QFileDialog.Option.DontConfirmOverwrite)
            if not chosen:
                return False
            path = chosen
        pdf = Path(path)
        if pdf.suffix.lower() != ".pdf":
            pdf = pdf.with_name(pdf.name + ".pdf")
        existing = existing_targets(pdf)
        if existing and not self._confirm_replace(pdf, existing):
            return False
        try:
            check_report_target(pdf, exports=True, overwrite=True)
        except ExportError as e:
            self.shell.messages.error("Cannot write the report", e)
            return False
        live = page.session
        live.set_view(**page.view_values())
        alpha = page.controls.alpha() or DEFAULT_OPACITY
        cmap, copy, started = page.colour_map(), live.frozen_copy(), time.perf_counter()
        n = len(copy.audit)

        def write(job):
            from ...report import write_report

            # replace only what the user agreed to replace (a file appearing meanwhile is refused)
            return write_report(copy, pdf, exports=True, colour_map=cmap, opacity=alpha, overwrite=bool(existing))

        self.shell.busy.start("report", f"Writing the report {pdf.name}…")
        self.job = start_owned(self, self.shell.runner, "export report", write,
                               on_success=lambda out: self._done(out, live, copy, n, time.perf_counter() - started),
                               on_failure=self._failed)
        self.page.refresh()
        return True

    def _confirm_replace(self, pdf: Path, existing: list[Path]) -> bool:
        names = "\n".join(f"  {p.name}{'/ (folder)' if p.is_dir() else ''}" for p in existing)
        return ask_yes_no(self.shell, "Replace the existing report?", f"These already exist in {pdf.parent}:\n"
                          f"{names}\n\nReplace them with the new report? The old files stay until the new report "
                          "is completely written.")

    def _done(self, out, live, copy, n: int, seconds: float) -> None:
        self.job = None
        self.shell.busy.stop("report")
        if self.page.session is live:
            for entry in copy.audit.entries[n:]:  # "write report": path, report ID, SHA-256, exports folder
                live.record(entry.action, **entry.details)
        self.shell.settings.set(FOLDER_KEY, str(out.pdf.resolve().parent))
        self.last = out
        self.shell.statusBar().showMessage(f"Report {out.report_id} written to {out.pdf} ({seconds:.1f} s)", 15000)
        self.page.refresh()
        self._show_done(out, seconds)
        self.exported.emit(out)

    def _failed(self, error, job) -> None:
        self.job = None
        self.shell.busy.stop("report")
        self.shell.statusBar().showMessage("The report was not written.", 10000)
        self.page.refresh()
        self.shell.messages.error("Cannot write the report", error, job.traceback)
        self.failed.emit(error)

    def _show_done(self, out, seconds: float) -> None:
        exports = (f"\n\nBeside it, {out.exports.name}/ holds the overlays (PNG), the maps and raw output "
                   "(.npy) and manifest.json." if out.exports else "")
        box = QMessageBox(QMessageBox.Icon.Information, "Report exported",
                          f"Report {out.report_id} was written in {seconds:.1f} s.", parent=self.shell)
        box.setInformativeText(f"{out.pdf}\nSHA-256 {out.sha256}{exports}\n\nThe export is recorded in the "
                               "audit log.")
        open_pdf = box.addButton("Open PDF", QMessageBox.ButtonRole.ActionRole)
        open_folder = box.addButton("Show folder", QMessageBox.ButtonRole.ActionRole)
        box.addButton(QMessageBox.StandardButton.Close)
        box.setDefaultButton(open_pdf)

        def clicked(button):
            if button is open_pdf:
                QDesktopServices.openUrl(QUrl.fromLocalFile(str(out.pdf)))
            elif button is open_folder:
                QDesktopServices.openUrl(QUrl.fromLocalFile(str(out.pdf.parent)))

        box.buttonClicked.connect(clicked)
        self.done_box = box
        box.open()
