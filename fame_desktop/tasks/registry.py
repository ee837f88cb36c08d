"""Plugin discovery: entry points in the group `fame_desktop.plugins` point at `setup(registry)`.

    [project.entry-points."fame_desktop.plugins"]
    my-task = "my_package.my_module:setup"      # def setup(registry): registry.add(MyTask())

The built-in tasks (face verification first) are registered the same way. A plugin that
fails to import, whose setup raises, or that adds an invalid task is logged and listed
as broken, with a one-line reason; it never stops the others or the app. A plugin's
tasks are added all or nothing.
"""

from __future__ import annotations

import logging
import traceback
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import metadata

from ..core.errors import FameError
from .base import PLUGIN_API_VERSION, Task

GROUP = "fame_desktop.plugins"
log = logging.getLogger("fame_desktop.plugins")
log.addHandler(logging.NullHandler())  # the app decides where logs go; never Python's stderr fallback


class TaskNotFound(FameError):
    """A task key that no working plugin provides."""


@dataclass
class PluginInfo:
    """One entry point. status: "ok" or "broken" (error: one line; details: the traceback)."""

    name: str
    value: str
    distribution: str
    status: str = "ok"
    error: str = ""
    details: str = ""
    tasks: list[str] = field(default_factory=list)

    def describe(self) -> dict:
        return {"name": self.name, "value": self.value, "distribution": self.distribution,
                "status": self.status, "error": self.error, "tasks": list(self.tasks)}


class _Collector:
    """What a plugin's setup() receives: `add(task)` collects its tasks for checking."""

    def __init__(self):
        self.added: list[Task] = []

    def add(self, task: Task) -> None:
        self.added.append(task)


class TaskRegistry:
    """Tasks by key (in `order`) and every plugin's status, for the mode selector and Plugins dialog."""

    def __init__(self):
        self.plugins: list[PluginInfo] = []
        self._tasks: dict[str, Task] = {}
        self._owner: dict[str, str] = {}

    @property
    def tasks(self) -> dict[str, Task]:
        return dict(sorted(self._tasks.items(), key=lambda kv: (kv[1].order, kv[0])))

    @property
    def broken(self) -> list[PluginInfo]:
        return [p for p in self.plugins if p.status != "ok"]

    def get(self, key: str) -> Task:
        if key not in self._tasks:
            broken = [p.name for p in self.broken]
            note = f" (broken plugins: {', '.join(broken)}; see `fame plugins`)" if broken else ""
            raise TaskNotFound(f"no task {key!r}; available: {', '.join(self.tasks) or 'none'}{note}")
        return self._tasks[key]

    def load_entry_point(self, ep: metadata.EntryPoint) -> PluginInfo:
        dist = getattr(ep, "dist", None)
        info = PluginInfo(ep.name, ep.value, f"{dist.name} {dist.version}" if dist is not None else "?")
        self.plugins.append(info)
        stage = "import failed"
        try:
            setup = ep.load()
            stage = "setup failed"
            if not callable(setup):
                raise TypeError(f"{ep.value} is not a setup(registry) function")
            collector = _Collector()
            setup(collector)
            stage = "invalid task"
            for task in collector.added:
                self._check(task)
            if not collector.added:
                raise ValueError("its setup() added no task")
        except Exception as e:  # any failure of third-party code: report it, keep going
            first = (str(e).strip().splitlines() or [""])[0]
            info.status, info.error = "broken", f"{stage}: {type(e).__name__}: {first}".rstrip(": ")
            info.details = traceback.format_exc()
            log.error("plugin %s (%s) is broken: %s", ep.name, ep.value, info.error, exc_info=True)
            return info
        for task in collector.added:
            self._tasks[task.key] = task
            self._owner[task.key] = ep.name
            info.tasks.append(task.key)
        return info

    def _check(self, task) -> None:
        if not isinstance(task, Task):
            raise TypeError(f"{type(task).__name__} is not a fame_desktop.tasks.Task")
        if not task.key or not task.title or not task.inputs:
            raise ValueError(f"{type(task).__name__} needs key, title and inputs")
        if task.api_version != PLUGIN_API_VERSION:
            raise ValueError(f"task {task.key!r} needs plugin API {task.api_version}; "
                             f"this fame-desktop provides API {PLUGIN_API_VERSION}")
        if task.key in self._tasks:
            raise ValueError(f"task key {task.key!r} is already provided by plugin {self._owner[task.key]!r}")


def discover(group: str = GROUP) -> TaskRegistry:
    """Load every plugin of the entry-point group (fresh; see `default_registry` for the cached one)."""
    registry = TaskRegistry()
    eps = sorted(metadata.entry_points(group=group),
                 key=lambda ep: (getattr(ep.dist, "name", "") != "fame-desktop", ep.name))
    seen = set()
    for ep in eps:
        if (ep.name, ep.value) in seen:  # the same distribution found twice on sys.path
            continue
        seen.add((ep.name, ep.value))
        registry.load_entry_point(ep)
    return registry


@lru_cache(maxsize=1)
def default_registry() -> TaskRegistry:
    """The app's registry, discovered once per process."""
    return discover()
