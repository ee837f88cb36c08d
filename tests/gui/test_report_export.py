"""File ▸ Export report…: the PDF and its exports from the window, asking before replacing, errors."""

from __future__ import annotations

import errno
import hashlib
import json
import os
import re
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from PySide6.QtWidgets import QFileDialog, QMessageBox



def pdf_text(path) -> str:
    return "\n".join(page.get_textpage().get_text_range() for page in pdfium.PdfDocument(str(path)))


@pytest.fixture
def shown(window, pair_session):
    """The window showing the explained obama / obama2 pair (4 FAME iterations)."""
    window.page.bind(pair_session)
    return window


def choose_file(monkeypatch, path) -> list:
    """Answer the save dialog with `path`; returns the (directory, filter) it was opened with."""
    seen = []

    def dialog(parent, caption, directory, filters, *args, **kwargs):
        seen.append((directory, filters, kwargs.get("options")))
        return str(path), filters

    monkeypatch.setattr(QFileDialog, "getSaveFileName", dialog)
    return seen


def answer_questions(monkeypatch, answer) -> list:
    asked = []

    def question(parent, title, text, *args, **kwargs):
        asked.append((title, text))
        return answer

    monkeypatch.setattr(QMessageBox, "question", question)
    return asked


def test_export_writes_pdf_and_exports_in_the_background_and_logs_it(qtbot, shown, tmp_path, monkeypatch, data_dir):
    w, s = shown, shown.page.session
    w.page.controls.cmap.setCurrentText("inferno")
    w.page.case_panel.notes.setPlainText("Typed just before exporting.")  # not committed yet: the export must take it
    target = tmp_path / "out" / "my report.pdf"
    target.parent.mkdir()
    seen = choose_file(monkeypatch, target)
    assert w.page.export_button.isVisible() and w.act["export"].isEnabled()
    with qtbot.waitSignal(w.page.reports.exported, timeout=120_000) as signal:
        w.page.export_button.click()
        # rendering runs in a worker: the window shows it is busy and does not start a second export
        assert w.page.reports.job is not None and not w.act["export"].isEnabled()
        assert w.page.export_button.text() == "Exporting…" and w.busy.isVisible()
    out = signal.args[0]
    assert re.fullmatch(r"2024-FR-0173_\d{4}-\d\d-\d\d\.pdf", Path(seen[0][0]).name)  # case ID and date
    assert seen[0][2] == QFileDialog.Option.DontConfirmOverwrite  # the window asks, listing the exports too
    data = target.read_bytes()
    assert out.pdf == target and out.sha256 == hashlib.sha256(data).hexdigest()
    text = pdf_text(target)
    for name in ("obama.jpg", "obama2.jpg"):
        assert hashlib.sha256((data_dir / name).read_bytes()).hexdigest() in text
    assert f"{s.result().analysis.summary['similarity']:.4f}" in text and "Typed just before exporting." in text
    manifest = json.loads((tmp_path / "out" / "my report-exports" / "manifest.json").read_text())
    assert manifest["parameters"]["display"]["colour_map"] == "inferno"
    assert manifest["report_pdf"]["sha256"] == out.sha256
    entry = s.audit.entries[-1]
    assert entry.action == "write report" and entry.details["sha256"] == out.sha256
    assert entry.details["path"] == str(target) and entry.details["report_id"] == out.report_id
    assert w.page.audit_panel.item(w.page.audit_panel.rowCount() - 1, 1).text() == "write report"
    qtbot.waitUntil(lambda: w.page.reports.done_box is not None and w.page.reports.done_box.isVisible())
    assert out.report_id in w.page.reports.done_box.text() and str(target) in w.page.reports.done_box.informativeText()
    assert not w.busy.isVisible() and w.act["export"].isEnabled()
    w.page.reports.done_box.close()


def test_replacing_asks_and_no_leaves_the_old_files_untouched(qtbot, shown, tmp_path, monkeypatch):
    w = shown
    target = tmp_path / "report.pdf"
    target.write_bytes(b"%PDF-1.4 the report filed last week")
    old_exports = tmp_path / "report-exports"
    old_exports.mkdir()
    (old_exports / "manifest.json").write_text("{}")
    before = target.read_bytes()
    choose_file(monkeypatch, target)
    asked = answer_questions(monkeypatch, QMessageBox.StandardButton.No)
    n = len(w.page.session.audit)
    assert w.page.reports.export() is False
    assert len(asked) == 1 and "report.pdf" in asked[0][1] and "report-exports" in asked[0][1]
    qtbot.wait(200)
    assert w.page.reports.job is None and target.read_bytes() == before
    assert (old_exports / "manifest.json").read_text() == "{}" and len(w.page.session.audit) == n
    assert sorted(p.name for p in tmp_path.iterdir()) == ["config", "report-exports", "report.pdf"]

    asked = answer_questions(monkeypatch, QMessageBox.StandardButton.Yes)
    with qtbot.waitSignal(w.page.reports.exported, timeout=120_000):
        assert w.page.reports.export() is True
    assert len(asked) == 1 and target.read_bytes().startswith(b"%PDF") and target.read_bytes() != before
    assert json.loads((old_exports / "manifest.json").read_text())["report_id"] == w.page.reports.last.report_id
    w.page.reports.done_box.close()


def test_full_disk_shows_the_reason_and_leaves_nothing(qtbot, shown, tmp_path, monkeypatch):
    w = shown
    folder = tmp_path / "reports"
    folder.mkdir()
    choose_file(monkeypatch, folder / "r.pdf")

    def full(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    n = len(w.page.session.audit)
    with qtbot.waitSignal(w.page.reports.failed, timeout=120_000):
        w.act["export"].trigger()
    qtbot.waitUntil(lambda: bool(w.messages.shown))
    msg = w.messages.shown[-1]
    assert msg.title == "Cannot write the report" and "disk is full" in msg.text and "\n" not in msg.text
    assert list(folder.iterdir()) == []  # no PDF, no exports, no temporary files
    assert len(w.page.session.audit) == n and w.act["export"].isEnabled() and not w.busy.isVisible()


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write into a read-only folder")
def test_read_only_folder_is_refused_before_rendering(qtbot, shown, tmp_path, monkeypatch):
    w = shown
    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        choose_file(monkeypatch, folder / "r.pdf")
        assert w.page.reports.export() is False
        qtbot.waitUntil(lambda: bool(w.messages.shown))
        assert "not allowed to write here" in w.messages.shown[-1].text and list(folder.iterdir()) == []
    finally:
        folder.chmod(0o700)


def test_missing_folder_is_refused_and_no_result_means_no_export(qtbot, window, shown, tmp_path, monkeypatch):
    w = shown
    choose_file(monkeypatch, tmp_path / "gone" / "r.pdf")
    assert w.page.reports.export() is False
    qtbot.waitUntil(lambda: bool(w.messages.shown))
    assert "folder does not exist" in w.messages.shown[-1].text and not (tmp_path / "gone").exists()
    w.page.session.set_model("arcface-mbf", None, "auto")  # a new model choice drops the result
    assert not w.act["export"].isEnabled() and not w.page.export_button.isVisible()
