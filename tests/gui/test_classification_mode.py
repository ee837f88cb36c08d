"""ImageNet classification mode: top-5 of skimage's chelsea, live preview, other classes, instant re-blur, report."""

from __future__ import annotations

import numpy as np
import pytest
from gui_helpers import drop_files, open_mode, set_quick_run
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

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
    qtbot.waitUntil(lambda: p.session.analysis is not None, timeout=60_000)
    return p


def _run(qtbot, page, iterations=3):
    set_quick_run(page, iterations)
    with qtbot.waitSignal(page.run.finished, timeout=180_000):
        assert page.run.start()
    return page.session.result()


def test_chelsea_is_a_cat_and_top1_is_explained_with_a_live_preview(qtbot, window, page):
    w = window
    top = page.session.analysis.summary["top5"]
    assert len(top) == 5 and 281 <= top[0]["index"] <= 285  # a cat class
    assert page.top5.rowCount() == 5 and page.top5.item(0, 0).text() == top[0]["name"]
    assert page.top5.item(0, 2).text() == f"{top[0]['probability']:.1%}"
    assert page.class_index == top[0]["index"] and page.chooser.current_class() == top[0]["index"]
    assert "no map yet" in page.input_view.badge.text()
    assert w.windowTitle() == (f"untitled case — no case file* — chelsea.png — {top[0]['name']} ({top[0]['index']}) — "
                               "ImageNet classification — fame-desktop")
    assert page.run_bar.run_button.isEnabled() and w.act["run"].isEnabled()
    events = []
    page.run.preview_shown.connect(lambda it: events.append(("preview", it, page.input_view.badge.text())))
    page.run.finished.connect(lambda r: events.append(("finished", None, None)))
    set_quick_run(page, iterations=4)
    with qtbot.waitSignal(page.run.finished, timeout=180_000):
        w.act["run"].trigger()  # Run ▸ Explain with FAME (F5)
        assert page.run.running and page.run_bar.cancel_button.isEnabled()
    previews = [e for e in events if e[0] == "preview"]
    assert previews and events[-1][0] == "finished" and "live preview" in previews[0][2]
    r = page.session.result()
    key = f"class_{top[0]['index']}"
    assert r.keys == (key,) and r.run.iterations.tolist() == [4] and not r.run.cancelled
    # the map is drawn over the model input, and on the photograph where the input covers it
    inp = page.session.inputs["image"]
    m = delta_to_maps(r.delta(key), page.controls.map_settings())
    shown = page.input_view.image_item.image
    assert shown.shape == (224, 224, 3) and not np.array_equal(shown, inp.model_input)
    assert np.array_equal(page.input_view.map, m)
    view = page.slots["image"].view  # the map warped onto the photograph, made in a worker
    qtbot.waitUntil(lambda: view.overlay_item.isVisible(), timeout=30_000)
    layer = view._layer
    assert layer.rgba.shape[2] == 4 and layer.box[2] > 440 and layer.box[3] > 290  # all of it ("full")
    assert page.top5.item(0, 3).text() == "✓" and "FAME · 4 it." in page.input_view.badge.text()
    assert page.controls.map_settings() == MapSettings(97, 15.4, "minmax")  # the paper's blur scaled to 224 px
    assert "Finished" in page.run_bar.progress.format()
    page.controls.sigma.setValue(3.0)
    page.controls.reset.click()  # "Defaults": this model's blur, not the face models' 49 / 7.7
    assert page.controls.map_settings() == MapSettings(97, 15.4, "minmax") == page.session.map_settings


def test_another_class_instant_reblur_originals_and_report(qtbot, window, page, tmp_path, monkeypatch):
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
    assert page.class_index == top1 and "FAME · " in page.input_view.badge.text()
    before = page.input_view.image_item.image.copy()
    page.controls.sigma.setValue(3.0)
    expected = delta_to_maps(both.delta(f"class_{top1}"), MapSettings(97, 3.0, "minmax"))
    assert np.allclose(page.input_view.map, expected)
    assert not np.array_equal(page.input_view.image_item.image, before)
    assert not page.run.running and page.session.result() is both
    assert not [j.name for j in w.runner.running if j.name.startswith("FAME")]  # only maps were redrawn
    # originals are one click away (View ▸ Show originals, O)
    w.act["original"].trigger()
    assert np.array_equal(page.input_view.image_item.image, page.session.inputs["image"].model_input)
    assert not page.slots["image"].view.overlay_item.isVisible()
    w.act["original"].trigger()
    qtbot.waitUntil(lambda: page.slots["image"].view.overlay_item.isVisible(), timeout=30_000)
    # File ▸ Export report…: written in a worker; an existing file is only replaced when the user says so
    out = tmp_path / "chelsea report.pdf"
    out.write_bytes(b"older report")
    answers = [QMessageBox.StandardButton.No, QMessageBox.StandardButton.Yes]
    asked = []
    monkeypatch.setattr(QMessageBox, "question", lambda _p, _t, text, *a: asked.append(text) or answers.pop(0))
    assert page.reports.export(str(out)) is False
    assert "chelsea report.pdf" in asked[0] and out.read_bytes() == b"older report"
    with qtbot.waitSignal(page.reports.exported, timeout=120_000):
        assert page.reports.export(str(out))
    assert out.read_bytes().startswith(b"%PDF") and page.session.audit.entries[-1].action == "write report"


def test_cancel_keeps_the_earlier_map_and_a_new_photo_clears_the_results(qtbot, window, page, data_dir):
    first = _run(qtbot, page, iterations=2)
    set_quick_run(page, iterations=400)
    with qtbot.waitSignal(page.run.preview_shown, timeout=120_000):
        page.run.start()
    with qtbot.waitSignal(page.run.cancelled, timeout=60_000):
        window.act["escape"].trigger()  # Esc
    assert page.session.result() is first and "Cancelled" in page.run_bar.status.text()
    assert page.input_view.map is not None and "FAME · 2 it." in page.input_view.badge.text()
    page.inputs.load_path("image", str(data_dir / "obama.jpg"))
    qtbot.waitUntil(lambda: page.session.analysis is not None and page.session.inputs["image"].image.name == "obama.jpg",
                    timeout=60_000)
    assert page.session.result() is None and page.input_view.map is None


def test_a_model_without_weights_says_where_they_go_and_blocks_running(qtbot, window, page, tmp_path):
    params = page.params
    i = params.model.findData("resnet50")
    assert params.model.itemText(i).endswith("weights missing")  # models() said so, nothing was read
    params.model.setCurrentIndex(i)
    qtbot.waitUntil(lambda: "Model not loaded" in params.model_status.text(), timeout=60_000)
    assert "weights not found" in params.model_status.text() and "resnet50-" in params.model_status.text()
    assert params.weights.isEnabled() and "Weights missing" in params.model_info.text()
    assert page.session.analysis is None and not page.run_bar.run_button.isEnabled()
    assert "not loaded" in page.run_bar.run_button.toolTip()
    bogus = tmp_path / "resnet50.pth"
    bogus.write_bytes(b"not a checkpoint")
    params.weights.setText(str(bogus))
    params.weights.editingFinished.emit()
    qtbot.waitUntil(lambda: "resnet50.pth" in params.model_status.text(), timeout=60_000)
    assert not window.messages.open_boxes  # a bad file is a one-line reason in the panel, not a crash
    params.model.setCurrentIndex(params.model.findData("efficientnet-lite0"))
    qtbot.waitUntil(lambda: page.session.analysis is not None, timeout=60_000)
    assert page.run_bar.run_button.isEnabled()


def test_no_class_before_a_photograph_and_the_run_time_is_estimated_before_f5(qtbot, window, chelsea_png):
    window.resize(1024, 700)
    p = open_mode(qtbot, window, "imagenet-classification")
    assert p.chooser.currentIndex() == -1 and p.chooser.currentText() == "" and p.class_index is None
    assert drop_files(p.slots["image"], [chelsea_png])
    qtbot.waitUntil(lambda: p.session.analysis is not None and p.run_bar.run_button.isEnabled(), timeout=60_000)
    iterations = p.params.form.field("iterations").value()
    assert "run ≤ " in p.run_bar.status.text() and p.run_bar.status.width() >= p.run_bar.status.sizeHint().width()
    assert window.width() == 1024  # the page fits beside the side panel
    assert f"{iterations} iterations ≈ " in p.run_bar.status.toolTip() and "rough" in p.run_bar.status.toolTip()
    _run(qtbot, p, iterations=3)
    p.choose_class(1)  # another class: the next run's time comes from the run just made
    assert "3 iterations ≈ " in p.run_bar.run_button.toolTip() and "measured" in p.run_bar.run_button.toolTip()
