"""Whether the session holds changes not saved in a case file (Qt-free; the window asks about them).

The audit log only grows and records every change that matters, so "modified" is:
entries were added since the session was last saved or opened, or (with photographs
loaded) the display differs from what was saved. A new, empty session is not modified.
"""

from __future__ import annotations


class ChangeTracker:
    def __init__(self):
        self.session = None
        self.audit_len = 0
        self.view = None

    def mark_clean(self, session, view, audit_len: int | None = None) -> None:
        """`session` as it is now (or its first `audit_len` entries) is what the case file holds."""
        self.session, self.view = session, view
        self.audit_len = len(session.audit) if audit_len is None else audit_len

    def unsaved(self, session, view) -> list[str]:
        """What changed since then: the new audit actions (in order, once each), 'display settings'."""
        if session is None:
            return []
        if session is not self.session:
            return ["the whole session"] if session.inputs else []
        actions: list[str] = []
        for e in session.audit.entries[self.audit_len:]:
            if e.action not in actions:
                actions.append(e.action)
        if view != self.view and session.inputs:
            actions.append("display settings")
        return actions


def describe(unsaved: list[str], limit: int = 6) -> str:
    shown = unsaved[:limit]
    more = len(unsaved) - len(shown)
    return "; ".join(shown) + (f"; and {more} more" if more > 0 else "")
