"""Choosing any of the ImageNet classes: a list you can type into, matching anywhere in the name.

"cat" finds tabby cat, tiger cat, Persian cat, …; a bare number ("285") picks that index.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QComboBox, QCompleter


class ClassChooser(QComboBox):
    class_chosen = Signal(int)  # class index

    def __init__(self, names, parent=None):
        super().__init__(parent)
        self.setEditable(True)
        self.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.setMaxVisibleItems(20)
        for i, name in enumerate(names):
            self.addItem(f"{name} ({i})", i)
        self.setCurrentIndex(-1)  # no class until a photograph's top-1 (or the user) chooses one
        completer = QCompleter(self.model(), self)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        self.setCompleter(completer)
        self.lineEdit().setPlaceholderText(f"type to search {len(names)} classes")
        self.setToolTip("The class to explain: any of the ImageNet classes (type part of a name, or an index)")
        completer.activated[str].connect(self._text_chosen)
        self.activated.connect(lambda i: self._emit(self.itemData(i)))
        self.lineEdit().returnPressed.connect(lambda: self._text_chosen(self.currentText()))

    def set_class(self, index: int) -> None:
        """Show `index` (None: no class) without emitting class_chosen."""
        self.blockSignals(True)
        self.setCurrentIndex(-1 if index is None else self.findData(index))
        self.blockSignals(False)

    def current_class(self) -> int | None:
        return self.currentData()

    def _text_chosen(self, text: str) -> None:
        text = text.strip()
        i = self.findText(text, Qt.MatchFlag.MatchFixedString)
        if i < 0 and text.isdigit() and 0 <= int(text) < self.count():
            i = int(text)
        if i < 0:  # the first class containing the text
            i = self.findText(text, Qt.MatchFlag.MatchContains)
        if i >= 0:
            self.setCurrentIndex(i)
            self._emit(self.itemData(i))

    def _emit(self, index) -> None:
        if index is not None:
            self.class_chosen.emit(int(index))
