"""A page's parameters: model (with where its weights are), device, explanation method and its
parameters, and the task's options — remembered per task under `tasks/<key>/…` in the settings.

Options are drawn from the task's `OptionSpec`s and checked by the task (`resolve_options`);
each method's parameters, with its presets, from its `param_specs` (spec_form.py).
"""

from __future__ import annotations

from html import escape
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QComboBox, QFileDialog, QFormLayout, QLineEdit, QStackedWidget, QWidget,
)

from .layouts import box, compact, push_button, quiet, styled_label
from .spec_form import MethodForm, SpecForm

SMALL = "color: #b9bec7; font-size: 9pt;"
HEADING = "margin-top: 8px;"
DEVICES = (("auto", "auto (CUDA → MPS → CPU)"), ("cpu", "CPU"), ("cuda", "CUDA GPU"), ("mps", "Apple MPS"))


class ParamsPanel(QWidget):
    model_changed = Signal()
    method_changed = Signal(str)
    options_changed = Signal()

    def __init__(self, task, registry, settings, hidden_options=(), parent=None):
        super().__init__(parent)
        self.task, self.registry, self.settings = task, registry, settings
        self.models = {m.key: m for m in task.models()}
        self.hidden = set(hidden_options)
        self.prefix = f"tasks/{task.key}"
        self.methods = registry.methods_for(task)

        self.model = QComboBox()
        for m in self.models.values():
            self.model.addItem(m.name if m.available else f"{m.name} — weights missing", m.key)
            if not m.available:
                self.model.setItemData(self.model.count() - 1, QColor("#9a9ea6"), Qt.ItemDataRole.ForegroundRole)
            self.model.setItemData(self.model.count() - 1, m.status, Qt.ItemDataRole.ToolTipRole)
        self.model.setCurrentIndex(max(0, self.model.findData(self._get("model", task.default_model))))
        self.weights = QLineEdit()
        self.weights.setPlaceholderText("weights or checkpoint file (.pth / .pt / .ckpt)")
        self.browse = push_button("Browse…", self._browse)
        self.model_info = styled_label(style=SMALL, wrap=True)
        self.device = QComboBox()
        for key, label in DEVICES:
            self.device.addItem(label, key)
        self.device.setCurrentIndex(max(0, self.device.findData(self._get("device", "auto"))))
        self.model_status = styled_label(wrap=True)

        self.method = QComboBox()
        for key, m in self.methods.items():
            self.method.addItem(m.title, key)
            self.method.setItemData(self.method.count() - 1, m.description, Qt.ItemDataRole.ToolTipRole)
        self.method.setCurrentIndex(max(0, self.method.findData(self._get("method", "fame"))))
        self.method_info = styled_label(style=SMALL, wrap=True)
        self.forms: dict[str, MethodForm] = {}  # made when a method is first chosen
        self.method_stack = QStackedWidget()
        self.defaults = push_button("Restore defaults", self.restore_defaults)

        for combo in (self.model, self.device, self.method):
            compact(combo)
        form = QFormLayout()
        form.addRow("Model", self.model)
        form.addRow("Weights", box((self.weights, 1), self.browse, row=True))
        form.addRow("", self.model_info)
        form.addRow("Device", self.device)
        form.addRow("", self.model_status)
        self.options_form = SpecForm(settings, f"{self.prefix}/options", lambda _key: self.options_changed.emit())
        methods = QFormLayout()
        methods.addRow("Method", self.method)
        methods.addRow("", self.method_info)
        self.options_heading = styled_label("<b>Task options</b>", HEADING)
        box(form, self.options_heading, self.options_form, styled_label("<b>Explanation</b>", HEADING), methods,
            self.method_stack, self.defaults, 1, on=self, margin=9)

        self.model.currentIndexChanged.connect(self._model_changed)
        self.device.currentIndexChanged.connect(self._model_changed)
        self.weights.editingFinished.connect(self._model_changed)
        self.method.currentIndexChanged.connect(self._method_changed)
        self._show_model_info()
        self._show_method()
        self.set_model(None)

    # settings ---------------------------------------------------------------------------
    def _get(self, name: str, default, kind=None):
        return self.settings.get(f"{self.prefix}/{name}", default, kind)

    def _set(self, name: str, value) -> None:
        self.settings.set(f"{self.prefix}/{name}", value)

    # model ------------------------------------------------------------------------------
    def model_choice(self) -> tuple[str, str | None, str]:
        key = self.model.currentData()
        weights = self.weights.text().strip() or None
        return key, (weights if self.models[key].accepts_file else None), self.device.currentData()

    def _model_changed(self, *_):
        key = self.model.currentData()
        self._set("model", key)
        self._set("device", self.device.currentData())
        if self.sender() is self.weights:
            self._set(f"weights/{key}", self.weights.text().strip())
        self._show_model_info()
        self.model_changed.emit()

    def _show_model_info(self) -> None:
        m = self.models[self.model.currentData()]
        with quiet(self.weights):
            self.weights.setText(self._get(f"weights/{m.key}", "") if m.accepts_file else "")
        self.weights.setEnabled(m.accepts_file)
        self.browse.setEnabled(m.accepts_file)
        missing = "" if m.available else "<br><b style='color:#ffb547'>Weights missing:</b> "
        status = escape(m.status)
        self.model_info.setText(f"{status if m.available else ''}{missing}{'' if m.available else status}"
                                f"<br><b>Licence:</b> {escape(m.licence)}")

    def _browse(self) -> None:
        start = str(Path(self.weights.text()).parent) if self.weights.text() else ""
        path, _ = QFileDialog.getOpenFileName(self, "Model weights or checkpoint", start,
                                              "Weights (*.pth *.pt *.ckpt);;All files (*)")
        if path:
            self.weights.setText(path)
            self._set(f"weights/{self.model.currentData()}", path)
            self._model_changed()

    # task options -----------------------------------------------------------------------
    def set_model(self, model) -> None:
        """(Re)build the option fields for a loaded model (choices may depend on it)."""
        specs = [s for s in self.task.options(model) if s.key not in self.hidden]
        self.options_form.build(specs, lambda key: model is None or self.task.option_applies(key, model))
        self.options_heading.setVisible(bool(specs))

    def option_values(self) -> dict:
        return self.options_form.values()

    # method -----------------------------------------------------------------------------
    def method_key(self) -> str:
        return self.method.currentData() or "fame"

    def _method_changed(self, *_):
        self._set("method", self.method_key())
        self._show_method()
        self.method_changed.emit(self.method_key())

    def _show_method(self) -> None:
        m = self.methods.get(self.method_key())
        if m is None:
            return
        self.method_info.setText(m.description)
        self.method_stack.setCurrentWidget(self.form_of(m.key))

    def form_of(self, key: str) -> MethodForm:
        """The parameter form of method `key` (each method keeps its own values)."""
        if key not in self.forms:
            self.forms[key] = MethodForm(self.methods[key], self.task, self.settings, f"{self.prefix}/{key}")
            self.method_stack.addWidget(self.forms[key])
        return self.forms[key]

    @property
    def form(self) -> MethodForm:
        """The chosen method's parameter form."""
        return self.form_of(self.method_key())

    def method_params(self):
        """The chosen method's parameters from its form, set for live previews; ValueError with a readable reason."""
        return self.methods[self.method_key()].with_live_previews(self.form.params())

    def restore_defaults(self) -> None:
        self.form.restore_defaults()

    # a session's choices (a reopened case) ----------------------------------------------
    def show_session(self, session) -> None:
        """Show what `session` chose: model, weights, device, method, its parameters, the task options."""
        with quiet(self.model, self.device, self.weights, self.method):
            self.model.setCurrentIndex(max(0, self.model.findData(session.model_key)))
            self._show_model_info()
            if session.weights:
                self.weights.setText(session.weights)
            self.device.setCurrentIndex(max(0, self.device.findData(session.device)))
            self.method.setCurrentIndex(max(0, self.method.findData(session.method)))
        self._show_method()
        params = session.params.get(session.method)
        if params is not None and session.method in self.methods:
            self.form.set_params(params)
        self.options_form.show_values({k: v for k, v in session.options.items() if k not in self.hidden})
