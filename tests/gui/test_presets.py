"""The FAME preset chooser: fast by default, reference one click away, any edit makes it Custom;
the choice persists, a reopened case shows its own, and a run stops maps that have settled."""

from __future__ import annotations

from fame_desktop.core.presets import PRESETS

from conftest import make_window
from gui_helpers import drop_files, open_mode, wait_for_pair


def test_fast_by_default_reference_one_click_away_and_edits_make_custom(qtbot, window):
    p = window.page.params
    assert p.fame.preset.currentData() == "fast"
    fast = p.fame.params()
    assert (fast.preset, fast.converge_tolerance, fast.converge_window, fast.iterations, fast.epsilon) == \
           ("fast", PRESETS["fast"].converge_tolerance, 10, 200, 0.0)

    p.fame.choose("reference")
    ref = p.fame.params()
    assert (ref.preset, ref.iterations, ref.epsilon, ref.converge_tolerance) == ("reference", 500, 0.0, 0.0)
    assert p.fame.iterations.value() == 500 and p.fame.converge.text() == "off"

    p.fame.iterations.setValue(300)  # an edit: the values are no longer the preset's
    assert p.fame.preset.currentData() == "custom" and p.fame.params().preset == ""
    p.fame.iterations.setValue(500)  # back to the preset's values: named again
    assert p.fame.preset.currentData() == "reference" and p.fame.params().preset == "reference"

    p.fame.choose("fast")
    p.fame.converge.setValue(0.01)
    assert p.fame.preset.currentData() == "custom" and p.fame.params().converge_tolerance == 0.01
    p.restore_defaults()
    assert p.fame.preset.currentData() == "fast" and p.fame.params() == fast


def test_the_choice_persists_and_a_reopened_case_shows_its_parameters(qtbot, window, config_dir, detector,
                                                                      face_model):
    window.page.params.fame.choose("reference")
    window.page.params.fame.epsilon.setValue(0.02)
    window.close()
    w2 = make_window(qtbot, config_dir, detector, face_model)
    try:
        p = w2.page.params.fame.params()
        assert (p.preset, p.iterations, p.epsilon) == ("", 500, 0.02)
        assert w2.page.params.fame.preset.currentData() == "custom"
        w2.page.params.fame.set_params(PRESETS["fast"])  # what opening a case run with the fast preset does
        assert w2.page.params.fame.preset.currentData() == "fast" and w2.page.params.fame.params().preset == "fast"
    finally:
        w2.close()


def test_a_run_with_adaptive_stopping_stops_settled_maps_and_says_so(qtbot, window, data_dir):
    w = window
    drop_files(w, [data_dir / "obama.jpg", data_dir / "obama2.jpg"])
    wait_for_pair(qtbot, w)
    # a loose tolerance and a short window so that maps settle within a few iterations
    w.page.params.fame.iterations.setValue(40)
    w.page.params.fame.converge.setValue(0.2)
    w.page.params.fame.window.setValue(2)
    with qtbot.waitSignal(w.page.run.finished, timeout=180_000):
        w.act_run.trigger()
    e = w.page.session.result()
    assert e.run.params.converge_tolerance == 0.2 and e.run.params.preset == ""
    assert "converged" in e.run.stop_reasons
    assert all(n < 40 for n, why in zip(e.run.iterations, e.run.stop_reasons) if why == "converged")
    assert "δ" in w.page.run_bar.status.text() or "settled" in w.page.run_bar.status.text()


def test_task_modes_have_their_own_presets(qtbot, window):
    face = window.page
    page = open_mode(qtbot, window, "imagenet-classification")
    form = page.params.fame
    # classification starts on Reference: its maps are still changing when fast would stop them
    assert page.params.fame.preset.currentData() == "reference" and not form.caveat.isVisibleTo(form)
    form.choose("fast")
    assert page.params.fame.params().preset == "fast"
    assert form.caveat.isVisibleTo(form) and "tuned on face pairs" in form.caveat.text()
    page.params.fame.iterations.setValue(120)  # Custom: no preset, no preset caveat
    assert not form.caveat.isVisibleTo(form)
    page.params.restore_defaults()
    assert page.params.fame.params().preset == "reference"
    assert face.params.fame.preset.currentData() == "fast"  # the face page keeps its own choice
    assert not face.params.fame.caveat.isVisibleTo(face.params.fame)
    face.params.fame.choose("reference")
    face.params.fame.choose("fast")
    assert not face.params.fame.caveat.isVisibleTo(face.params.fame)  # tuned on faces: no caveat
    assert not page.params.fame.detach.isVisibleTo(page.params)  # faces only
