"""The run bar's progress bar paints with the next frame, not inside setValue."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QProgressBar

from fame_desktop.gui.run_bar import ProgressBar, RunBar


class PaintCounter(QObject):
    def __init__(self):
        super().__init__()
        self.paints = 0

    def eventFilter(self, obj, ev):  # noqa: N802 - Qt API
        if ev.type() == QEvent.Type.Paint:
            self.paints += 1
        return False


def _paints_inside_set_value(qtbot, bar) -> tuple[int, PaintCounter]:
    """Paints during ten setValue calls, and the counter that goes on counting."""
    counter = PaintCounter()
    bar.installEventFilter(counter)
    bar.setRange(0, 100)
    qtbot.wait(20)
    counter.paints = 0
    for v in range(1, 11):
        bar.setValue(v)
    return counter.paints, counter


def test_set_value_leaves_the_paint_to_the_event_loop(qtbot):
    run_bar = RunBar()
    qtbot.addWidget(run_bar)
    run_bar.show()
    qtbot.waitExposed(run_bar)
    assert isinstance(run_bar.progress, ProgressBar)
    inside, counter = _paints_inside_set_value(qtbot, run_bar.progress)
    assert inside == 0
    qtbot.waitUntil(lambda: counter.paints >= 1, timeout=2000)  # painted once the event loop runs
    run_bar.show_progress(12, 40, 3.0, 3, 4, "CorrRISE")
    assert run_bar.progress.value() == 12 and run_bar.progress.text().startswith("Iteration 12 / 40")
    assert run_bar.status.text() == "Running CorrRISE: 3 of 4 maps still changing."
    run_bar.status.setText("Running FAME on Egyptian cat (285)…")
    run_bar.show_progress(13, 40, 3.2, 1, 1, "FAME")  # one map still running: the start's words stay
    assert run_bar.status.text() == "Running FAME on Egyptian cat (285)…"

    plain = QProgressBar()  # what Qt's own bar does: one synchronous paint per new value
    qtbot.addWidget(plain)
    plain.show()
    qtbot.waitExposed(plain)
    inside, _ = _paints_inside_set_value(qtbot, plain)
    assert inside == 10
