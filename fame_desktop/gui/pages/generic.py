"""The page of any other task (e.g. a third-party plugin): its inputs, its targets, their maps.

The task's analysis lists what it can explain; the ticked targets (its defaults at first)
run together; the selected one is drawn over its input and its photograph.
"""

from __future__ import annotations

from html import escape

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QListWidget, QListWidgetItem, QWidget

from ..layouts import MUTED, box, quiet, styled_label
from .base import TaskPage
from .input_view import InputMapView


class GenericPage(TaskPage):
    _analysis_shown = None

    def build_centre(self) -> QWidget:
        self.input_views, columns = {}, []
        for slot in self.task.inputs:
            title = QLabel(f"<b>{escape(slot.label)}</b> · model input")
            title.setAlignment(Qt.AlignmentFlag.AlignCenter)
            self.input_views[slot.role] = InputMapView(f"The model input of\n{slot.label.lower()}")
            columns.append((box(title, (self.input_views[slot.role], 1)), 1))
        description = styled_label(self.task.description, MUTED, wrap=True)
        self.targets = QListWidget()
        self.targets.setToolTip("Ticked: explained by the next run; selected: shown")
        self.targets.currentItemChanged.connect(lambda *_: self.render())
        self.targets.itemChanged.connect(lambda *_: self.refresh())
        side = box(description, QLabel("<b>What to explain</b>"), (self.targets, 1))
        return self.columns(box(*columns, row=True), side)

    def _show_analysis(self, analysis) -> None:
        self._analysis_shown = analysis
        with quiet(self.targets):
            self.targets.clear()
            for t in (analysis.targets if analysis is not None else ()):
                item = QListWidgetItem(t.label)
                item.setData(Qt.ItemDataRole.UserRole, t.key)
                item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                item.setCheckState(Qt.CheckState.Checked if t.default else Qt.CheckState.Unchecked)
                self.targets.addItem(item)
            if self.targets.count():
                self.targets.setCurrentRow(0)

    def run_targets(self) -> list:
        a = self.session.analysis
        if a is None:
            return []
        keys = [self.targets.item(i).data(Qt.ItemDataRole.UserRole) for i in range(self.targets.count())
                if self.targets.item(i).checkState() == Qt.CheckState.Checked]
        return [a.target(k) for k in keys]

    def target_blocker(self) -> str:
        return "" if self.run_targets() else "Tick what to explain"

    def render(self) -> None:
        s = self.session
        if s.analysis is not self._analysis_shown:
            self._show_analysis(s.analysis)
        current = self.targets.currentItem()
        key = current.data(Qt.ItemDataRole.UserRole) if current is not None and s.analysis is not None else None
        target = s.analysis.target(key) if key is not None else None
        self.headline.setText(f"<span style='font-size:13pt'>{escape(s.analysis.headline)}</span>" if s.analysis else "")
        for role, view in self.input_views.items():
            inp = s.inputs.get(role)
            if inp is None:
                view.show_input(None)
                self.show_on_photo(role, None, None)
                continue
            m, layer, caption = None, None, ""
            if target is not None and target.role == role:
                m, layer, caption = self.map_shown(key, "not explained yet")
                caption = f"{target.label} · {caption}"
            view.show_input(inp.model_input, None if self.show_original else m, self.controls.alpha(),
                            self.colour_map())
            view.set_badge(caption)
            self.show_on_photo(role, key if m is not None else None, m, layer)
