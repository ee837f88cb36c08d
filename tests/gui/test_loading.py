"""Loading photographs: drops, several faces, no face, hand-placed landmarks, bad files, paste."""

from __future__ import annotations

import os

import numpy as np
from gui_helpers import click_image, drop_files, face, wait_for_pair
from PIL import Image
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication

from fame_desktop.core.faces import ARCFACE_TEMPLATE
from fame_desktop.core.images import sha256_file


def test_dropping_two_photos_on_the_window_fills_both_slots(qtbot, window, data_dir):
    w = window
    assert drop_files(w, [data_dir / "obama.jpg", data_dir / "obama2.jpg"])
    wait_for_pair(qtbot, w)
    s = w.page.session
    assert s.inputs["gallery"].image.sha256 == sha256_file(data_dir / "obama.jpg")
    assert s.inputs["probe"].image.sha256 == sha256_file(data_dir / "obama2.jpg")
    assert 0.6 < w.page.score.similarity < 0.8  # same person (docs/method.md §3: 0.66–0.72)
    assert "+0.7" in w.page.score.score_label.text() and "MobileFaceNet" in w.page.score.model_label.full_text()
    # crops side by side, photograph with its face box and probability
    assert np.array_equal(w.page.review.views["gallery"].image_item.image, s.inputs["gallery"].model_input)
    assert "1 face found (p 1.000)" in w.page.slots["gallery"].status.text()
    assert "obama.jpg vs obama2.jpg" in w.windowTitle()
    actions = [e.action for e in s.audit.entries]
    assert "load gallery" in actions and "load probe" in actions
    assert str((data_dir / "obama.jpg").resolve()) in w.settings.recent_files()
    assert w.page.run_bar.run_button.isEnabled()


def test_dropping_one_file_on_a_slot_fills_that_slot(qtbot, window, data_dir):
    w = window
    assert drop_files(w.page.slots["probe"], [data_dir / "biden.jpg"])
    qtbot.waitUntil(lambda: face(w, "probe") is not None, timeout=60_000)
    assert face(w, "gallery") is None
    assert w.page.slots["probe"].file_label.text() == "biden.jpg"


def test_clicking_the_second_face_uses_it(qtbot, window, two_face_png):
    w = window
    drop_files(w.page.slots["probe"], [two_face_png])
    qtbot.waitUntil(lambda: face(w, "probe") is not None, timeout=60_000)
    fi = face(w, "probe")
    assert len(fi.faces) == 2 and fi.face_index == 0
    assert "2 faces found" in w.page.slots["probe"].status.text()
    first_crop = fi.crop.copy()
    x1, y1, x2, y2 = fi.faces[1].box
    click_image(qtbot, w.page.slots["probe"].view, (x1 + x2) / 2, (y1 + y2) / 2)
    qtbot.waitUntil(lambda: face(w, "probe").face_index == 1, timeout=5_000)
    chosen = face(w, "probe")
    assert chosen.face is fi.faces[1]
    assert not np.array_equal(chosen.crop, first_crop)
    assert np.array_equal(w.page.review.views["probe"].image_item.image, chosen.crop)
    last = w.page.session.audit.entries[-1]  # one entry for the choice, not a second "load"
    assert last.action == "use face" and last.details["face"] == 2 and last.details["role"] == "probe"
    assert "face 2 in use" in w.page.slots["probe"].status.text()


def test_a_photo_without_a_face_says_so_and_accepts_hand_placed_landmarks(qtbot, window, grey_png):
    w = window
    slot = w.page.slots["gallery"]
    drop_files(slot, [grey_png])
    qtbot.waitUntil(lambda: slot.no_face, timeout=60_000)
    assert "No face found" in slot.view.placeholder.text() and slot.view.placeholder.isVisible()
    assert "No face found" in slot.status.text()
    assert slot.landmark_button.isEnabled()
    assert face(w, "gallery") is None
    assert [e.action for e in w.page.session.audit.entries][-2:] == ["load gallery", "no face found"]

    slot.landmark_button.click()
    assert slot.view.placing and "LEFT EYE" in slot.view.badge.text()
    points = ARCFACE_TEMPLATE * 1.5 + [100, 20]  # a plausible face layout inside the 400×300 image
    for i, (x, y) in enumerate(points):
        click_image(qtbot, slot.view, x, y)
        if i < 4:
            assert f"point {i + 2} of 5" in slot.view.badge.text()
    qtbot.waitUntil(lambda: face(w, "gallery") is not None, timeout=5_000)
    fi = face(w, "gallery")
    assert fi.face.manual and fi.face_index == -1
    assert np.abs(fi.face.landmarks - points).max() < 1.0  # clicks land where the user clicked
    assert [e.action for e in w.page.session.audit.entries][-2:] == ["no face found", "place landmarks by hand"]
    assert "by hand" in slot.status.text()


def test_escape_cancels_landmark_placing(qtbot, window, grey_png):
    w = window
    slot = w.page.slots["gallery"]
    drop_files(slot, [grey_png])
    qtbot.waitUntil(lambda: slot.no_face, timeout=60_000)
    slot.landmark_button.click()
    click_image(qtbot, slot.view, 50, 50)
    w.act["escape"].trigger()
    assert not slot.view.placing and face(w, "gallery") is None
    assert "No face found" in slot.view.placeholder.text()


def test_a_bad_file_is_reported_and_loses_nothing(qtbot, window, data_dir, tmp_path):
    w = window
    drop_files(w.page.slots["gallery"], [data_dir / "obama.jpg"])
    qtbot.waitUntil(lambda: face(w, "gallery") is not None, timeout=60_000)
    before = face(w, "gallery")
    bad = tmp_path / "notes.jpg"
    bad.write_text("this is not a photograph")
    drop_files(w.page.slots["gallery"], [bad])
    qtbot.waitUntil(lambda: len(w.messages.shown) == 1, timeout=10_000)
    msg = w.messages.shown[0]
    assert msg.level == "warning" and "notes.jpg" in msg.text and "not an image" in msg.text
    assert "\n" not in msg.text  # one line, no traceback
    assert face(w, "gallery") is before
    assert w.page.slots["gallery"].image is before.image
    assert "1 face found" in w.page.slots["gallery"].status.text()


def test_three_files_on_the_window_are_refused_with_a_reason(qtbot, window, data_dir):
    w = window
    drop_files(w, [data_dir / n for n in ("obama.jpg", "obama2.jpg", "biden.jpg")])
    qtbot.waitUntil(lambda: len(w.messages.shown) == 1, timeout=5_000)
    assert "3 files" in w.messages.shown[0].text
    assert w.page.inputs.state["gallery"].image is None


def test_an_image_pasted_from_the_clipboard_is_loaded_and_hashed(qtbot, window, data_dir):
    w = window
    rgb = np.asarray(Image.open(data_dir / "obama2.jpg").convert("RGB")).copy()
    h, wd = rgb.shape[:2]
    QApplication.clipboard().setImage(QImage(rgb.data, wd, h, 3 * wd, QImage.Format.Format_RGB888).copy())
    w.page.paste("probe")
    qtbot.waitUntil(lambda: face(w, "probe") is not None, timeout=60_000)
    fi = face(w, "probe")
    assert fi.image.source.startswith("clipboard image pasted")
    assert fi.image.format == "PNG" and np.array_equal(np.asarray(fi.image.rgb), rgb)  # lossless
    assert len(fi.faces) == 1


def test_recent_files_reload_into_a_slot(qtbot, window, data_dir):
    w = window
    w.page.inputs.load_path("gallery", str(data_dir / "biden.jpg"))
    qtbot.waitUntil(lambda: face(w, "gallery") is not None, timeout=60_000)
    recent = [a for a in w.page.slots["probe"].recent_menu.actions() if a.text() == "biden.jpg"]
    assert recent
    recent[0].trigger()
    qtbot.waitUntil(lambda: face(w, "probe") is not None, timeout=60_000)
    assert w.page.session.inputs["probe"].image.sha256 == w.page.session.inputs["gallery"].image.sha256


def test_a_photo_strip_of_20000_by_200_finds_its_face_without_an_error(qtbot, window, data_dir, tmp_path):
    """MTCNN's image pyramid was empty for such strips: a traceback dialog (torch.cat …) instead of a face."""
    head = Image.open(data_dir / "obama2.jpg").convert("RGB")
    head = head.resize((round(head.width * 200 / head.height), 200))
    strip = Image.new("RGB", (20000, 200), (128, 128, 128))
    strip.paste(head, (9000, 0))
    path = tmp_path / "strip.png"
    strip.save(path)
    w = window
    drop_files(w.page.slots["probe"], [path])
    qtbot.waitUntil(lambda: face(w, "probe") is not None or bool(w.messages.shown), timeout=60_000)
    assert w.messages.shown == []
    fi = face(w, "probe")
    assert len(fi.faces) == 1 and 9000 < fi.face.box[0] < 9000 + head.width
    assert "1 face found" in w.page.slots["probe"].status.text()


def test_a_photo_too_narrow_for_the_detector_says_why(qtbot, window, tmp_path):
    path = tmp_path / "line.png"
    Image.new("RGB", (100_000, 32), (128, 128, 128)).save(path)
    slot = window.page.slots["gallery"]
    drop_files(slot, [path])
    qtbot.waitUntil(lambda: slot.no_face or bool(window.messages.shown), timeout=60_000)
    assert window.messages.shown == []
    assert "No face can be detected in a 100000×32 image: its sides are too unequal." in slot.status.text()


def test_a_named_pipe_dropped_on_a_slot_is_refused_at_once(qtbot, window, tmp_path):
    """Reading a named pipe blocked the worker for ever; now it is refused before it is opened for reading."""
    pipe = tmp_path / "photo.jpg"
    os.mkfifo(pipe)
    drop_files(window.page.slots["gallery"], [pipe])
    qtbot.waitUntil(lambda: len(window.messages.shown) == 1, timeout=10_000)
    msg = window.messages.shown[0]
    assert msg.level == "warning" and msg.text == f"{pipe}: not a regular file (a named pipe)"
    assert window.page.inputs.state["gallery"].image is None
