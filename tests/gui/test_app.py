"""The app around the work: command line, settings, case and audit, threshold, errors, menus."""

from __future__ import annotations

import subprocess
import sys
import threading

import pytest
from conftest import make_window
from gui_helpers import drop_files, wait_for_pair
from PySide6.QtWidgets import QDialogButtonBox

from fame_desktop.core.errors import ImageLoadError
from fame_desktop.gui.app import build_parser, create_window
from fame_desktop.gui.settings import AppSettings


def test_window_appears_before_torch_is_imported(tmp_path):
    code = (
        "import sys\n"
        "from fame_desktop.gui.app import build_parser, create_window\n"
        f"app, w = create_window(build_parser().parse_args(['--config-dir', {str(tmp_path)!r}]))\n"
        "w.show(); app.processEvents()\n"
        "heavy = [m for m in ('torch', 'fame_desktop.third_party.mtcnn.nets', 'onnx') if m in sys.modules]\n"
        "print('visible' if w.isVisible() else 'hidden', heavy)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                         env={**__import__("os").environ, "QT_QPA_PLATFORM": "offscreen"})
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().endswith("visible []"), out.stdout + out.stderr


def test_command_line_opens_both_photos_and_runs(qtbot, tmp_path, data_dir, detector, face_model):
    AppSettings(tmp_path).set("tasks/face-verification/fame/iterations", 4)  # a short run for the test
    args = build_parser().parse_args([str(data_dir / "obama.jpg"), str(data_dir / "biden.jpg"), "--run",
                                      "--config-dir", str(tmp_path)])
    _app, w = create_window(args, detector=detector,
                            preloaded_models={("arcface-mbf", None, "auto"): face_model})
    qtbot.addWidget(w)
    try:
        w.show()
        w.start(args.gallery, args.probe, run=args.run)  # before the engine is up: no page yet
        qtbot.waitUntil(lambda: w.page is not None and w.page.session.result() is not None, timeout=120_000)
        e = w.page.session.result()
        assert list(e.run.iterations) == [4, 4, 4, 4] or "epsilon" in e.run.stop_reasons
        assert -0.2 < e.analysis.summary["similarity"] < 0.2  # different people
        assert (tmp_path / "logs" / "fame-desktop.log").exists()
    finally:
        w.messages.uninstall_hooks()
        w.close()


def test_settings_of_the_one_window_version_move_to_the_face_page(tmp_path):
    old = AppSettings(tmp_path)
    for key, value in (("model/key", "adaface-ir50"), ("model/checkpoint", "/models/ir50.ckpt"),
                       ("fame/iterations", 77), ("fame/preset", ""), ("view/opacity", 65),
                       ("maps/blur_sigma", 4.0), ("recent/folder", "/cases")):
        old.set(key, value)
    old.set("tasks/face-verification/view/opacity", 30)  # already set on the page: kept
    old.sync()
    s = AppSettings(tmp_path)
    s.migrate()
    face = "tasks/face-verification"
    assert s.get(f"{face}/model", "") == "adaface-ir50" and s.get(f"{face}/weights/adaface-ir50", "") == "/models/ir50.ckpt"
    assert s.get(f"{face}/fame/iterations", 0) == 77 and s.get(f"{face}/maps112/blur_sigma", 0.0) == 4.0
    assert s.get(f"{face}/view/opacity", 0) == 30 and s.get("recent/folder", "") == "/cases"
    assert s.get("model/key", None) is None and s.get("fame/iterations", None) is None  # moved, not copied


def test_run_without_both_photos_is_a_usage_error():
    from fame_desktop.gui.app import main

    with pytest.raises(SystemExit) as info:
        main(["only.jpg", "--run"])
    assert info.value.code == 2


def test_settings_persist_between_sessions(qtbot, config_dir, detector, face_model):
    w = make_window(qtbot, config_dir, detector, face_model)
    w.page.params.form.field("iterations").setValue(123)
    w.page.params.form.field("step_size").setText("2/255")
    w.page.params.form.field("step_size").editingFinished.emit()
    w.page.controls.opacity.setValue(70)
    w.page.controls.cmap.setCurrentText("inferno")
    w.page.controls.sigma.setValue(3.5)
    w.page.apply_threshold((0.36, "lab validation set, EER"))
    w.page.case_panel.examiner.setText("A. Examiner")
    w.page.case_panel.examiner.editingFinished.emit()
    w.close()

    w2 = make_window(qtbot, config_dir, detector, face_model)
    assert w2.page.params.form.field("iterations").value() == 123
    assert abs(w2.page.params.form.params().step_size - 2 / 255) < 1e-12
    assert w2.page.controls.opacity.value() == 70 and w2.page.controls.colour_map() == "inferno"
    assert w2.page.controls.map_settings().blur_sigma == 3.5
    s = w2.page.session
    assert s.threshold.value == 0.36 and s.threshold.source == "lab validation set, EER"
    assert "lab validation set" in w2.page.score.source_label.full_text()
    assert s.case.examiner == "A. Examiner" and w2.page.case_panel.examiner.text() == "A. Examiner"
    assert (config_dir / "settings.ini").exists()
    w2.close()


def test_case_details_title_and_audit_panel(qtbot, window):
    w = window
    w.page.case_panel.case_id.setText("2024-0117")
    w.page.case_panel.case_id.editingFinished.emit()
    w.page.case_panel.notes.setPlainText("Probe is a CCTV still.")
    w.page.case_panel.flush()
    s = w.page.session
    assert s.case.case_id == "2024-0117" and s.case.notes == "Probe is a CCTV still."
    assert w.windowTitle().startswith("2024-0117 — ")
    rows = w.page.audit_panel.rowCount()
    assert rows == len(s.audit) and w.page.audit_panel.item(rows - 1, 1).text() == "edit case details"
    assert "notes_changed" in w.page.audit_panel.item(rows - 1, 2).text()


def test_threshold_needs_a_source_and_is_shown_with_the_score(qtbot, window, data_dir):
    w = window
    drop_files(w, [data_dir / "obama.jpg", data_dir / "obama2.jpg"])
    wait_for_pair(qtbot, w)
    w.page.edit_threshold()
    dlg = w.page.threshold_dialog
    ok = dlg.buttons.button(QDialogButtonBox.StandardButton.Ok)
    assert not ok.isEnabled()  # no source yet
    dlg.value.setValue(0.3)
    dlg.source.setText("EER on the lab's validation set")
    assert ok.isEnabled()
    ok.click()
    t = w.page.session.threshold
    assert (t.value, t.source) == (0.3, "EER on the lab's validation set")
    text = w.page.score.threshold_label.text()
    assert "+0.3000" in text and "score ≥ threshold" in text
    assert w.page.score.source_label.full_text() == "· source: EER on the lab's validation set"
    assert w.page.session.audit.entries[-1].action == "set threshold"


def test_a_model_that_cannot_load_is_explained_and_blocks_running(qtbot, window, data_dir):
    w = window
    drop_files(w, [data_dir / "obama.jpg", data_dir / "obama2.jpg"])
    wait_for_pair(qtbot, w)
    w.page.params.model.setCurrentIndex(w.page.params.model.findData("adaface-ir50"))
    status = w.page.params.model_status
    qtbot.waitUntil(lambda: "Model not loaded" in status.text(), timeout=30_000)
    assert "checkpoint" in status.text() and not w.messages.open_boxes  # a one-line reason, not a dialog
    assert w.page.loader.model is None and w.page.score.similarity is None
    assert not w.page.run_bar.run_button.isEnabled()
    assert "not loaded" in w.page.run_bar.run_button.toolTip()
    assert "AdaFace" in w.page.params.model_info.text() and "MIT" in w.page.params.model_info.text()
    w.page.params.model.setCurrentIndex(w.page.params.model.findData("arcface-mbf"))
    qtbot.waitUntil(lambda: w.page.score.similarity is not None, timeout=60_000)
    assert w.page.run_bar.run_button.isEnabled()


@pytest.mark.qt_no_exception_capture
def test_unexpected_errors_are_shown_and_logged_not_fatal(qtbot, window, config_dir):
    from fame_desktop.core.log_file import configure_logging

    w = window
    w.messages.log_file = configure_logging(config_dir / "logs")
    w.messages.install_hooks()
    try:
        def boom():
            raise RuntimeError("wrong turn in a slot")

        w.page.run_bar.run_button.setEnabled(True)
        w.page.run_bar.run_button.clicked.disconnect()
        w.page.run_bar.run_button.clicked.connect(boom)
        w.page.run_bar.run_button.click()
        qtbot.waitUntil(lambda: len(w.messages.shown) == 1, timeout=5_000)
        m = w.messages.shown[0]
        assert m.level == "error" and "RuntimeError: wrong turn in a slot" in m.text
        assert "boom" in m.details and "fame-desktop.log" in m.text
        assert w.messages.open_boxes and w.messages.open_boxes[0].isVisible()

        t = threading.Thread(target=lambda: (_ for _ in ()).throw(ImageLoadError("x.jpg: file not found")))
        t.start()
        t.join()
        qtbot.waitUntil(lambda: len(w.messages.shown) == 2, timeout=5_000)
        assert w.messages.shown[1].level == "warning" and w.messages.shown[1].text == "x.jpg: file not found"
        log = (config_dir / "logs" / "fame-desktop.log").read_text()
        assert "wrong turn in a slot" in log and "Traceback" in log
        assert w.isVisible()
    finally:
        w.messages.uninstall_hooks()


def test_about_shows_versions_and_the_model_licence(qtbot, window):
    w = window
    about = w.act["about"]  # Help ▸ About
    about.trigger()
    text = w.about_box.text()
    assert "torch" in text and "PySide6" in text and "InsightFace" in text and "non-commercial" in text
    w.about_box.close()
