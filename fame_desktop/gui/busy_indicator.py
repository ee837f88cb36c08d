"""A busy indicator in the status bar for background writes (report export, case save / open).

Several tasks may run at once; the indicator shows the latest one's text and stays
until every task has stopped.
"""

from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QWidget


class BusyIndicator(QWidget):
    def __init__(self, window):
        super().__init__(window)
        self.bar = QProgressBar()
        self.bar.setRange(0, 0)  # busy: the writers report no steps
        self.bar.setFixedWidth(110)
        self.bar.setTextVisible(False)
        self.label = QLabel("")
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 6, 0)
        lay.addWidget(self.label)
        lay.addWidget(self.bar)
        self.tasks: dict[str, str] = {}
        window.statusBar().addPermanentWidget(self)
        self.hide()

    def start(self, key: str, text: str) -> None:
        self.tasks[key] = text
        self.label.setText(text)
        self.show()

    def stop(self, key: str) -> None:
        self.tasks.pop(key, None)
        if self.tasks:
            self.label.setText(list(self.tasks.values())[-1])
        else:
            self.hide()

    def running(self, key: str) -> bool:
        return key in self.tasks
