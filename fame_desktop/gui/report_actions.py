"""File ▸ Export report… and the Export button beside the score: the PDF report and its exports.

The report is rendered and written by report.write_report in a worker thread, from a
snapshot of the session taken when the user confirmed (rendering takes a second or two;
later edits cannot tear it). Nothing is replaced without asking, and a failed write
(unwritable folder, full disk) shows its reason and leaves nothing behind (the core
writes atomically). The export is recorded in the session's audit log (path, report
ID, PDF SHA-256, exports folder).
"""

from __future__ import annotations

import time
from pathlib import Path

from PySide6.QtCore import QObject, QUrl, Signal
from PySide6.QtGui import QAction, QDesktopServices, QKeySequence
from PySide6.QtWidgets import QFileDialog, QMessageBox, QPushButton, QToolBar

from .view_sync import read_view_state

PDF_FILTER = "PDF report (*.pdf)"
FOLDER_KEY = "recent/report_folder"
DEFAULT_OPACITY = 0.5  # for the report when the window shows the maps at 0 % (they would be invisible)


class ReportActions(QObject):
    exported = Signal(object)  # report.ReportOutput
    failed = Signal(object)  # the error

    def __init__(self, window):
        super().__init__(window)
        self.w = w = window
        self.job = None
        self.last = None  # the last ReportOutput
        self.done_box: QMessageBox | None = None
        self.act_export = QAction("&Export report…", w)
        self.act_export.setShortcut(QKeySequence("Ctrl+E"))
        tip = "Write the PDF report of this comparison and its exports (maps, overlays, raw Δx, manifest)"
        self.act_export.setToolTip(tip)
        self.act_export.setStatusTip(tip)
        self.act_export.triggered.connect(lambda _=False: self.export())
        self.button = QPushButton("Export report…")
        self.button.setToolTip(tip + " (Ctrl+E)")
        self.button.clicked.connect(lambda _=False: self.export())
        w.score.add_widget(self.button)
        self._install_menus()
        w.model.changed.connect(self.update_actions)
        w.engine.ready.connect(self._warm_up)
        self.update_actions()

    def _warm_up(self) -> None:
        """Import the report package (reportlab: ~0.15 s) in a worker, not at the first export in the GUI thread."""
        import importlib

        self.w.runner.start("import report", lambda job: importlib.import_module("fame_desktop.report"))

    def _install_menus(self) -> None:
        w = self.w
        quit_index = w.file_menu.actions().index(w.act_quit)
        before = w.file_menu.actions()[quit_index - 1]  # the separator above Quit
        w.file_menu.insertAction(before, self.act_export)
        w.file_menu.insertSeparator(self.act_export)
        toolbar = w.findChild(QToolBar, "main_toolbar")
        if toolbar is not None:
            toolbar.addAction(self.act_export)

    def reportable(self) -> bool:
        s = self.w.model.session
        return s is not None and s.ready and s.explanation is not None and len(s.explanation.keys) == 4

    def update_actions(self) -> None:
        ok = self.reportable()
        self.act_export.setEnabled(ok and self.job is None)
        self.button.setVisible(ok)
        self.button.setEnabled(self.job is None)
        self.button.setText("Exporting…" if self.job is not None else "Export report…")

    # the flow ---------------------------------------------------------------------------
    def suggested_path(self) -> Path:
        from ..core.file_names import default_name

        w = self.w
        cases = getattr(w, "cases", None)
        case_folder = cases.path.parent if cases is not None and cases.path else None
        folder = Path(w.settings.get(FOLDER_KEY, str(case_folder or Path.home())))
        return folder / default_name(w.model.session.case.case_id, ".pdf")

    def export(self, path: str | Path | None = None) -> bool:
        """Ask for a file (unless given), confirm replacing, then write in the background."""
        from ..report import ExportError, check_report_target, check_reportable, existing_targets

        w = self.w
        if self.job is not None or not w.model.ready:
            return False
        cases = getattr(w, "cases", None)
        if cases is not None:
            cases.flush_edits()  # notes typed a moment ago belong in the report
            cases.sync_view()
        s = w.model.session
        try:
            check_reportable(s)
        except ExportError as e:
            w.messages.error("Nothing to report yet", e)
            return False
        if path is None:
            chosen, _ = QFileDialog.getSaveFileName(w, "Export the report", str(self.suggested_path()), PDF_FILTER,
                                                    options=QFileDialog.Option.DontConfirmOverwrite)
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
            w.messages.error("Cannot write the report", e)
            return False
        view = read_view_state(w)
        opacity = view.opacity if view.opacity > 0 else DEFAULT_OPACITY
        copy, started = s.frozen_copy(), time.perf_counter()

        def write(job):
            from ..report import write_report

            # replace only what the user agreed to replace (a file appearing meanwhile is refused)
            return write_report(copy, pdf, exports=True, colour_map=view.colour_map, opacity=opacity,
                                overwrite=bool(existing))

        w.busy.start("report", f"Writing the report {pdf.name}…")
        self.job = w.runner.start("export report", write,
                                  on_success=lambda out: self._done(out, s, copy, time.perf_counter() - started),
                                  on_failure=self._failed)
        self.update_actions()
        return True

    def _confirm_replace(self, pdf: Path, existing: list[Path]) -> bool:
        names = "\n".join(f"  {p.name}{'/ (folder)' if p.is_dir() else ''}" for p in existing)
        answer = QMessageBox.question(
            self.w, "Replace the existing report?",
            f"These already exist in {pdf.parent}:\n{names}\n\nReplace them with the new report? The old "
            "files stay until the new report is completely written.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, QMessageBox.StandardButton.No)
        return answer == QMessageBox.StandardButton.Yes

    def _done(self, out, live, snapshot, seconds: float) -> None:
        w = self.w
        self.job = None
        w.busy.stop("report")
        entry = snapshot.audit.entries[-1]  # "write report": path, report ID, SHA-256, exports folder
        if w.model.session is live:
            w.model.record(entry.action, **entry.details)
        w.settings.set(FOLDER_KEY, str(out.pdf.resolve().parent))
        self.last = out
        w.statusBar().showMessage(f"Report {out.report_id} written to {out.pdf} ({seconds:.1f} s)", 15000)
        self.update_actions()
        self._show_done(out, seconds)
        self.exported.emit(out)

    def _failed(self, error, job) -> None:
        self.job = None
        self.w.busy.stop("report")
        self.w.statusBar().showMessage("The report was not written.", 10000)
        self.update_actions()
        self.w.messages.error("Cannot write the report", error, job.traceback)
        self.failed.emit(error)

    def _show_done(self, out, seconds: float) -> None:
        exports = (f"\n\nBeside it, {out.exports.name}/ holds the overlays (PNG), the maps and raw Δx (.npy) "
                   "and manifest.json." if out.exports else "")
        box = QMessageBox(QMessageBox.Icon.Information, "Report exported",
                          f"Report {out.report_id} was written in {seconds:.1f} s.", parent=self.w)
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
