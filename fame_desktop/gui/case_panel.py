"""Case details: case and exhibit identifiers, examiner, free-text notes."""

from __future__ import annotations

from html import escape

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QFormLayout, QLabel, QLineEdit, QPlainTextEdit, QVBoxLayout, QWidget

FIELDS = (("case_id", "Case ID"), ("exhibit_gallery", "Exhibit (gallery)"),
          ("exhibit_probe", "Exhibit (probe)"), ("examiner", "Examiner"))


class CasePanel(QWidget):
    edited = Signal(dict)  # {field: new value} of what changed since the last signal

    def __init__(self, parent=None):
        super().__init__(parent)
        form = QFormLayout()
        self.fields: dict[str, QLineEdit] = {}
        for key, label in FIELDS:
            edit = QLineEdit()
            edit.setObjectName(key)
            edit.editingFinished.connect(self._commit)
            self.fields[key] = edit
            form.addRow(label, edit)
        self.notes = QPlainTextEdit()
        self.notes.setPlaceholderText("Observations, conditions of the images, decisions taken…")
        self._notes_timer = QTimer(self, singleShot=True, interval=1500)
        self._notes_timer.timeout.connect(self._commit)
        self.notes.textChanged.connect(self._notes_timer.start)
        hint = QLabel("Every change is recorded in the audit log.")
        hint.setStyleSheet("color: #8a8f98; font-size: 9pt;")
        self.file_status = QLabel()  # the case file and its signature status (set_file_status)
        self.file_status.setObjectName("case_file_status")
        self.file_status.setWordWrap(True)
        self.file_status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.file_status.hide()
        lay = QVBoxLayout(self)
        lay.addLayout(form)
        lay.addWidget(QLabel("Notes"))
        lay.addWidget(self.notes, 1)
        lay.addWidget(self.file_status)
        lay.addWidget(hint)
        self._committed: dict[str, str] = {k: "" for k, _ in FIELDS} | {"notes": ""}

    def set_file_status(self, text: str | None) -> None:
        """'case.famecase: signed … / unsigned …', or None when the case is in no file."""
        self.file_status.setText(f"<b>Case file</b> {escape(text)}" if text else "")
        self.file_status.setVisible(bool(text))

    def values(self) -> dict[str, str]:
        v = {k: e.text().strip() for k, e in self.fields.items()}
        v["notes"] = self.notes.toPlainText()
        return v

    def set_values(self, values: dict[str, str]) -> None:
        """Fill the form without reporting the values as edits."""
        for k, e in self.fields.items():
            if k in values:
                e.setText(values[k])
        if "notes" in values:
            self.notes.blockSignals(True)
            self.notes.setPlainText(values["notes"])
            self.notes.blockSignals(False)
        self._committed.update({k: v for k, v in values.items() if k in self._committed})

    def _commit(self) -> None:
        self._notes_timer.stop()
        now = self.values()
        changed = {k: v for k, v in now.items() if self._committed.get(k) != v}
        if changed:
            self._committed.update(changed)
            self.edited.emit(changed)

    def flush(self) -> None:
        """Commit pending edits (e.g. notes typed less than a moment ago)."""
        self._commit()
