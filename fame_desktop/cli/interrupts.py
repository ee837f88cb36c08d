"""SIGINT and SIGTERM as exceptions in the main thread, so that every `finally` runs before `fame`
exits: temporary files and folders are removed and output locks released (exit 130 / 143)."""

from __future__ import annotations

import signal
import threading
from contextlib import contextmanager


class Terminated(BaseException):
    """SIGTERM; a BaseException like KeyboardInterrupt, so no `except Exception` swallows it."""


def _raise(signum, frame):
    # a second signal must not cut short the clean-up the first one started
    for s in (signal.SIGINT, signal.SIGTERM):
        signal.signal(s, signal.SIG_IGN)
    raise KeyboardInterrupt if signum == signal.SIGINT else Terminated


@contextmanager
def signals_as_exceptions():
    """While the block runs, SIGINT raises KeyboardInterrupt and SIGTERM raises Terminated."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {s: signal.signal(s, _raise) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
