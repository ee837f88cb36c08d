"""The method axis of a page in its own window: the compare view and the task's metrics panel.

One window per page, opened from the page (Page ▸ Compare methods and metrics…, Ctrl+M, or the
page's button); it follows the page's session — every result, display change and reopened
case redraws it — and closing it loses nothing (the maps live in the session and its case file).

    Compare       every method × the maps of what is explained now (gui/method_compare.py)
    Faithfulness  a face pair: deletion / insertion curves per method (gui/faithfulness_panel.py)
    Metrics       a class: box, IoU, pointing game, ROAD, deletion curves (gui/class_metrics_panel.py)
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QTabWidget, QWidget

from .layouts import MUTED, box, styled_label
from .method_compare import CompareGrid, MethodQueue


def metrics_panel(page):
    """(tab title, panel) of the task's metrics, or None for a task without one."""
    if page.task.key == "face-verification":
        from .faithfulness_panel import FaithfulnessPanel

        return "Faithfulness", FaithfulnessPanel(page)
    if page.task.key == "imagenet-classification":
        from .class_metrics_panel import ClassMetricsPanel

        return "Metrics", ClassMetricsPanel(page)
    return None


class MethodsWindow(QWidget):
    def __init__(self, page):
        super().__init__(page, Qt.WindowType.Window)
        self.page = page
        self.setObjectName(f"methods_{page.task.key}")
        self.setWindowTitle(f"Methods — {page.task.title}")
        self.resize(980, 720)
        self.compare = CompareGrid(page)
        self.queue = MethodQueue(page, self)
        self.compare.run_missing.connect(self.queue.start)
        self.status = styled_label(style=MUTED)
        self.queue.progressed.connect(self.status.setText)
        self.tabs = QTabWidget()
        self.tabs.addTab(self.compare, "Compare")
        made = metrics_panel(page)
        self.metrics = made[1] if made else None
        if made:
            self.tabs.addTab(made[1], made[0])
        self.tabs.currentChanged.connect(lambda _i: self.refresh())
        box((self.tabs, 1), self.status, on=self, margin=11)  # a window's own margin (Fusion)
        page.state_changed.connect(self._page_changed)

    def _page_changed(self) -> None:
        if self.isVisible():
            self.refresh()

    def refresh(self) -> None:
        """Redraw the tab shown (the others redraw when shown)."""
        current = self.tabs.currentWidget()
        if current is not None:
            current.refresh()

    def showEvent(self, ev):  # noqa: N802 - Qt API
        super().showEvent(ev)
        self.refresh()


def open_methods_window(page) -> MethodsWindow:
    """Show the page's methods window (made on first use), raised and refreshed."""
    w = page.findChild(MethodsWindow)
    if w is None:
        w = MethodsWindow(page)
    w.show()
    w.raise_()
    w.activateWindow()
    w.refresh()
    return w
