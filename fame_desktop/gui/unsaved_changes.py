"""Whether the session holds changes not saved in a case file, and asking what to do with them.

The audit log only grows and records every change that matters, so "modified" is:
entries were added since the session was last saved or opened, or (with photographs
loaded) the display differs from what was saved. A new, empty session is not modified.
"""

from __future__ import annotations

from PySide6.QtWidgets import QMessageBox


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


def ask_save_changes(parent, doing: str, unsaved: list[str], run_going: bool = False) -> str:
    """Save / Discard / Cancel before `doing` (e.g. 'opening another case'): 'save', 'discard' or 'cancel'."""
    box = QMessageBox(QMessageBox.Icon.Warning, "Unsaved changes",
                      "This case has changes that are not saved in a case file.", parent=parent)
    run = " The FAME run in progress will be stopped." if run_going else ""
    box.setInformativeText(f"Save them before {doing}?{run}\n\nNot saved: {describe(unsaved)}.")
    box.setStandardButtons(QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard
                           | QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(QMessageBox.StandardButton.Save)
    box.setEscapeButton(QMessageBox.StandardButton.Cancel)
    answer = box.exec()
    return {QMessageBox.StandardButton.Save: "save",
            QMessageBox.StandardButton.Discard: "discard"}.get(QMessageBox.StandardButton(answer), "cancel")


def ask_stop_run(parent, doing: str) -> bool:
    """True when the user agrees to stop a FAME run in progress before `doing`."""
    answer = QMessageBox.question(
        parent, "Stop the FAME run?",
        f"FAME is still running. Stop it before {doing}? Its result so far is discarded.",
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, QMessageBox.StandardButton.No)
    return answer == QMessageBox.StandardButton.Yes
