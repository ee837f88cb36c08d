"""PySide6 6.12's emit() dropped a reference to True on every call; the app must not drain it."""

from __future__ import annotations

import sys

from PySide6.QtCore import QObject, Signal

import fame_desktop.gui  # noqa: F401 - installs the work-around
from fame_desktop.gui.pyside_fixes import emit_drops_a_reference


class Emitter(QObject):
    plain = Signal()
    value = Signal(object)


def test_emitting_signals_leaves_true_and_false_alone(qtbot):
    e, got = Emitter(), []
    e.value.connect(got.append)
    e.plain.connect(lambda: got.append(None))
    before = sys.getrefcount(True), sys.getrefcount(False)
    for i in range(5000):
        assert e.plain.emit() is True
        e.value.emit(i)
    assert len(got) == 10_000
    assert sys.getrefcount(True) >= before[0] and sys.getrefcount(False) >= before[1]
    assert not emit_drops_a_reference()
