"""The examiner's part of the Evidence tab: the FISWG component checklist and the conclusion with its sign-off
and ACE-V verification. The tool fills in nothing: every entry is the examiner's, and each lands in the
session's audit log (session/model.py: assess_component, edit_conclusion, sign_off_conclusion,
verify_conclusion)."""

from __future__ import annotations

from datetime import date
from html import escape

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QCheckBox, QComboBox, QFormLayout, QLabel, QLineEdit, QPlainTextEdit, QTableWidget,
    QTableWidgetItem, QWidget,
)

from ..core.evidence.conclusion import Conclusion
from ..core.evidence.face_regions import REGION_LABELS
from ..core.evidence.fiswg import ASSESSMENT_LABELS, ASSESSMENTS, COMPONENTS, RELATED_REGION
from ..core.evidence.verbal_scale import VERBAL_CHOICES, parse_choice
from ..session import evidence
from .layouts import GREY, box, push_button, styled_label

STATUS = {"draft": "Draft — not signed", "signed": "Signed", "revised": "Edited after the last sign-off:<br>the "
          "draft is not signed"}


def _today() -> str:
    return date.today().isoformat()


class ChecklistTable(QWidget):
    """One row per FISWG component: the examiner's assessment, notes, and the map region shown beside it."""

    def __init__(self, panel):
        super().__init__()
        self.panel = panel
        self.table = QTableWidget(len(COMPONENTS), 3)  # the notes column is the examiner's to edit
        self.table.setObjectName("fiswg_checklist")
        self.table.setHorizontalHeaderLabels(["Component", "Assessment", "Notes"])
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setStretchLastSection(True)
        self.combos: dict[str, QComboBox] = {}
        for row, (key, label) in enumerate(COMPONENTS):
            item = QTableWidgetItem(label)
            item.setFlags(Qt.ItemFlag.ItemIsEnabled)
            region = RELATED_REGION.get(key)
            item.setToolTip(f"Map region beside it: {REGION_LABELS[region]}" if region else "")
            self.table.setItem(row, 0, item)
            combo = QComboBox()
            for a in (None, *ASSESSMENTS):
                combo.addItem(ASSESSMENT_LABELS[a], a)
            combo.currentIndexChanged.connect(lambda _i, k=key: self._assessed(k))
            self.combos[key] = combo
            self.table.setCellWidget(row, 1, combo)
            self.table.setItem(row, 2, QTableWidgetItem(""))
        self.table.itemChanged.connect(self._notes_changed)
        self.table.resizeColumnToContents(0)
        self.table.setColumnWidth(1, max(c.sizeHint().width() for c in self.combos.values()))
        self.counts = styled_label(style=GREY)
        box((self.table, 1), self.counts,
            styled_label("Filled in by the examiner: the software assesses no component.", GREY, wrap=True),
            on=self, margin=2)
        self._rendering = False

    def render(self, session) -> None:
        self._rendering = True
        checklist = session.evidence.record.checklist
        for row, (key, _) in enumerate(COMPONENTS):
            entry = checklist.item(key)
            combo = self.combos[key]
            combo.setCurrentIndex(0 if entry.assessment is None else combo.findData(entry.assessment))
            if self.table.item(row, 2).text() != entry.notes:
                self.table.item(row, 2).setText(entry.notes)
        c = checklist.counts()
        self.counts.setText(f"{c['similar']} similar, {c['dissimilar']} dissimilar, {c['not_assessable']} not "
                            f"assessable, {c['unassessed']} not yet assessed")
        self._rendering = False

    def _assessed(self, key: str) -> None:
        if not self._rendering:
            s = self.panel.session
            self.panel.act("Cannot record the assessment",
                           lambda: s.assess_component(key, self.combos[key].currentData()))

    def _notes_changed(self, item: QTableWidgetItem) -> None:
        if self._rendering or item.column() != 2:
            return
        key = COMPONENTS[item.row()][0]
        s = self.panel.session
        self.panel.act("Cannot record the notes", lambda: s.assess_component(
            key, s.evidence.record.checklist.item(key).assessment, item.text()))


class ConclusionForm(QWidget):
    """The examiner's conclusion (text and an optional verbal-scale choice), the sign-off and its revisions,
    and the reviewer's verification of the latest revision."""

    def __init__(self, panel):
        super().__init__()
        self.panel = panel
        # line breaks of their own, no word wrap: a wrapped label in a scrolled section would be cut short
        self.status = styled_label(name="conclusion_status")
        self.verbal = QComboBox()
        self.verbal.addItem("(no verbal-scale choice)", None)
        for key in VERBAL_CHOICES:
            self.verbal.addItem(parse_choice(key).text, key)
        self.verbal.setToolTip("ENFSI verbal scale; the examiner's choice, independent of any calibrated LR")
        self.verbal.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.verbal.setMinimumContentsLength(10)
        self.text = QPlainTextEdit()
        self.text.setObjectName("conclusion_text")
        self.text.setPlaceholderText("The examiner's conclusion, in the examiner's words")
        self.text.setMinimumHeight(90)
        self.text.setMaximumHeight(200)
        self._text_timer = QTimer(self, singleShot=True, interval=1000)  # one log entry per pause in typing
        self._text_timer.timeout.connect(self.commit)
        self.text.textChanged.connect(lambda: self._rendering or self._text_timer.start())
        self.examiner = QLineEdit()
        self.examiner_date = QLineEdit()
        self.examiner_date.setPlaceholderText("YYYY-MM-DD")
        self.sign_button = push_button("Sign off", self.sign_off, "Freeze this conclusion as the next revision, "
                                       "signing the case as it is now (inputs, model, result, calibration, threshold)")
        self.revisions = styled_label(name="conclusion_revisions")
        self.revisions.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.reviewer = QLineEdit()
        self.reviewer_date = QLineEdit()
        self.reviewer_date.setPlaceholderText("YYYY-MM-DD")
        self.agrees = QCheckBox("agrees with the conclusion")
        self.agrees.setChecked(True)
        self.verify_button = push_button("Record verification", self.verify,
                                         "ACE-V: a second examiner's verification of the latest signed revision")
        form = QFormLayout()
        form.addRow("Verbal scale", self.verbal)
        form.addRow("Examiner", self.examiner)
        form.addRow("Date", self.examiner_date)
        review = QFormLayout()
        review.addRow("Reviewer", self.reviewer)
        review.addRow("Date", self.reviewer_date)
        review.addRow("", self.agrees)
        box(self.status, self.text, form, self.sign_button, self.revisions, QLabel("<b>Verification (ACE-V)</b>"),
            review, self.verify_button, 1, on=self, margin=2)
        for w in (self.examiner, self.examiner_date):
            w.editingFinished.connect(self.commit)
        self.verbal.currentIndexChanged.connect(lambda _i: self.commit())
        self._rendering = False

    def render(self, session) -> None:
        self._rendering = True
        record = session.evidence.record
        current = evidence.signed_content_current(session)
        changed = "" if current is not False else ("<br><b style='color:#ffb547'>The case changed after the latest "
                                                   "sign-off<br>(inputs, model, result, calibration or "
                                                   "threshold).</b>")
        self.status.setText(f"<b>{STATUS[record.status]}</b>{changed}")
        if self.text.toPlainText() != record.conclusion.text:
            self.text.setPlainText(record.conclusion.text)
        self.verbal.setCurrentIndex(0 if record.conclusion.verbal is None else
                                    self.verbal.findData(record.conclusion.verbal))
        self.examiner.setText(record.examiner or session.case.examiner)
        self.examiner_date.setText(record.examiner_date or _today())
        if not self.reviewer_date.text():
            self.reviewer_date.setText(_today())
        lines = []
        for r in record.revisions:
            v = r.verification
            verified = "not verified" if v is None else \
                f"{'agreed' if v.agrees else 'did not agree'}: {escape(v.reviewer)}, {v.date}"
            lines.append(f"<b>Revision {r.number}</b> signed by {escape(r.examiner)} on {r.examiner_date}<br>"
                         f"&nbsp;&nbsp;{verified}")
        self.revisions.setText("<br>".join(lines))
        self.revisions.setToolTip("\n".join(f"Revision {r.number}: signed {r.signed_at}, SHA-256 {r.sha256}, "
                                             f"signs case content {r.case_sha256}" for r in record.revisions))
        latest = record.latest
        self.verify_button.setEnabled(latest is not None and latest.verification is None
                                      and record.status == "signed")
        self.sign_button.setEnabled(record.status != "signed")
        self._rendering = False

    def flush(self) -> None:
        """Commit an edit still pending (typing paused less than a second ago, a name field not yet left);
        nothing else: the form may show another session's draft until it is next rendered."""
        if self._text_timer.isActive() or self.examiner.isModified() or self.examiner_date.isModified():
            self.commit()

    def commit(self) -> bool:
        """The form's draft into the session (logged only when it changed); False when refused."""
        self._text_timer.stop()
        if self._rendering:
            return True
        s = self.panel.session
        return self.panel.act("Cannot record the conclusion", lambda: s.edit_conclusion(
            conclusion=Conclusion(self.text.toPlainText(), self.verbal.currentData()),
            examiner=self.examiner.text().strip(), examiner_date=self.examiner_date.text().strip()))

    def sign_off(self) -> None:
        if self.commit():
            self.panel.act("Cannot sign off", self.panel.session.sign_off_conclusion)

    def verify(self) -> None:
        s = self.panel.session
        self.panel.act("Cannot record the verification", lambda: s.verify_conclusion(
            self.reviewer.text().strip(), self.reviewer_date.text().strip(), self.agrees.isChecked()))
