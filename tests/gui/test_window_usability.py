"""What an examiner stumbles over in the window (issue 12): rich text, the audit log, face numbers,
Originals mode, narrow windows and group photos."""

from __future__ import annotations

import pytest
from conftest import make_window
from gui_helpers import drop_files, open_mode, set_quick_run, wait_for_pair
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QTextDocument
from PySide6.QtWidgets import QToolBar


def _plain(html: str) -> str:
    doc = QTextDocument()
    doc.setHtml(html)
    return doc.toPlainText()


def _run(qtbot, w, iterations=3):
    set_quick_run(w.page, iterations)
    with qtbot.waitSignal(w.page.run.finished, timeout=120_000):
        w.page.run_bar.run_button.click()


def test_score_below_the_threshold_says_so_and_user_text_is_escaped(qtbot):
    from fame_desktop.gui.score_panel import ScorePanel
    from fame_desktop.session.audit import Threshold

    panel = ScorePanel()
    qtbot.addWidget(panel)
    panel.set_score(0.31, "ArcFace <MBF> & co")
    panel.set_threshold(Threshold(0.5, "lab <set> & checked"))
    assert "score < threshold" in _plain(panel.threshold_label.text())
    assert panel.model_label.textFormat() == Qt.TextFormat.PlainText
    assert panel.model_label.text().startswith("Face model: ArcFace <MBF> & co.")
    panel.set_score(0.61, "m")
    assert "score ≥ threshold" in _plain(panel.threshold_label.text())


def test_audit_log_records_only_changes_and_shows_date_and_time(qtbot, window, data_dir, two_face_png):
    w = window
    drop_files(w, [data_dir / "obama.jpg", two_face_png])
    wait_for_pair(qtbot, w)
    _run(qtbot, w)
    n = len(w.page.session.audit.entries)
    _run(qtbot, w)  # the same parameters again
    again = [e.action for e in w.page.session.audit.entries[n:]]
    assert "set method parameters" not in again and "set map settings" not in again, again
    # another face of the same photograph: a "use face" entry, not a second "load"
    n = len(w.page.session.audit.entries)
    w.page.slots["probe"].face_chosen.emit(1)
    qtbot.waitUntil(lambda: w.page.session.analysis is not None, timeout=60_000)
    picked = [e.action for e in w.page.session.audit.entries[n:]]
    assert "use face" in picked and not any(a.startswith("load") for a in picked), picked
    panel = w.page.audit_panel
    panel.show_entries(w.page.session.audit.entries)
    first = w.page.session.audit.entries[0].time  # e.g. 2026-12-06T09:01:52+00:00
    assert panel.item(0, 0).text() == f"{first[:10]} {first[11:19]}"


def test_feature_map_faces_are_picked_in_the_photo_and_logged_by_the_number_shown(qtbot, window, two_face_png):
    page = open_mode(qtbot, window, "feature-map")
    page.params.model.setCurrentIndex(page.params.model.findData("arcface-mbf"))
    qtbot.waitUntil(lambda: page.loader.model is not None and page.loader.model.describe()["key"] == "arcface-mbf",
                    timeout=60_000)
    qtbot.waitUntil(lambda: page.layer.count() > 1, timeout=60_000)
    assert drop_files(page.slots["image"], [two_face_png])
    qtbot.waitUntil(lambda: page.session.analysis is not None and not page.inputs.busy(), timeout=60_000)
    n = len(page.session.audit.entries)
    page.slots["image"].face_chosen.emit(1)  # a click on the second face ("face 2" on the photo)
    qtbot.waitUntil(lambda: "image" in page.session.inputs and page.session.inputs["image"].payload.face_index == 1
                    and page.session.analysis is not None and not page.inputs.busy(), timeout=60_000)
    entries = {e.action: e.details for e in page.session.audit.entries[n:]}
    assert entries["use face"]["face"] == 2 and entries["use face"]["faces_found"] == 2, entries
    assert entries["set task options"]["image_face"] == "face 2"
    assert "face 2 of 2" in page.slots["image"].status.text()
    assert page.session.options["image_face"] == 1  # the case file keeps its 0-based index


def test_file_dialogs_start_in_the_folder_last_used_and_no_ready_while_the_model_loads(
        qtbot, config_dir, detector, face_model, data_dir, monkeypatch):
    from PySide6.QtWidgets import QFileDialog

    w = make_window(qtbot, config_dir, detector, face_model, start=False)
    messages = []
    w.statusBar().messageChanged.connect(messages.append)
    w.start()
    qtbot.waitUntil(lambda: w.page is not None and w.page.loader.model is not None, timeout=60_000)
    assert messages and not any(m.startswith("Ready") for m in messages), messages
    starts = []
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (starts.append(a[2]), ("", ""))[1])
    drop_files(w, [data_dir / "obama.jpg"])  # a drop, not the dialog
    qtbot.waitUntil(lambda: w.page.inputs.state["gallery"].image is not None, timeout=60_000)
    w.page.open_dialog("probe")
    w.open_case_dialog()  # no case folder yet: where the photographs are
    assert starts == [str(data_dir.resolve())] * 2
    w.close()


def _whole(label) -> bool:
    """The label shows its whole text (rich text: its plain words) in the room it has."""
    return label.isVisible() and label.width() >= label.sizeHint().width()


def test_the_window_is_usable_at_1024_by_700(qtbot, window, data_dir):
    from fame_desktop.gui.review_panel import KIND_LABELS, SHORT_KIND_LABELS

    w = window
    w.resize(1024, 700)
    drop_files(w, [data_dir / "obama.jpg", data_dir / "biden.jpg"])
    wait_for_pair(qtbot, w)
    w.page.apply_threshold((0.5, "laboratory validation set"))
    _run(qtbot, w)  # a result: Export report… is offered
    qtbot.wait(100)
    assert (w.width(), w.height()) == (1024, 700) and w.dock.isVisible()
    score = w.page.score
    assert _whole(score.score_label) and _whole(score.threshold_label)
    assert "score < threshold" in _plain(score.threshold_label.text())
    for button in (score.threshold_button, w.page.export_button, w.page.run_bar.run_button):
        assert button.isVisible() and button.width() >= button.sizeHint().width(), button.text()
    for toggle in w.page.review.toggles.values():  # whole words, short or long, never an elided "e+ …lar"
        texts = {b.text() for b in toggle.buttons.values()}
        assert texts in ({*KIND_LABELS.values()}, {*SHORT_KIND_LABELS.values()})
        assert all(b.width() >= b.sizeHint().width() for b in toggle.buttons.values())
    assert w.page.review.mix.width() >= 60
    assert w.page.slots["gallery"].file_label.text() in ("obama.jpg",) or w.page.slots["gallery"].file_label.text().endswith("…")
    w.grab().save("/tmp/shots/win12_1024_dock.png")
    # the side panel gives way to the photographs: it can be dragged narrow
    assert w.dock.minimumSizeHint().width() <= 320
    # with the side panel closed every main action is on the toolbar, none behind its » menu
    w.dock.hide()
    qtbot.wait(100)
    toolbar = w.findChild(QToolBar, "main_toolbar")
    for key in ("open1", "open2", "run", "original", "open_case", "save", "export"):
        assert toolbar.widgetForAction(w.act[key]).isVisible(), key
    w.grab().save("/tmp/shots/win12_1024_nodock.png")
    # the crops refit when the window grows (unless the user zoomed)
    gallery = w.page.review.views["gallery"]
    before = gallery.vb.viewRect()
    w.resize(1400, 950)
    qtbot.wait(200)
    after = gallery.vb.viewRect()
    assert after.height() < 1.2 * 112 and after.width() < 1.2 * 112 * gallery.width() / gallery.height() + 1, (before, after)
    assert after.contains(QRectF(1, 1, 110, 110))


@pytest.fixture
def group_png(tmp_path, data_dir):
    """Twelve faces in three rows (obama, obama2, biden over and over), a small group photograph."""
    from PIL import Image

    tiles = [Image.open(data_dir / n).convert("RGB") for n in ("obama.jpg", "obama2.jpg", "biden.jpg")]
    tiles = [t.crop((0, 0, t.width, min(t.height, round(t.width * 1.1)))).resize((220, 240)) for t in tiles]
    canvas = Image.new("RGB", (4 * 220, 3 * 240))
    for k in range(12):
        canvas.paste(tiles[k % 3], (k % 4 * 220, k // 4 * 240))
    path = tmp_path / "group.png"
    canvas.save(path)
    return path


def _labels(view) -> list[str]:
    import pyqtgraph as pg

    return [item.textItem.toPlainText() for item in view._annotations if isinstance(item, pg.TextItem)]


def test_group_photo_labels_the_face_in_use_in_full_the_others_by_number_and_lists_them(
        qtbot, window, data_dir, group_png):
    w = window
    drop_files(w, [data_dir / "obama.jpg", group_png])
    wait_for_pair(qtbot, w)
    slot = w.page.slots["probe"]
    faces = w.page.session.inputs["probe"].payload.faces
    n = len(faces)
    assert n >= 6, n
    labels = _labels(slot.view)
    assert labels[0] == f"face 1 · p {faces[0].probability:.3f} · in use" and labels[1:] == [str(i + 1) for i in range(1, n)]
    assert slot.face_list.isVisible() and slot.face_list.count() == n and slot.face_list.currentRow() == 0
    assert slot.face_list.item(3).text().startswith("4 · p ")
    slot.face_list.setCurrentRow(3)  # picked in the list
    qtbot.waitUntil(lambda: w.page.session.inputs.get("probe") is not None
                    and w.page.session.inputs["probe"].payload.face_index == 3 and w.page.session.analysis is not None,
                    timeout=60_000)
    labels = _labels(slot.view)
    assert labels[3].startswith("face 4 · ") and labels[3].endswith("in use") and labels[0] == "1"
    assert slot.face_list.currentRow() == 3 and "face 4 in use" in slot.status.text()
    w.resize(1280, 800)
    qtbot.wait(100)
    slot.grab().save("/tmp/shots/win12_group_fit.png")
    f = faces[3].box
    slot.view.vb.setRange(QRectF(f[0] - 60, f[1] - 60, f[2] - f[0] + 120, f[3] - f[1] + 120), padding=0)
    qtbot.wait(100)
    slot.grab().save("/tmp/shots/win12_group_zoom.png")
    # a single face needs no list
    drop_files(slot, [data_dir / "biden.jpg"])
    wait_for_pair(qtbot, w)
    qtbot.waitUntil(lambda: w.page.session.inputs["probe"].image.name == "biden.jpg", timeout=60_000)
    assert not slot.face_list.isVisible()
