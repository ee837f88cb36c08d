"""The widgets every page and panel builds the same way, in one call each: boxes without margins,
labels with their look, buttons, read-only tables, compact combo boxes, and showing values quietly."""

from __future__ import annotations

from contextlib import contextmanager

from PySide6.QtWidgets import (
    QAbstractItemView, QBoxLayout, QComboBox, QHBoxLayout, QLabel, QLayout, QPushButton, QTableWidget, QVBoxLayout,
    QWidget,
)

GREY = "color: #8a8f98;"  # hints and secondary text
MUTED = "color: #b9bec7;"  # details next to a value


def box(*items, row: bool = False, on: QWidget | None = None, margin: int | tuple = 0,
        spacing: int | None = None) -> QWidget:
    """`on` (default: a new widget) with `items` in a column (or a row) `margin` pixels from its edges
    (or left, top, right, bottom), `spacing` apart (default: the style's): a widget, (widget, stretch),
    a layout, or an int (a stretch)."""
    w = on if on is not None else QWidget()
    lay: QBoxLayout = QHBoxLayout(w) if row else QVBoxLayout(w)
    lay.setContentsMargins(*(margin if isinstance(margin, tuple) else (margin,) * 4))
    if spacing is not None:
        lay.setSpacing(spacing)
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


def styled_label(text: str = "", style: str = "", wrap: bool = False, name: str = "") -> QLabel:
    """A QLabel with its style sheet (e.g. GREY), word wrap and object name."""
    w = QLabel(text)
    if style:
        w.setStyleSheet(style)
    w.setWordWrap(wrap)
    if name:
        w.setObjectName(name)
    return w


def push_button(text: str, slot, tip: str = "") -> QPushButton:
    """A QPushButton with its tooltip, its clicks going to `slot`."""
    b = QPushButton(text)
    b.setToolTip(tip)
    b.clicked.connect(slot)
    return b


def read_only_table(rows: int, headers: list[str], name: str = "") -> QTableWidget:
    """A table the user reads, not edits: no row numbers, the last column stretched."""
    t = QTableWidget(rows, len(headers))
    t.setHorizontalHeaderLabels(headers)
    t.verticalHeader().hide()
    t.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    t.horizontalHeader().setStretchLastSection(True)
    if name:
        t.setObjectName(name)
    return t


def fit_rows(t: QTableWidget) -> None:
    """Tall enough for every row: the panel around it scrolls, not the table."""
    t.resizeRowsToContents()
    t.setFixedHeight(t.horizontalHeader().height() + 2 * t.frameWidth()
                     + sum(t.rowHeight(r) for r in range(t.rowCount())))


@contextmanager
def quiet(*widgets):
    """Change `widgets` without their signals firing: showing a value is not the user's edit."""
    was = [w.blockSignals(True) for w in widgets]
    try:
        yield
    finally:
        for w, blocked in zip(widgets, was):
            w.blockSignals(blocked)
