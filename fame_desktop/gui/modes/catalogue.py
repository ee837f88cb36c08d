"""The tasks the app can host, found through the plugin registry — in a worker thread.

Discovery imports every plugin (and torch), and `models()` looks for weight files
(torchvision's weight tables take seconds to import): none of it may run in the GUI
thread, so the whole catalogue is built in a worker once the engine is up.
"""

from __future__ import annotations

from dataclasses import dataclass, field

FACE = "face-verification"  # hosted by the window's own face comparison page


@dataclass
class TaskEntry:
    task: object  # tasks.Task
    models: list = field(default_factory=list)  # tasks.ModelChoice
    error: str = ""  # models() failed: the mode cannot be used

    @property
    def usable(self) -> bool:
        return not self.error and bool(self.models)


@dataclass
class Catalogue:
    registry: object  # tasks.TaskRegistry (plugins with their status)
    entries: dict[str, TaskEntry]  # task key → entry, in the registry's order

    @property
    def broken(self) -> list:
        return self.registry.broken


def build_catalogue(job=None) -> Catalogue:
    """Job function: discover the plugins (once per process) and ask every task for its models."""
    from ...core.models.imagenet import imagenet_categories
    from ...tasks import default_registry

    registry = default_registry()
    entries = {}
    for key, task in registry.tasks.items():
        try:
            entries[key] = TaskEntry(task, list(task.models()))
        except Exception as e:  # a third-party task: say so in the selector, keep the others
            entries[key] = TaskEntry(task, [], f"{type(e).__name__}: {e}")
    imagenet_categories()  # the class chooser's names (torchvision metadata), loaded here
    return Catalogue(registry, entries)
