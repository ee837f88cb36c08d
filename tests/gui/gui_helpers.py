"""Simulated user input for GUI tests: drops, clicks in image coordinates, waiting for faces."""

from __future__ import annotations

from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication


def drop_files(widget, paths) -> bool:
    """Drag the files over `widget` and drop them; True if the drop was accepted."""
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    centre = widget.rect().center()
    enter = QDragEnterEvent(QPointF(centre), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                            Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(widget, enter)
    drop = QDropEvent(QPointF(centre), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                      Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(widget, drop)
    return drop.isAccepted()


def click_image(qtbot, view, x: float, y: float) -> None:
    """A left click on image pixel (x, y) of an ImageView."""
    scene = view.vb.mapViewToScene(QPointF(x, y))
    pos: QPoint = view.mapFromScene(scene)
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=pos)


def wait_for_pair(qtbot, w, timeout: int = 60_000) -> None:
    """Both slots hold a face and the similarity is shown."""
    qtbot.waitUntil(lambda: w.model.ready and w.model.session.ready and w.score.similarity is not None,
                    timeout=timeout)


def set_quick_run(w, iterations: int = 6, preview_every: int = 2, epsilon: float = 0.0) -> None:
    w.params.iterations.setValue(iterations)
    w.params.preview.setValue(preview_every)
    w.params.epsilon.setValue(epsilon)
    w.params.converge.setValue(0.0)  # no adaptive stopping: a fixed run


def wait_for_modes(qtbot, w, timeout: int = 120_000) -> None:
    """The plugin catalogue is known and the mode selector lists every task."""
    qtbot.waitUntil(lambda: w.modes.catalogue is not None, timeout=timeout)


def open_mode(qtbot, w, key: str, timeout: int = 120_000):
    """Switch to a task mode through its selector and wait until its model is loaded; return the page."""
    wait_for_modes(qtbot, w, timeout)
    sel = w.modes.menus.selector
    sel.setCurrentIndex(sel.findData(key))
    page = w.modes.page()
    assert page is not None and page.task.key == key
    qtbot.waitUntil(lambda: page.model is not None, timeout=timeout)
    return page


def quick_task_run(page, iterations: int = 3, epsilon: float = 0.0) -> None:
    page.params.iterations.setValue(iterations)
    page.params.epsilon.setValue(epsilon)
    page.params.converge.setValue(0.0)  # no adaptive stopping: a fixed run
