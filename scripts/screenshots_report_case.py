"""Save screenshots of exporting the report and of saving / reopening a case file (offscreen).

    QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/screenshots_report_case.py OUT_DIR [--iterations 60]

States: the result with the Export button and the File menu, the export under way, the
message after the export, the question before replacing a report, signing switched on
(passphrase, File menu) and the signed case in the case panel, the unsaved-changes
question, the case reopened in a new window (every view restored), a damaged case file
refused. Also renders every page of the exported PDF to OUT_DIR/report-page-N.png.
Modal questions are shown as they are built by the app, grabbed, then answered.
Uses temporary settings folders, never the user's.
"""

from __future__ import annotations

import os
import sys
import tempfile
import zipfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data"
sys.path.insert(0, str(ROOT))
from shot_tools import screenshot_parser, pump, save_shot, wait


def main() -> int:
    ap = screenshot_parser(__doc__)
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    width, height = args.size

    from PySide6.QtCore import QPoint
    from PySide6.QtWidgets import QFileDialog, QMessageBox

    from fame_desktop.gui.app import build_parser, create_window

    def shot(name: str, widget) -> None:
        save_shot(args.out, name, widget, 0.2)

    def grab_modal(name: str, answer):
        """QMessageBox.exec replacement: show the box the app built, grab it, answer."""
        def exec_(box):
            box.show()
            shot(name, box)
            box.close()
            return answer
        return exec_

    def window(config: Path):
        _app, w = create_window(build_parser().parse_args(["--config-dir", str(config)]))
        w.resize(width, height)
        w.show()
        w.start()
        wait(lambda: w.engine.is_ready and w.engine.model is not None, what="engine and model")
        return w

    tmp = Path(tempfile.mkdtemp(prefix="fame-shots-case-"))
    w = window(tmp / "config-a")
    w.inputs.load_path("gallery", str(DATA / "obama.jpg"))
    w.inputs.load_path("probe", str(DATA / "obama2.jpg"))
    wait(lambda: w.model.session.ready and w.score.similarity is not None, what="both faces")
    for key, value in (("case_id", "2024-FR-0173"), ("exhibit_gallery", "EX-1 passport photo"),
                       ("exhibit_probe", "EX-2 press photo"), ("examiner", "A. Examiner")):
        w.case.fields[key].setText(value)
        w.case.fields[key].editingFinished.emit()
    w.case.notes.setPlainText("Frontal portraits in good light. No visible manipulation.")
    w.apply_threshold((0.32, "EER of arcface-mbf on the lab validation set (2024-03, 6000 pairs)"))
    w.params.iterations.setValue(args.iterations)
    w.params.epsilon.setValue(0.0)
    w.params.converge.setValue(0.0)  # no adaptive stopping: a fixed run
    w.run.start()
    wait(lambda: not w.run.running and w.model.session.explanation is not None, timeout=600, what="the run")
    c, r = w.review.controls, w.review
    c.cmap.setCurrentText("inferno")
    c.opacity.setValue(65)
    r.toggles["probe"].set_kind("dissimilar")
    r.wipe_mode.setChecked(True)
    r.mix.setValue(40)
    shot("20_result_export_button", w)
    w.file_menu.popup(w.mapToGlobal(QPoint(10, 30)))
    shot("21_file_menu", w.file_menu)
    w.file_menu.hide()

    # export: the dialog answered with a path in a scratch folder
    reports = tmp / "reports"
    reports.mkdir()
    pdf = reports / "2024-FR-0173_report.pdf"
    QFileDialog.getSaveFileName = staticmethod(lambda *a, **k: (str(pdf), ""))
    w.reports.export()
    pump(0.3)
    shot("22_exporting_busy", w)
    wait(lambda: w.reports.job is None, what="the export")
    wait(lambda: w.reports.done_box is not None and w.reports.done_box.isVisible(), what="the export message")
    shot("23_export_done_message", w.reports.done_box)
    w.reports.done_box.close()

    # exporting again to the same name: the question before replacing (answered No)
    def question(parent, title, text, buttons, default):
        box = QMessageBox(QMessageBox.Icon.Question, title, text, buttons, parent)
        box.setDefaultButton(default)
        return grab_modal("24_overwrite_question", QMessageBox.StandardButton.No)(box)

    QMessageBox.question = staticmethod(question)
    w.reports.export()

    # signing: a key pair as `fame keygen --passphrase` makes it, chosen with File ▸ Sign saved cases
    from PySide6.QtWidgets import QInputDialog

    from fame_desktop.session.signing import generate_key_pair

    keys = generate_key_pair(tmp / "examiner", b"correct horse")
    QFileDialog.getOpenFileName = staticmethod(lambda *a, **k: (str(keys.private), ""))

    def passphrase(parent, title, label, echo):
        box = QInputDialog(parent)
        box.setWindowTitle(title)
        box.setLabelText(label)
        box.setTextEchoMode(echo)
        box.setTextValue("correct horse")
        box.show()
        shot("25a_signing_key_passphrase", box)
        box.close()
        return "correct horse", True

    QInputDialog.getText = staticmethod(passphrase)
    w.cases.signing.act_sign.trigger()
    w.file_menu.popup(w.mapToGlobal(QPoint(10, 30)))
    shot("25b_file_menu_signing_on", w.file_menu)
    w.file_menu.hide()

    # save the case (signed), change the display, and meet the unsaved-changes question on New case
    case = tmp / "2024-FR-0173.famecase"
    QFileDialog.getSaveFileName = staticmethod(lambda *a, **k: (str(case), ""))
    saved = []
    w.cases.saved.connect(saved.append)
    w.cases.save()
    wait(lambda: saved, what="the case file")
    print("title after saving:", w.windowTitle())
    print("status after saving:", w.statusBar().currentMessage())
    w.tabs.setCurrentIndex(1)
    shot("25c_saved_signed_case_panel", w.dock)
    w.tabs.setCurrentIndex(0)
    w.model.record("compared the ear shapes by eye")
    print("title after a change:", w.windowTitle())
    QMessageBox.exec = grab_modal("25_unsaved_changes_question", QMessageBox.StandardButton.Cancel)
    w.cases.new_case()
    w.cases.discard_on_close()
    w.close()

    # a new window opens the case: every view as it was saved
    w2 = window(tmp / "config-b")
    opened = []
    w2.cases.opened.connect(opened.append)
    w2.cases.open_path(str(case))
    wait(lambda: opened and w2.score.similarity is not None, what="the case to open")
    shot("26_reopened_case", w2)
    w2.tabs.setCurrentIndex(1)
    shot("26b_reopened_case_panel", w2.dock)
    w2.tabs.setCurrentIndex(2)
    shot("27_reopened_case_audit", w2)

    bad = tmp / "altered.famecase"
    with zipfile.ZipFile(case) as src, zipfile.ZipFile(bad, "w") as dst:
        for item in src.infolist():
            data = src.read(item)
            dst.writestr(item, data.replace(b"EX-2 press photo", b"EX-9 press photo")
                         if item.filename == "session.json" else data)
    w2.cases.open_path(str(bad))
    wait(lambda: w2.messages.open_boxes, timeout=30, what="the error message")
    shot("28_altered_case_refused", w2.messages.open_boxes[0])
    w2.messages.close_all()
    w2.cases.discard_on_close()
    w2.close()

    import pypdfium2 as pdfium

    for i, page in enumerate(pdfium.PdfDocument(str(pdf)), 1):
        path = args.out / f"report-page-{i}.png"
        page.render(scale=1.4).to_pil().save(path)
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
