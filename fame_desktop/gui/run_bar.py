"""Run / Cancel, the progress bar with iteration count and time left, and the run status."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QProgressBar, QPushButton, QSizePolicy, QWidget

from ..tasks.run_summary import progress_text
from .layouts import box


class ProgressBar(QProgressBar):
    """A QProgressBar whose setValue leaves the painting to the next frame.

    Qt's setValue repaints the bar synchronously (meant for loops that never return to the
    event loop); in a window that does return, that forced paint costs ~1 ms per call
    and more with a busy window behind it.
    """

    def setValue(self, value: int) -> None:  # noqa: N802 - Qt API
        self.setUpdatesEnabled(False)  # repaint() does nothing meanwhile
        super().setValue(value)
        self.setUpdatesEnabled(True)  # schedules an ordinary update()


class RunBar(QWidget):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.run_button = QPushButton("▶  Explain")  # the page names its method
        self.run_button.setMinimumWidth(140)  # "▶  Explain with FAME"; the idle status needs the rest at 1024 px
        self.cancel_button = QPushButton("■  Cancel")
        self.cancel_button.setToolTip("Stop the run; the last complete result stays (Esc)")
        self.cancel_button.setEnabled(False)
        self.progress = ProgressBar()
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.progress.setTextVisible(True)
        self.progress.setFormat("")
        self.progress.setMinimumWidth(250)  # "Iteration 500 / 500 · ≤ 10:00 left" fits; the rest goes to the status
        self.status = QLabel("")
        self.status.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        box(self.run_button, self.cancel_button, (self.progress, 1), (self.status, 3), row=True, on=self,
            margin=(4, 2, 4, 2))
        self.pinned = False  # the status shows a run's outcome, not the idle hint

    def unpin(self) -> None:
        """Let the idle hint replace the last run's message (its result no longer applies)."""
        if self.pinned:
            self.pinned = False
            self.reset_progress()
            self.status.setToolTip("")

    def set_running(self, running: bool) -> None:
        self.pinned = True
        self.run_button.setEnabled(not running)
        self.cancel_button.setEnabled(running)

    def show_cancelling(self) -> None:
        """The run was asked to stop; it ends before its next iteration."""
        self.status.setText("Cancelling…")
        self.cancel_button.setEnabled(False)

    def show_progress(self, iteration: int, total: int, elapsed: float, active: int, maps: int,
                      method: str) -> None:
        self.progress.setRange(0, total)
        self.progress.setValue(iteration)
        self.progress.setFormat(progress_text(iteration, total, elapsed))
        if active < maps:  # otherwise the status keeps what the run started with (which maps, which method)
            self.status.setText(f"Running {method}: {active} of {maps} maps still changing.")

    def reset_progress(self, text: str = "") -> None:
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.progress.setFormat(text)
