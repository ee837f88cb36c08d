"""Running FAME from the window: start, live preview, cancel, finish.

A run works on a copy of what it needs (model, crops, parameters). The session's result
changes only when a run finishes; a cancelled or failed run leaves the last complete
result in place (unless the inputs changed meanwhile, which already dropped it).
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from .fame_worker import FamePreview, FameProgressReport, fame_task, photo_geometry
from .run_bar import format_seconds

STOP_REASONS = {"epsilon": "ε reached", "iterations": "all iterations", "converged": "map settled (δ)",
                "cancelled": "cancelled"}
# in captions under a map: why it stopped before T (nothing when it ran all iterations)
STOP_CAPTIONS = {"epsilon": "ε reached", "iterations": "", "converged": "settled", "cancelled": "cancelled"}


SHORT = {"gallery_similar": "G e+", "gallery_dissimilar": "G e−", "probe_similar": "P e+",
         "probe_dissimilar": "P e−"}


def iteration_summary(per_map: dict) -> tuple[str, str]:
    """(one short line, a line per map) describing how many iterations each map ran and why it stopped."""
    detail = "\n".join(f"{k.replace('_', ' ')}: {v['iterations']} iterations, stopped: "
                       f"{STOP_REASONS.get(v['stop_reason'], v['stop_reason'])}" for k, v in per_map.items())
    runs = {(v["iterations"], v["stop_reason"]) for v in per_map.values()}
    if len(runs) == 1:
        n, why = runs.pop()
        return f"All {len(per_map)} maps: {n} iterations ({STOP_REASONS.get(why, why)}).", detail
    marks = {"epsilon": " ε", "converged": " δ"}
    parts = [f"{SHORT.get(k, k)} {v['iterations']}" + marks.get(v["stop_reason"], "") for k, v in per_map.items()]
    used = sorted({v["stop_reason"] for v in per_map.values()} & set(marks))
    legend = {"epsilon": "ε: loss < ε", "converged": "δ: settled"}
    return "Iterations: " + " · ".join(parts) + (f" ({', '.join(legend[u] for u in used)})" if used else ""), detail


class RunController(QObject):
    started = Signal()
    preview_shown = Signal(int)  # iteration
    finished = Signal(object)  # PairExplanation now in the session
    cancelled = Signal()
    discarded = Signal(str)  # the reason: the inputs changed while the run went on
    failed = Signal(object)

    def __init__(self, window):
        super().__init__(window)
        self.w = window
        self.job = None
        self.previews = 0
        self.last_progress: FameProgressReport | None = None

    @property
    def running(self) -> bool:
        return self.job is not None

    def blocker(self) -> str:
        """Why a run cannot start now ('' if it can)."""
        w = self.w
        if self.running:
            return "FAME is already running"
        if not w.engine.is_ready:
            return "The compute engine is still starting"
        if busy := w.inputs.busy():
            return busy
        if not (w.model.ready and w.model.session.ready):
            return "Load a photograph with a face into each slot"
        if w.engine.model is None:
            return "The face model is not loaded (see Parameters)"
        return ""

    def start(self) -> bool:
        w = self.w
        why = self.blocker()
        if why:
            w.messages.info("Cannot run FAME yet", why + ".")
            return False
        try:
            params = w.params.fame_params()
        except ValueError as e:
            w.messages.warning("Invalid FAME parameters", str(e))
            return False
        s = w.model.session
        model = w.engine.model
        # the parameters in force, then what the run computes from: its result is accepted only
        # while that snapshot still describes the session's inputs (ComparisonSession.set_explanation)
        w.model.do("set_parameters", params, w.review.controls.map_settings())
        snapshot = s.run_snapshot(model.describe(), params)
        w.model.do("record_run_started", snapshot, str(model.device))
        photos = photo_geometry((s.gallery, s.probe))
        task = fame_task(w.engine, model, s.gallery.crop, s.probe.crop, params, w.review.controls.map_settings,
                         w.review.controls.colour_map, photos)
        self.previews = 0
        self.last_progress = None
        self.job = w.runner.start("FAME", task, on_success=self._done, on_failure=self._failed,
                                  on_progress=self._progress)
        self.job.context = (model, snapshot, params)
        self.job.discard_reason = ""
        w.run_bar.set_running(True)
        w.run_bar.show_progress(0, params.iterations, 0.0, 4, 4)
        w.run_bar.status.setText("Running FAME…")
        self.started.emit()
        w.update_actions()
        return True

    def cancel(self, discard: bool = False, reason: str = "cancelled by the user") -> None:
        """Stop the run before its next iteration; with discard its result is ignored."""
        if self.job is None:
            return
        self.job.cancel()
        if discard:
            self.job.discard_reason = reason
        self.w.run_bar.show_cancelling()

    # reports from the worker ----------------------------------------------------------
    def _progress(self, report) -> None:
        if isinstance(report, FameProgressReport):
            self.last_progress = report
            self.w.run_bar.show_progress(report.iteration, report.total, report.elapsed, report.active, report.maps)
        elif (isinstance(report, FamePreview) and self.job is not None and not self.job.cancelled
              and not self.w.model.session.stale_reasons(self.job.context[1])):
            self.previews += 1
            self.w.show_maps(report.maps, f"live preview · iteration {report.iteration} / {report.total}",
                             layers=(report.cmap, report.layers))
            self.preview_shown.emit(report.iteration)

    def _done(self, explanation) -> None:
        job, self.job = self.job, None
        w = self.w
        w.run_bar.set_running(False)
        run = explanation.run
        if run.cancelled or job.discard_reason:
            self._record_stop(job, run)
            return
        model, snapshot, params = job.context
        s = w.model.session
        if not w.model.do("set_explanation", explanation, model.describe(), snapshot):
            self._record_discard(s.audit.entries[-1].details["reason"])
            return
        summary, detail = iteration_summary(explanation.per_map())
        w.run_bar.reset_progress(f"Finished in {format_seconds(run.elapsed)} · {int(run.iterations.max())} iterations")
        w.run_bar.progress.setRange(0, 1)
        w.run_bar.progress.setValue(1)
        w.run_bar.status.setText(summary)
        w.run_bar.status.setToolTip(detail)
        w.show_result()
        w.update_actions()
        self.finished.emit(s.explanation)

    def _record_stop(self, job, run) -> None:
        w = self.w
        done = int(run.iterations.max()) if len(run.iterations) else 0
        params = job.context[2]
        reason = job.discard_reason or "cancelled by the user"
        kept = w.model.session.explanation is not None
        w.model.record("FAME run cancelled", reason=reason, iterations_done=done, iterations_planned=params.iterations,
                       result_kept="previous complete result" if kept else "none")
        w.run_bar.reset_progress(f"Cancelled at iteration {done} of {params.iterations}")
        w.run_bar.status.setText("The previous complete result is shown." if kept else
                                 ("No result yet." if not job.discard_reason else f"Stopped: {reason}."))
        w.show_result()
        w.update_actions()
        self.cancelled.emit()

    def _record_discard(self, reason: str) -> None:
        """A finished run whose inputs changed meanwhile: its result was discarded (and logged)."""
        w = self.w
        w.run_bar.reset_progress("Result discarded")
        w.run_bar.status.setText(f"The result was discarded: {reason}.")
        w.show_result()
        w.update_actions()
        self.discarded.emit(reason)

    def _failed(self, error: Exception, job) -> None:
        self.job = None
        w = self.w
        w.run_bar.set_running(False)
        w.run_bar.reset_progress("FAME failed")
        w.run_bar.status.setText(str(error)[:200])
        w.model.record("FAME run failed", error=f"{type(error).__name__}: {error}")
        w.messages.error("FAME failed", error, job.traceback)
        w.show_result()
        w.update_actions()
        self.failed.emit(error)
