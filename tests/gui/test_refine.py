"""A Fast result shows each map's agreement estimate; Refine continues it to the Reference's iterations."""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

import numpy as np
from conftest import make_window
from gui_helpers import drop_files, wait_for_pair

from fame_desktop.core import agreement
from fame_desktop.core.presets import PRESETS, REFINED

SHOTS = Path(os.environ.get("FAME_SHOTS", "/tmp/shots"))


def _shot(w, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    w.grab().save(str(SHOTS / name))


def test_fast_maps_show_their_agreement_and_refine_continues_them(qtbot, config_dir, detector, face_model, data_dir,
                                                                  monkeypatch):
    # a Fast and a Reference preset short enough for a test (before the window reads them), and the
    # calibration made to cover that Fast
    fast = replace(PRESETS["fast"], iterations=40, converge_tolerance=0.3, converge_window=3)
    monkeypatch.setitem(PRESETS, "fast", fast)
    monkeypatch.setitem(PRESETS, "reference", replace(PRESETS["reference"], iterations=40))
    monkeypatch.setattr(agreement, "FACE_VERIFICATION", replace(
        agreement.FACE_VERIFICATION, window=3, tolerances=(0.1, 0.5), largest_change=1.0))
    w = make_window(qtbot, config_dir, detector, face_model)
    try:
        _fast_then_refine(qtbot, w, data_dir)
    finally:
        w.close()


def _fast_then_refine(qtbot, w, data_dir):
    drop_files(w, [data_dir / "obama.jpg", data_dir / "obama2.jpg"])
    wait_for_pair(qtbot, w)
    page = w.page
    assert not page.refine_button.isVisible()  # nothing to refine yet
    page.params.form.choose("fast")
    with qtbot.waitSignal(page.run.finished, timeout=120_000):
        page.run_bar.run_button.click()
    fast_result = page.session.result()
    stopped = fast_result.run.iterations.copy()
    assert fast_result.run.params.preset == "fast" and "converged" in fast_result.run.stop_reasons
    assert stopped.max() < 40
    estimates = fast_result.measurements["agreement_with_reference"]
    badge = page.review.views["gallery"].badge.text()
    gallery_key = next(k for k in fast_result.keys if k.startswith("gallery") and estimates[k])
    assert f"vs Reference r ≈ {estimates[gallery_key]['expected_r']:.2f}" in badge, badge
    assert page.refine_button.isVisible() and page.refine_button.isEnabled()
    _shot(w, "fast_result.png")

    previews = []
    page.run.preview_shown.connect(previews.append)
    with qtbot.waitSignal(page.run.finished, timeout=120_000):
        page.refine_button.click()
        assert page.run.running and not page.refine_button.isVisible()
    refined = page.session.result()
    assert refined.run.params.preset == REFINED and refined.run.params.iterations == 40
    assert list(refined.run.iterations) == [40] * 4 and refined.run.stop_reasons == ["iterations"] * 4
    assert previews and max(previews) <= 40 - stopped.min()  # the preview counts the continuation only
    assert not any(refined.measurements["agreement_with_reference"].values())  # not an estimate any more
    assert "vs Reference" not in page.review.views["gallery"].badge.text()
    assert not page.refine_button.isVisible() and page.run_bar.status.text().startswith("Refined: every map")
    np.testing.assert_array_equal(refined.run.initial_loss, fast_result.run.initial_loss)  # continued, not restarted
    started = [e for e in page.session.audit.entries if e.action == "run started"]
    assert started[-1].details["continues_from_iterations"] == [int(n) for n in stopped]
    _shot(w, "fast_refined.png")
