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
from dataclasses import dataclass, field

from PySide6.QtCore import QObject, Signal

from .jobs import JobRunner

log = logging.getLogger(__name__)
FACE = "face-verification"


@dataclass
class TaskEntry:
    task: object  # tasks.Task
    models: list = field(default_factory=list)  # tasks.ModelChoice
    error: str = ""  # models() failed: the task cannot be shown

    @property
    def usable(self) -> bool:
        return not self.error and bool(self.models)


@dataclass
class Catalogue:
    registry: object  # tasks.TaskRegistry (plugins with their status, tasks, methods, pages)
    entries: dict[str, TaskEntry]  # task key → entry, in the registry's order

    @property
    def broken(self) -> list:
        return self.registry.broken


def build_catalogue(detector=None) -> Catalogue:
    """Discover the plugins (once per process), ask every task for its models, warm the face detector."""
    import skimage.transform  # noqa: F401 - used by the alignment; warm it here

    from ..core.models.imagenet import imagenet_categories
    from ..tasks import default_registry

    registry = default_registry()
    entries = {}
    for key, task in registry.tasks.items():
        try:
            entries[key] = TaskEntry(task, list(task.models()))
        except Exception as e:  # a third-party task: say so in the selector, keep the others
            entries[key] = TaskEntry(task, [], f"{type(e).__name__}: {e}")
    face = registry.tasks.get(FACE)
    if face is not None:
        if detector is not None:
            face.use_detector(detector)
        face.detector().warm_up()  # the first MTCNN call of a process is slow: pay it now
    imagenet_categories()  # the class chooser's names (torchvision metadata), loaded here
    return Catalogue(registry, entries)


class Engine(QObject):
    ready = Signal(object)  # the Catalogue
    failed = Signal(object)  # exception while starting up

    def __init__(self, runner: JobRunner, detector=None, parent: QObject | None = None):
        super().__init__(parent)
        self.runner, self.detector = runner, detector
        self.catalogue: Catalogue | None = None
        self.started_at = time.perf_counter()
        self.ready_after: float | None = None

    @property
    def is_ready(self) -> bool:
        return self.catalogue is not None

    def start(self) -> None:
        self.runner.start("start engine", lambda job: build_catalogue(self.detector), on_success=self._started,
                          on_failure=lambda e, job: self.failed.emit(e))

    def _started(self, catalogue: Catalogue) -> None:
        self.catalogue = catalogue
        self.ready_after = time.perf_counter() - self.started_at
        log.info("engine ready after %.2f s", self.ready_after)
        self.ready.emit(catalogue)
