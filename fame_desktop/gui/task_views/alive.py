"""Worker results for widgets that may be gone: a job can finish after its window closed and was deleted."""

from __future__ import annotations

import shiboken6


def alive(owner, fn):
    """`fn`, called only while the Qt object `owner` still exists (queued results arrive late)."""

    def call(*args):
        if shiboken6.isValid(owner):
            return fn(*args)
        return None

    return call


def start(owner, runner, name: str, fn, on_success=None, on_failure=None, on_progress=None):
    """JobRunner.start with every callback guarded by `owner`'s lifetime."""
    g = (lambda f: None if f is None else alive(owner, f))
    return runner.start(name, fn, on_success=g(on_success), on_failure=g(on_failure), on_progress=g(on_progress))
