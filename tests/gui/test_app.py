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
    AppSettings(tmp_path).set("fame/iterations", 4)  # a short run for the test
    args = build_parser().parse_args([str(data_dir / "obama.jpg"), str(data_dir / "biden.jpg"), "--run",
                                      "--config-dir", str(tmp_path)])
    _app, w = create_window(args, detector=detector,
                            preloaded_models={("arcface-mbf", None, "auto"): face_model})
    qtbot.addWidget(w)
    try:
        w.show()
        with qtbot.waitSignal(w.run.finished, timeout=120_000):
            w.start(args.gallery, args.probe, run=args.run)
        e = w.model.session.explanation
        assert list(e.run.iterations) == [4, 4, 4, 4] or "epsilon" in e.run.stop_reasons
        assert -0.2 < e.similarity < 0.2  # different people
        assert (tmp_path / "logs" / "fame-desktop.log").exists()
    finally:
        w.messages.uninstall_hooks()
        w.close()


def test_run_without_both_photos_is_a_usage_error():
    from fame_desktop.gui.app import main

    with pytest.raises(SystemExit) as info:
        main(["only.jpg", "--run"])
    assert info.value.code == 2


def test_settings_persist_between_sessions(qtbot, config_dir, detector, face_model):
    w = make_window(qtbot, config_dir, detector, face_model)
    w.params.iterations.setValue(123)
    w.params.step.setText("2/255")
    w.params.step.editingFinished.emit()
    w.review.controls.opacity.setValue(70)
    w.review.controls.cmap.setCurrentText("inferno")
    w.review.controls.sigma.setValue(3.5)
    w.apply_threshold((0.36, "lab validation set, EER"))
    w.case.fields["examiner"].setText("A. Examiner")
    w.case.fields["examiner"].editingFinished.emit()
    w.close()

    w2 = make_window(qtbot, config_dir, detector, face_model)
    assert w2.params.iterations.value() == 123
    assert abs(w2.params.fame_params().step_size - 2 / 255) < 1e-12
    assert w2.review.controls.opacity.value() == 70 and w2.review.controls.colour_map() == "inferno"
    assert w2.review.controls.map_settings().blur_sigma == 3.5
    s = w2.model.session
    assert s.threshold.value == 0.36 and s.threshold.source == "lab validation set, EER"
    assert "lab validation set" in w2.score.source_label.full_text()
    assert s.case.examiner == "A. Examiner" and w2.case.fields["examiner"].text() == "A. Examiner"
    assert (config_dir / "settings.ini").exists()
    w2.close()


def test_case_details_title_and_audit_panel(qtbot, window):
    w = window
    w.case.fields["case_id"].setText("2024-0117")
    w.case.fields["case_id"].editingFinished.emit()
    w.case.notes.setPlainText("Probe is a CCTV still.")
    w.case.flush()
    s = w.model.session
    assert s.case.case_id == "2024-0117" and s.case.notes == "Probe is a CCTV still."
    assert w.windowTitle().startswith("2024-0117 — ")
    rows = w.audit.rowCount()
    assert rows == len(s.audit) and w.audit.item(rows - 1, 1).text() == "edit case details"
    assert "notes_changed" in w.audit.item(rows - 1, 2).text()


def test_threshold_needs_a_source_and_is_shown_with_the_score(qtbot, window, data_dir):
    w = window
    drop_files(w, [data_dir / "obama.jpg", data_dir / "obama2.jpg"])
    wait_for_pair(qtbot, w)
    w.edit_threshold()
    dlg = w.threshold_dialog
    ok = dlg.buttons.button(QDialogButtonBox.StandardButton.Ok)
    assert not ok.isEnabled()  # no source yet
    dlg.value.setValue(0.3)
    dlg.source.setText("EER on the lab's validation set")
    assert ok.isEnabled()
    ok.click()
    t = w.model.session.threshold
    assert (t.value, t.source) == (0.3, "EER on the lab's validation set")
    text = w.score.threshold_label.text()
    assert "+0.3000" in text and "score ≥ threshold" in text
    assert w.score.source_label.full_text() == "· source: EER on the lab's validation set"
    assert w.model.session.audit.entries[-1].action == "set threshold"


def test_a_model_that_cannot_load_is_explained_and_blocks_running(qtbot, window, data_dir):
    w = window
    drop_files(w, [data_dir / "obama.jpg", data_dir / "obama2.jpg"])
    wait_for_pair(qtbot, w)
    w.params.model.setCurrentIndex(w.params.model.findData("adaface-ir50"))
    qtbot.waitUntil(lambda: any("checkpoint" in m.text for m in w.messages.shown), timeout=30_000)
    assert w.engine.model is None and w.score.similarity is None
    assert not w.run_bar.run_button.isEnabled()
    assert "not loaded" in w.run_bar.run_button.toolTip()
    assert "AdaFace" in w.params.licence.text() and "MIT" in w.params.licence.text()
    w.params.model.setCurrentIndex(w.params.model.findData("arcface-mbf"))
    qtbot.waitUntil(lambda: w.score.similarity is not None, timeout=60_000)
    assert w.run_bar.run_button.isEnabled()


@pytest.mark.qt_no_exception_capture
def test_unexpected_errors_are_shown_and_logged_not_fatal(qtbot, window, config_dir):
    from fame_desktop.gui.messages import configure_logging

    w = window
    w.messages.log_file = configure_logging(config_dir / "logs")
    w.messages.install_hooks()
    try:
        def boom():
            raise RuntimeError("wrong turn in a slot")

        w.run_bar.run_button.setEnabled(True)
        w.run_bar.run_button.clicked.disconnect()
        w.run_bar.run_button.clicked.connect(boom)
        w.run_bar.run_button.click()
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
    about = [a for a in w.menuBar().actions() if a.text() == "&Help"][0].menu().actions()[0]
    about.trigger()
    text = w.about_box.text()
    assert "torch" in text and "PySide6" in text and "InsightFace" in text and "non-commercial" in text
    w.about_box.close()
