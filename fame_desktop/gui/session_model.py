"""The comparison session seen by the GUI: a core ComparisonSession plus a `changed` signal.

Widgets change the session only through `do` / `record`, so the audit panel, window
title and buttons refresh after every step. The session appears when the engine is
ready (core.session imports torch).
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal


class SessionModel(QObject):
    changed = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.session = None

    @property
    def ready(self) -> bool:
        return self.session is not None

    def start(self) -> None:
        from ..core.session import ComparisonSession

        self.session = ComparisonSession()
        self.session.audit.record("session started")
        self.changed.emit()

    def do(self, method: str, *args, **kwargs):
        """Call a ComparisonSession method (each records its own audit entry)."""
        result = getattr(self.session, method)(*args, **kwargs)
        self.changed.emit()
        return result

    def record(self, action: str, **details) -> None:
        self.session.audit.record(action, **details)
        self.changed.emit()
