"""Plugin discovery: entry points in the group `fame_desktop.plugins` point at `setup(registry)`.

    [project.entry-points."fame_desktop.plugins"]
    my-task = "my_package.my_module:setup"      # def setup(registry): registry.add(MyTask())

`add` takes tasks (`tasks.Task`) and explanation methods (`methods.Method`); a plugin may
add both, and `add_page(task_key, "module:callable")` names the window page of its task
(imported only by the GUI). The built-in tasks and methods (face verification first,
FAME) are registered the same way. A plugin that fails to import, whose setup raises, or
that adds something invalid is logged and listed as broken, with a one-line reason; it
never stops the others or the app. A plugin's additions are made all or nothing.
"""

from __future__ import annotations

import logging
import traceback
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import metadata

from ..core.errors import FameError
from ..methods.base import KINDS, Method
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
    methods: list[str] = field(default_factory=list)

    def describe(self) -> dict:
        return {"name": self.name, "value": self.value, "distribution": self.distribution,
                "status": self.status, "error": self.error, "tasks": list(self.tasks), "methods": list(self.methods)}


class _Collector:
    """What a plugin's setup() receives: `add(task_or_method)` and `add_page(task_key, "module:callable")`."""

    def __init__(self):
        self.added: list = []
        self.pages: dict[str, str] = {}

    def add(self, item) -> None:
        self.added.append(item)

    def add_page(self, task_key: str, factory: str) -> None:
        if not isinstance(factory, str) or ":" not in factory:
            raise ValueError(f"a page is named as 'module:callable', got {factory!r}")
        self.pages[task_key] = factory


class TaskRegistry:
    """Tasks by key (in `order`) and every plugin's status, for the mode selector and Plugins dialog."""

    def __init__(self):
        self.plugins: list[PluginInfo] = []
        self._tasks: dict[str, Task] = {}
        self._methods: dict[str, Method] = {}
        self.pages: dict[str, str] = {}  # task key → "module:callable" of its window page
        self._owner: dict[str, str] = {}

    @property
    def tasks(self) -> dict[str, Task]:
        return dict(sorted(self._tasks.items(), key=lambda kv: (kv[1].order, kv[0])))

    @property
    def methods(self) -> dict[str, Method]:
        return dict(self._methods)

    def methods_for(self, task: Task) -> dict[str, Method]:
        """The registered methods that apply to `task` (`Method.applies_to`, the rule the runner applies too),
        those the task lists first, in its order."""
        order = {k: i for i, k in enumerate(task.methods)}
        keys = sorted(self._methods, key=lambda k: (order.get(k, len(order)), k))
        return {k: self._methods[k] for k in keys if not self._methods[k].applies_to(task)}

    def method(self, key: str) -> Method:
        if key not in self._methods:
            raise TaskNotFound(f"no explanation method {key!r}; available: {', '.join(self._methods) or 'none'}")
        return self._methods[key]

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
            stage = "invalid addition"
            for item in collector.added:
                self._check(item)
            if not collector.added:
                raise ValueError("its setup() added no task and no method")
        except Exception as e:  # any failure of third-party code: report it, keep going
            first = (str(e).strip().splitlines() or [""])[0]
            info.status, info.error = "broken", f"{stage}: {type(e).__name__}: {first}".rstrip(": ")
            info.details = traceback.format_exc()
            log.error("plugin %s (%s) is broken: %s", ep.name, ep.value, info.error, exc_info=True)
            return info
        for item in collector.added:
            kind, store, names = (("task", self._tasks, info.tasks) if isinstance(item, Task)
                                  else ("method", self._methods, info.methods))
            store[item.key] = item
            self._owner[f"{kind}:{item.key}"] = ep.name
            names.append(item.key)
        self.pages.update(collector.pages)
        return info

    def _check(self, item) -> None:
        if isinstance(item, Task):
            kind, store = "task", self._tasks
            if not item.key or not item.title or not item.inputs:
                raise ValueError(f"{type(item).__name__} needs key, title and inputs")
        elif isinstance(item, Method):
            kind, store = "method", self._methods
            if not item.key or not item.title or item.kind not in KINDS:
                raise ValueError(f"{type(item).__name__} needs key, title and a kind among {', '.join(KINDS)}")
        else:
            raise TypeError(f"{type(item).__name__} is neither a fame_desktop.tasks.Task nor a "
                            "fame_desktop.methods.Method")
        if item.api_version != PLUGIN_API_VERSION:
            raise ValueError(f"{kind} {item.key!r} needs plugin API {item.api_version}; "
                             f"this fame-desktop provides API {PLUGIN_API_VERSION}")
        if item.key in store:
            raise ValueError(f"{kind} key {item.key!r} is already provided by plugin "
                             f"{self._owner[f'{kind}:{item.key}']!r}")


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
