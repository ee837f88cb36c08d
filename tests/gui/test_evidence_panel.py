"""The face page's Evidence tab and the LR in the score panel, driven as an examiner would: load a calibration,
read the LR, quality and regions, fill in the checklist, write and sign off a conclusion, have it verified;
save, reopen, export — the window's report and `fame report`'s state the same evidence. Screenshots are
saved to /tmp/shots/evidence_*.png for looking at."""

from __future__ import annotations

import re
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from PySide6.QtWidgets import QFileDialog, QMessageBox

from fame_desktop.core.evidence.calibration import calibration_bytes
from fame_desktop.core.evidence.evidence_facts import lr_text
from fame_desktop.session import evidence

SHOTS = Path("/tmp/shots")


def shot(widget, name: str) -> None:
    from PySide6.QtWidgets import QApplication

    QApplication.processEvents()  # pending layouts first: the picture is what a user sees a moment later
    SHOTS.mkdir(exist_ok=True)
    assert widget.grab().save(str(SHOTS / f"evidence_{name}.png"))


def pdf_text(path) -> str:
    pdf = pdfium.PdfDocument(str(path))
    try:
        return " ".join(" ".join(p.get_textpage().get_text_range() for p in pdf).split())
    finally:
        pdf.close()


@pytest.fixture
def shown(qtbot, window, pair_session):
    """The window showing the explained obama / obama2 pair, its Evidence tab open, the face model loaded."""
    window.resize(1500, 950)
    window.page.bind(pair_session)
    qtbot.waitUntil(lambda: window.page.loader.model is not None, timeout=120_000)
    window.page.side.setCurrentWidget(window.page.evidence)
    return window


@pytest.fixture
def calibration_file(tmp_path, face_calibration) -> Path:
    path = tmp_path / "frontal.famecal"
    path.write_bytes(calibration_bytes(face_calibration.doc))
    return path


def open_with(monkeypatch, path) -> None:
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(path), ""))


def test_without_a_calibration_only_the_cosine_is_shown(qtbot, shown):
    page = shown.page
    assert not page.score.lr_label.isVisible()
    assert "No calibration" in page.evidence.calibration.lr.text()
    assert not page.evidence.calibration.tippett.isVisible()


def test_a_calibration_shows_the_lr_its_plots_and_gives_a_threshold(qtbot, shown, calibration_file, monkeypatch):
    page, s = shown.page, shown.page.session
    open_with(monkeypatch, calibration_file)
    page.evidence.calibration.load_button.click()
    lr = evidence.likelihood_ratio(s)
    assert s.evidence.calibration is not None and lr is not None
    assert page.score.lr_label.isVisible() and f"LR <b>{lr_text(lr.lr)}</b>" in page.score.lr_label.text()
    assert "moderately strong support for Hp (same person)" in page.score.lr_label.text()
    assert lr.verbal.text in page.score.lr_label.toolTip()
    assert "generated frontal pairs" in page.evidence.calibration.summary.text()
    assert page.audit_panel.item(page.audit_panel.rowCount() - 1, 1).text() == "load calibration"
    # the plots: genuine and impostor curves, the case marked
    assert len(page.evidence.calibration.tippett.getPlotItem().listDataItems()) == 2
    shot(shown, "window_with_calibration")
    shot(page.evidence, "likelihood_ratio")
    # the calibration's photographs had eyes 30–90 px apart (1st–99th percentile): these faces lie above
    page.evidence.setCurrentIndex(1)
    assert "inter-eye distance 107 is above the 99th percentile" in page.evidence.quality.flags.text()
    assert page.evidence.quality.table.item(0, 1).foreground().color().name() == "#ffb547"
    shot(page.evidence, "quality_with_calibration")
    page.evidence.calibration.rule.setCurrentIndex(0)  # the EER
    page.evidence.calibration.threshold_button.click()
    assert s.threshold.value == pytest.approx(s.evidence.calibration.operating_point().threshold, abs=1e-6)
    assert "EER threshold" in s.threshold.source and "generated frontal pairs" in s.threshold.source
    assert "EER threshold" in page.score.source_label.full_text()


def test_a_calibration_of_another_model_is_refused_with_its_reason(qtbot, shown, tmp_path, monkeypatch, face_model):
    from evidence_helpers import generated_calibration

    info = face_model.describe()
    other = generated_calibration({**info, "key": "adaface-ir50", "provenance": {"sha256": "c" * 64}})
    path = tmp_path / "other.famecal"
    path.write_bytes(calibration_bytes(other.doc))
    shown_errors = []
    monkeypatch.setattr(shown.page.shell.messages, "error", lambda title, e, tb="": shown_errors.append(str(e)))
    open_with(monkeypatch, path)
    shown.page.evidence.calibration.load_button.click()
    assert shown.page.session.evidence.calibration is None
    assert len(shown_errors) == 1 and "made with adaface-ir50" in shown_errors[0]


def test_quality_and_regions_are_shown_for_both_faces(qtbot, shown):
    ev = shown.page.evidence
    q = evidence.qualities(shown.page.session)
    table = ev.quality.table
    assert table.item(0, 0).text() == "inter-eye distance"
    assert table.item(0, 1).text() == f"{q['gallery'].inter_eye_px:.0f} px"
    ev.setCurrentIndex(1)
    shot(ev, "quality")
    summary = evidence.region_summary(shown.page.session)
    regions = ev.regions.table
    assert regions.item(0, 0).text() == "eyes and brows"
    assert regions.item(0, 2).text() == f"{summary.shares['gallery_similar']['eyes_brows']:.0%}"
    ev.setCurrentIndex(2)
    shot(ev, "regions")


def test_checklist_conclusion_sign_off_and_verification(qtbot, shown, monkeypatch):
    page, s = shown.page, shown.page.session
    ev = page.evidence
    ev.setCurrentIndex(3)
    nose = ev.checklist.combos["nose"]
    nose.setCurrentIndex(nose.findData("similar"))
    ev.checklist.table.item(8, 2).setText("straight bridge, same tip")
    ears = ev.checklist.combos["ears"]
    ears.setCurrentIndex(ears.findData("not_assessable"))
    item = s.evidence.record.checklist.item("nose")
    assert (item.assessment, item.notes) == ("similar", "straight bridge, same tip")
    assert s.evidence.record.checklist.item("ears").assessment == "not_assessable"
    assert "1 similar, 0 dissimilar, 1 not assessable" in ev.checklist.counts.text()
    shot(ev, "checklist")

    form = ev.conclusion
    ev.setCurrentIndex(4)
    form.text.setPlainText("The assessable components agree; the ears are covered.")
    form.verbal.setCurrentIndex(form.verbal.findData("moderate:Hp"))
    form.examiner.setText("A. Examiner")
    form.examiner_date.setText("2025-03-01")
    form.sign_button.click()
    record = s.evidence.record
    assert record.status == "signed" and record.latest.conclusion.text.startswith("The assessable components")
    assert record.latest.conclusion.verbal == "moderate:Hp" and record.latest.examiner == "A. Examiner"
    assert "Revision 1" in form.revisions.text() and not form.sign_button.isEnabled()
    warnings = []
    monkeypatch.setattr(page.shell.messages, "warning", lambda title, text: warnings.append(text))
    form.reviewer.setText("A. Examiner")  # the examiner cannot verify their own conclusion
    form.reviewer_date.setText("2025-03-02")
    form.verify_button.click()
    assert warnings and "second examiner" in warnings[0] and record.latest.verification is None
    form.reviewer.setText("B. Reviewer")
    form.verify_button.click()
    assert s.evidence.record.latest.verification.reviewer == "B. Reviewer"
    assert "agreed: B. Reviewer, 2025-03-02" in form.revisions.text()
    form.text.setPlainText("The assessable components agree; the ears are covered. Revised.")
    form.commit()
    assert s.evidence.record.status == "revised" and "Edited after the last sign-off" in form.status.text()
    actions = [e.action for e in s.audit.entries]
    assert actions.count("assess FISWG component") == 3 and "sign off conclusion" in actions
    assert "verify conclusion" in actions and actions[-1] == "edit conclusion"
    shot(ev, "conclusion")


def test_the_evidence_is_saved_reopened_and_reported_alike_from_the_window_and_the_command_line(
        qtbot, shown, calibration_file, tmp_path, monkeypatch):
    from fame_desktop.cli import main
    from fame_desktop.session.casefile import save_case

    page, s = shown.page, shown.page.session
    open_with(monkeypatch, calibration_file)
    page.evidence.calibration.load_button.click()
    s.assess_component("eyes", "similar", "same eyelid shape")
    from fame_desktop.core.evidence.conclusion import Conclusion

    s.edit_conclusion(conclusion=Conclusion("Same person.", "moderate:Hp"), examiner="A. Examiner",
                      examiner_date="2025-03-01")
    s.sign_off_conclusion()
    path = tmp_path / "examined.famecase"
    save_case(s, path)
    page.bind(page.new_session())  # an empty page, then the case reopened in it
    assert page.evidence.session.evidence.calibration is None and not page.score.lr_label.isVisible()
    with qtbot.waitSignal(shown.case_opened, timeout=120_000):
        shown.open_case_path(str(path))
    reopened = shown.page.session
    assert reopened.evidence == s.evidence and shown.page.evidence.session is reopened
    assert shown.page.evidence.checklist.combos["eyes"].currentData() == "similar"
    assert "Revision 1" in shown.page.evidence.conclusion.revisions.text()
    assert shown.page.score.lr_label.isVisible()
    shot(shown, "reopened")

    target = tmp_path / "window.pdf"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), a[3] if len(a) > 3 else ""))
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    with qtbot.waitSignal(shown.page.reports.exported, timeout=120_000):
        shown.page.reports.export()
    assert main(["report", str(path), "--out", str(tmp_path / "cli.pdf")]) == 0
    lr = evidence.likelihood_ratio(reopened)
    texts = {k: pdf_text(tmp_path / f"{k}.pdf") for k in ("window", "cli")}
    for text in texts.values():
        for expected in (f"LR = {lr_text(lr.lr)}", "Evidential value of the score", "same eyelid shape",
                         "Conclusion and signatures", "Revision 1", "Same person."):
            assert expected in text, expected

    def evidence_pages(text):  # without what differs between two reports (IDs, times, the log's last lines)
        return re.sub(r"Report ID \S+|Generated \S+ \S+|\d{4}-\d\d-\d\dT\S+", "", text.split("Evidential value")[1]
                      .split("Audit log")[0])

    assert evidence_pages(texts["window"]) == evidence_pages(texts["cli"])


def test_a_conclusion_typed_a_moment_before_save_or_export_is_in_the_case_and_the_report(
        qtbot, shown, tmp_path, monkeypatch):
    """The conclusion form records a pause in typing after 1 s; saving or exporting within that second
    used to write the case and the report without the last words."""
    from fame_desktop.session.casefile import open_case

    page = shown.page
    page.evidence.setCurrentIndex(4)
    form = page.evidence.conclusion
    form.text.setPlainText("Same person: the ears and the nose agree.")
    form.examiner.clear()
    qtbot.keyClicks(form.examiner, "C. Examiner")  # still in the field: no editingFinished yet
    case = tmp_path / "typed.famecase"
    with qtbot.waitSignal(page.cases.saved, timeout=60_000):
        page.cases.write(case)  # at once, as a quick Ctrl+S would
    saved, _notes = open_case(case)
    assert saved.evidence.record.conclusion.text == "Same person: the ears and the nose agree."
    assert saved.evidence.record.examiner == "C. Examiner"

    form.text.setPlainText("Same person: the ears, the nose and the mouth agree.")
    target = tmp_path / "typed.pdf"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), a[3] if len(a) > 3 else ""))
    with qtbot.waitSignal(page.reports.exported, timeout=120_000):
        page.reports.export()
    assert "the ears, the nose and the mouth agree" in pdf_text(target)
