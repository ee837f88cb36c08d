"""The method axis in the window (issues 15 and 16): a CAM / FD-CAM on a class, CorrRISE / FGGB / a CAM on
a face pair, the compare view, the object box and the class metrics, the pair's faithfulness curves.

Screenshots go to /tmp/shots/methods_*.png for a look."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from gui_helpers import drop_files, open_mode, set_quick_run, wait_for_pair, wait_or_dump_threads

from fame_desktop.gui.methods_window import open_methods_window

SHOTS = Path("/tmp/shots")
IMAGENET = Path(__file__).resolve().parents[1] / "data" / "imagenet"


def shot(qtbot, widget, name: str) -> None:
    qtbot.wait(200)  # widgets added to a shown window appear on the next pass of the event loop
    SHOTS.mkdir(exist_ok=True)
    assert widget.grab().save(str(SHOTS / f"methods_{name}.png"))


def choose_method(page, key: str) -> None:
    combo = page.params.method
    combo.setCurrentIndex(combo.findData(key))
    assert page.session.method == key


def run(qtbot, page, timeout=240_000):
    with qtbot.waitSignal(page.run.finished, timeout=timeout):
        assert page.run.start()
    return page.session.result()


# classification -----------------------------------------------------------------------------
@pytest.fixture
def chelsea_page(qtbot, window):
    p = open_mode(qtbot, window, "imagenet-classification")
    assert drop_files(p.slots["image"], [IMAGENET / "chelsea.jpg"])
    qtbot.waitUntil(lambda: p.session.analysis is not None and p.class_index is not None, timeout=120_000)
    return p


def test_a_cam_is_chosen_run_and_shown_and_compared_with_fame_and_measured_in_its_box(qtbot, window, chelsea_page):
    page = chelsea_page
    choose_method(page, "gradcam")
    # its parameters come from its declared specs (target layer), not from FAME's form
    assert page.params.method_stack.currentWidget() is page.params.form and "layer" in page.params.form.fields.widgets
    assert page.run_bar.run_button.text() == "▶  Explain with Grad-CAM"
    cam = run(qtbot, page)
    key = page.target_key()
    assert cam.method.key == "gradcam" and cam.keys == (key,)
    assert "Grad-CAM" in page.input_view.badge.text()
    assert np.array_equal(page.input_view.map, cam.maps(page.controls.map_settings())[key])
    choose_method(page, "fame")
    assert page.session.result() is None and "no map yet" in page.input_view.badge.text()  # FAME's own result
    set_quick_run(page, 3)

    w = open_methods_window(page)
    grid = w.compare
    assert grid.cells[("gradcam", key)].pixmap() is not None and not grid.cells[("gradcam", key)].pixmap().isNull()
    assert grid.cells[("fame", key)].text() == "—" and "fame" in grid.missing()
    with qtbot.waitSignal(page.run.finished, timeout=240_000):
        w.queue.start(["fame", "hirescam"])  # the compare view's "run the missing ones", on two of them
    qtbot.waitUntil(lambda: not w.queue.busy, timeout=240_000)
    assert page.session.method == "fame"  # the queue shows the method chosen before
    done = {k for (k, _o) in page.session.results}
    assert done == {"gradcam", "fame", "hirescam"} and page.session.result("fame").run.iterations.tolist() == [3]
    w.refresh()
    assert all(not grid.cells[(m, key)].pixmap().isNull() for m in done)
    assert [e.details["method"] for e in page.session.audit.entries if e.action == "run finished"] == \
        ["gradcam", "fame", "hirescam"]  # queued runs are logged like any other
    w.resize(1100, 760)
    shot(qtbot, w, "classification_compare")

    # the object's box from the ImageNet VOC file, then the metrics of every map of the class
    w.tabs.setCurrentWidget(w.metrics)
    panel = w.metrics
    assert panel.load_box_file(IMAGENET / "chelsea.xml")
    assert panel.box.roi is not None and panel.box.source == "chelsea.xml"
    assert panel.compute_button.isEnabled()
    panel.compute()
    assert panel.job is not None, panel.status.text()
    wait_or_dump_threads(qtbot, lambda: panel.job is None, 240_000)
    assert set(panel.rows) == done, panel.status.text()  # a failed job says why in the panel's status
    assert panel.table.rowCount() == 3
    iou = {m: r["iou"]["0.5"] for m, r in panel.rows.items()}
    assert all(0 <= v <= 1 for v in iou.values()) and any(v > 0.2 for v in iou.values())  # a cat-sized box
    assert all(r["pointing"] is not None for r in panel.rows.values())
    deletion = panel.rows["gradcam"]["deletion"]
    assert len(deletion) == 11 and deletion[0] > deletion[-1]  # deleting the whole image removes the cat
    assert not panel.compute_button.isEnabled()  # up to date until the box or a map changes
    panel.box.roi.setPos((0, 0))  # the user drags the box away from the cat
    assert panel.box.source == "drawn" and panel.compute_button.isEnabled()
    panel.compute()
    wait_or_dump_threads(qtbot, lambda: panel.job is None, 240_000)
    assert not panel.compute_button.isEnabled(), panel.status.text()
    assert {m: r["iou"]["0.5"] for m, r in panel.rows.items()} != iou
    page.window().resize(1400, 860)
    shot(qtbot, page.window(), "classification_box_on_photo")
    shot(qtbot, w, "classification_metrics")


def test_fd_cam_runs_from_the_window_with_its_declared_parameters(qtbot, window, chelsea_page):
    page = chelsea_page
    choose_method(page, "fd-cam")
    form = page.params.form.fields.widgets
    assert set(form) == {"layer", "group_percent", "batch_size"}
    form["group_percent"].setValue(10)
    r = run(qtbot, page)
    assert r.method.key == "fd-cam" and r.run.params.group_fraction == 0.1
    assert r.describe()["parameters"]["group_fraction"] == 0.1


# face pairs ---------------------------------------------------------------------------------
@pytest.fixture
def pair_page(qtbot, window, data_dir):
    page = window.page
    assert drop_files(page.slots["gallery"], [data_dir / "obama.jpg"])
    assert drop_files(page.slots["probe"], [data_dir / "obama2.jpg"])
    wait_for_pair(qtbot, window)
    return page


def test_corrrise_fggb_and_a_cam_on_a_pair_compared_and_their_faithfulness_curves(qtbot, window, pair_page):
    page = pair_page
    assert [k for k in page.params.methods][-2:] == ["corrrise", "fggb"]
    choose_method(page, "corrrise")
    form = page.params.form.fields.widgets
    assert {"masks", "patches", "patch_size", "seed", "correlation", "batch_size"} <= set(form)
    form["masks"].setValue(80)
    form["seed"].setValue(7)
    corr = run(qtbot, page)
    assert corr.run.params.masks == 80 and corr.run.params.seed == 7 and len(corr.keys) == 4
    shown = page.review.maps  # the pair's review shows CorrRISE's maps as it shows FAME's
    assert set(shown) == set(corr.keys) and np.array_equal(shown["probe_similar"],
                                                           corr.maps(page.controls.map_settings())["probe_similar"])

    # FGGB refuses to run without the case's threshold, and says where to set it
    page.apply_threshold(None)
    choose_method(page, "fggb")
    before = len(window.messages.shown)
    assert not page.run.start()
    qtbot.waitUntil(lambda: len(window.messages.shown) > before)  # messages are queued to the event loop
    msg = window.messages.shown[before]
    assert "FGGB needs the decision threshold" in msg.text and page.session.result("fggb") is None
    page.apply_threshold((0.3, "test threshold"))
    with qtbot.waitSignal(page.run.cancelled, timeout=240_000):  # 512 backward passes per face: cancelled here
        started = page.run.start()
        qtbot.wait(100)
        assert started, [m.text for m in window.messages.shown[before:]]
        params = page.run.request.job.params
        assert (params.threshold, params.threshold_source) == (0.3, "test threshold")  # the case's θ, recorded
        page.run.cancel()
    assert page.session.result("fggb") is None  # no row finished: nothing kept

    choose_method(page, "gradcam")
    cam = run(qtbot, page)
    assert cam.keys == ("gallery_similar", "probe_similar")  # one map per face: the similarity

    w = open_methods_window(page)
    grid = w.compare
    for m in ("corrrise", "gradcam"):
        assert not grid.cells[(m, "probe_similar")].pixmap().isNull()
    assert "one map per input" in grid.cells[("gradcam", "probe_dissimilar")].text()
    assert grid.cells[("fame", "probe_similar")].text() == grid.cells[("fggb", "probe_similar")].text() == "—"
    w.resize(1000, 900)
    shot(qtbot, w, "face_compare")

    w.tabs.setCurrentWidget(w.metrics)
    panel = w.metrics
    assert panel.target_key() == "probe_similar" and set(panel.method_results()) == {"corrrise", "gradcam"}
    panel.compute()
    qtbot.waitUntil(lambda: panel.job is None and bool(panel.results), timeout=240_000)
    assert panel.table.rowCount() == 2
    s = page.session.analysis.summary["similarity"]
    for pf in panel.results.values():
        delete, insert = pf.curve("probe_similar", "delete"), pf.curve("probe_similar", "insert")
        assert delete.similarity[0] == pytest.approx(s, abs=1e-4)  # nothing deleted: the clean score
        assert insert.similarity[-1] == pytest.approx(s, abs=1e-4)  # everything kept: the clean score
        assert delete.area < insert.area  # a genuine pair's e+: deleting its top pixels costs more than keeping them
    assert "θ = 0.300" in panel.status.text()
    shot(qtbot, w, "face_faithfulness")
    panel.target.setCurrentIndex(panel.target.findData("gallery_dissimilar"))
    assert set(panel.method_results()) == {"corrrise"}  # the CAM has no e−
    assert panel.compute_button.isEnabled()
