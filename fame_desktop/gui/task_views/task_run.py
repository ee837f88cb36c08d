"""Running FAME in a task mode (start, live preview, cancel, finish) and exporting its report.

As in the face mode: the run works on what was prepared when it started; the maps shown
change only when a run finishes; a cancelled run keeps only the targets that finished
(rows of completed chunks), never a partial map; a failed or discarded run leaves the
earlier results in place.
"""

from __future__ import annotations

from pathlib import Path

from ..fame_worker import FameProgressReport
from ..run_bar import format_seconds
from ..run_controller import STOP_REASONS
from .alive import start
from .task_worker import TaskPreview, run_job


class RunMixin:
    """Mixed into TaskPage (which provides w, task, loader, prepared, results, run_bar, signals)."""

    def init_run(self) -> None:
        self.job = None
        self.preview = None  # the latest TaskPreview of the running job
        self.running_keys: tuple[str, ...] = ()
        self.last_progress = None
        self.previews = 0

    @property
    def running(self) -> bool:
        return self.job is not None

    # what to run ------------------------------------------------------------------------
    def run_targets(self) -> list:
        """The targets the Run button explains now (subclasses)."""
        raise NotImplementedError

    def blocker(self) -> str:
        """Why a run cannot start now ('' if it can)."""
        if self.running:
            return "FAME is already running"
        if self.model is None:
            return "The model is not loaded (see Parameters)"
        if any(img is None for img in self.images.values()):
            return f"Open {' and '.join(s.label.lower() for s in self.slots.values())}"
        if self.prepare_error:
            return self.prepare_error
        if self.prepared is None:
            return "The input is being prepared"
        return ""

    def target_blocker(self) -> str:
        """Why the Run button has nothing to explain ('' if it has)."""
        return ""

    def idle_hint(self) -> str:
        return "Ready: press “Explain with FAME” (F5)."

    def update_run_controls(self) -> None:
        why = self.blocker() or self.target_blocker()
        self.run_bar.run_button.setEnabled(not why)
        self.run_bar.run_button.setToolTip(why or "Run FAME on what is chosen (F5)")
        if not self.running and not self.run_bar.pinned:
            self.run_bar.status.setText(f"{why}." if why else self.idle_hint())

    def make_preview(self):
        """A function (delta (B, 3, S, S), targets) → payload, run in the worker (subclasses)."""
        from ...core.attribution import delta_to_maps

        settings = lambda: self.map_settings  # noqa: E731 - read when the snapshot arrives

        def preview(delta, targets):
            return dict(zip([t.key for t in targets], delta_to_maps(delta, settings())))

        return preview

    # start / cancel ---------------------------------------------------------------------
    def run(self, targets: list | None = None) -> bool:
        why = self.blocker() or (self.target_blocker() if targets is None else "")
        if why:
            self.w.messages.info("Cannot run FAME yet", why + ".")
            return False
        try:
            params = self.params.fame_params()
        except ValueError as e:
            self.w.messages.warning("Invalid FAME parameters", str(e))
            return False
        targets = list(targets if targets is not None else self.run_targets())
        if not targets:
            self.w.messages.info("Nothing to explain", "Choose what to explain first.")
            return False
        p = self.prepared
        fn = run_job(self.task, self.model, self.loader.lock, p, targets, params, self.results.get(p.options_key),
                     self.make_preview())
        self.preview, self.last_progress, self.previews = None, None, 0
        self.running_keys = tuple(t.key for t in targets)
        self.job = start(self, self.w.runner, f"FAME {self.task.key}", fn, on_success=self._run_done,
                         on_failure=self._run_failed, on_progress=self._progress)
        self.job.context = (p, params, targets)
        self.job.discard_reason = ""
        self.run_bar.set_running(True)
        self.run_bar.show_progress(0, params.iterations, 0.0, len(targets), len(targets))
        self.run_bar.status.setText(f"Running FAME on {self.describe_targets(targets)}…")
        self.render()
        self.state_changed.emit()
        return True

    def describe_targets(self, targets) -> str:
        return targets[0].label if len(targets) == 1 else f"{len(targets)} targets"

    def cancel(self, discard: bool = False, reason: str = "cancelled by the user") -> None:
        """Stop before the next iteration; with discard the run's rows are dropped too."""
        if self.job is None:
            return
        self.job.cancel()
        if discard:
            self.job.discard_reason = reason
        self.run_bar.show_cancelling()

    # reports from the worker ------------------------------------------------------------
    def _progress(self, report) -> None:
        if self.job is None:
            return
        if isinstance(report, FameProgressReport):
            self.last_progress = report
            self.run_bar.show_progress(report.iteration, report.total, report.elapsed, report.active, report.maps)
            self.run_bar.status.setText(self.progress_text(report))
        elif isinstance(report, TaskPreview) and not self.job.cancelled:
            self.preview = report
            self.previews += 1
            self.render()
            self.preview_shown.emit(report.iteration)

    def progress_text(self, report) -> str:
        what = self.describe_targets(self.job.context[2])
        return f"Running FAME on {what}" + (f": {report.active} of {report.maps} still changing."
                                            if report.active < report.maps else ".")

    def _run_done(self, outcome) -> None:
        job, self.job = self.job, None
        self.preview, self.running_keys = None, ()
        self.run_bar.set_running(False)
        p, params, targets = job.context
        r = outcome.result
        done = int(r.run.iterations.max()) if len(r.run.iterations) else 0
        if job.discard_reason or p is not self.prepared:
            self.run_bar.reset_progress("Stopped")
            self.run_bar.status.setText(f"Stopped: {job.discard_reason or 'the input changed'}.")
            self._after_run()
            self.run_cancelled.emit()
            return
        acc = outcome.accumulated
        if acc.result is not None:
            self.results[p.options_key] = acc.result
        self._maps.clear()
        note = " Earlier maps (other parameters) were replaced." if acc.replaced else ""
        if r.run.cancelled:
            kept = f" {len(acc.kept)} of {len(targets)} finished and kept." if len(targets) > 1 else ""
            self.run_bar.reset_progress(f"Cancelled at iteration {done}")
            self.run_bar.status.setText(f"Cancelled.{kept}{note}" + ("" if acc.kept else " Earlier maps stay."))
            self.on_run_done(acc.kept)
            self._after_run()
            self.run_cancelled.emit()
            return
        why = {**STOP_REASONS, "iterations": "T reached"}
        reasons = sorted({why.get(s, s) for s in r.run.stop_reasons})
        self.run_bar.reset_progress(f"Finished in {format_seconds(r.run.elapsed)}")
        self.run_bar.progress.setRange(0, 1)
        self.run_bar.progress.setValue(1)
        self.run_bar.status.setText(f"{self.describe_targets(targets)}: up to {done} iterations "
                                    f"({', '.join(reasons)}).{note}")
        self.on_run_done(acc.kept)
        self._after_run()
        self.run_finished.emit(self.current_result())

    def _run_failed(self, error: Exception, job) -> None:
        self.job, self.preview, self.running_keys = None, None, ()
        self.run_bar.set_running(False)
        self.run_bar.reset_progress("FAME failed")
        self.run_bar.status.setText(str(error)[:200])
        self.w.messages.error("FAME failed", error, job.traceback)
        self._after_run()
        self.run_failed.emit(error)

    def _after_run(self) -> None:
        self.render()
        self.state_changed.emit()

    def on_run_done(self, kept: tuple[str, ...]) -> None:
        """Hook: a run ended and `kept` targets were added to the results."""

    # report -----------------------------------------------------------------------------
    def can_export(self) -> bool:
        return self.current_result() is not None

    def export_report(self, path: str | None = None) -> None:
        """File ▸ Export report…: ask for a file (unless given), ask before replacing one, write in a worker."""
        from PySide6.QtWidgets import QFileDialog, QMessageBox

        from ...core.io_utils import target_exists

        if self.current_result() is None:
            self.w.messages.info("Nothing to report", "Run FAME first: the report shows its maps.")
            return
        if path is None:
            start = self.w.settings.get("report/folder", str(Path.home()))
            name = Path(start) / f"{Path(self.title_detail().split(' vs ')[0]).stem}-{self.task.key}.pdf"
            path, _ = QFileDialog.getSaveFileName(self, "Export report", str(name), "PDF (*.pdf)",
                                                  options=QFileDialog.Option.DontConfirmOverwrite)
            if not path:
                return
            if not path.lower().endswith(".pdf"):
                path += ".pdf"
            self.w.settings.set("report/folder", str(Path(path).parent))
        if target_exists(path):
            box = QMessageBox(QMessageBox.Icon.Question, "Replace the report?",
                              f"{path} already exists. Replace it?",
                              QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel, self)
            box.setDefaultButton(QMessageBox.StandardButton.Cancel)
            yes = box.button(QMessageBox.StandardButton.Yes)
            box.finished.connect(lambda _code: box.clickedButton() == yes and self._write_report(path))
            self.overwrite_box = box
            box.open()
            return
        self._write_report(path)

    def _write_report(self, path: str) -> None:
        from ...report.task_report import write_task_report

        task, result, settings = self.task, self.current_result(), self.map_settings
        device = self.device_text()
        display = {"colour_map": "jet", "opacity": 0.5}
        self.run_bar.status.setText(f"Writing the report {Path(path).name}…")
        start(self, self.w.runner, "report",
              lambda job: write_task_report(task, result, settings, path, device, display),
              on_success=self._report_written,
              on_failure=lambda e, job: self.w.messages.error("Cannot write the report", e, job.traceback))

    def _report_written(self, out) -> None:
        text = f"Report written: {out.pdf} (SHA-256 {out.sha256[:16]}…)"
        self.run_bar.status.setText(text)
        self.w.statusBar().showMessage(text, 10_000)
        self.report_written = out
