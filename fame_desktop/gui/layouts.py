"""Column and row boxes without margins: the pages' layouts in one call each."""

from __future__ import annotations

from PySide6.QtWidgets import QBoxLayout, QComboBox, QHBoxLayout, QLayout, QVBoxLayout, QWidget


def box(*items, row: bool = False) -> QWidget:
    """A widget with `items` in a column (or a row): a widget, (widget, stretch), a layout, or an int (a stretch)."""
    w = QWidget()
    lay: QBoxLayout = QHBoxLayout(w) if row else QVBoxLayout(w)
    lay.setContentsMargins(0, 0, 0, 0)
    for item in items:
        if isinstance(item, tuple):
            lay.addWidget(*item)
        elif isinstance(item, QLayout):
            lay.addLayout(item)
        elif isinstance(item, int):
            lay.addStretch(item)
        else:
            lay.addWidget(item)
    return w


def compact(combo: QComboBox, chars: int = 12) -> QComboBox:
    """A combo box as narrow as `chars` characters whatever its longest item (a narrow side panel);
    the item shown is elided, and its full text is the tooltip."""
    combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    combo.setMinimumContentsLength(chars)
    combo.currentTextChanged.connect(combo.setToolTip)
    combo.setToolTip(combo.currentText())
    return combo
