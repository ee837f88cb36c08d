"""User-facing messages and the global exception hook.

Input problems (FameError) appear as their one-line reason. Anything else is a bug: it
is logged with its traceback and shown as a message; the window keeps running. Boxes
are opened non-modally (`open()`, not `exec()`) so a message never blocks work that is
already under way, and messages from worker threads are queued to the GUI thread.
"""

from __future__ import annotations

import logging
import sys
import threading
import traceback
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QObject, Qt, Signal, Slot
from PySide6.QtWidgets import QMessageBox, QWidget

from ..core.errors import FameError

log = logging.getLogger("fame_desktop")


@dataclass(frozen=True)
class Message:
    level: str  # "info" | "warning" | "error"
    title: str
    text: str
    details: str = ""


class MessageCenter(QObject):
    """Shows messages as non-blocking boxes on `parent`; keeps a record (`shown`) for tests."""

    _requested = Signal(object)

    def __init__(self, parent: QWidget | None = None, log_file: Path | None = None):
        super().__init__(parent)
        self.parent_widget = parent
        self.log_file = log_file
        self.shown: list[Message] = []
        self.open_boxes: list[QMessageBox] = []
        self._requested.connect(self._show, Qt.ConnectionType.QueuedConnection)
        self._previous_hooks = None

    # what callers use -------------------------------------------------------------------
    def info(self, title: str, text: str) -> None:
        self._requested.emit(Message("info", title, text))

    def warning(self, title: str, text: str) -> None:
        self._requested.emit(Message("warning", title, text))

    def error(self, title: str, error: BaseException, tb: str = "") -> None:
        """A FameError shows its one-line reason; anything else is reported as a bug."""
        if isinstance(error, FameError):
            log.info("%s: %s", title, error)
            self._requested.emit(Message("warning", title, str(error)))
            return
        tb = tb or "".join(traceback.format_exception(type(error), error, error.__traceback__))
        log.error("%s: unexpected error\n%s", title, tb)
        where = f" Details were written to {self.log_file}." if self.log_file else ""
        text = (f"An unexpected error occurred: {type(error).__name__}: {error}\n\n"
                f"The window keeps working; your images and results are unchanged.{where}")
        self._requested.emit(Message("error", title, text, tb))

    # global hooks -----------------------------------------------------------------------
    def install_hooks(self) -> None:
        """Route uncaught exceptions (GUI thread and other threads) to `error`."""
        self._previous_hooks = (sys.excepthook, threading.excepthook)
        sys.excepthook = self._excepthook
        threading.excepthook = lambda a: self._excepthook(a.exc_type, a.exc_value, a.exc_traceback)

    def uninstall_hooks(self) -> None:
        if self._previous_hooks is not None:
            sys.excepthook, threading.excepthook = self._previous_hooks
            self._previous_hooks = None

    def _excepthook(self, exc_type, exc, tb) -> None:
        if issubclass(exc_type, KeyboardInterrupt):
            sys.__excepthook__(exc_type, exc, tb)
            return
        text = "".join(traceback.format_exception(exc_type, exc, tb))
        self.error("Unexpected error", exc, text)

    # display ----------------------------------------------------------------------------
    @Slot(object)
    def _show(self, msg: Message) -> None:
        self.shown.append(msg)
        icon = {"info": QMessageBox.Icon.Information, "warning": QMessageBox.Icon.Warning,
                "error": QMessageBox.Icon.Critical}[msg.level]
        box = QMessageBox(icon, msg.title, msg.text, QMessageBox.StandardButton.Ok, self.parent_widget)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        if msg.details:
            box.setDetailedText(msg.details)
        box.finished.connect(lambda _r, b=box: self.open_boxes.remove(b) if b in self.open_boxes else None)
        self.open_boxes.append(box)
        box.open()

    def close_all(self) -> None:
        for box in list(self.open_boxes):
            box.close()
