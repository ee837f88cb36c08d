"""FAME and model parameters (METHOD.md defaults), persisted in the app settings.

Built once the engine has imported the core (FameParams and the model registry live
next to torch), so the window can appear before torch is loaded.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox, QFileDialog, QFormLayout, QHBoxLayout, QLabel, QLineEdit, QPushButton, QSpinBox, QVBoxLayout, QWidget,
)

from .fame_form import FameForm

DEFAULT_PREVIEW_EVERY = 1  # snapshots are cheap; the worker limits how often they are drawn
DEVICES = (("auto", "auto (CUDA → MPS → CPU)"), ("cpu", "CPU"), ("cuda", "CUDA GPU"), ("mps", "Apple MPS"))


class ParamsPanel(QWidget):
    params_changed = Signal()
    model_changed = Signal()

    def __init__(self, settings, parent=None):
        super().__init__(parent)
        self.settings = settings
        self.ready = False
        self._lay = QVBoxLayout(self)
        self._waiting = QLabel("Starting the compute engine (torch, face detector)…")
        self._waiting.setWordWrap(True)
        self._lay.addWidget(self._waiting)
        self._lay.addStretch(1)

    # built when the core is importable ---------------------------------------------------
    def build(self) -> None:
        from ..core.models.registry import DEFAULT_FACE_MODEL, FACE_MODELS

        self._models = FACE_MODELS
        s = self.settings
        self._waiting.hide()
        form = QFormLayout()
        self.model = QComboBox()
        for key, spec in FACE_MODELS.items():
            self.model.addItem(spec.display_name, key)
        self.model.setCurrentIndex(max(0, self.model.findData(s.get("model/key", DEFAULT_FACE_MODEL))))
        self.checkpoint = QLineEdit(s.get("model/checkpoint", ""))
        self.checkpoint.setPlaceholderText("AdaFace .ckpt or state dict")
        self.browse = QPushButton("Browse…")
        self.browse.clicked.connect(self._browse)
        ck = QHBoxLayout()
        ck.addWidget(self.checkpoint, 1)
        ck.addWidget(self.browse)
        self.licence = QLabel()
        self.licence.setWordWrap(True)
        self.licence.setStyleSheet("color: #b9bec7; font-size: 9pt;")
        self.device = QComboBox()
        for key, label in DEVICES:
            self.device.addItem(label, key)
        self.device.setCurrentIndex(max(0, self.device.findData(s.get("model/device", "auto"))))
        self.model_status = QLabel("")
        self.model_status.setWordWrap(True)

        self.fame = FameForm(s)
        # the fields, under the names the rest of the window (and its tests) use
        f = self.fame
        self.preset, self.iterations, self.step, self.epsilon = f.preset, f.iterations, f.step, f.epsilon
        self.converge, self.window, self.clamp, self.detach = f.converge, f.window, f.clamp, f.detach
        self.preview = QSpinBox()
        self.preview.setRange(1, 1000)
        self.preview.setValue(s.get("fame/preview_every", DEFAULT_PREVIEW_EVERY))
        self.preview.setToolTip("Take a live snapshot of the maps every this many iterations; the window shows "
                                "at most about 3 a second")
        self.defaults = QPushButton("Restore defaults")
        self.defaults.clicked.connect(self.restore_defaults)

        form.addRow("Face model", self.model)
        form.addRow("Checkpoint", ck)
        form.addRow("", self.licence)
        form.addRow("Device", self.device)
        form.addRow("", self.model_status)
        self._lay.insertLayout(0, form)
        self._lay.insertWidget(1, self.fame)
        preview = QFormLayout()
        preview.addRow("Preview every", self.preview)
        self._lay.insertLayout(2, preview)
        self._lay.insertWidget(3, self.defaults)

        self.fame.changed.connect(self.params_changed)
        self.preview.valueChanged.connect(self._changed)
        self.model.currentIndexChanged.connect(self._model_changed)
        self.device.currentIndexChanged.connect(self._model_changed)
        self.checkpoint.editingFinished.connect(self._model_changed)
        self.ready = True
        self._show_licence()

    # values -----------------------------------------------------------------------------
    def fame_params(self):
        """FameParams from the form; ValueError with a readable reason when a value is bad."""
        return self.fame.params(snapshot_every=self.preview.value())

    def model_choice(self) -> tuple[str, str | None, str]:
        key = self.model.currentData()
        ckpt = self.checkpoint.text().strip() or None
        return key, (ckpt if self._models[key].needs_checkpoint else None), self.device.currentData()

    def model_spec(self):
        return self._models[self.model.currentData()]

    def restore_defaults(self) -> None:
        self.preview.setValue(DEFAULT_PREVIEW_EVERY)
        self.fame.restore_defaults()

    def set_model_status(self, text: str) -> None:
        if self.ready:
            self.model_status.setText(text)

    # persistence ------------------------------------------------------------------------
    def _changed(self, *_):
        self.settings.set("fame/preview_every", self.preview.value())
        self.params_changed.emit()

    def _model_changed(self, *_):
        key, _ckpt, device = self.model_choice()
        self.settings.set("model/key", key)
        self.settings.set("model/checkpoint", self.checkpoint.text().strip())
        self.settings.set("model/device", device)
        self._show_licence()
        self.model_changed.emit()

    def _show_licence(self) -> None:
        spec = self.model_spec()
        self.checkpoint.setEnabled(spec.needs_checkpoint)
        self.browse.setEnabled(spec.needs_checkpoint)
        self.licence.setText(f"{spec.description}<br><b>Licence:</b> {spec.licence}")

    def _browse(self) -> None:
        start = str(Path(self.checkpoint.text()).parent) if self.checkpoint.text() else ""
        path, _ = QFileDialog.getOpenFileName(self, "AdaFace checkpoint", start,
                                              "Checkpoints (*.ckpt *.pt *.pth);;All files (*)")
        if path:
            self.checkpoint.setText(path)
            self._model_changed()
