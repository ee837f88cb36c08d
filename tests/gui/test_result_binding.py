"""A result is shown, exported and saved only beside the inputs it was computed from (issue 11.1).

Each test drives the window with real photographs and changes an input while something
is still going on: a slow face detection, a run that goes on after the probe changed, a
face picked during a run.
"""

from __future__ import annotations

import threading

import numpy as np
import pytest
from gui_helpers import click_image, drop_files, set_quick_run, wait_for_pair
from PySide6.QtCore import Qt


@pytest.fixture
def held_detection(window):
    """Face detection that waits until the test calls `release()` (a group photo on a slow machine)."""
    detector = window.page.task.detector()
    gate = threading.Event()
    original = detector.detect

    def slow(rgb):
        gate.wait(60)
        return original(rgb)

    detector.detect = slow
    yield gate
    gate.set()  # before the window's teardown joins the worker threads
    del detector.detect


def _actions(w):
    return [e.action for e in w.page.session.audit.entries]


def _pair_similarity(face_model, a, b) -> float:
    from fame_desktop.core.verification import pair_similarity

    return pair_similarity(face_model, a, b)


def test_while_a_new_probe_is_detected_nothing_of_the_old_pair_can_run_or_show(qtbot, window, held_detection,
                                                                                data_dir, face_model):
    w = window
    gate = held_detection
    gate.set()
    drop_files(w, [data_dir / "obama.jpg", data_dir / "obama2.jpg"])
    wait_for_pair(qtbot, w)
    set_quick_run(w.page, iterations=3)
    with qtbot.waitSignal(w.page.run.finished, timeout=120_000):
        w.page.run_bar.run_button.click()
    assert w.page.review.maps is not None and w.act["export"].isEnabled()
    runs_before = _actions(w).count("run started")

    gate.clear()  # the next detection is held
    drop_files(w.page.slots["probe"], [data_dir / "biden.jpg"])
    qtbot.waitUntil(lambda: "being found" in w.page.slots["probe"].status.text(), timeout=30_000)
    # the old pair is gone from the screen and cannot be run, exported or saved as a result
    assert not w.page.run_bar.run_button.isEnabled() and not w.act["run"].isEnabled()
    assert "being found" in w.page.run_bar.run_button.toolTip()
    qtbot.keyClick(w, Qt.Key.Key_F5)
    assert w.page.run.start() is False and not w.page.run.running
    assert _actions(w).count("run started") == runs_before
    assert w.page.score.similarity is None
    assert w.page.review.maps is None and w.page.review.views["probe"].image_item.image is None
    assert not w.act["export"].isEnabled()
    assert w.page.session.result() is None
    assert _actions(w)[-1] == "load probe"  # logged when read, before any later step

    gate.set()
    wait_for_pair(qtbot, w)
    s = w.page.session
    assert s.inputs["probe"].image.name == "biden.jpg"
    assert w.page.score.similarity == pytest.approx(_pair_similarity(face_model, s.inputs["gallery"].model_input, s.inputs["probe"].model_input), abs=1e-6)
    tail = _actions(w)[-2:]
    assert tail == ["load probe", "use face"]


def test_a_run_that_ends_after_the_probe_changed_is_discarded(qtbot, window, data_dir, monkeypatch):
    w = window
    drop_files(w, [data_dir / "obama.jpg", data_dir / "obama2.jpg"])
    wait_for_pair(qtbot, w)
    monkeypatch.setattr(w.page.run, "cancel", lambda *a, **k: None)  # a run that does not stop in time
    set_quick_run(w.page, iterations=40)
    with qtbot.waitSignal(w.page.run.preview_shown, timeout=60_000):
        w.page.run_bar.run_button.click()
    w.page.inputs.load_path("probe", str(data_dir / "biden.jpg"))
    qtbot.waitUntil(lambda: not w.page.run.running, timeout=180_000)
    wait_for_pair(qtbot, w)
    s = w.page.session
    assert s.inputs["probe"].image.name == "biden.jpg"
    assert s.result() is None, "the result of obama/obama2 was accepted beside biden.jpg"
    assert w.page.review.maps is None and not w.act["export"].isEnabled()
    discarded = [e for e in s.audit.entries if e.action == "result discarded"]
    assert len(discarded) == 1 and "probe photograph" in discarded[0].details["reason"]
    assert "run finished" not in _actions(w)
    assert "discarded" in w.page.run_bar.status.text()


def test_picking_another_face_during_a_run_shows_neither_the_old_score_nor_its_maps(qtbot, window, data_dir,
                                                                                    two_face_png, face_model):
    w = window
    w.page.inputs.load_path("gallery", str(data_dir / "obama.jpg"))
    w.page.inputs.load_path("probe", str(two_face_png))
    wait_for_pair(qtbot, w)
    old_score = w.page.score.similarity
    set_quick_run(w.page, iterations=200)
    with qtbot.waitSignal(w.page.run.preview_shown, timeout=60_000):
        w.page.run_bar.run_button.click()
    fi = w.page.session.inputs["probe"].payload
    x1, y1, x2, y2 = fi.faces[1].box
    click_image(qtbot, w.page.slots["probe"].view, (x1 + x2) / 2, (y1 + y2) / 2)
    assert w.page.session.inputs["probe"].payload.face_index == 1
    assert w.page.score.similarity is None  # at once: not the old score beside the new face
    assert w.page.review.maps is None
    qtbot.waitUntil(lambda: not w.page.run.running, timeout=60_000)
    wait_for_pair(qtbot, w)
    s = w.page.session
    assert s.result() is None and w.page.review.maps is None
    expected = _pair_similarity(face_model, s.inputs["gallery"].model_input, s.inputs["probe"].model_input)
    assert w.page.score.similarity == pytest.approx(expected, abs=1e-6) and abs(expected - old_score) > 0.05
    assert np.array_equal(w.page.review.views["probe"].image_item.image, s.inputs["probe"].model_input)
