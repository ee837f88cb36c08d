"""The session's append-only audit log as a read-only table (newest last)."""

from __future__ import annotations

import json

from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableWidget, QTableWidgetItem

from ..report.text import flat_details


class AuditPanel(QTableWidget):
    def __init__(self, parent=None):
        super().__init__(0, 3, parent)
        self.setHorizontalHeaderLabels(["Time", "Action", "Details"])
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setWordWrap(False)
        self.verticalHeader().setVisible(False)
        h = self.horizontalHeader()
        h.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        h.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        h.setStretchLastSection(True)

    def show_entries(self, entries) -> None:
        """Append the entries not shown yet (the log only grows)."""
        for e in entries[self.rowCount():]:
            row = self.rowCount()
            self.insertRow(row)
            # date and time to the second (a log read days later); the UTC offset is in the tooltip
            time_item = QTableWidgetItem(e.time[:19].replace("T", " ") if len(e.time) >= 19 else e.time)
            time_item.setToolTip(e.time)
            details = QTableWidgetItem(flat_details(e.details, limit=240))  # as the report's audit log says it
            details.setToolTip(json.dumps(e.details, ensure_ascii=False, indent=1, default=str))
            self.setItem(row, 0, time_item)
            self.setItem(row, 1, QTableWidgetItem(e.action))
            self.setItem(row, 2, details)
        self.scrollToBottom()
