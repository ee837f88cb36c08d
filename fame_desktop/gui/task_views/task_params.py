"""A task mode's parameters: model (with where its weights are), device, the task's options, FAME.

Options are drawn from the task's `OptionSpec`s (choice → list, int → spin box, text →
line); values are checked by the task (`resolve_options`). Everything is remembered per
task under `tasks/<key>/…` in the app settings.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QComboBox, QFileDialog, QFormLayout, QHBoxLayout, QLabel, QLineEdit, QPushButton,
    QSpinBox, QVBoxLayout, QWidget,
)

from ..fame_form import FameForm
from ..params_panel import DEVICES

SNAPSHOT_EVERY = 1  # Δx snapshots every iteration; the worker draws at most ~3 previews a second


class TaskParamsPanel(QWidget):
    model_changed = Signal()
    options_changed = Signal()

    def __init__(self, task, models: list, settings, hidden_options=(), option_visible=None, parent=None):
        super().__init__(parent)
        self.task, self.models, self.settings = task, {m.key: m for m in models}, settings
        self.hidden_options = set(hidden_options)
        self.option_visible = option_visible or (lambda key, model: True)
        self.prefix = f"tasks/{task.key}"
        self.option_widgets: dict[str, QWidget] = {}
        self._option_rows: dict[str, tuple[QLabel, QWidget]] = {}
        s = self._get

        self.model = QComboBox()
        for m in models:
            self.model.addItem(m.name if m.available else f"{m.name} — weights missing", m.key)
            if not m.available:
                self.model.setItemData(self.model.count() - 1, QColor("#9a9ea6"), Qt.ItemDataRole.ForegroundRole)
            self.model.setItemData(self.model.count() - 1, m.status, Qt.ItemDataRole.ToolTipRole)
        self.model.setCurrentIndex(max(0, self.model.findData(s("model", task.default_model))))
        self.weights = QLineEdit()
        self.weights.setPlaceholderText("weights file (.pth / .pt / .ckpt), optional")
        self.browse = QPushButton("Browse…")
        self.browse.clicked.connect(self._browse)
        row = QHBoxLayout()
        row.addWidget(self.weights, 1)
        row.addWidget(self.browse)
        self.model_info = QLabel()
        self.model_info.setWordWrap(True)
        self.model_info.setStyleSheet("color: #b9bec7; font-size: 9pt;")
        self.device = QComboBox()
        for key, label in DEVICES:
            self.device.addItem(label, key)
        self.device.setCurrentIndex(max(0, self.device.findData(s("device", "auto"))))
        self.model_status = QLabel("")
        self.model_status.setWordWrap(True)

        self.fame = FameForm(settings, f"{self.prefix}/fame", with_detach=False,
                             default_preset=task.default_preset, caveats=task.preset_caveats)
        f = self.fame  # the fields, under the names the page (and its tests) use
        self.preset, self.iterations, self.step, self.epsilon = f.preset, f.iterations, f.step, f.epsilon
        self.converge, self.window, self.clamp = f.converge, f.window, f.clamp
        self.defaults = QPushButton("Restore defaults")
        self.defaults.clicked.connect(self.restore_defaults)

        self.form = QFormLayout()
        self.form.addRow("Model", self.model)
        self.form.addRow("Weights", row)
        self.form.addRow("", self.model_info)
        self.form.addRow("Device", self.device)
        self.form.addRow("", self.model_status)
        self.options_form = QFormLayout()
        lay = QVBoxLayout(self)
        lay.addLayout(self.form)
        lay.addWidget(_heading("Task options"))
        lay.addLayout(self.options_form)
        lay.addWidget(_heading("FAME"))
        lay.addWidget(self.fame)
        lay.addWidget(self.defaults)
        lay.addStretch(1)

        self.model.currentIndexChanged.connect(self._model_changed)
        self.device.currentIndexChanged.connect(self._model_changed)
        self.weights.editingFinished.connect(self._model_changed)
        self._show_model_info()
        self.set_model(None)

    # settings ---------------------------------------------------------------------------
    def _get(self, name: str, default, kind=None):
        return self.settings.get(f"{self.prefix}/{name}", default, kind)

    def _set(self, name: str, value) -> None:
        self.settings.set(f"{self.prefix}/{name}", value)

    # model ------------------------------------------------------------------------------
    def model_key(self) -> str:
        return self.model.currentData()

    def model_choice(self) -> tuple[str, str | None, str]:
        key = self.model_key()
        weights = self.weights.text().strip() or None
        return key, (weights if self.models[key].accepts_file else None), self.device.currentData()

    def _model_changed(self, *_):
        self._set("model", self.model_key())
        self._set("device", self.device.currentData())
        if self.sender() is self.weights:
            self._set(f"weights/{self.model_key()}", self.weights.text().strip())
        self._show_model_info()
        self.model_changed.emit()

    def _show_model_info(self) -> None:
        m = self.models[self.model_key()]
        self.weights.blockSignals(True)
        self.weights.setText(self._get(f"weights/{m.key}", "") if m.accepts_file else "")
        self.weights.blockSignals(False)
        self.weights.setEnabled(m.accepts_file)
        self.browse.setEnabled(m.accepts_file)
        where = "" if m.available else "<br><b style='color:#ffb547'>Weights missing:</b> "
        self.model_info.setText(f"{m.status if m.available else ''}{where}{'' if m.available else m.status}"
                                f"<br><b>Licence:</b> {m.licence}")

    def set_model_status(self, text: str) -> None:
        self.model_status.setText(text)

    def _browse(self) -> None:
        start = str(Path(self.weights.text()).parent) if self.weights.text() else ""
        path, _ = QFileDialog.getOpenFileName(self, "Model weights", start,
                                              "Weights (*.pth *.pt *.ckpt);;All files (*)")
        if path:
            self.weights.setText(path)
            self._set(f"weights/{self.model_key()}", path)
            self._model_changed()

    # options ----------------------------------------------------------------------------
    def set_model(self, model) -> None:
        """(Re)build the option fields for a loaded model (choices may depend on it)."""
        while self.options_form.rowCount():
            self.options_form.removeRow(0)
        self.option_widgets.clear()
        for spec in self.task.options(model):
            if spec.key in self.hidden_options:
                continue
            w = self._option_widget(spec)
            label = QLabel(spec.label)
            label.setToolTip(spec.help)
            self.options_form.addRow(label, w)
            self.option_widgets[spec.key] = w
            self._option_rows[spec.key] = (label, w)
            visible = model is None or self.option_visible(spec.key, model)
            label.setVisible(visible)
            w.setVisible(visible)

    def _option_widget(self, spec) -> QWidget:
        stored = self._get(f"options/{spec.key}", None, str)
        if spec.kind == "choice":
            w = QComboBox()
            for c in spec.choices:
                w.addItem(str(c), c)
            w.setCurrentIndex(max(0, w.findText(stored if stored is not None else str(spec.default))))
            w.currentIndexChanged.connect(lambda _i, k=spec.key: self._option_changed(k))
        elif spec.kind == "int":
            w = QSpinBox()
            w.setRange(spec.minimum if spec.minimum is not None else -1_000_000, 1_000_000)
            try:
                w.setValue(int(stored) if stored is not None else int(spec.default))
            except ValueError:
                w.setValue(int(spec.default))
            if spec.key == "chunk":
                w.setSpecialValueText("automatic")
            w.valueChanged.connect(lambda _v, k=spec.key: self._option_changed(k))
        else:
            w = QLineEdit(stored if stored is not None else str(spec.default or ""))
            w.editingFinished.connect(lambda k=spec.key: self._option_changed(k))
        w.setToolTip(spec.help)
        return w

    def _option_changed(self, key: str) -> None:
        self._set(f"options/{key}", str(self._raw(self.option_widgets[key])))
        self.options_changed.emit()

    @staticmethod
    def _raw(w: QWidget):
        if isinstance(w, QComboBox):
            return w.currentData()
        if isinstance(w, QSpinBox):
            return w.value()
        return w.text().strip()

    def option_values(self) -> dict:
        """The values shown (only visible options: the task fills in the rest)."""
        return {k: self._raw(w) for k, w in self.option_widgets.items() if not w.isHidden()}

    # FAME -------------------------------------------------------------------------------
    def fame_params(self):
        """FameParams from the form; ValueError with a readable reason when a value is bad."""
        return self.fame.params(snapshot_every=SNAPSHOT_EVERY)

    def restore_defaults(self) -> None:
        self.fame.restore_defaults()


def _heading(text: str) -> QLabel:
    label = QLabel(f"<b>{text}</b>")
    label.setStyleSheet("margin-top: 8px;")
    return label
