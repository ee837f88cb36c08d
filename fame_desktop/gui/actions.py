"""QAction with its shortcut(s) and tips in one call (the shell's menus, the pages' own actions), and menus
and toolbars filled in one call."""

from __future__ import annotations

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMenu


def make_action(parent, text: str, slot, shortcut=None, tip: str = "", checkable: bool = False) -> QAction:
    """A QAction with its shortcut(s), tool and status tip, connected to `slot`."""
    act = QAction(text, parent)
    if shortcut is not None:
        act.setShortcuts(shortcut if isinstance(shortcut, list) else [QKeySequence(shortcut)])
    if tip:
        act.setToolTip(tip)
        act.setStatusTip(tip)
    act.setCheckable(checkable)
    act.triggered.connect(slot)
    return act


def add_actions(widget, *items) -> None:
    """Add to a menu or toolbar, in order: actions, submenus, and None for a separator."""
    for item in items:
        if item is None:
            widget.addSeparator()
        elif isinstance(item, QMenu):
            widget.addMenu(item)
        else:
            widget.addAction(item)
