"""A neutral dark theme (Fusion): photographs are judged against a dark, colourless surround."""

from __future__ import annotations

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication, QToolButton

_applied = False


def apply_theme(app: QApplication) -> None:
    global _applied
    if _applied:
        return
    _applied = True
    app.setStyle("Fusion")
    p = QPalette()
    base, window, text = QColor(37, 38, 41), QColor(45, 47, 51), QColor(222, 224, 228)
    for role, colour in [
        (QPalette.ColorRole.Window, window), (QPalette.ColorRole.WindowText, text),
        (QPalette.ColorRole.Base, base), (QPalette.ColorRole.AlternateBase, window),
        (QPalette.ColorRole.ToolTipBase, QColor(25, 26, 28)), (QPalette.ColorRole.ToolTipText, text),
        (QPalette.ColorRole.Text, text), (QPalette.ColorRole.Button, QColor(56, 58, 63)),
        (QPalette.ColorRole.ButtonText, text), (QPalette.ColorRole.BrightText, QColor(255, 90, 90)),
        (QPalette.ColorRole.Highlight, QColor(61, 139, 253)), (QPalette.ColorRole.HighlightedText, QColor(255, 255, 255)),
        (QPalette.ColorRole.Link, QColor(110, 170, 255)), (QPalette.ColorRole.PlaceholderText, QColor(130, 134, 140)),
    ]:
        p.setColor(role, colour)
    for role in (QPalette.ColorRole.WindowText, QPalette.ColorRole.Text, QPalette.ColorRole.ButtonText):
        p.setColor(QPalette.ColorGroup.Disabled, role, QColor(120, 123, 128))
    app.setPalette(p)

# tool buttons that act as a choice (e+ / e− / none, selected cell / all cells): the chosen one stands out
# while the choice applies (disabled, e.g. while originals are shown, nothing is highlighted)
CHOICE_BUTTON_STYLE = ("QToolButton { padding: 2px 8px; } QToolButton:checked:enabled { background: #3d8bfd; color: white; "
                       "border: 1px solid #6aa5ff; border-radius: 3px; }")


def choice_button(text: str, tip: str, name: str = "") -> QToolButton:
    """A checkable tool button in CHOICE_BUTTON_STYLE (its group makes the choice exclusive)."""
    b = QToolButton()
    b.setText(text)
    b.setToolTip(tip)
    b.setCheckable(True)
    b.setStyleSheet(CHOICE_BUTTON_STYLE)
    if name:
        b.setObjectName(name)
    return b
