"""ImageNet classification page: the top-5 classes, the class to explain, its map on the input and photograph.

The class to explain is the top-1 of each new photograph; a click in the top-5 table or the
searchable chooser picks any of the 1000 classes. Maps of every class explained so far stay
(for this photograph, model, method and options), so going back to a class shows its map at once.
"""

from __future__ import annotations

from html import escape

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView, QHeaderView, QLabel, QListWidget, QListWidgetItem, QTableWidgetItem, QWidget,
)

from ..actions import make_action
from ..layouts import MUTED, box, fit_rows, push_button, read_only_table, styled_label
from ..methods_window import open_methods_window
from .base import TaskPage
from .class_chooser import ClassChooser
from .input_view import InputMapView

COLUMNS = ("class", "index", "probability", "map")


class ClassificationPage(TaskPage):
    class_index: int | None = None  # the class to explain (top-1 of each new photograph by default)
    _analysis_shown = None  # the analysis the top-5 table shows

    def build_centre(self) -> QWidget:
        self.input_title = QLabel("<b>Model input</b>")
        self.input_title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.input_view = InputMapView("The model input (224×224)\nappears here")
        return self.columns(box(self.input_title, (self.input_view, 1)), self._build_side())

    def _build_side(self) -> QWidget:
        from ...core.models.imagenet import imagenet_categories

        self.top5 = read_only_table(0, list(COLUMNS), "top5")
        self.top5.setWordWrap(False)
        self.top5.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.top5.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        header = self.top5.horizontalHeader()
        header.setStretchLastSection(False)  # the class name takes the room, the figures keep theirs
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for c in range(1, len(COLUMNS)):
            header.setSectionResizeMode(c, QHeaderView.ResizeMode.ResizeToContents)
        self.top5.setToolTip("The model's five most probable classes; click one to explain it")
        self.top5.setFixedHeight(self.top5.horizontalHeader().sizeHint().height() + 2 * self.top5.frameWidth()
                                 + 5 * self.top5.verticalHeader().defaultSectionSize())
        self.top5.cellClicked.connect(lambda row, _c: self.choose_class(self._top5_class(row)))
        self.chooser = ClassChooser(imagenet_categories())
        self.chooser.class_chosen.connect(self.choose_class)
        self.explained = QListWidget()
        self.explained.setToolTip("Classes with a map for this photograph; click one to show it")
        self.explained.itemClicked.connect(lambda item: self.choose_class(item.data(Qt.ItemDataRole.UserRole)))
        self.class_note = styled_label(style=MUTED, wrap=True)
        self.methods_button = push_button("Compare methods, box and metrics…", lambda: open_methods_window(self),
                                          "Every method's map of this class side by side; the object's box; IoU, "
                                          "pointing game, ROAD and deletion curves (Ctrl+M)")
        return box(QLabel("<b>Top-5 predictions</b>"), self.top5, QLabel("<b>Explain class</b> (any of the 1000)"),
                   self.chooser, self.class_note, QLabel("<b>Maps computed</b>"), (self.explained, 2),
                   self.methods_button)

    def page_actions(self) -> list:
        return [make_action(self, "Compare &methods, box and metrics…", lambda _=False: open_methods_window(self),
                            "Ctrl+M", "Every method's map of this class; the object's box; IoU, ROAD, deletion curves")]

    # the class --------------------------------------------------------------------------
    def _top5_class(self, row: int) -> int:
        return self.top5.item(row, 1).data(Qt.ItemDataRole.UserRole)

    def choose_class(self, index: int) -> None:
        self.class_index = int(index)
        self.chooser.set_class(self.class_index)
        self.session.set_view(class_index=self.class_index)
        self.refresh()

    def target_key(self) -> str | None:
        return None if self.class_index is None else f"class_{self.class_index}"

    def run_targets(self) -> list:
        a = self.session.analysis
        if a is None or self.class_index is None:
            return []
        return [self.task.target(a, self.target_key())]

    def target_blocker(self) -> str:
        return "" if self.class_index is not None else "Choose a class to explain"

    def describe_targets(self, targets) -> str:
        if len(targets) > 1:
            return super().describe_targets(targets)
        return f"{targets[0].data['class_name']} ({targets[0].data['class_index']})"

    def _show_analysis(self, analysis) -> None:
        """A new answer of the model: fill the top-5 table; a new photograph explains its own top-1."""
        self._analysis_shown = analysis
        top = analysis.summary["top5"] if analysis is not None else []
        if analysis is not None and self.class_index is None:
            stored = self.session.view.get("class_index")  # a reopened case shows the class it showed
            self.class_index = int(stored) if stored is not None else top[0]["index"]
            self.chooser.set_class(self.class_index)
        self.top5.setRowCount(len(top))
        for row, c in enumerate(top):
            items = [QTableWidgetItem(c["name"]), QTableWidgetItem(str(c["index"])),
                     QTableWidgetItem(f"{c['probability']:.1%}"), QTableWidgetItem("")]
            items[1].setData(Qt.ItemDataRole.UserRole, c["index"])
            items[2].setToolTip(f"probability {c['probability']:.4%}, logit {c['logit']:.3f}")
            items[0].setToolTip(f"{row + 1}. {c['name']}")
            for col, item in enumerate(items):
                if col:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.top5.setItem(row, col, item)
        fit_rows(self.top5)

    def _session_inputs(self, role: str) -> None:
        self.class_index = None  # a new photograph: explain its own top-1
        self.chooser.set_class(None)
        self.session.set_view(class_index=None)
        super()._session_inputs(role)

    # drawing ----------------------------------------------------------------------------
    def render(self) -> None:
        s = self.session
        if s.analysis is not self._analysis_shown:
            self._show_analysis(s.analysis)
        self._render_lists()
        inp = s.inputs.get("image")
        if inp is None or self.inputs.busy():
            self.input_view.show_input(None)
            self.input_view.set_badge("")
            self.show_on_photo("image", None, None)
            self.headline.setText("")
            return
        self.headline.setText(f"<span style='font-size:13pt'>{escape(s.analysis.headline) if s.analysis else ''}</span>"
                              f"<span style='color:#8a8f98'> · {escape(self.model_name())}</span>")
        self.input_title.setText(f"<b>Model input</b> {inp.size}×{inp.size}")
        method = self.method()
        key = self.target_key()
        m, layer, caption = self.map_shown(key, f"no map yet: press Explain with {method.title if method else 'FAME'} "
                                                "(F5)")
        name = self.chooser.currentText()
        shown = None if self.show_original else m
        self.input_view.show_input(inp.model_input, shown, self.controls.alpha(), self.colour_map())
        self.input_view.set_badge("original input (no map)" if self.show_original and m is not None
                                  else f"{name}\n{caption}")
        self.show_on_photo("image", key, m, layer)
        loss = "|z_o|" if s.options.get("variant") == "abs-logit" else "z_o"
        self.class_note.setText(f"Explaining <b>{escape(name)}</b>: L = {loss} (its raw logit); "
                                "change it above or in the top-5 table.")

    def _render_lists(self) -> None:
        r = self.session.result()
        done = set(r.keys) if r is not None else set()
        for row in range(self.top5.rowCount()):
            index = self._top5_class(row)
            self.top5.item(row, 3).setText("✓" if f"class_{index}" in done else "")
            if index == self.class_index:
                self.top5.selectRow(row)
        if self.class_index not in [self._top5_class(row) for row in range(self.top5.rowCount())]:
            self.top5.clearSelection()
        self.explained.clear()
        if r is not None:
            for t in r.targets:
                item = QListWidgetItem(t.label)
                item.setData(Qt.ItemDataRole.UserRole, t.data["class_index"])
                self.explained.addItem(item)
                if t.data["class_index"] == self.class_index:
                    item.setSelected(True)

    def title_detail(self) -> str:
        name = super().title_detail()
        return f"{name} — {self.chooser.currentText()}" if self.class_index is not None else name
