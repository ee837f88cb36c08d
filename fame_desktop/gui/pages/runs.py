"""Running the page's method from the window: start, live preview, cancel, finish — for every task.

A run is requested from the session (its input snapshot is taken and the start logged
then), executed in a worker with throttled progress and previews, and its result handed
back to the session, which keeps it only while the snapshot still matches the inputs. A
cancelled run keeps only the rows that finished; a failed or discarded one leaves the
earlier results as they were.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from ...core.errors import FameError
from ..jobs import start_owned
from ...tasks.previews import Preview, ProgressReport, execute_with_reports
from ...tasks.run_summary import estimate_text, format_seconds, iteration_summary


class RunController(QObject):
    started = Signal()
    preview_shown = Signal(int)  # iteration
    finished = Signal(object)  # the TaskResult now shown
    cancelled = Signal()
    discarded = Signal(str)  # the reason: the inputs changed while the run went on
    failed = Signal(object)

    def __init__(self, page):
        super().__init__(page)
        self.page = page
        self.job = None
        self.request = None
        self.preview: Preview | None = None  # the latest preview of the running job
        self.last_progress: ProgressReport | None = None
        self.previews = 0

    @property
    def running(self) -> bool:
        return self.job is not None

    def blocker(self) -> str:
        """Why a run cannot start now ('' if it can)."""
        p = self.page
        if self.running:
            return "A run is going on"
        if not p.shell.engine.is_ready:
            return "The compute engine is still starting"
        if busy := p.inputs.busy():
            return busy
        if p.loader.model is None:
            return "The model is not loaded (see Parameters)"
        if not p.session.ready:
            return p.missing_inputs_text()
        if p.inputs.prepare_error:
            return p.inputs.prepare_error
        if p.session.analysis is None:
            return "The inputs are being analysed"
        return p.target_blocker()

    # time -------------------------------------------------------------------------------
    def _timing_key(self, rows: int) -> str:
        p = self.page
        return f"{p.settings_prefix}/seconds_per_iteration/{p.session.model_key}/{p.session.device}/{rows}"

    def estimate(self) -> tuple[str, str]:
        """How long the next run takes at most (every iteration run), short and in full:
        ('run ≤ 2:10', '500 iterations ≈ 2:10 at most (where the figure comes from)'), or ('', '') when unknown.

        From the last run of this task, model, device and number of maps on this computer, else
        roughly from the time the model took for its first answer (tasks.run_summary.estimate_text)."""
        p = self.page
        try:
            iterations = getattr(p.params.method_params(), "iterations", None)
        except ValueError:
            return "", ""
        rows = len(p.run_targets())
        if not iterations or not rows:
            return "", ""
        measured = p.shell.settings.get(self._timing_key(rows), 0.0, float)
        return estimate_text(iterations, rows, measured, p.inputs.analysis_seconds)

    def _remember_speed(self, result) -> None:
        """Seconds per iteration of this run (all its maps; chunked runs take several steps per iteration)."""
        pr, iterations = self.last_progress, getattr(self.request.job.params, "iterations", 0)
        if pr is not None and pr.iteration and iterations:
            per_step = pr.elapsed / pr.iteration
            self.page.shell.settings.set(self._timing_key(len(result.targets)), per_step * pr.total / iterations)

    # start / cancel ---------------------------------------------------------------------
    def start(self, targets=None, params=None, start=None) -> bool:
        """Run the page's method on `targets` (default: those chosen) with `params` (default: the form's);
        start: the shown result's run to continue instead of starting from the inputs ("Refine")."""
        p, s = self.page, self.page.session
        why = self.blocker() if targets is None else ("A run is going on" if self.running else "")
        if why:
            p.shell.messages.info("Cannot run yet", why + ".")
            return False
        try:
            params = params or p.params.method_params()
        except ValueError as e:
            p.shell.messages.warning("Invalid parameters", str(e))
            return False
        method = p.method()
        targets = list(targets if targets is not None else p.run_targets())
        s.set_params(method.key, params)
        s.set_map_settings(p.controls.map_settings())
        try:
            request = s.request_run(method, p.loader.model, targets, start)
        except FameError as e:
            p.shell.messages.info("Cannot run yet", str(e))
            return False
        self.request, self.preview, self.last_progress, self.previews = request, None, None, 0
        self.job = start_owned(self, p.shell.runner, f"{method.key} {p.task.key}", self._work(request),
                               on_success=self._done, on_failure=self._failed, on_progress=self._progress)
        self.job.discard_reason = ""
        rows = len(request.job.targets)
        p.run_bar.set_running(True)
        p.run_bar.show_progress(0, 0, 0.0, rows, rows, method.title)  # the length comes from the worker (_work)
        p.run_bar.status.setText(f"Running {method.title} on {p.describe_targets(request.job.targets)}…")
        self.started.emit()
        p.refresh()
        return True

    def _work(self, request):
        """The job function: execute the request in the worker with throttled progress and previews."""
        page, make_preview = self.page, self.page.make_preview(request)

        def fn(job):
            with page.loader.lock:
                return execute_with_reports(request, make_preview, job.report, lambda: job.cancelled)

        return fn

    def cancel(self, discard: bool = False, reason: str = "cancelled by the user") -> None:
        """Stop the run before its next step; with discard its result is ignored."""
        if self.job is None:
            return
        self.job.cancel()
        if discard:
            self.job.discard_reason = reason
        self.page.run_bar.show_cancelling()

    # reports from the worker ------------------------------------------------------------
    def _progress(self, report) -> None:
        p = self.page
        if self.job is None:
            return
        if isinstance(report, ProgressReport):
            self.last_progress = report
            p.run_bar.show_progress(report.iteration, report.total, report.elapsed, report.active, report.rows,
                                    self.request.method.title)
        elif isinstance(report, Preview) and not self.job.cancelled and not p.session.stale_reasons(self.request):
            self.preview = report
            self.previews += 1
            p.show_preview(report)
            self.preview_shown.emit(report.iteration)

    def _done(self, result) -> None:
        job, self.job = self.job, None
        self.preview = None
        p, s = self.page, self.page.session
        p.run_bar.set_running(False)
        run = result.run
        done = int(run.iterations.max()) if len(run.iterations) else 0
        if job.discard_reason:
            s.record("run stopped", method=result.method.key, reason=job.discard_reason, iterations_done=done)
            self._stopped(f"Stopped: {job.discard_reason}.", "Stopped")
            self.cancelled.emit()
            return
        self._remember_speed(result)
        acc = s.accept_result(result)
        if acc is None:
            reason = s.audit.entries[-1].details["reason"]
            self._stopped(f"The result was discarded: {reason}.", "Result discarded")
            self.discarded.emit(reason)
            return
        note = " Earlier maps (other parameters) were replaced." if acc.replaced else ""
        if run.cancelled:
            kept = f" {len(acc.kept)} of {len(result.targets)} finished and kept." if len(result.targets) > 1 else ""
            earlier = "" if acc.kept else (" The previous complete result is shown." if s.result() is not None
                                           else " No result yet.")
            self._stopped(f"Cancelled.{kept}{note}{earlier}", f"Cancelled at iteration {done}")
            self.cancelled.emit()
            return
        self._show_outcome(result, f"Finished in {format_seconds(run.elapsed)} · {done} iterations", note)
        p.refresh()
        self.finished.emit(s.result())

    def show_stored(self, origin: str) -> None:
        """A reopened case: its result's iterations and stop reasons, marked as not re-run."""
        p, result = self.page, self.page.session.result()
        p.run_bar.unpin()
        if result is not None:
            p.run_bar.pinned = True
            self._show_outcome(result, f"{origin} · {int(result.run.iterations.max())} it. · not re-run")
            p.run_bar.progress.setToolTip(f"{origin}: the stored result is shown, not computed again")

    def _show_outcome(self, result, progress: str, note: str = "") -> None:
        p = self.page
        summary, detail = iteration_summary(result.per_target(), p.short_labels())
        p.run_bar.reset_progress(progress)
        p.run_bar.progress.setValue(1)
        p.run_bar.status.setText(summary + note)
        p.run_bar.status.setToolTip(detail)

    def _stopped(self, status: str, progress: str) -> None:
        p = self.page
        p.run_bar.reset_progress(progress)
        p.run_bar.status.setText(status)
        p.refresh()

    def _failed(self, error: Exception, job) -> None:
        self.job, self.preview = None, None
        p = self.page
        p.run_bar.set_running(False)
        p.run_bar.reset_progress("Failed")
        p.run_bar.status.setText(str(error)[:200])
        p.session.record("run failed", error=f"{type(error).__name__}: {error}")
        p.shell.messages.error("The run failed", error, job.traceback)
        p.refresh()
        self.failed.emit(error)

