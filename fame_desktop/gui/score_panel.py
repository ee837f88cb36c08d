"""The comparison's numbers: cosine similarity with the model that produced it, the threshold, and — with a
calibration — the likelihood ratio (gui/evidence_panel.score_line)."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QLabel, QSizePolicy, QWidget

from .elided_label import ElidedLabel
from .layouts import box, push_button, styled_label


class ScorePanel(QWidget):
    threshold_requested = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.score_label = QLabel()
        self.score_label.setTextFormat(Qt.TextFormat.RichText)
        self.model_label = ElidedLabel()
        self.model_label.setTextFormat(Qt.TextFormat.PlainText)  # the model's name is not markup
        self.model_label.setStyleSheet("color: #8a8f98; font-size: 9pt;")
        self.threshold_label = QLabel()
        self.threshold_label.setTextFormat(Qt.TextFormat.RichText)
        self.source_label = ElidedLabel()
        self.source_label.setStyleSheet("color: #8a8f98;")
        self.threshold_button = push_button("Threshold…", self.threshold_requested,
                                            "Set a decision threshold and where it comes from")
        self.setToolTip("The cosine similarity of the two face embeddings. It is a model score, "
                        "not a measure of evidential strength.")
        # the numbers on one row (never cut: the window's minimum width keeps them whole), the
        # buttons below beside the model's name, which gives way first
        self.lr_label = styled_label(name="score_lr")
        self.lr_label.setTextFormat(Qt.TextFormat.RichText)
        self.lr_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.lr_label.hide()
        self._bottom = box((self.model_label, 1), self.threshold_button, row=True, spacing=8)
        box(box(self.score_label, self.threshold_label, (self.source_label, 1), row=True, spacing=16),
            self.lr_label, self._bottom, on=self, margin=(4, 2, 4, 2), spacing=0)
        self.similarity: float | None = None
        self.threshold = None
        self.set_score(None)
        self.set_threshold(None)

    def add_widget(self, widget) -> None:
        """Another control beside Threshold… (e.g. Export report…)."""
        self._bottom.layout().addWidget(widget)

    def set_score(self, similarity: float | None, model_name: str = "", note: str = "") -> None:
        self.similarity = similarity
        if similarity is None:
            self.score_label.setText("<span style='font-size:14pt; color:#8a8f98'>Similarity —</span>")
        else:
            self.score_label.setText(f"<span style='font-size:14pt'>Similarity <b>{similarity:+.4f}</b></span>"
                                     "<span style='color:#8a8f98'> cosine</span>")
        text = (f"Face model: {model_name}. A cosine score is a model output, not a measure of "
                "evidential strength." if model_name else note)
        self.model_label.set_full_text(text)
        self.set_threshold(self.threshold)

    def set_likelihood_ratio(self, text: str, tooltip: str = "") -> None:
        """The LR line (rich text) under the score; hidden when empty (no calibration: the cosine only)."""
        self.lr_label.setText(text)
        self.lr_label.setToolTip(tooltip)
        self.lr_label.setVisible(bool(text))

    def set_threshold(self, threshold) -> None:
        """A session.audit.Threshold (value, source) or None."""
        self.threshold = threshold
        if threshold is None:
            self.threshold_label.setText("<span style='color:#8a8f98'>Threshold: not set</span>")
            self.threshold_label.setToolTip("")
            self.source_label.set_full_text("")
            return
        verdict = ""
        if self.similarity is not None:
            above = self.similarity >= threshold.value
            colour = "#5fd17a" if above else "#ffb547"
            verdict = f" · <b style='color:{colour}'>score {'≥' if above else '&lt;'} threshold</b>"
        self.threshold_label.setText(f"Threshold <b>{threshold.value:+.4f}</b>{verdict}")
        self.source_label.set_full_text(f"· source: {threshold.source}")
        self.threshold_label.setToolTip(f"Threshold {threshold.value:+.4f}\nSource: {threshold.source}")
