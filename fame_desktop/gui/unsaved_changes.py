"""Asking what to do with changes not saved in a case file (session/unsaved.py finds them)."""

from __future__ import annotations

from PySide6.QtWidgets import QMessageBox

from ..session.unsaved import describe
from .dialogs import ask_yes_no


def ask_save_changes(parent, doing: str, unsaved: list[str], run_going: bool = False) -> str:
    """Save / Discard / Cancel before `doing` (e.g. 'opening another case'): 'save', 'discard' or 'cancel'."""
    box = QMessageBox(QMessageBox.Icon.Warning, "Unsaved changes",
                      "This case has changes that are not saved in a case file.", parent=parent)
    run = " The FAME run in progress will be stopped." if run_going else ""
    box.setInformativeText(f"Save them before {doing}?{run}\n\nNot saved: {describe(unsaved)}.")
    box.setStandardButtons(QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard
                           | QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(QMessageBox.StandardButton.Save)
    box.setEscapeButton(QMessageBox.StandardButton.Cancel)
    answer = box.exec()
    return {QMessageBox.StandardButton.Save: "save",
            QMessageBox.StandardButton.Discard: "discard"}.get(QMessageBox.StandardButton(answer), "cancel")


def ask_stop_run(parent, doing: str) -> bool:
    """True when the user agrees to stop a FAME run in progress before `doing`."""
    return ask_yes_no(parent, "Stop the FAME run?",
                      f"FAME is still running. Stop it before {doing}? Its result so far is discarded.")
