"""File ▸ Save case / Open case: a session saved from one window reopens in another with every view."""

from __future__ import annotations

import zipfile

import numpy as np
import pytest
from conftest import make_window
from gui_helpers import drop_files, face, set_quick_run, wait_for_pair
from PySide6.QtWidgets import QFileDialog, QMessageBox

from fame_desktop.gui.app import build_parser, create_window


def save_dialog(monkeypatch, path):
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(path), ""))


def open_dialog(monkeypatch, path):
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(path), ""))


def what_the_window_shows(w) -> dict:
    """Everything an examiner sees of a result, as plain values and pixel arrays."""
    c, r, s = w.page.controls, w.page.review, w.page.session
    p = w.page.params.fame.params()
    return {
        "score": w.page.score.similarity, "score_text": w.page.score.score_label.text(),
        "threshold": w.page.score.threshold_label.text(), "source": w.page.score.source_label.full_text(),
        "params": (p.iterations, p.step_size, p.epsilon, p.clamp, p.detach_norms),
        "model": w.page.params.model.currentData(),
        "map_settings": c.map_settings(), "cmap": c.colour_map(), "opacity": c.opacity.value(),
        "on_photo": c.on_photo.isChecked(), "kinds": {k: t.kind() for k, t in r.toggles.items()},
        "wipe": r.wipe_mode.isChecked(), "mix": r.mix.value(),
        "maps": {k: v.copy() for k, v in r.maps.items()},
        "crop_views": {k: v.image_item.image.copy() for k, v in r.views.items()},
        "compare_view": r.compare_view.image_item.image.copy(),
        "photo_overlays": {k: (sl.view._layer.rgba.copy() if sl.view._layer is not None else None)
                           for k, sl in w.page.slots.items()},
        "photos": {k: w.page.inputs.state[k].image.sha256 for k in w.page.slots},
        "faces": {k: (s.inputs[k].payload.face_index, len(w.page.slots[k].view._faces), w.page.slots[k].view._chosen,
                    w.page.slots[k].status.text()) for k in w.page.slots},
        "case": w.page.case_panel.values(),
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
    set_quick_run(w.page, iterations=4)
    with qtbot.waitSignal(w.page.run.finished, timeout=120_000):
        w.page.run.start()
    c, r = w.page.controls, w.page.review
    c.set_map_settings(type(c.map_settings())(blur_kernel=31, blur_sigma=3.5, normalisation="max"))
    c.cmap.setCurrentText("inferno")
    c.opacity.setValue(70)
    r.toggles["gallery"].set_kind("dissimilar")
    r.toggles["probe"].set_kind("similar")
    r.wipe_mode.setChecked(True)
    r.mix.setValue(30)
    w.page.apply_threshold((0.32, "EER on the lab validation set"))
    cp = w.page.case_panel
    for edit, value in ((cp.case_id, "2024-FR-0173"), (cp.exhibits["gallery"], "EX-1"), (cp.examiner, "A. Examiner")):
        edit.setText(value)
        edit.editingFinished.emit()
    w.page.case_panel.notes.setPlainText("Frontal portraits; typed just before saving.")  # still pending: save flushes
    assert w.windowTitle().startswith("2024-FR-0173 — no case file* — obama.jpg vs obama2.jpg")

    save_dialog(monkeypatch, tmp_path / "case 17")  # the suffix is added
    with qtbot.waitSignal(w.page.cases.saved, timeout=60_000):
        w.act["save"].trigger()
    path = tmp_path / "case 17.famecase"
    assert path.is_file() and w.windowTitle().startswith("2024-FR-0173 — case 17.famecase — ")
    assert w.page.session.audit.entries[-1].action == "save case file"
    qtbot.waitUntil(lambda: not w.runner.running, timeout=30_000)  # the maps on the photographs, from workers
    before = what_the_window_shows(w)
    actions = [e.action for e in w.page.session.audit.entries]
    assert before["case"]["notes"] == "Frontal portraits; typed just before saving."
    w.close()

    w2 = make_window(qtbot, tmp_path / "b", detector, face_model)
    open_dialog(monkeypatch, path)
    with qtbot.waitSignal(w2.case_opened, timeout=60_000):
        w2.act["open_case"].trigger()
    qtbot.waitUntil(lambda: w2.page.score.similarity is not None)
    qtbot.waitUntil(lambda: not w2.runner.running, timeout=30_000)
    after = what_the_window_shows(w2)
    same(before, after)
    assert after["maps"]["gallery_dissimilar"].max() > 0 and after["photo_overlays"]["gallery"] is not None
    s2 = w2.page.session
    assert [e.action for e in s2.audit.entries] == actions[:-1] + ["open case file"]  # the file predates its save
    assert w2.page.audit_panel.rowCount() == len(s2.audit) and w2.page.audit_panel.item(w2.page.audit_panel.rowCount() - 1, 1).text() == "open case file"
    assert w2.page.run.previews == 0 and not w2.page.run.running  # nothing re-ran
    assert "not re-run" in w2.page.run_bar.progress.format()
    assert w2.windowTitle() == "2024-FR-0173 — case 17.famecase — obama.jpg vs obama2.jpg — Face verification — fame-desktop"
    assert str(path.resolve()) in w2.recent_cases.items()
    assert [a.text() for a in w2.recent_cases.menu.actions()][0] == "case 17.famecase"
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

    w.page.bind(pair_session)
    s, n, title, score = w.page.session, len(pair_session.audit), w.windowTitle(), w.page.score.similarity
    open_dialog(monkeypatch, bad)
    with qtbot.waitSignal(w.case_open_failed, timeout=30_000):
        w.act["open_case"].trigger()
    qtbot.waitUntil(lambda: bool(w.messages.shown))
    msg = w.messages.shown[-1]
    reason, rest = msg.text.split("\n", 1)
    assert msg.title == "Cannot open the case file" and reason.startswith("bad.famecase: altered")
    assert rest.strip() == "The case shown is unchanged."
    assert w.page.session is s and len(s.audit) == n and s.case.case_id == "2024-FR-0173"
    assert w.windowTitle() == title and w.page.score.similarity == score and unsaved_answers[1] == []


def test_unsaved_changes_are_asked_about_before_new_open_and_close(qtbot, window, pair_session, tmp_path,
                                                                   monkeypatch, unsaved_answers):
    from fame_desktop.session.casefile import save_case

    answers, asked = unsaved_answers
    w = window
    assert w.page.cases.unsaved() == [] and "*" not in w.windowTitle()
    other = tmp_path / "other.famecase"
    save_case(pair_session.frozen_copy(), other)
    w.page.bind(pair_session)  # shown, never saved from this window: unsaved
    w.page.session.record("examined the crops")
    assert w.page.cases.unsaved() and "no case file*" in w.windowTitle()

    answers.append("cancel")
    w.act["new"].trigger()
    assert asked[-1][0] == "starting a new case" and w.page.session.ready  # nothing changed

    answers.append("save")
    save_dialog(monkeypatch, tmp_path / "mine.famecase")
    with qtbot.waitSignal(w.case_opened, timeout=60_000):
        w.open_case_path(str(other))  # read and checked first, then: save mine, then show the other
    assert (tmp_path / "mine.famecase").is_file() and w.page.cases.path == other and not w.page.cases.unsaved()
    assert "examined the crops" not in [e.action for e in w.page.session.audit.entries]

    w.page.controls.cmap.setCurrentText("magma")  # a display change counts
    assert w.page.cases.unsaved() == ["display settings"]
    answers.append("discard")
    w.act["new"].trigger()
    assert not w.page.session.inputs and w.page.cases.path is None and w.page.score.similarity is None
    assert w.page.slots["gallery"].image is None and w.page.review.maps is None and w.page.audit_panel.rowCount() == len(w.page.session.audit)
    assert w.windowTitle().startswith("untitled case — no case file — ")

    w.page.session.record("something to lose")
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
    set_quick_run(w.page, iterations=400)
    answers = [QMessageBox.StandardButton.No, QMessageBox.StandardButton.Yes]
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: answers.pop(0))
    w.page.run.start()
    w.page.cases.tracker.mark_clean(w.page.session, dict(w.page.session.view))  # nothing unsaved: only the run to ask about
    w.open_case_path(str(path))
    qtbot.waitUntil(lambda: len(answers) == 1, timeout=30_000)  # "No": the run goes on
    assert w.page.run.running and w.page.session.inputs["gallery"].image.name == "obama.jpg"
    with qtbot.waitSignal(w.case_opened, timeout=60_000):
        w.open_case_path(str(path))
    assert not w.page.run.running and w.page.session.inputs["probe"].image.name == "obama2.jpg"
    assert "run cancelled" not in [e.action for e in w.page.session.audit.entries]
    assert w.page.session.result() is not None


def test_dropping_a_case_file_or_naming_it_on_the_command_line_opens_it(qtbot, window, pair_session, tmp_path,
                                                                        detector, face_model):
    from fame_desktop.session.casefile import save_case

    path = tmp_path / "dropped.famecase"
    save_case(pair_session.frozen_copy(), path)
    with qtbot.waitSignal(window.case_opened, timeout=60_000):
        drop_files(window.page.slots["probe"], [path])  # onto a slot: still the case, not a photograph
    assert window.page.session.case.case_id == "2024-FR-0173"

    args = build_parser().parse_args([str(path), "--config-dir", str(tmp_path / "cli")])
    _app, w = create_window(args, detector=detector, preloaded_models={("arcface-mbf", None, "auto"): face_model})
    qtbot.addWidget(w)
    try:
        w.show()
        with qtbot.waitSignal(w.case_opened, timeout=60_000):
            w.start(case=str(path))  # before the engine is ready: opens once it is
        assert w.page.session.result() is not None and "dropped.famecase" in w.windowTitle()
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
    before = w.page.session
    with qtbot.waitSignal(w.case_open_failed, timeout=60_000):
        w.open_case_path(str(path))
    assert "ir18-seed0.pt" in asked[0] and "not available here" in asked[0] and w.page.session is before
    with qtbot.waitSignal(w.case_opened, timeout=60_000):
        w.open_case_path(str(path))  # "Open": the checkpoint is located, checked by its SHA-256, opened
    shown = w.page.session
    assert shown.weights == str(moved) and shown.result() is not None
    assert w.page.score.similarity == pytest.approx(s.result().analysis.summary["similarity"]) and w.page.review.maps is not None
    assert w.page.params.model.currentData() == "adaface-ir18" and w.page.params.weights.text() == str(moved)
    assert w.page.controls.colour_map() == "jet" and w.page.controls.opacity.value() == 30
    qtbot.waitUntil(lambda: any(m.title == "Case opened with remarks" for m in w.messages.shown))
    remarks = next(m.text for m in w.messages.shown if m.title == "Case opened with remarks")
    assert "rainbow-9000" in remarks and "moved.pt (same SHA-256 as recorded) is used from now on" in remarks
    qtbot.waitUntil(lambda: w.page.loader.model is not None and w.page.run_bar.run_button.isEnabled(), timeout=60_000)


def test_save_case_signs_with_the_chosen_key_and_the_case_panel_says_so(qtbot, window, pair_session, tmp_path,
                                                                         monkeypatch, detector, face_model):
    from PySide6.QtWidgets import QInputDialog

    from fame_desktop.session.signing import generate_key_pair, grouped
    from fame_desktop.session.casefile import open_case, save_case

    keys = generate_key_pair(tmp_path / "examiner", b"secret words")
    unsigned = tmp_path / "unsigned.famecase"
    save_case(pair_session.frozen_copy(), unsigned)
    w = window
    with qtbot.waitSignal(w.case_opened, timeout=60_000):
        w.open_case_path(str(unsigned))
    assert "— unsigned —" in w.statusBar().currentMessage()
    assert w.page.case_panel.file_status.isVisibleTo(w.page.case_panel) and "unsigned.famecase: unsigned" in w.page.case_panel.file_status.text()

    typed = ["wrong", "secret words"]
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: (typed.pop(0), True))
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(keys.private), ""))
    w.signing.act_sign.trigger()  # no key chosen yet: asks for the file, unlocks it once
    assert w.signing.act_sign.isChecked() and typed == []
    save_dialog(monkeypatch, tmp_path / "signed.famecase")
    with qtbot.waitSignal(w.page.cases.saved, timeout=60_000):
        w.act["save_as"].trigger()
    fingerprint = keys.fingerprint
    assert f"signed, key {fingerprint[:4]} {fingerprint[4:8]} …" in w.statusBar().currentMessage()
    assert grouped(fingerprint)[:19] in w.page.case_panel.file_status.text() and "signed (Ed25519)" in w.page.case_panel.file_status.text()
    reopened, _ = open_case(tmp_path / "signed.famecase")
    assert reopened.audit.entries[-1].details["signature"]["fingerprint"] == fingerprint
    live = [(e.time, e.action, e.details) for e in w.page.session.audit.entries]
    assert live[-2][1] == "sign case file" and live[:-1] == [(e.time, e.action, e.details)
                                                              for e in reopened.audit.entries[:-1]]
    w.page.session.record("looked again")
    with qtbot.waitSignal(w.page.cases.saved, timeout=60_000):
        w.act["save"].trigger()  # the key stays unlocked: no second passphrase
    assert open_case(tmp_path / "signed.famecase")[0].audit.entries[-2].action == "sign case file"
    w2 = make_window(qtbot, w.settings.folder, detector, face_model)  # remembered: the key file, signing on
    assert w2.signing.act_sign.isChecked() and w2.signing.key_path == str(keys.private)
    w2.close()


def test_a_case_saved_before_running_keeps_the_chosen_face(qtbot, window, two_face_png, detector, face_inputs,
                                                           face_model, tmp_path):
    from fame_desktop.core.images import load_image
    from fame_desktop.core.pipeline import build_face_input
    from fame_desktop.session.casefile import save_case
    from fame_desktop.session.model import Session
    from fame_desktop.tasks import default_registry
    from fame_desktop.tasks.face_verification import face_prepared_input

    photo = load_image(two_face_png)
    task = default_registry().get("face-verification")
    s = Session(task, model_key="arcface-mbf", device="cpu")
    s.set_input(face_prepared_input(face_inputs["obama"]))
    s.set_input(face_prepared_input(build_face_input(photo, tuple(detector.detect(photo.rgb)), "probe", 1)))
    s.set_analysis(task.analyse(face_model, s.inputs, s.options), s.input_records())
    path = tmp_path / "no result yet.famecase"
    save_case(s, path)
    w = window
    with qtbot.waitSignal(w.case_opened, timeout=60_000):
        w.open_case_path(str(path))
    qtbot.waitUntil(lambda: w.page.score.similarity is not None, timeout=60_000)  # the case's analysis, shown at once
    qtbot.waitUntil(lambda: w.page.loader.model is not None, timeout=60_000)  # then the model, to run with
    probe = w.page.slots["probe"]
    assert probe.view._chosen == 1 and len(probe.view._faces) == 2 and "face 2 in use" in probe.status.text()
    assert face(w, "probe").face_index == 1 and w.page.review.maps is None
    assert not w.act["export"].isEnabled() and w.page.run_bar.run_button.isEnabled()
    assert w.page.score.similarity < 0.3  # obama vs biden, the face that was chosen, not the larger one


def test_an_opened_case_shows_its_similarity_and_maps_and_warps_them_off_the_gui_thread(qtbot, window, pair_session,
                                                                                         tmp_path, monkeypatch):
    import threading

    from fame_desktop.core import photo_overlay
    from fame_desktop.session.casefile import save_case

    w, r = window, pair_session.result()
    path = tmp_path / "stored.famecase"
    save_case(pair_session.frozen_copy(), path)
    qtbot.waitUntil(lambda: not w.runner.running)
    in_gui_thread = []  # per map warped onto a photograph (the costly step for big photographs)
    real = photo_overlay.photo_heat_layer
    monkeypatch.setattr(photo_overlay, "photo_heat_layer", lambda *a: in_gui_thread.append(
        threading.current_thread() is threading.main_thread()) or real(*a))

    with qtbot.waitSignal(w.case_opened, timeout=60_000):
        w.open_case_path(str(path))
    qtbot.waitUntil(lambda: len(in_gui_thread) == 2, timeout=30_000)  # one layer per photograph
    qtbot.waitUntil(lambda: not w.runner.running)
    assert in_gui_thread == [False, False]
    # recomputed on opening (same model, same machine): the similarity the case stored
    assert abs(w.page.score.similarity - r.analysis.summary["similarity"]) < 1e-5
    assert "Similarity <b>" in w.page.score.score_label.text()
    s = w.page.session
    assert np.array_equal(w.page.review.maps["gallery_similar"], s.result().maps(s.map_settings)["gallery_similar"])
    assert np.array_equal(w.page.review.maps["gallery_similar"], r.maps(s.map_settings)["gallery_similar"])
