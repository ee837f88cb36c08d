"""Work around PySide6 bugs that would crash the app.

PySide6 6.12 (seen with CPython 3.11) returns the bool of `SignalInstance.emit()`
without taking a reference to it, so every `.emit()` from Python leaves one reference
fewer on `True`. The app emits about a dozen signals per FAME iteration; after a few
default 500-iteration runs the count reaches zero and CPython aborts with "Fatal Python
error: bool_dealloc". (From CPython 3.12 on True is immortal and nothing happens.)

`install()` checks whether this PySide6 has the bug (a few emits of a probe signal must
not lower True's reference count) and only then wraps `SignalInstance.emit` to give the
missing reference back. Call it once, before worker threads start.
"""

from __future__ import annotations

import ctypes
import sys

from PySide6.QtCore import QObject, Signal, SignalInstance

_installed = False


class _Probe(QObject):
    ping = Signal()


def emit_drops_a_reference(tries: int = 16) -> bool:
    """Whether `emit()` leaves True with fewer references than before (the bug)."""
    probe = _Probe()
    before = sys.getrefcount(True)
    for _ in range(tries):
        probe.ping.emit()
    return sys.getrefcount(True) <= before - tries // 2


def install() -> bool:
    """Wrap SignalInstance.emit when this PySide6 needs it; True if it was wrapped."""
    global _installed
    if _installed:
        return True
    if not emit_drops_a_reference():
        return False
    original = SignalInstance.emit
    incref = ctypes.pythonapi.Py_IncRef
    incref.argtypes = [ctypes.py_object]
    incref.restype = None

    def emit(self, *args):
        result = original(self, *args)
        if result is True or result is False:
            incref(result)  # the reference emit() should have taken
        return result

    emit.__doc__ = original.__doc__
    SignalInstance.emit = emit
    _installed = True
    return True
