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
from shot_tools import fill_case, fixed_run, idle, menu, open_window, screenshot_parser, pump, save_shot, wait

CASE, AUDIT = 1, 2  # the side panel's tabs


def main() -> int:
    ap = screenshot_parser(__doc__)
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    width, height = args.size

    from PySide6.QtCore import QPoint
    from PySide6.QtWidgets import QFileDialog, QMessageBox

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

    def popup(window, title: str, name: str) -> None:
        m = menu(window, title)
        m.popup(window.mapToGlobal(QPoint(10, 30)))
        shot(name, m)
        m.hide()

    tmp = Path(tempfile.mkdtemp(prefix="fame-shots-case-"))
    w = open_window(tmp / "config-a", (width, height))
    page = w.page  # face verification
    page.inputs.load_path("gallery", str(DATA / "obama.jpg"))
    page.inputs.load_path("probe", str(DATA / "obama2.jpg"))
    wait(lambda: page.session.ready and page.score.similarity is not None, what="both faces")
    fill_case(page, "2024-FR-0173", {"gallery": "EX-1 passport photo", "probe": "EX-2 press photo"}, "A. Examiner",
              "Frontal portraits in good light. No visible manipulation.")
    page.apply_threshold((0.32, "EER of arcface-mbf on the lab validation set (2024-03, 6000 pairs)"))
    fixed_run(page, args.iterations)
    page.run.start()
    wait(lambda: not page.run.running and page.session.result() is not None, timeout=600, what="the run")
    c, r = page.controls, page.review
    c.cmap.setCurrentText("inferno")
    c.opacity.setValue(65)
    r.toggles["probe"].set_kind("dissimilar")
    r.wipe_mode.setChecked(True)
    r.mix.setValue(40)
    idle(w)  # the maps on the photographs, drawn in workers
    shot("20_result_export_button", w)
    popup(w, "File", "21_file_menu")

    # export: the dialog answered with a path in a scratch folder
    reports = tmp / "reports"
    reports.mkdir()
    pdf = reports / "2024-FR-0173_report.pdf"
    QFileDialog.getSaveFileName = staticmethod(lambda *a, **k: (str(pdf), ""))
    page.reports.export()
    pump(0.3)
    shot("22_exporting_busy", w)
    wait(lambda: page.reports.job is None, what="the export")
    wait(lambda: page.reports.done_box is not None and page.reports.done_box.isVisible(), what="the export message")
    shot("23_export_done_message", page.reports.done_box)
    page.reports.done_box.close()

    # exporting again to the same name: the question before replacing (answered No)
    def question(parent, title, text, buttons, default):
        box = QMessageBox(QMessageBox.Icon.Question, title, text, buttons, parent)
        box.setDefaultButton(default)
        return grab_modal("24_overwrite_question", QMessageBox.StandardButton.No)(box)

    QMessageBox.question = staticmethod(question)
    page.reports.export()

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
    w.signing.act_sign.trigger()
    popup(w, "File", "25b_file_menu_signing_on")

    # save the case (signed), change the display, and meet the unsaved-changes question on New case
    case = tmp / "2024-FR-0173.famecase"
    QFileDialog.getSaveFileName = staticmethod(lambda *a, **k: (str(case), ""))
    saved = []
    page.cases.saved.connect(saved.append)
    page.cases.save()
    wait(lambda: saved, what="the case file")
    print("title after saving:", w.windowTitle())
    print("status after saving:", w.statusBar().currentMessage())
    page.side.setCurrentIndex(CASE)
    shot("25c_saved_signed_case_panel", w.dock)
    page.side.setCurrentIndex(0)
    page.session.record("compared the ear shapes by eye")
    print("title after a change:", w.windowTitle())
    QMessageBox.exec = grab_modal("25_unsaved_changes_question", QMessageBox.StandardButton.Cancel)
    page.cases.new_case()
    w.discard_on_close()
    w.close()

    # a new window opens the case: every view as it was saved
    w2 = open_window(tmp / "config-b", (width, height))
    opened = []
    w2.case_opened.connect(opened.append)
    w2.open_case_path(str(case))
    wait(lambda: opened and w2.page.score.similarity is not None, what="the case to open")
    idle(w2)
    shot("26_reopened_case", w2)
    w2.page.side.setCurrentIndex(CASE)
    shot("26b_reopened_case_panel", w2.dock)
    w2.page.side.setCurrentIndex(AUDIT)
    shot("27_reopened_case_audit", w2)

    bad = tmp / "altered.famecase"
    with zipfile.ZipFile(case) as src, zipfile.ZipFile(bad, "w") as dst:
        for item in src.infolist():
            data = src.read(item)
            dst.writestr(item, data.replace(b"EX-2 press photo", b"EX-9 press photo")
                         if item.filename == "session.json" else data)
    w2.open_case_path(str(bad))
    wait(lambda: w2.messages.open_boxes, timeout=60, what="the error message")
    shot("28_altered_case_refused", w2.messages.open_boxes[0])
    w2.messages.close_all()
    w2.discard_on_close()
    w2.close()

    import pypdfium2 as pdfium

    for i, page in enumerate(pdfium.PdfDocument(str(pdf)), 1):
        path = args.out / f"report-page-{i}.png"
        page.render(scale=1.4).to_pil().save(path)
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
