"""The metrics panels draw from the session (issues 15/16): curves or class metrics computed in one window,
saved in a case file, are shown by a fresh window that opens it — the same numbers, the box where it was,
no worker started and nothing clicked. Screenshots go to /tmp/shots/reopened_*.png for a look."""

from __future__ import annotations

from pathlib import Path

from conftest import make_window
from gui_helpers import drop_files, open_mode, set_quick_run, wait_for_pair

from fame_desktop.gui.methods_window import open_methods_window
from fame_desktop.session.casefile import save_case
from fame_desktop.session.measurements import CLASS, FACE

SHOTS = Path("/tmp/shots")
IMAGENET = Path(__file__).resolve().parents[1] / "data" / "imagenet"


def table_text(table) -> list[list[str]]:
    return [[table.item(r, c).text() for c in range(table.columnCount())] for r in range(table.rowCount())]


def metrics_tab(qtbot, page):
    w = open_methods_window(page)
    w.tabs.setCurrentWidget(w.metrics)
    w.resize(1100, 820)
    qtbot.wait(200)
    return w, w.metrics


def reopen(qtbot, tmp_path, detector, face_model, path, monkeypatch, panel_module):
    """A fresh window opening `path`; any worker a metrics panel would start is recorded (and refused)."""
    started = []
    monkeypatch.setattr(panel_module, "start_owned", lambda *a, **k: started.append(a[2]))
    config = tmp_path / "config2"
    config.mkdir()
    w2 = make_window(qtbot, config, detector, face_model)
    with qtbot.waitSignal(w2.case_opened, timeout=120_000):
        w2.open_case_path(str(path))
    qtbot.waitUntil(lambda: not w2.runner.running, timeout=60_000)
    return w2, started


def test_face_curves_computed_saved_and_shown_by_a_fresh_window(qtbot, window, data_dir, tmp_path, detector,
                                                                face_model, monkeypatch):
    from fame_desktop.gui import faithfulness_panel

    page = window.page
    assert drop_files(page.slots["gallery"], [data_dir / "obama.jpg"])
    assert drop_files(page.slots["probe"], [data_dir / "obama2.jpg"])
    wait_for_pair(qtbot, window)
    set_quick_run(page, 3)
    with qtbot.waitSignal(page.run.finished, timeout=240_000):
        assert page.run.start()
    w, panel = metrics_tab(qtbot, page)
    panel.compute()
    qtbot.waitUntil(lambda: panel.job is None and bool(panel.results), timeout=240_000)
    m = page.session.current_measurement(FACE, "probe_similar")
    assert m is not None and m.methods == ("fame",) and page.session.audit.entries[-1].action == "measure faithfulness"
    shown = table_text(panel.table)
    assert shown[0][2] == f"{m.faithfulness()['fame'].curve('probe_similar', 'delete').area:.3f}"
    path = save_case(page.session, tmp_path / "pair.famecase").path

    w2, started = reopen(qtbot, tmp_path, detector, face_model, path, monkeypatch, faithfulness_panel)
    mw, panel2 = metrics_tab(qtbot, w2.page)
    assert started == [] and panel2.job is None
    assert table_text(panel2.table) == shown  # the stored numbers, nothing recomputed in the window
    assert not panel2.compute_button.isEnabled() and "Clean similarity" in panel2.status.text()
    assert len(panel2.delete_plot.listDataItems()) == len(panel2.insert_plot.listDataItems()) == 1
    SHOTS.mkdir(exist_ok=True)
    assert mw.grab().save(str(SHOTS / "reopened_face_faithfulness.png"))
    w2.close()


def test_class_metrics_and_box_computed_saved_and_shown_by_a_fresh_window(qtbot, window, tmp_path, detector,
                                                                          face_model, monkeypatch):
    from fame_desktop.gui import class_metrics_panel

    page = open_mode(qtbot, window, "imagenet-classification")
    assert drop_files(page.slots["image"], [IMAGENET / "chelsea.jpg"])
    qtbot.waitUntil(lambda: page.session.analysis is not None and page.class_index is not None, timeout=120_000)
    combo = page.params.method
    combo.setCurrentIndex(combo.findData("gradcam"))
    with qtbot.waitSignal(page.run.finished, timeout=240_000):
        assert page.run.start()
    w, panel = metrics_tab(qtbot, page)
    assert panel.load_box_file(IMAGENET / "chelsea.xml")
    panel.compute()
    qtbot.waitUntil(lambda: panel.job is None and bool(panel.rows), timeout=300_000)
    key = page.target_key()
    m = page.session.current_measurement(CLASS, key)
    assert m.box.source == "chelsea.xml" and m.box.boxes == panel.box.boxes()
    shown = table_text(panel.table)
    assert shown[0][0] == "Grad-CAM" and shown[0][4] == "yes"  # the pointing game, in the cat's box
    path = save_case(page.session, tmp_path / "chelsea.famecase").path

    w2, started = reopen(qtbot, tmp_path, detector, face_model, path, monkeypatch, class_metrics_panel)
    page2 = w2.page
    assert page2.task.key == "imagenet-classification"
    mw, panel2 = metrics_tab(qtbot, page2)
    assert started == [] and panel2.job is None
    assert table_text(panel2.table) == shown
    assert panel2.box.roi is not None and panel2.box.source == "chelsea.xml" and panel2.box.boxes() == m.box.boxes
    assert not panel2.compute_button.isEnabled() and "box: chelsea.xml" in panel2.status.text()
    SHOTS.mkdir(exist_ok=True)
    assert mw.grab().save(str(SHOTS / "reopened_class_metrics.png"))
    w2.resize(1300, 820)
    qtbot.wait(200)
    assert w2.grab().save(str(SHOTS / "reopened_class_box_on_photo.png"))
    w2.close()
