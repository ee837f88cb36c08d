"""A guard against PySide6 reference-count bugs that would crash a long session.

Measured with PySide6 6.12.0 on Python 3.11: `SignalInstance.emit()` returns True
without taking a reference to it, and a Python slot called by a C++ signal releases
one reference to None too many. Every signal emitted from Python (pyqtgraph emits on
every zoom and pan) lowers True's reference count by one, every slot call None's. A
session — or a test suite — with enough signals frees True or None and the process
dies ("Fatal Python error: bool_dealloc", "none_dealloc"), often at exit.

Python 3.12 made True, False and None immortal. On older Pythons, when the emit bug is
detected, `protect_singletons` gives the three a reference count no session can use
up (they are never freed while the interpreter lives, so nothing else changes).
"""

from __future__ import annotations

import ctypes
import sys

HEADROOM = 1 << 40  # references added: more than any session emits signals


def emit_drops_a_reference() -> bool:
    """True when emitting a signal from Python lowers True's reference count (the bug)."""
    from PySide6.QtCore import QObject, Signal

    class _Probe(QObject):
        fired = Signal()

    probe = _Probe()
    before = sys.getrefcount(True)
    for _ in range(8):
        probe.fired.emit()
    return sys.getrefcount(True) < before - 4


def _refcount_field(obj) -> ctypes.c_ssize_t | None:
    """The object's ob_refcnt field, if this interpreter lays objects out as expected."""
    field = ctypes.c_ssize_t.from_address(id(obj))
    return field if abs(field.value - (sys.getrefcount(obj) - 1)) <= 2 else None


def protect_singletons() -> bool:
    """Make True, False and None effectively immortal when PySide drops references to them.

    Returns whether the guard was applied (False on Python ≥ 3.12 or an unaffected PySide).
    """
    if sys.version_info >= (3, 12) or not emit_drops_a_reference():
        return False
    applied = False
    for obj in (True, False, None):
        field = _refcount_field(obj)
        if field is not None and field.value < HEADROOM:
            field.value += HEADROOM
            applied = True
    return applied
