"""Help ▸ Plugins…: every plugin (entry point group fame_desktop.plugins), its status, tasks and methods.

A broken plugin shows its one-line reason; its traceback is one click away (expand the
row, or select it to read it below). The app works without the broken ones.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QFontDatabase, QGuiApplication
from PySide6.QtWidgets import (
    QDialog, QDialogButtonBox, QHeaderView, QPlainTextEdit, QPushButton, QSplitter, QTreeWidget, QTreeWidgetItem,
)

from .layouts import GREY, box, styled_label

COLUMNS = ("Plugin", "Distribution", "Status", "Tasks and methods / error")
OK, BROKEN = QColor("#5fd17a"), QColor("#ff7070")


class PluginsDialog(QDialog):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.setWindowTitle("Plugins")
        self.resize(900, 520)
        self.summary = styled_label("Looking for plugins…", wrap=True)
        self.tree = QTreeWidget()
        self.tree.setObjectName("plugins")
        self.tree.setColumnCount(len(COLUMNS))
        self.tree.setHeaderLabels(list(COLUMNS))
        self.tree.setRootIsDecorated(True)
        self.tree.setAlternatingRowColors(True)
        header = self.tree.header()
        for c in range(3):
            header.setSectionResizeMode(c, QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.details = QPlainTextEdit()
        self.details.setReadOnly(True)
        self.details.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.details.setPlaceholderText("Select a plugin to see where it comes from (and, if broken, why).")
        self.tree.currentItemChanged.connect(self._selected)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.tree)
        split.addWidget(self.details)
        split.setSizes([300, 180])
        note = styled_label("Plugins are Python packages declaring an entry point in the group "
                            "<code>fame_desktop.plugins</code> (see docs/plugins.md). A broken plugin is left out; "
                            "the other plugins and the app work. <code>fame plugins -v</code> lists the same.",
                            GREY, wrap=True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.copy = QPushButton("Copy details")
        self.copy.clicked.connect(lambda: QGuiApplication.clipboard().setText(self.details.toPlainText()))
        buttons.addButton(self.copy, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.close)
        box(self.summary, (split, 1), note, buttons, on=self, margin=11)  # a window's own margin (Fusion)
        self.catalogue = None

    def set_catalogue(self, catalogue) -> None:
        self.catalogue = catalogue
        self.tree.clear()
        registry = catalogue.registry
        for p in registry.plugins:
            broken = p.status != "ok"
            titles = []
            for key in p.tasks:
                entry = catalogue.entries.get(key)
                titles.append(f"{entry.task.title} ({key})" if entry else key)
            titles += [f"method {registry.methods[k].title} ({k})" if k in registry.methods else f"method {k}"
                       for k in p.methods]
            item = QTreeWidgetItem([p.name, p.distribution, "BROKEN" if broken else "ok",
                                    p.error if broken else ", ".join(titles)])
            item.setData(0, Qt.ItemDataRole.UserRole, p)
            item.setForeground(2, BROKEN if broken else OK)
            item.setToolTip(3, p.error if broken else p.value)
            if broken:
                tb = QTreeWidgetItem(["traceback", "", "", p.details.strip().splitlines()[-1] if p.details else ""])
                tb.setData(0, Qt.ItemDataRole.UserRole, p)
                tb.setToolTip(3, p.details)
                item.addChild(tb)
            for key in p.tasks:
                entry = catalogue.entries.get(key)
                if entry is not None and entry.error:
                    item.addChild(QTreeWidgetItem(["", "", "unusable", f"{key}: {entry.error}"]))
            self.tree.addTopLevelItem(item)
        n, bad = len(registry.plugins), len(registry.broken)
        tasks, methods = len(registry.tasks), len(registry.methods)
        self.summary.setText(f"{n} plugin{'s' if n != 1 else ''}, {tasks} task{'s' if tasks != 1 else ''}, "
                             f"{methods} explanation method{'s' if methods != 1 else ''}"
                             + (f" — <b style='color:#ff7070'>{bad} broken</b>" if bad else " — all working"))
        for i in range(self.tree.topLevelItemCount()):  # a broken plugin is the one worth reading first
            if self.tree.topLevelItem(i).data(0, Qt.ItemDataRole.UserRole).status != "ok":
                self.tree.setCurrentItem(self.tree.topLevelItem(i))
                break

    def _selected(self, item, _previous=None) -> None:
        if item is None:
            self.details.clear()
            return
        p = item.data(0, Qt.ItemDataRole.UserRole)
        if p is None:
            return
        lines = [f"entry point  {p.name} = {p.value}", f"distribution {p.distribution}", f"status       {p.status}"]
        if p.status != "ok":
            lines += [f"error        {p.error}", "", p.details.rstrip()]
        else:
            lines += [f"tasks        {', '.join(p.tasks) or '–'}", f"methods      {', '.join(p.methods) or '–'}"]
        self.details.setPlainText("\n".join(lines))

    def rows(self) -> list[tuple[str, str, str, str]]:
        """The table as text (tests, screenshots)."""
        return [tuple(self.tree.topLevelItem(i).text(c) for c in range(len(COLUMNS)))
                for i in range(self.tree.topLevelItemCount())]
