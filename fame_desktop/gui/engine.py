"""The compute side of the app coming up: heavy imports, the plugin catalogue, the face detector warm.

torch, the plugins and the face detector take seconds to import and load, so the window
appears first and this brings them up in a worker, announcing `ready` with the catalogue
of tasks the window can show (or `failed`). The GUI thread never imports torch itself while
this runs (Python's import lock would freeze it until the import ends). Models are loaded
by each page when it is first shown (gui/model_loader.py).
"""

from __future__ import annotations

import logging
import time

from PySide6.QtCore import QObject, Signal

from .jobs import JobRunner

log = logging.getLogger(__name__)
FACE = "face-verification"


class Engine(QObject):
    ready = Signal(object)  # the Catalogue
    failed = Signal(object)  # exception while starting up

    def __init__(self, runner: JobRunner, detector=None, parent: QObject | None = None):
        super().__init__(parent)
        self.runner, self.detector = runner, detector
        self.catalogue = None  # tasks.catalogue.Catalogue
        self.started_at = time.perf_counter()
        self.ready_after: float | None = None

    @property
    def is_ready(self) -> bool:
        return self.catalogue is not None

    def start(self) -> None:
        from ..tasks.catalogue import build_catalogue

        self.runner.start("start engine", lambda job: build_catalogue(self.detector), on_success=self._started,
                          on_failure=lambda e, job: self.failed.emit(e))

    def _started(self, catalogue) -> None:
        self.catalogue = catalogue
        self.ready_after = time.perf_counter() - self.started_at
        log.info("engine ready after %.2f s", self.ready_after)
        self.ready.emit(catalogue)
