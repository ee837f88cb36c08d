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
    """Both slots hold a face and the similarity is shown (on the face page)."""
    qtbot.waitUntil(lambda: w.page.session.ready and w.page.score.similarity is not None, timeout=timeout)


def set_quick_run(page, iterations: int = 6, epsilon: float = 0.0) -> None:
    """A fixed FAME run of `iterations` (no adaptive stopping) on the page's next Run."""
    f = page.params.form
    f.field("iterations").setValue(iterations)
    f.field("epsilon").setValue(epsilon)
    f.field("converge_tolerance").setValue(0.0)


def open_mode(qtbot, w, key: str, timeout: int = 120_000):
    """Switch to a task's page through the mode selector and wait until its model is loaded; return the page."""
    qtbot.waitUntil(lambda: w.engine.is_ready, timeout=timeout)
    sel = w.selector
    sel.setCurrentIndex(sel.findData(key))
    page = w.page
    assert page is not None and page.task.key == key
    qtbot.waitUntil(lambda: page.loader.model is not None, timeout=timeout)
    return page


def face(w, role: str):
    """The FaceInput in use in `role` on the face page (None while it has none)."""
    inp = w.page.session.inputs.get(role)
    return None if inp is None else inp.payload


def wait_for_modes(qtbot, w, timeout: int = 120_000) -> None:
    """The compute engine is up: every task is listed in the mode selector and a page is shown."""
    qtbot.waitUntil(lambda: w.engine.is_ready and w.page is not None, timeout=timeout)


def wait_or_dump_threads(qtbot, condition, timeout: int) -> None:
    """qtbot.waitUntil, but a timeout fails with every thread's stack (a worker stuck on a lock or in
    a library shows where), so a stall in CI is diagnosable from its log."""
    import sys
    import threading
    import traceback

    try:
        qtbot.waitUntil(condition, timeout=timeout)
    except qtbot.TimeoutError:
        names = {t.ident: t.name for t in threading.enumerate()}
        stacks = "\n".join(f"--- thread {names.get(ident, ident)}\n{''.join(traceback.format_stack(frame))}"
                           for ident, frame in sys._current_frames().items())
        raise AssertionError(f"not reached within {timeout / 1000:g} s; threads:\n{stacks}") from None
