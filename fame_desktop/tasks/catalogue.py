"""The tasks a front end can show: every plugin's tasks with their model choices (Qt-free).

`build_catalogue` is slow (torch, the plugins, the face detector warmed): the window runs it
in a worker once at start-up (gui/engine.py) and builds its task selector from the result.
"""

from __future__ import annotations

from dataclasses import dataclass, field


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
    from .face_verification import FaceVerificationTask
    from .registry import default_registry

    registry = default_registry()
    entries = {}
    for key, task in registry.tasks.items():
        try:
            entries[key] = TaskEntry(task, list(task.models()))
        except Exception as e:  # a third-party task: say so in the selector, keep the others
            entries[key] = TaskEntry(task, [], f"{type(e).__name__}: {e}")
    face = registry.tasks.get(FaceVerificationTask.key)
    if face is not None:
        if detector is not None:
            face.use_detector(detector)
        face.detector().warm_up()  # the first MTCNN call of a process is slow: pay it now
    imagenet_categories()  # the class chooser's names (torchvision metadata), loaded here
    return Catalogue(registry, entries)
