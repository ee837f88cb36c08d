"""Worker threads: one QThread per job, results and exceptions sent back as signals.

A job's function runs in its own thread as `fn(job)`; it may call `job.report(obj)`
for progress and should poll `job.cancelled`. Signals are queued to the GUI thread.
Every job is wait()-ed before the runner lets go of it, so no thread is destroyed
while running.

Python's cycle collector runs in whichever thread happens to allocate when a threshold is
crossed. In a worker it would destroy the Qt objects of closed windows and panels there
("QBasicTimer::stop: Failed … from a different thread", crashes, and a class-metrics job
deadlocked inside scipy in a test run). A JobRunner therefore moves collection to a timer in
the GUI thread while it lives (pyqtgraph's GarbageCollector: automatic collection off, collected
every second; back on when the last runner has shut down).
"""

from __future__ import annotations

import gc
import logging
import traceback
from typing import Callable

import shiboken6
from PySide6.QtCore import QObject, QThread, Signal

log = logging.getLogger(__name__)


class Job(QThread):
    progressed = Signal(object)
    succeeded = Signal(object)
    failed = Signal(object)  # the exception; its formatted traceback is in job.traceback

    def __init__(self, name: str, fn: Callable[["Job"], object], parent: QObject | None = None):
        super().__init__(parent)
        self.name = name
        self._fn = fn
        self._cancel = False
        self.traceback = ""
        self.outcome = None  # "succeeded" | "failed" once run() returns

    @property
    def cancelled(self) -> bool:
        return self._cancel

    def cancel(self) -> None:
        self._cancel = True

    def report(self, obj) -> None:
        self.progressed.emit(obj)

    def run(self) -> None:  # noqa: D401 - QThread API
        try:
            result = self._fn(self)
        except BaseException as e:  # everything goes back to the GUI thread, nothing is lost
            self.traceback = traceback.format_exc()
            self.outcome = "failed"
            log.debug("job %s failed:\n%s", self.name, self.traceback)
            self.failed.emit(e)
        else:
            self.outcome = "succeeded"
            self.succeeded.emit(result)


class GuiThreadCollection:
    """Cyclic garbage collected by a timer in the GUI thread while any JobRunner is alive; automatic
    collection again (and one collection now, in the GUI thread) once the last one has shut down."""

    def __init__(self):
        self.holders = 0
        self.collector = None

    def acquire(self) -> None:
        if self.holders == 0:
            from pyqtgraph.util.garbage_collector import GarbageCollector

            self.collector = GarbageCollector(interval=1.0)  # turns automatic collection off
        self.holders += 1

    def release(self) -> None:
        self.holders -= 1
        if self.holders == 0:
            self.collector.timer.stop()
            self.collector = None
            gc.enable()
            gc.collect()  # what the runners' windows left, collected here in the GUI thread


GUI_THREAD_COLLECTION = GuiThreadCollection()


class JobRunner(QObject):
    """Starts jobs, keeps them alive while they run, and joins them on shutdown."""

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        GUI_THREAD_COLLECTION.acquire()
        self._collecting = True
        self._jobs: list[Job] = []

    def start(self, name: str, fn: Callable[[Job], object], on_success=None, on_failure=None,
              on_progress=None) -> Job:
        job = Job(name, fn)
        if on_success is not None:
            job.succeeded.connect(on_success)
        if on_failure is not None:
            job.failed.connect(lambda e, j=job: on_failure(e, j))
        if on_progress is not None:
            job.progressed.connect(on_progress)
        job.finished.connect(lambda j=job: self._finished(j))
        self._jobs.append(job)
        job.start()
        return job

    def _finished(self, job: Job) -> None:
        job.wait()
        if job in self._jobs:
            self._jobs.remove(job)
        job.deleteLater()

    @property
    def running(self) -> list[Job]:
        return [j for j in self._jobs if j.isRunning()]

    def shutdown(self) -> None:
        """Ask every job to stop and wait for all of them."""
        for job in list(self._jobs):
            job.cancel()
        for job in list(self._jobs):
            job.wait()
        self._jobs.clear()
        if self._collecting:
            self._collecting = False
            GUI_THREAD_COLLECTION.release()


def alive(owner, fn):
    """`fn`, called only while the Qt object `owner` still exists (a job can finish after its window closed)."""

    def call(*args):
        if shiboken6.isValid(owner):
            return fn(*args)
        return None

    return call


def start_owned(owner, runner: JobRunner, name: str, fn, on_success=None, on_failure=None, on_progress=None) -> Job:
    """JobRunner.start with every callback guarded by `owner`'s lifetime."""
    g = (lambda f: None if f is None else alive(owner, f))
    return runner.start(name, fn, on_success=g(on_success), on_failure=g(on_failure), on_progress=g(on_progress))
