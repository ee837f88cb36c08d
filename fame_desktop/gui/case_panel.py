"""Case details: case ID, an exhibit ID per input, examiner, free-text notes (every change audited)."""

from __future__ import annotations

from html import escape

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QFormLayout, QLabel, QLineEdit, QPlainTextEdit, QWidget

from .layouts import GREY, box, styled_label


class CasePanel(QWidget):
    edited = Signal(dict)  # CaseInfo fields that changed since the last signal (exhibits as a whole dict)

    def __init__(self, roles: tuple[str, ...], parent=None):
        super().__init__(parent)
        form = QFormLayout()
        self.case_id, self.examiner = QLineEdit(), QLineEdit()
        self.exhibits = {role: QLineEdit() for role in roles}
        form.addRow("Case ID", self.case_id)
        for role, edit in self.exhibits.items():
            edit.setObjectName(f"exhibit_{role}")
            form.addRow(f"Exhibit ({role})", edit)
        form.addRow("Examiner", self.examiner)
        for edit in (self.case_id, self.examiner, *self.exhibits.values()):
            edit.editingFinished.connect(self._commit)
        self.notes = QPlainTextEdit()
        self.notes.setPlaceholderText("Observations, conditions of the images, decisions taken…")
        self._notes_timer = QTimer(self, singleShot=True, interval=1500)
        self._notes_timer.timeout.connect(self._commit)
        self.notes.textChanged.connect(self._notes_timer.start)
        # the case file and its signature status (set_file_status)
        self.file_status = styled_label(wrap=True, name="case_file_status")
        self.file_status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.file_status.hide()
        box(form, QLabel("Notes"), (self.notes, 1), self.file_status,
            styled_label("Every change is recorded in the audit log.", f"{GREY} font-size: 9pt;"), on=self, margin=9)
        self._committed = self.values()

    def set_file_status(self, text: str | None) -> None:
        """'case.famecase: signed … / unsigned …', or None when the case is in no file."""
        self.file_status.setText(f"<b>Case file</b> {escape(text)}" if text else "")
        self.file_status.setVisible(bool(text))

    def values(self) -> dict:
        return {"case_id": self.case_id.text().strip(), "examiner": self.examiner.text().strip(),
                "notes": self.notes.toPlainText(),
                "exhibits": {r: e.text().strip() for r, e in self.exhibits.items() if e.text().strip()}}

    def set_values(self, case) -> None:
        """Show a session's CaseInfo without reporting it as edits."""
        for edit, text in ((self.case_id, case.case_id), (self.examiner, case.examiner)):
            edit.setText(text)
        for role, edit in self.exhibits.items():
            edit.setText(case.exhibits.get(role, ""))
        self.notes.blockSignals(True)
        self.notes.setPlainText(case.notes)
        self.notes.blockSignals(False)
        self._committed = self.values()

    def _commit(self) -> None:
        self._notes_timer.stop()
        now = self.values()
        changed = {k: v for k, v in now.items() if self._committed.get(k) != v}
        if changed:
            self._committed = now
            self.edited.emit(changed)

    def flush(self) -> None:
        """Commit pending edits (e.g. notes typed less than a moment ago)."""
        self._commit()
