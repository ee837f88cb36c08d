"""File ▸ Save case / Open case: a session saved from one window reopens in another with every view."""

from __future__ import annotations

import zipfile

import numpy as np
import pytest
from conftest import make_window
from gui_helpers import drop_files, set_quick_run, wait_for_pair
from PySide6.QtWidgets import QFileDialog, QMessageBox

from fame_desktop.gui.app import build_parser, create_window
from fame_desktop.gui.session_restore import show_session
from fame_desktop.gui.view_sync import read_view_state


def save_dialog(monkeypatch, path):
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(path), ""))


def open_dialog(monkeypatch, path):
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(path), ""))


def what_the_window_shows(w) -> dict:
    """Everything an examiner sees of a result, as plain values and pixel arrays."""
    c, r, s = w.review.controls, w.review, w.model.session
    p = w.params.fame_params()
    return {
        "score": w.score.similarity, "score_text": w.score.score_label.text(),
        "threshold": w.score.threshold_label.text(), "source": w.score.source_label.full_text(),
        "params": (p.iterations, p.step_size, p.epsilon, p.clamp, p.detach_norms),
        "model": w.params.model.currentData(),
        "map_settings": c.map_settings(), "cmap": c.colour_map(), "opacity": c.opacity.value(),
        "on_photo": c.on_photo.isChecked(), "kinds": {k: t.kind() for k, t in r.toggles.items()},
        "wipe": r.wipe_mode.isChecked(), "mix": r.mix.value(),
        "maps": {k: v.copy() for k, v in r.maps.items()},
        "crop_views": {k: v.image_item.image.copy() for k, v in r.views.items()},
        "compare_view": r.compare_view.image_item.image.copy(),
        "photo_overlays": {k: (sl.view._layer.rgba.copy() if sl.view._layer is not None else None)
                           for k, sl in w.slots.items()},
        "photos": {k: w.inputs.state[k].image.sha256 for k in w.slots},
        "faces": {k: (s.inputs[k].face_index, len(w.slots[k].view._faces), w.slots[k].view._chosen,
                    w.slots[k].status.text()) for k in w.slots},
        "case": w.case.values(),
        "badges": {k: v.badge.text() for k, v in r.views.items()},
    }


def same(a: dict, b: dict) -> None:
    for key in a:
        va, vb = a[key], b[key]
        if isinstance(va, dict) and va and isinstance(next(iter(va.values())), np.ndarray):
            for k in va:
                assert np.array_equal(va[k], vb[k]), f"{key}.{k} differs"
        elif isinstance(va, np.ndarray):
            assert np.array_equal(va, vb), key
        else:
            assert va == vb, f"{key}: {va!r} != {vb!r}"


def test_saved_case_reopens_in_a_new_window_with_every_view(qtbot, tmp_path, detector, face_model, data_dir,
                                                            monkeypatch):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    w = make_window(qtbot, tmp_path / "a", detector, face_model)
    drop_files(w, [data_dir / "obama.jpg", data_dir / "obama2.jpg"])
    wait_for_pair(qtbot, w)
    set_quick_run(w, iterations=4)
    with qtbot.waitSignal(w.run.finished, timeout=120_000):
        w.run.start()
    c, r = w.review.controls, w.review
    c.set_map_settings(type(c.map_settings())(blur_kernel=31, blur_sigma=3.5, normalisation="max"))
    c.cmap.setCurrentText("inferno")
    c.opacity.setValue(70)
    r.toggles["gallery"].set_kind("dissimilar")
    r.toggles["probe"].set_kind("similar")
    r.wipe_mode.setChecked(True)
    r.mix.setValue(30)
    w.apply_threshold((0.32, "EER on the lab validation set"))
    for key, value in (("case_id", "2024-FR-0173"), ("exhibit_gallery", "EX-1"), ("examiner", "A. Examiner")):
        w.case.fields[key].setText(value)
        w.case.fields[key].editingFinished.emit()
    w.case.notes.setPlainText("Frontal portraits; typed just before saving.")  # still pending: save flushes
    assert w.windowTitle().startswith("2024-FR-0173 — no case file* — obama.jpg vs obama2.jpg")

    save_dialog(monkeypatch, tmp_path / "case 17")  # the suffix is added
    with qtbot.waitSignal(w.cases.saved, timeout=60_000):
        w.cases.act_save.trigger()
    path = tmp_path / "case 17.famecase"
    assert path.is_file() and w.windowTitle().startswith("2024-FR-0173 — case 17.famecase — ")
    assert w.model.session.audit.entries[-1].action == "save case file"
    before = what_the_window_shows(w)
    actions = [e.action for e in w.model.session.audit.entries]
    assert before["case"]["notes"] == "Frontal portraits; typed just before saving."
    w.close()

    w2 = make_window(qtbot, tmp_path / "b", detector, face_model)
    open_dialog(monkeypatch, path)
    with qtbot.waitSignal(w2.cases.opened, timeout=60_000):
        w2.cases.act_open.trigger()
    qtbot.waitUntil(lambda: w2.score.similarity is not None)
    after = what_the_window_shows(w2)
    same(before, after)
    assert after["maps"]["gallery_dissimilar"].max() > 0 and after["photo_overlays"]["gallery"] is not None
    s2 = w2.model.session
    assert [e.action for e in s2.audit.entries] == actions[:-1] + ["open case file"]  # the file predates its save
    assert w2.audit.rowCount() == len(s2.audit) and w2.audit.item(w2.audit.rowCount() - 1, 1).text() == "open case file"
    assert w2.run.previews == 0 and not w2.run.running  # nothing re-ran
    assert "not re-run" in w2.run_bar.progress.format()
    assert w2.windowTitle() == "2024-FR-0173 — case 17.famecase — obama.jpg vs obama2.jpg — Face verification — fame-desktop"
    assert str(path.resolve()) in w2.cases.recent()
    assert [a.text() for a in w2.cases.recent_menu.actions()][0] == "case 17.famecase"
    w2.close()


def test_tampered_case_file_is_refused_and_the_session_stays(qtbot, window, pair_session, tmp_path, monkeypatch,
                                                             unsaved_answers):
    from fame_desktop.session.casefile import save_case

    w = window
    good = tmp_path / "good.famecase"
    save_case(pair_session.frozen_copy(), good)
    bad = tmp_path / "bad.famecase"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(bad, "w") as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == "session.json":
                data = data.replace(b"2024-FR-0173", b"2024-FR-9999")  # a changed case ID, manifest unchanged
            dst.writestr(item, data)

    show_session(w, pair_session)
    s, n, title, score = w.model.session, len(pair_session.audit), w.windowTitle(), w.score.similarity
    open_dialog(monkeypatch, bad)
    with qtbot.waitSignal(w.cases.open_failed, timeout=30_000):
        w.cases.act_open.trigger()
    qtbot.waitUntil(lambda: bool(w.messages.shown))
    msg = w.messages.shown[-1]
    reason, rest = msg.text.split("\n", 1)
    assert msg.title == "Cannot open the case file" and reason.startswith("bad.famecase: altered")
    assert rest.strip() == "The case shown is unchanged."
    assert w.model.session is s and len(s.audit) == n and s.case.case_id == "2024-FR-0173"
    assert w.windowTitle() == title and w.score.similarity == score and unsaved_answers[1] == []


def test_unsaved_changes_are_asked_about_before_new_open_and_close(qtbot, window, pair_session, tmp_path,
                                                                   monkeypatch, unsaved_answers):
    from fame_desktop.session.casefile import save_case

    answers, asked = unsaved_answers
    w = window
    assert w.cases.unsaved() == [] and "*" not in w.windowTitle()
    other = tmp_path / "other.famecase"
    save_case(pair_session.frozen_copy(), other)
    show_session(w, pair_session)  # shown, never saved from this window: unsaved
    w.model.record("examined the crops")
    assert w.cases.unsaved() and "no case file*" in w.windowTitle()

    answers.append("cancel")
    w.cases.act_new.trigger()
    assert asked[-1][0] == "starting a new case" and w.model.session.ready  # nothing changed

    answers.append("save")
    save_dialog(monkeypatch, tmp_path / "mine.famecase")
    with qtbot.waitSignal(w.cases.opened, timeout=60_000):
        w.cases.open_path(str(other))  # read and checked first, then: save mine, then show the other
    assert (tmp_path / "mine.famecase").is_file() and w.cases.path == other and not w.cases.unsaved()
    assert "examined the crops" not in [e.action for e in w.model.session.audit.entries]

    w.review.controls.cmap.setCurrentText("magma")  # a display change counts
    assert w.cases.unsaved() == ["display settings"]
    answers.append("discard")
    w.cases.act_new.trigger()
    assert not w.model.session.inputs and w.cases.path is None and w.score.similarity is None
    assert w.slots["gallery"].image is None and w.review.maps is None and w.audit.rowCount() == len(w.model.session.audit)
    assert w.windowTitle().startswith("untitled case — no case file — ")

    w.model.record("something to lose")
    answers.append("cancel")
    w.close()
    assert w.isVisible() and asked[-1][0] == "closing"
    answers.append("discard")
    w.close()
    assert not w.isVisible()


def test_opening_a_case_during_a_run_asks_to_stop_it(qtbot, window, pair_session, tmp_path, data_dir, monkeypatch):
    from fame_desktop.session.casefile import save_case

    w = window
    path = tmp_path / "c.famecase"
    save_case(pair_session.frozen_copy(), path)
    drop_files(w, [data_dir / "obama.jpg", data_dir / "biden.jpg"])
    wait_for_pair(qtbot, w)
    set_quick_run(w, iterations=400, preview_every=50)
    answers = [QMessageBox.StandardButton.No, QMessageBox.StandardButton.Yes]
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: answers.pop(0))
    w.run.start()
    w.cases.tracker.mark_clean(w.model.session, read_view_state(w))  # nothing unsaved: only the run to ask about
    w.cases.open_path(str(path))
    qtbot.waitUntil(lambda: len(answers) == 1, timeout=30_000)  # "No": the run goes on
    assert w.run.running and w.model.session.inputs["gallery"].image.name == "obama.jpg"
    with qtbot.waitSignal(w.cases.opened, timeout=60_000):
        w.cases.open_path(str(path))
    assert not w.run.running and w.model.session.inputs["probe"].image.name == "obama2.jpg"
    assert "FAME run cancelled" not in [e.action for e in w.model.session.audit.entries]
    assert w.model.session.result() is not None


def test_dropping_a_case_file_or_naming_it_on_the_command_line_opens_it(qtbot, window, pair_session, tmp_path,
                                                                        detector, face_model):
    from fame_desktop.session.casefile import save_case

    path = tmp_path / "dropped.famecase"
    save_case(pair_session.frozen_copy(), path)
    with qtbot.waitSignal(window.cases.opened, timeout=60_000):
        drop_files(window.slots["probe"], [path])  # onto a slot: still the case, not a photograph
    assert window.model.session.case.case_id == "2024-FR-0173"

    args = build_parser().parse_args([str(path), "--config-dir", str(tmp_path / "cli")])
    _app, w = create_window(args, detector=detector, preloaded_models={("arcface-mbf", None, "auto"): face_model})
    qtbot.addWidget(w)
    try:
        w.show()
        with qtbot.waitSignal(w.cases.opened, timeout=60_000):
            w.start(case=str(path))  # before the engine is ready: opens once it is
        assert w.model.session.result() is not None and "dropped.famecase" in w.windowTitle()
    finally:
        w.messages.uninstall_hooks()
        w.close()


def test_case_file_with_probe_or_run_is_a_usage_error():
    from fame_desktop.gui.app import main

    with pytest.raises(SystemExit) as info:
        main(["c.famecase", "other.jpg"])
    assert info.value.code == 2


def test_a_case_whose_checkpoint_is_missing_is_opened_once_it_is_located(qtbot, window, pair_session, tmp_path,
                                                                         monkeypatch):
    """The result cannot be checked without its model: the window says so and asks where the checkpoint is."""
    from adaface_case import make_adaface_case

    s = pair_session
    s.view = {"colour_map": "rainbow-9000", "opacity": 0.3}  # a colour map this version does not know
    path, checkpoint = make_adaface_case(tmp_path, s)
    moved = checkpoint.rename(tmp_path / "moved.pt")  # as on another machine
    asked, answers = [], [QMessageBox.StandardButton.Cancel, QMessageBox.StandardButton.Open]
    monkeypatch.setattr(QMessageBox, "question", lambda parent, title, text, *a: asked.append(text) or answers.pop(0))
    open_dialog(monkeypatch, moved)
    w = window
    before = w.model.session
    with qtbot.waitSignal(w.cases.open_failed, timeout=60_000):
        w.cases.open_path(str(path))
    assert "ir18-seed0.pt" in asked[0] and "not available here" in asked[0] and w.model.session is before
    with qtbot.waitSignal(w.cases.opened, timeout=60_000):
        w.cases.open_path(str(path))  # "Open": the checkpoint is located, checked by its SHA-256, opened
    shown = w.model.session
    assert shown.checkpoint == str(moved) and shown.result() is not None
    assert w.score.similarity == pytest.approx(s.result().analysis.summary["similarity"]) and w.review.maps is not None
    assert w.params.model.currentData() == "adaface-ir18" and w.params.checkpoint.text() == str(moved)
    assert w.review.controls.colour_map() == "jet" and w.review.controls.opacity.value() == 30
    qtbot.waitUntil(lambda: any(m.title == "Case opened with remarks" for m in w.messages.shown))
    remarks = next(m.text for m in w.messages.shown if m.title == "Case opened with remarks")
    assert "rainbow-9000" in remarks and "moved.pt (same SHA-256 as recorded) is used from now on" in remarks
    qtbot.waitUntil(lambda: w.engine.model is not None and w.run_bar.run_button.isEnabled(), timeout=60_000)


def test_save_case_signs_with_the_chosen_key_and_the_case_panel_says_so(qtbot, window, pair_session, tmp_path,
                                                                         monkeypatch, detector, face_model):
    from PySide6.QtWidgets import QInputDialog

    from fame_desktop.session.signing import generate_key_pair, grouped
    from fame_desktop.session.casefile import open_case, save_case

    keys = generate_key_pair(tmp_path / "examiner", b"secret words")
    unsigned = tmp_path / "unsigned.famecase"
    save_case(pair_session.snapshot(), unsigned)
    w = window
    with qtbot.waitSignal(w.cases.opened, timeout=60_000):
        w.cases.open_path(str(unsigned))
    assert "— unsigned —" in w.statusBar().currentMessage()
    assert w.case.file_status.isVisibleTo(w.case) and "unsigned.famecase: unsigned" in w.case.file_status.text()

    typed = ["wrong", "secret words"]
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: (typed.pop(0), True))
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(keys.private), ""))
    w.cases.signing.act_sign.trigger()  # no key chosen yet: asks for the file, unlocks it once
    assert w.cases.signing.act_sign.isChecked() and typed == []
    save_dialog(monkeypatch, tmp_path / "signed.famecase")
    with qtbot.waitSignal(w.cases.saved, timeout=60_000):
        w.cases.act_save_as.trigger()
    fingerprint = keys.fingerprint
    assert f"signed, key {fingerprint[:4]} {fingerprint[4:8]} …" in w.statusBar().currentMessage()
    assert grouped(fingerprint)[:19] in w.case.file_status.text() and "signed (Ed25519)" in w.case.file_status.text()
    reopened = open_case(tmp_path / "signed.famecase")
    assert reopened.audit.entries[-1].details["signature"]["fingerprint"] == fingerprint
    live = [(e.time, e.action, e.details) for e in w.model.session.audit.entries]
    assert live[-2][1] == "sign case file" and live[:-1] == [(e.time, e.action, e.details)
                                                              for e in reopened.audit.entries[:-1]]
    w.model.record("looked again")
    with qtbot.waitSignal(w.cases.saved, timeout=60_000):
        w.cases.act_save.trigger()  # the key stays unlocked: no second passphrase
    assert open_case(tmp_path / "signed.famecase").audit.entries[-2].action == "sign case file"
    w2 = make_window(qtbot, w.settings.folder, detector, face_model)  # remembered: the key file, signing on
    assert w2.cases.signing.act_sign.isChecked() and w2.cases.signing.key_path == str(keys.private)
    w2.close()


def test_a_case_saved_before_running_keeps_the_chosen_face(qtbot, window, two_face_png, detector, face_inputs,
                                                           tmp_path):
    from fame_desktop.session.casefile import save_case
    from fame_desktop.core.images import load_image
    from fame_desktop.core.pipeline import build_face_input
    from fame_desktop.session.audit import ComparisonSession

    photo = load_image(two_face_png)
    s = ComparisonSession()
    s.set_input(face_inputs["obama"])
    s.set_input(build_face_input(photo, tuple(detector.detect(photo.rgb)), "probe", 1))  # the right-hand face
    path = tmp_path / "no result yet.famecase"
    save_case(s, path)
    w = window
    with qtbot.waitSignal(w.cases.opened, timeout=60_000):
        w.cases.open_path(str(path))
    qtbot.waitUntil(lambda: w.score.similarity is not None, timeout=60_000)  # computed: the case has no result
    probe = w.slots["probe"]
    assert probe.view._chosen == 1 and len(probe.view._faces) == 2 and "face 2 in use" in probe.status.text()
    assert w.model.session.probe.face_index == 1 and w.review.maps is None
    assert not w.reports.act_export.isEnabled() and w.run_bar.run_button.isEnabled()
    assert w.score.similarity < 0.3  # obama vs biden, the face that was chosen, not the larger one


def test_an_opened_case_shows_its_stored_similarity_and_maps_without_recomputing(qtbot, window, pair_session,
                                                                                 tmp_path, monkeypatch):
    import threading

    from fame_desktop.core import verification
    from fame_desktop.session.casefile import save_case

    w, e = window, pair_session.explanation
    path = tmp_path / "stored.famecase"
    save_case(pair_session.frozen_copy(), path)
    qtbot.waitUntil(lambda: not w.runner.running)
    computed = []
    real = verification.pair_similarity
    monkeypatch.setattr(verification, "pair_similarity", lambda *a: computed.append(a) or real(*a))
    in_gui_thread = []  # per map computation
    real_maps = type(e).maps
    monkeypatch.setattr(type(e), "maps", lambda self, *a: in_gui_thread.append(
        threading.current_thread() is threading.main_thread()) or real_maps(self, *a))

    with qtbot.waitSignal(w.cases.opened, timeout=60_000):
        w.cases.open_path(str(path))
    qtbot.waitUntil(lambda: not w.runner.running)
    qtbot.wait(200)
    assert w.score.similarity == e.similarity and not computed  # the stored result's score, same model
    assert "Similarity <b>" in w.score.score_label.text()
    assert in_gui_thread == [False]  # once, in the worker that read the file
    s = w.model.session
    assert np.array_equal(w.review.maps["gallery_similar"], s.result().maps(s.map_settings)["gallery_similar"])
    key = f"gallery_{w.review.kind_for('gallery')}"
    assert w.slots["gallery"].view._layer is w._given_layers[1][key]  # the map on the photograph: from the worker

    # a pair without a stored result (e.g. after choosing another face) is computed as before
    s.explanation = None
    w.update_similarity()
    qtbot.waitUntil(lambda: bool(computed), timeout=30_000)
    qtbot.waitUntil(lambda: w.score.similarity is not None, timeout=30_000)
    assert abs(w.score.similarity - e.similarity) < 1e-4
