"""The compute side of the app: heavy imports, the face detector and the face model.

torch, the MTCNN detector and the model take seconds to import and load, so the window
appears first and this object brings them up in worker threads, announcing `ready`
(core imported, detector warm) and `model_ready` / `model_failed` (per model choice).
The GUI thread never imports torch itself while this runs (Python's import lock would
freeze it until the import ends).
"""

from __future__ import annotations

import logging
import threading
import time

from PySide6.QtCore import QObject, Signal

from .jobs import Job, JobRunner

log = logging.getLogger(__name__)


class Engine(QObject):
    ready = Signal()
    failed = Signal(object)  # exception while starting up
    model_ready = Signal(object)  # FaceModel
    model_failed = Signal(object)  # exception
    model_loading = Signal(str)  # description of what is being loaded

    def __init__(self, runner: JobRunner, detector=None, preloaded_models: dict | None = None,
                 parent: QObject | None = None):
        super().__init__(parent)
        self.runner = runner
        self.detector = detector
        self.model = None
        self.model_key: tuple | None = None  # (key, checkpoint, device) of self.model
        self.is_ready = False
        self.started_at = time.perf_counter()
        self.ready_after: float | None = None
        self.model_lock = threading.Lock()  # the model is used by one thread at a time
        self._models = dict(preloaded_models or {})
        self._wanted: tuple | None = None
        self._model_job: Job | None = None

    # start-up ---------------------------------------------------------------------------
    def start(self) -> None:
        self.runner.start("start engine", self._start_up, on_success=self._started,
                          on_failure=lambda e, job: self.failed.emit(e))

    def _start_up(self, job: Job):
        import skimage.transform  # noqa: F401 - used by the alignment; warm it here

        from ..core import session, verification  # noqa: F401 - pulls in torch
        from ..core.device import select_device
        from ..core.faces import FaceDetector

        detector = self.detector
        if detector is None:
            device = select_device("auto")
            detector = FaceDetector(device="cpu" if device.type == "mps" else str(device))
        detector.warm_up()  # the first MTCNN call of a process is slow: pay it now, not on the first photo
        return detector

    def _started(self, detector) -> None:
        self.detector = detector
        self.is_ready = True
        self.ready_after = time.perf_counter() - self.started_at
        log.info("engine ready after %.2f s", self.ready_after)
        self.ready.emit()
        if self._wanted is not None:
            self.request_model(*self._wanted)

    # the face model ---------------------------------------------------------------------
    def request_model(self, key: str, checkpoint: str | None, device: str) -> None:
        """Make (key, checkpoint, device) the current model; emits model_ready or model_failed."""
        wanted = (key, checkpoint or None, device)
        self._wanted = wanted
        if not self.is_ready:
            return
        if self.model is not None and self.model_key == wanted:
            self.model_ready.emit(self.model)
            return
        if wanted in self._models:
            self._set_model(wanted, self._models[wanted])
            return
        if self._model_job is not None and self._model_job.isRunning():
            return  # the finished job checks _wanted again
        self.model = None
        self.model_key = None
        self.model_loading.emit(key)

        def load(job: Job, wanted=wanted):
            from ..core.models import load_face_model

            return wanted, load_face_model(wanted[0], wanted[1], wanted[2])

        self._model_job = self.runner.start(f"load model {key}", load, on_success=self._model_loaded,
                                            on_failure=self._model_error)
        self._model_job.wanted = wanted  # signals are queued: set before any can arrive

    def _model_loaded(self, result) -> None:
        wanted, model = result
        self._model_job = None
        self._models = {wanted: model}  # keep one model in memory
        if wanted != self._wanted:
            self.request_model(*self._wanted)
            return
        self._set_model(wanted, model)

    def _set_model(self, wanted: tuple, model) -> None:
        self.model, self.model_key = model, wanted
        self.model_ready.emit(model)

    def _model_error(self, error: Exception, job: Job) -> None:
        self._model_job = None
        if self._wanted is not None and getattr(job, "wanted", None) != self._wanted:
            self.request_model(*self._wanted)
            return
        self.model_failed.emit(error)
