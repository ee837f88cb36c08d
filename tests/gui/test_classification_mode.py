"""ImageNet classification mode: top-5 of skimage's chelsea, live preview, other classes, instant re-blur, report."""

from __future__ import annotations

import numpy as np
import pytest
from gui_helpers import drop_files, open_mode, quick_task_run
from PySide6.QtCore import Qt

from fame_desktop.core.attribution import MapSettings, delta_to_maps


@pytest.fixture
def chelsea_png(tmp_path):
    import cv2
    from skimage import data

    path = tmp_path / "chelsea.png"
    cv2.imwrite(str(path), data.chelsea()[:, :, ::-1])
    return path


@pytest.fixture
def page(qtbot, window, chelsea_png):
    p = open_mode(qtbot, window, "imagenet-classification")
    assert drop_files(p.slots["image"], [chelsea_png])
    qtbot.waitUntil(lambda: p.prepared is not None, timeout=60_000)
    return p


def _run(qtbot, page, iterations=3):
    quick_task_run(page, iterations)
    with qtbot.waitSignal(page.run_finished, timeout=180_000):
        assert page.run()
    return page.current_result()


def test_chelsea_is_a_cat_and_top1_is_explained_with_a_live_preview(qtbot, window, page):
    w = window
    top = page.prepared.analysis.summary["top5"]
    assert len(top) == 5 and 281 <= top[0]["index"] <= 285  # a cat class
    assert page.top5.rowCount() == 5 and page.top5.item(0, 0).text() == top[0]["name"]
    assert page.top5.item(0, 2).text() == f"{top[0]['probability']:.1%}"
    assert page.class_index == top[0]["index"] and page.chooser.current_class() == top[0]["index"]
    assert "no map yet" in page.input_view.badge.text()
    assert w.windowTitle().startswith("chelsea.png — ") and "ImageNet classification" in w.windowTitle()
    assert page.run_bar.run_button.isEnabled() and w.modes.menus.task_actions["run"].isEnabled()
    events = []
    page.preview_shown.connect(lambda it: events.append(("preview", it, page.input_view.badge.text())))
    page.run_finished.connect(lambda r: events.append(("finished", None, None)))
    quick_task_run(page, iterations=4)
    with qtbot.waitSignal(page.run_finished, timeout=180_000):
        w.modes.menus.task_actions["run"].trigger()  # Run ▸ Explain with FAME (F5)
        assert page.running and page.run_bar.cancel_button.isEnabled()
    previews = [e for e in events if e[0] == "preview"]
    assert previews and events[-1][0] == "finished" and "live preview" in previews[0][2]
    r = page.current_result()
    key = f"class_{top[0]['index']}"
    assert r.keys == (key,) and r.run.iterations.tolist() == [4] and not r.run.cancelled
    # the map is drawn over the model input, and on the photograph where the input covers it
    inp = page.prepared.inputs["image"]
    m = delta_to_maps(r.delta(key), page.map_settings)
    shown = page.input_view.image_item.image
    assert shown.shape == (224, 224, 3) and not np.array_equal(shown, inp.model_input)
    assert np.array_equal(page.input_view.map, m)
    view = page.slots["image"].view  # the map warped onto the photograph, made in a worker
    qtbot.waitUntil(lambda: view.overlay_item.isVisible(), timeout=30_000)
    layer = view._layer
    assert layer.rgba.shape[2] == 4 and layer.box[2] > 440 and layer.box[3] > 290  # all of it ("full")
    assert page.top5.item(0, 3).text() == "✓" and "result · 4 it." in page.input_view.badge.text()
    assert page.map_settings == MapSettings(97, 15.4, "minmax")  # the paper's blur scaled to 224 px
    assert "Finished" in page.run_bar.progress.format()


def test_another_class_instant_reblur_originals_and_report(qtbot, window, page, tmp_path):
    w = window
    first = _run(qtbot, page)
    top1 = page.class_index
    # a class from the top-5 table: no map until it runs
    second = page.top5.item(1, 1).data(Qt.ItemDataRole.UserRole)
    page.top5.cellClicked.emit(1, 0)
    assert page.class_index == second and "no map yet" in page.input_view.badge.text()
    assert not page.slots["image"].view.overlay_item.isVisible()
    both = _run(qtbot, page)
    assert set(both.keys) == {f"class_{top1}", f"class_{second}"}
    assert np.array_equal(both.delta(f"class_{top1}"), first.delta(f"class_{top1}"))  # kept, not recomputed
    # any of the 1000 classes through the searchable chooser
    page.chooser.lineEdit().setText("lynx")
    page.chooser.lineEdit().returnPressed.emit()
    assert page.class_index == 287 and "lynx" in page.chooser.currentText()
    page.chooser.lineEdit().setText("954")
    page.chooser.lineEdit().returnPressed.emit()
    assert page.class_index == 954 and page.run_targets()[0].key == "class_954"
    # back to top-1: shown at once; σ changes redraw without running FAME
    page.explained.itemClicked.emit(page.explained.item(0))
    assert page.class_index == top1 and "result" in page.input_view.badge.text()
    before = page.input_view.image_item.image.copy()
    page.controls.sigma.setValue(3.0)
    expected = delta_to_maps(both.delta(f"class_{top1}"), MapSettings(97, 3.0, "minmax"))
    assert np.allclose(page.input_view.map, expected)
    assert not np.array_equal(page.input_view.image_item.image, before)
    assert not page.running and page.current_result() is both
    assert not [j.name for j in w.runner.running if j.name.startswith("FAME")]  # only maps were redrawn
    # originals are one click away (View ▸ Show originals, O)
    w.modes.menus.task_actions["original"].trigger()
    assert np.array_equal(page.input_view.image_item.image, page.prepared.inputs["image"].model_input)
    assert not page.slots["image"].view.overlay_item.isVisible()
    w.modes.menus.task_actions["original"].trigger()
    qtbot.waitUntil(lambda: page.slots["image"].view.overlay_item.isVisible(), timeout=30_000)
    # File ▸ Export report…: written in a worker; an existing file is only replaced when the user says so
    out = tmp_path / "chelsea report.pdf"
    out.write_bytes(b"older report")
    page.export_report(str(out))
    box = page.overwrite_box
    assert box.isVisible() and "already exists" in box.text()
    box.button(box.StandardButton.Cancel).click()
    qtbot.wait(100)
    assert out.read_bytes() == b"older report"
    page.export_report(str(out))
    page.overwrite_box.button(page.overwrite_box.StandardButton.Yes).click()
    qtbot.waitUntil(lambda: getattr(page, "report_written", None) is not None, timeout=60_000)
    assert out.read_bytes().startswith(b"%PDF") and "Report written" in page.run_bar.status.text()


def test_cancel_keeps_the_earlier_map_and_a_new_photo_clears_the_results(qtbot, window, page, data_dir):
    first = _run(qtbot, page, iterations=2)
    quick_task_run(page, iterations=400)
    with qtbot.waitSignal(page.preview_shown, timeout=120_000):
        page.run()
    with qtbot.waitSignal(page.run_cancelled, timeout=60_000):
        window.modes.menus.task_actions["escape"].trigger()  # Esc
    assert page.current_result() is first and "Cancelled" in page.run_bar.status.text()
    assert page.input_view.map is not None and "result · 2 it." in page.input_view.badge.text()
    page.load_path("image", str(data_dir / "obama.jpg"))
    qtbot.waitUntil(lambda: page.prepared is not None and page.images["image"].name == "obama.jpg", timeout=60_000)
    assert page.current_result() is None and page.input_view.map is None


def test_a_model_without_weights_says_where_they_go_and_blocks_running(qtbot, window, page, tmp_path):
    params = page.params
    i = params.model.findData("resnet50")
    assert params.model.itemText(i).endswith("weights missing")  # models() said so, nothing was read
    params.model.setCurrentIndex(i)
    qtbot.waitUntil(lambda: "Model not loaded" in params.model_status.text(), timeout=60_000)
    assert "weights not found" in params.model_status.text() and "resnet50-" in params.model_status.text()
    assert params.weights.isEnabled() and "Weights missing" in params.model_info.text()
    assert page.prepared is None and not page.run_bar.run_button.isEnabled()
    assert "not loaded" in page.run_bar.run_button.toolTip()
    bogus = tmp_path / "resnet50.pth"
    bogus.write_bytes(b"not a checkpoint")
    params.weights.setText(str(bogus))
    params.weights.editingFinished.emit()
    qtbot.waitUntil(lambda: "resnet50.pth" in params.model_status.text(), timeout=60_000)
    assert not window.messages.open_boxes  # a bad file is a one-line reason in the panel, not a crash
    params.model.setCurrentIndex(params.model.findData("efficientnet-lite0"))
    qtbot.waitUntil(lambda: page.prepared is not None, timeout=60_000)
    assert page.run_bar.run_button.isEnabled()
