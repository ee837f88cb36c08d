"""Adaptive stopping (a map stops once it no longer changes) and the named presets."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from fame_desktop.core.convergence import ConvergenceMonitor, map_change
from fame_desktop.core.fame import FameParams
from fame_desktop.core.presets import PRESETS, preset_params
from fame_desktop.core.verification import explain_pair


def test_map_change_is_one_minus_pearson():
    rng = np.random.default_rng(0)
    a = rng.random((20, 20))
    assert map_change(a, a) == pytest.approx(0, abs=1e-12)
    assert map_change(a, 3 * a + 1) == pytest.approx(0, abs=1e-12)  # scale and offset do not count
    assert map_change(a, -a) == pytest.approx(2)
    assert map_change(a, np.zeros_like(a)) == 1  # an empty map has not converged to anything
    b = rng.random((20, 20))
    assert map_change(a, b) == pytest.approx(1 - np.corrcoef(a.ravel(), b.ravel())[0, 1])


def test_monitor_needs_two_looks_and_tracks_rows_separately():
    rng = np.random.default_rng(1)
    d = rng.random((2, 3, 30, 30)).astype(np.float32)
    mon = ConvergenceMonitor(0.01)
    assert mon.update([5, 7], d) == []  # first look: nothing to compare with
    moved = d.copy()
    moved[1] = rng.random((3, 30, 30))
    assert mon.update([5, 7], moved) == [5]
    assert mon.last_change[5] < 1e-6 and mon.last_change[7] > 0.01


def test_converged_maps_stop_early_and_equal_a_plain_run_of_that_length(face_model, crops):
    params = FameParams(iterations=30, epsilon=0, converge_tolerance=0.2, converge_window=3)
    fast = explain_pair(face_model, crops["obama"], crops["obama2"], params)
    info = fast.per_map()
    used = {k: v["iterations"] for k, v in info.items()}
    assert all(v["stop_reason"] == "converged" for v in info.values()), info
    assert all(n % 3 == 0 and 6 <= n < 30 for n in used.values()), used
    # stopping changes nothing in what was computed up to then (a map run alone differs from
    # the batched one by float rounding only, see test_fame.test_batched_run_equals_each_map_alone)
    for key, n in used.items():
        plain = explain_pair(face_model, crops["obama"], crops["obama2"], FameParams(iterations=n, epsilon=0),
                             maps=[key])
        assert np.abs(plain.delta(key) - fast.delta(key)).mean() < 1e-5, key
        assert np.corrcoef(plain.maps()[key].ravel(), fast.maps()[key].ravel())[0, 1] > 0.999


def test_a_zero_tolerance_never_stops_and_epsilon_still_wins(face_model, crops):
    r = explain_pair(face_model, crops["obama"], crops["biden"],
                     FameParams(iterations=6, epsilon=0.01, converge_tolerance=1e-9, converge_window=2))
    info = r.per_map()
    for side in ("gallery", "probe"):
        assert info[f"{side}_similar"]["stop_reason"] == "epsilon" and info[f"{side}_similar"]["iterations"] == 0
        assert info[f"{side}_dissimilar"]["stop_reason"] == "iterations"
        assert info[f"{side}_dissimilar"]["iterations"] == 6


def test_presets():
    ref, fast = PRESETS["reference"], PRESETS["fast"]
    assert (ref.iterations, ref.epsilon, ref.adaptive, ref.preset) == (500, 0, False, "reference")
    assert fast.adaptive and fast.epsilon == 0 and fast.preset == "fast"
    assert fast.iterations == ref.iterations  # a map that never settles ends as the Reference map
    assert fast.step_size == ref.step_size == FameParams().step_size  # same steps, fewer of them
    assert FameParams().epsilon == 0.01 and not FameParams().adaptive  # defaults stay the reference code's
    assert preset_params("fast") == fast
    assert preset_params("fast", snapshot_every=0).preset == "fast"
    changed = preset_params("fast", iterations=100, epsilon=0)  # ε equals the preset's: not a change
    assert changed.iterations == 100 and changed.preset == "fast (changed: iterations)"
    assert "preset" in changed.describe() and changed.describe()["converge_tolerance"] == fast.converge_tolerance
    with pytest.raises(ValueError, match="unknown preset"):
        preset_params("quick")
    for bad in (dict(converge_tolerance=-0.1), dict(converge_tolerance=1.0), dict(converge_window=0)):
        with pytest.raises(ValueError):
            FameParams(**bad)


def test_progress_reports_stopped_maps_as_inactive(face_model, crops):
    events = []
    run = explain_pair(face_model, crops["obama"], crops["obama2"],
                       FameParams(iterations=30, epsilon=0, converge_tolerance=0.2, converge_window=3,
                                  snapshot_every=3), on_progress=events.append).run
    first = min(run.iterations)
    at_stop = next(e for e in events if e.iteration == first)
    stopped = run.iterations == first
    assert not at_stop.active[stopped].any()
    for e in events:
        if e.iteration >= first:
            assert list(e.done[stopped]) == [first] * int(stopped.sum())
            if e.delta is not None:  # a stopped map's Δx no longer moves
                assert np.array_equal(e.delta[stopped], run.delta[stopped])
    assert events[-1].iteration == max(run.iterations) and not events[-1].active.any()


def test_refine_continues_a_fast_run_to_the_plain_run_of_the_full_length(face_model, crops):
    """A fast run stopped early, continued to T, equals one uninterrupted run of T (no restart)."""
    g, p = crops["obama"], crops["obama2"]
    fast = explain_pair(face_model, g, p, FameParams(iterations=20, epsilon=0, converge_tolerance=0.2,
                                                     converge_window=3))
    assert all(r == "converged" for r in fast.run.stop_reasons) and max(fast.run.iterations) < 20
    events = []
    refined = explain_pair(face_model, g, p, FameParams(iterations=40, epsilon=0, snapshot_every=5),
                           start=fast, on_progress=events.append)
    straight = explain_pair(face_model, g, p, FameParams(iterations=40, epsilon=0))
    assert list(refined.run.iterations) == [40] * 4 and refined.run.stop_reasons == ["iterations"] * 4
    # float rounding only: x̄ = x + Δx is rebuilt from the stored float32 Δx, and a 1-ulp change can move
    # the pixel of the largest gradient, which normalised steps carry along (about η/40 on average)
    eta = FameParams().step_size
    for i, (key, m) in enumerate(refined.maps().items()):
        assert np.abs(refined.run.delta[i] - straight.run.delta[i]).mean() < eta / 10, key
        assert np.corrcoef(m.ravel(), straight.maps()[key].ravel())[0, 1] > 0.9999, key
    np.testing.assert_array_equal(refined.run.initial_loss, fast.run.initial_loss)  # the loss at x, not at x̄
    assert refined.run.elapsed > fast.run.elapsed
    # progress counts the continuation; each map's `done` is its whole count
    need = 40 - fast.run.iterations
    assert [e.iteration for e in events] == list(range(1, int(need.max()) + 1))
    assert all(e.total == need.max() for e in events)
    np.testing.assert_array_equal(events[0].done, np.minimum(fast.run.iterations + 1, 40))
    # a map that reached T earlier is inactive; those reaching it at the last step are, as in a fresh run, active
    np.testing.assert_array_equal(events[-1].active, fast.run.iterations == fast.run.iterations.min())
    assert events[-1].delta is not None


def test_continuing_a_finished_run_changes_nothing(face_model, crops):
    done = explain_pair(face_model, crops["obama"], crops["biden"], FameParams(iterations=4, epsilon=0))
    again = explain_pair(face_model, crops["obama"], crops["biden"], FameParams(iterations=4, epsilon=0),
                         start=done)
    np.testing.assert_allclose(again.run.delta, done.run.delta, atol=1e-7)
    assert list(again.run.iterations) == [4] * 4 and again.run.stop_reasons == done.run.stop_reasons


def test_refine_params_only_for_an_unfinished_fast_result():
    from fame_desktop.core.presets import REFINED, refine_params

    fast, ref = PRESETS["fast"], PRESETS["reference"]
    refined = refine_params(replace(fast, snapshot_every=7), [120, 500, 90, 60])
    assert refined == replace(ref, snapshot_every=7, preset=REFINED)
    assert refine_params(fast, [500] * 4) is None  # every map ran the Reference's iterations already
    assert refine_params(ref, [120] * 4) is None
    assert refine_params(replace(fast, preset="fast (changed: converge_tolerance)"), [120] * 4) is None
