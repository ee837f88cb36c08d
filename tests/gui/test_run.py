"""Running FAME from the window: live preview, cancel, instant re-blur, overlays, sync views."""

from __future__ import annotations

import time

import numpy as np
from gui_helpers import drop_files, set_quick_run, wait_for_pair
from PySide6.QtCore import QRectF

from fame_desktop.core.attribution import MapSettings, delta_to_maps
from fame_desktop.core.photo_overlay import footprint_box


def _loaded(qtbot, w, data_dir):
    drop_files(w, [data_dir / "obama.jpg", data_dir / "obama2.jpg"])
    wait_for_pair(qtbot, w)


def _run(qtbot, w, iterations=6):
    set_quick_run(w.page, iterations)
    with qtbot.waitSignal(w.page.run.finished, timeout=120_000):
        w.page.run_bar.run_button.click()
    return w.page.session.result()


def test_run_shows_live_previews_then_the_result(qtbot, window, data_dir):
    w = window
    _loaded(qtbot, w, data_dir)
    events = []
    w.page.run.preview_shown.connect(lambda it: events.append(("preview", it, w.page.review.caption)))
    w.page.run.finished.connect(lambda e: events.append(("finished", None, None)))
    set_quick_run(w.page, iterations=6)
    with qtbot.waitSignal(w.page.run.finished, timeout=120_000):
        w.page.run_bar.run_button.click()
        assert w.page.run.running and not w.page.run_bar.run_button.isEnabled() and w.page.run_bar.cancel_button.isEnabled()
    previews = [e for e in events if e[0] == "preview"]
    assert len(previews) >= 2 and events[-1][0] == "finished"
    assert previews[0][1] >= 1 and "live preview" in previews[0][2]
    e = w.page.session.result()
    assert e is not None and not e.run.cancelled and list(e.run.iterations) == [6, 6, 6, 6]
    # the result is on screen: the crop view shows the overlay, not the bare crop
    shown = w.page.review.views["gallery"].image_item.image
    assert shown.shape == (112, 112, 3) and not np.array_equal(shown, w.page.session.inputs["gallery"].model_input)
    for k, m in e.maps(w.page.controls.map_settings()).items():
        assert np.array_equal(w.page.review.maps[k], m)
    assert "result · 6 it." in w.page.review.views["gallery"].badge.text()
    assert "All 4 maps: 6 iterations" in w.page.run_bar.status.text()
    actions = [x.action for x in w.page.session.audit.entries]
    assert actions.index("run started") < actions.index("run finished")
    assert not w.page.run_bar.cancel_button.isEnabled() and w.page.run_bar.run_button.isEnabled()


def test_cancel_stops_within_an_iteration_and_keeps_the_last_complete_result(qtbot, window, data_dir):
    w = window
    _loaded(qtbot, w, data_dir)
    first = _run(qtbot, w, iterations=4)
    first_maps = {k: v.copy() for k, v in w.page.review.maps.items()}
    set_quick_run(w.page, iterations=300)
    with qtbot.waitSignal(w.page.run.preview_shown, timeout=60_000):
        w.page.run_bar.run_button.click()
    assert w.page.review.caption.startswith("live preview")  # the preview replaces the view while running
    seen = w.page.run.last_progress.iteration
    t0 = time.perf_counter()
    with qtbot.waitSignal(w.page.run.cancelled, timeout=30_000):
        w.page.run_bar.cancel_button.click()
    waited = time.perf_counter() - t0
    assert w.page.session.result() is first  # the re-run never replaced it
    for k, v in first_maps.items():
        assert np.array_equal(w.page.review.maps[k], v)
    entry = w.page.session.audit.entries[-1]
    assert entry.action == "run cancelled" and entry.details["kept"] == []  # the earlier result stays
    assert max(entry.details["iterations"]) <= seen + 2, (entry.details, seen)
    assert "previous complete result is shown" in w.page.run_bar.status.text()
    assert waited < 10, waited  # one iteration is ~0.2 s here; generous for a busy CI machine
    assert "Cancelled at iteration" in w.page.run_bar.progress.format()


def test_changing_blur_updates_maps_without_running_again(qtbot, window, data_dir):
    w = window
    _loaded(qtbot, w, data_dir)
    e = _run(qtbot, w, iterations=4)
    before = w.page.review.views["gallery"].image_item.image.copy()
    w.page.controls.sigma.setValue(2.0)  # the maps change at once, synchronously
    expected = delta_to_maps(e.delta("gallery_similar"), MapSettings(49, 2.0, "minmax"))
    assert np.allclose(w.page.review.maps["gallery_similar"], expected)
    assert not np.array_equal(w.page.review.views["gallery"].image_item.image, before)
    assert w.page.session.result() is e and not w.page.run.running
    assert all(j.name.startswith("photo layer") for j in w.runner.running)  # only the maps drawn on the photographs
    w.page.controls.normalisation.setCurrentIndex(w.page.controls.normalisation.findData("max"))
    assert np.allclose(w.page.review.maps["probe_dissimilar"],
                       delta_to_maps(e.delta("probe_dissimilar"), MapSettings(49, 2.0, "max")))
    qtbot.waitUntil(lambda: w.page.session.map_settings == MapSettings(49, 2.0, "max"), timeout=5_000)
    assert w.page.session.audit.entries[-1].action == "set map settings"


def test_overlays_on_photographs_toggles_and_originals(qtbot, window, data_dir):
    w = window
    _loaded(qtbot, w, data_dir)
    _run(qtbot, w, iterations=4)
    qtbot.waitUntil(lambda: not w.runner.running, timeout=30_000)  # the result's layers, made in workers
    s = w.page.session
    view = w.page.slots["gallery"].view
    assert view.overlay_item.isVisible()
    r = view.overlay_item.mapRectToParent(view.overlay_item.boundingRect())
    g = s.inputs["gallery"]
    x0, y0, x1, y1 = footprint_box(g.matrix, g.image.width, g.image.height)
    assert (round(r.left()), round(r.top())) == (x0, y0)
    assert abs(r.right() - x1) < 3 and abs(r.bottom() - y1) < 3  # the layer is coarser than the photo
    assert abs(view.overlay_item.opacity() - w.page.controls.alpha()) < 1e-6
    # e− instead of e+ on the probe
    w.page.review.toggles["probe"].buttons["dissimilar"].click()
    m = w.page.review.maps["probe_dissimilar"]
    assert w.page.review.map_for("probe") is m and "e− dissimilar" in w.page.review.views["probe"].badge.text()
    # the unprocessed originals are one click away
    w.act_original.trigger()
    assert np.array_equal(w.page.review.views["gallery"].image_item.image, s.inputs["gallery"].model_input)
    assert not view.overlay_item.isVisible()
    assert not any(item.isVisible() for item in view._annotations)
    # nothing says a map is shown: no colour bar, no highlighted e+ / e− choice
    assert not w.page.colour_bar.isVisible()
    assert all(not t.isEnabled() for t in w.page.review.toggles.values())
    w.act_original.trigger()
    assert view.overlay_item.isVisible() and w.page.colour_bar.isVisible()
    assert w.page.review.toggles["probe"].isEnabled() and w.page.review.toggles["probe"].kind() == "dissimilar"
    # opacity 0 shows the crop itself; no overlay on photographs when unticked
    layer = view._layer
    w.page.controls.opacity.setValue(0)
    assert np.array_equal(w.page.review.views["gallery"].image_item.image, s.inputs["gallery"].model_input)
    assert view.overlay_item.opacity() == 0 and view._layer is layer  # opacity alone: nothing recomputed
    w.page.controls.on_photo.setChecked(False)
    assert not view.overlay_item.isVisible()


def test_crop_views_zoom_and_pan_together_and_blend(qtbot, window, data_dir):
    w = window
    _loaded(qtbot, w, data_dir)
    g, p = w.page.review.views["gallery"], w.page.review.views["probe"]
    g.vb.setRange(QRectF(30, 40, 40, 40), padding=0)
    qtbot.wait(50)
    rg, rp = g.vb.viewRect(), p.vb.viewRect()
    assert abs(rg.left() - rp.left()) < 0.5 and abs(rg.top() - rp.top()) < 0.5
    assert rg.width() < 60 and abs(rg.width() - rp.width()) < 0.5
    s = w.page.session
    w.page.review.mix.setValue(0)
    assert np.array_equal(w.page.review.compare_view.image_item.image, s.inputs["gallery"].model_input)
    w.page.review.mix.setValue(100)
    assert np.array_equal(w.page.review.compare_view.image_item.image, s.inputs["probe"].model_input)
    w.page.review.wipe_mode.setChecked(True)
    w.page.review.mix.setValue(25)  # 25 % probe: the panels' order, gallery left of the line, probe right
    shown = w.page.review.compare_view.image_item.image
    assert np.array_equal(shown[:, :84], s.inputs["gallery"].model_input[:, :84]) and np.array_equal(shown[:, 84:], s.inputs["probe"].model_input[:, 84:])
    assert w.page.review.wipe_line.value() == 84 and w.page.review.mix.invertedAppearance()


def test_new_photo_or_closing_the_window_stops_a_run(qtbot, window, data_dir):
    w = window
    _loaded(qtbot, w, data_dir)
    set_quick_run(w.page, iterations=300)
    with qtbot.waitSignal(w.page.run.preview_shown, timeout=60_000):
        w.page.run_bar.run_button.click()
    with qtbot.waitSignal(w.page.run.cancelled, timeout=30_000):
        drop_files(w.page.slots["probe"], [data_dir / "biden.jpg"])
    stop = [e for e in w.page.session.audit.entries if e.action == "run stopped"][-1]
    assert stop.details["reason"] == "a new probe photograph was loaded"
    qtbot.waitUntil(lambda: w.page.score.similarity is not None and "probe" in w.page.session.inputs
                    and w.page.session.inputs["probe"].image.name == "biden.jpg", timeout=60_000)
    assert w.page.session.result() is None
    # a run still going when the window closes is stopped and joined, not left behind
    with qtbot.waitSignal(w.page.run.preview_shown, timeout=60_000):
        w.page.run_bar.run_button.click()
    t0 = time.perf_counter()
    w.close()
    assert not w.runner.running and time.perf_counter() - t0 < 10
