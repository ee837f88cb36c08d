"""The page of any other task (e.g. a third-party plugin): its inputs, its targets, their maps.

The task's analysis lists what it can explain; the ticked targets (its defaults at
first) run together; the selected one is drawn over its input and its photograph.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QListWidget, QListWidgetItem, QVBoxLayout, QWidget

from .input_view import InputMapView
from .task_page import TaskPage


class GenericTaskPage(TaskPage):
    def build_centre(self) -> QWidget:
        box = QWidget()
        row = QHBoxLayout(box)
        row.setContentsMargins(0, 0, 0, 0)
        self.input_views = {}
        for slot in self.task.inputs:
            col = QVBoxLayout()
            title = QLabel(f"<b>{slot.label}</b> · model input")
            title.setAlignment(Qt.AlignmentFlag.AlignCenter)
            self.input_views[slot.role] = InputMapView(f"The model input of\n{slot.label.lower()}")
            col.addWidget(title)
            col.addWidget(self.input_views[slot.role], 1)
            row.addLayout(col, 1)
        return box

    def build_side(self) -> QWidget:
        box = QWidget()
        lay = QVBoxLayout(box)
        lay.setContentsMargins(0, 0, 0, 0)
        description = QLabel(self.task.description)
        description.setWordWrap(True)
        description.setStyleSheet("color: #b9bec7;")
        self.targets = QListWidget()
        self.targets.setToolTip("Ticked: explained by the next run; selected: shown")
        self.targets.currentItemChanged.connect(lambda *_: self.render())
        lay.addWidget(description)
        lay.addWidget(QLabel("<b>What to explain</b>"))
        lay.addWidget(self.targets, 1)
        return box

    def on_analysis(self, prepared) -> None:
        self.targets.clear()
        for t in prepared.analysis.targets:
            item = QListWidgetItem(t.label)
            item.setData(Qt.ItemDataRole.UserRole, t.key)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if t.default else Qt.CheckState.Unchecked)
            self.targets.addItem(item)
        if self.targets.count():
            self.targets.setCurrentRow(0)

    def run_targets(self) -> list:
        if self.prepared is None:
            return []
        keys = [self.targets.item(i).data(Qt.ItemDataRole.UserRole) for i in range(self.targets.count())
                if self.targets.item(i).checkState() == Qt.CheckState.Checked]
        return [self.prepared.analysis.target(k) for k in keys]

    def render(self) -> None:
        p = self.prepared
        current = self.targets.currentItem()
        key = current.data(Qt.ItemDataRole.UserRole) if current is not None and p is not None else None
        target = p.analysis.target(key) if key is not None else None
        self.headline.setText(f"<span style='font-size:13pt'>{p.analysis.headline}</span>" if p else "")
        for role, view in self.input_views.items():
            if p is None:
                view.show_input(None)
                self.show_on_photo(role, None)
                continue
            m, caption = None, ""
            if target is not None and target.role == role:
                preview = self.preview
                if preview is not None and key in preview.payload:
                    m, caption = preview.payload[key], f"live preview · iteration {preview.iteration}"
                elif (m := self.map_of(key)) is not None:
                    caption = "result"
                else:
                    caption = "not explained yet"
                caption = f"{target.label} · {caption}"
            view.show_input(p.inputs[role].model_input, None if self.show_original else m,
                            self.controls.alpha(), self.cmap)
            view.set_badge(caption)
            self.show_on_photo(role, m)
