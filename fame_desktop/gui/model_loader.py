"""Loading a task's model in a worker: one request at a time, the latest choice wins.

Keeps the last loaded models per choice (key, weights, device) for when the user comes
back to one, and a lock: a model is used by one thread at a time (analysis or a run).
`preloaded` seeds that cache (tests and benchmarks share one model between windows).
"""

from __future__ import annotations

import threading

from PySide6.QtCore import QObject, Signal

from .jobs import start_owned


class ModelLoader(QObject):
    loading = Signal(str)  # model key
    ready = Signal(object)  # the model
    failed = Signal(object)  # the exception

    def __init__(self, task, runner, parent=None, keep: int = 2, preloaded: dict | None = None):
        super().__init__(parent)
        self.task, self.runner, self.keep = task, runner, keep
        self.model = None
        self.choice: tuple | None = None
        self.lock = threading.Lock()
        self._cache: dict[tuple, object] = dict(preloaded or {})
        self._wanted: tuple | None = None
        self._job = None

    def request(self, key: str, weights: str | None, device: str) -> None:
        wanted = (key, weights or None, device)
        self._wanted = wanted
        if self.model is not None and self.choice == wanted:
            self.ready.emit(self.model)
            return
        self.model, self.choice = None, None
        if wanted in self._cache:
            self._set(wanted, self._cache[wanted])
            return
        if self._job is not None:
            return  # the running load checks _wanted when it ends
        self.loading.emit(key)
        task = self.task
        self._job = start_owned(self, self.runner, f"load {key}", lambda job: (wanted, task.load_model(*wanted)),
                          on_success=self._loaded, on_failure=self._error)
        self._job.wanted = wanted

    def _loaded(self, result) -> None:
        wanted, model = result
        self._job = None
        self._cache[wanted] = model
        while len(self._cache) > self.keep:  # the oldest goes
            self._cache.pop(next(iter(self._cache)))
        if wanted != self._wanted:
            self.request(*self._wanted)
            return
        self._set(wanted, model)

    def _set(self, wanted: tuple, model) -> None:
        self.model, self.choice = model, wanted
        self.ready.emit(model)

    def _error(self, error: Exception, job) -> None:
        self._job = None
        if getattr(job, "wanted", None) != self._wanted:
            self.request(*self._wanted)
            return
        self.failed.emit(error)
