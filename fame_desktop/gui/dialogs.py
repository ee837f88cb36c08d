"""Small dialogs: the decision threshold (value + mandatory source), About (versions), a yes / no question."""

from __future__ import annotations

import platform
import sys
from html import escape

from PySide6.QtWidgets import (
    QDialog, QDialogButtonBox, QDoubleSpinBox, QFormLayout, QLabel, QLineEdit, QMessageBox, QPushButton,
    QVBoxLayout,
)

from .. import __version__
from .app_icon import app_icon


class ThresholdDialog(QDialog):
    """Edit a threshold. result_threshold after accept(): (value, source), or None to clear it."""

    def __init__(self, current=None, parent=None):
        super().__init__(parent)
        self.setWindowTitle("Decision threshold")
        self.value = QDoubleSpinBox()
        self.value.setRange(-1.0, 1.0)
        self.value.setDecimals(4)
        self.value.setSingleStep(0.01)
        self.value.setValue(current.value if current else 0.3)
        self.source = QLineEdit(current.source if current else "")
        self.source.setPlaceholderText("e.g. EER on the lab's validation set, 2024-03 (n = 6000 pairs)")
        self.source.setMinimumWidth(380)
        note = QLabel("A cosine score is not evidence strength: a threshold is only meaningful with "
                      "where it comes from (data set, procedure, who set it). The source is required.")
        note.setWordWrap(True)
        form = QFormLayout()
        form.addRow("Cosine threshold", self.value)
        form.addRow("Source", self.source)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.clear_button = QPushButton("Clear threshold")
        self.buttons.addButton(self.clear_button, QDialogButtonBox.ButtonRole.ResetRole)
        self.clear_button.setEnabled(current is not None)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.clear_button.clicked.connect(self._clear)
        self.source.textChanged.connect(self._validate)
        lay = QVBoxLayout(self)
        lay.addLayout(form)
        lay.addWidget(note)
        lay.addWidget(self.buttons)
        self.result_threshold: tuple[float, str] | None = None
        self.cleared = False
        self._validate()

    def _validate(self) -> None:
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(bool(self.source.text().strip()))

    def _clear(self) -> None:
        self.cleared = True
        self.result_threshold = None
        self.accept()

    def accept(self) -> None:
        if not self.cleared:
            self.result_threshold = (round(self.value.value(), 6), self.source.text().strip())
        super().accept()


def ask_yes_no(parent, title: str, text: str) -> bool:
    """A question answered Yes (True) or No, No the default: nothing is replaced or lost by pressing Enter."""
    answer = QMessageBox.question(parent, title, text, QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                                  QMessageBox.StandardButton.No)
    return answer == QMessageBox.StandardButton.Yes


def versions(model_info: dict | None = None, device: str = "") -> list[tuple[str, str]]:
    """(name, version) rows for the About box; torch only if already imported (no slow import)."""
    import numpy
    import PySide6
    import pyqtgraph

    from ..core.source_revision import source_revision

    rev = source_revision()
    rows = [("fame-desktop", __version__ + (f" ({rev})" if rev else "")),
            ("Python", platform.python_version()), ("Qt / PySide6", PySide6.__version__),
            ("pyqtgraph", pyqtgraph.__version__), ("NumPy", numpy.__version__)]
    torch = sys.modules.get("torch")
    rows.append(("torch", torch.__version__ if torch else "not loaded yet"))
    cv2 = sys.modules.get("cv2")
    if cv2 is not None:
        rows.append(("OpenCV", cv2.__version__))
    rows.append(("Platform", platform.platform()))
    if device:
        rows.append(("Device", device))
    if model_info:
        rows.append(("Face model", f"{model_info.get('name')} — {model_info.get('input_convention')}"))
        rows.append(("Model licence", model_info.get("licence", "")))
    return rows


def show_about(parent, model_info: dict | None = None, device: str = "") -> QMessageBox:
    rows = "".join(f"<tr><td><b>{escape(k)}</b></td><td>{escape(str(v))}</td></tr>" for k, v in versions(model_info, device))
    box = QMessageBox(parent)
    box.setWindowTitle("About fame-desktop")
    box.setIconPixmap(app_icon().pixmap(64, 64))
    box.setText("<h3>fame-desktop</h3><p>Forensic face comparison review with FAME "
                "(Feature Activation Map Explanation, Zhang &amp; Günther).</p>"
                f"<table cellspacing='4'>{rows}</table>"
                "<p>The maps explain the model's behaviour, not identity. Decisions rest on the "
                "original, unprocessed images.</p>")
    box.open()
    return box
