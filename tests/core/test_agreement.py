"""Each Fast map carries an estimate of its agreement with the Reference map, and keeps it."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pytest

from fame_desktop.core.agreement import FACE_VERIFICATION, Agreement, estimate_agreement
from fame_desktop.core.presets import PRESETS

KEY = "agreement_with_reference"


@pytest.fixture(scope="module")
def fast_session(_pair_session_master, face_model):
    """obama / obama2 with the Fast preset cut off just after its second map comparison (keeps the test short)."""
    from fame_desktop.methods import FameMethod
    from fame_desktop.session.model import Session

    fast = PRESETS["fast"]
    s = Session.from_state(_pair_session_master)
    s.set_params("fame", replace(fast, iterations=2 * fast.converge_window + 1))
    s.accept_result(s.request_run(FameMethod(), face_model, s.analysis.defaults()).execute())
    return s


def test_fast_maps_carry_the_calibrated_estimate(fast_session):
    result = fast_session.result()
    run, stated = result.run, result.measurements[KEY]
    assert np.isfinite(run.stop_change).all()  # every map was compared once at least
    assert set(stated) == set(result.keys)
    for i, key in enumerate(result.keys):
        change = float(run.stop_change[i])
        if change > FACE_VERIFICATION.largest_change:  # still moving more than any calibrated map: no figure
            assert stated[key] is None, key
            continue
        a = Agreement.from_dict(stated[key])
        assert a == FACE_VERIFICATION.estimate(change), key
        assert 0 < a.lower_r < a.expected_r < 1 and a.statistic == change
        assert "hard-pair" in a.calibration
    json.dumps(result.describe(), allow_nan=False)


def test_a_map_that_still_changes_is_estimated_further_from_the_reference():
    settled, moving = FACE_VERIFICATION.estimate(1e-4), FACE_VERIFICATION.estimate(1e-2)
    assert moving.expected_r < settled.expected_r and moving.lower_r < settled.lower_r


def test_no_estimate_where_the_calibration_was_not_measured(fast_session):
    run = fast_session.result().run
    settled = replace(run, stop_change=np.full(4, FACE_VERIFICATION.largest_change / 2))
    assert all(estimate_agreement(settled, "arcface-mbf"))
    assert estimate_agreement(settled, "adaface-ir50") == [None] * 4  # another model
    other_window = replace(settled, params=replace(run.params, converge_window=run.params.converge_window + 1))
    assert estimate_agreement(other_window, "arcface-mbf") == [None] * 4
    reasons = replace(settled, stop_reasons=["epsilon", "cancelled", "converged", "iterations"])
    assert [a is None for a in estimate_agreement(reasons, "arcface-mbf")] == [True, True, False, False]
    ran_out = replace(settled, iterations=np.array([500, 60, 60, 60]))  # the Reference's length: no estimate needed
    assert [a is None for a in estimate_agreement(ran_out, "arcface-mbf")] == [True, False, False, False]
    never = replace(settled, stop_change=np.array([np.nan, 1e-4, 2 * FACE_VERIFICATION.largest_change, 1e-4]))
    assert [a is None for a in estimate_agreement(never, "arcface-mbf")] == [True, False, True, False]
    reference = replace(settled, params=PRESETS["reference"])
    assert estimate_agreement(reference, "arcface-mbf") == [None] * 4


def test_the_statistic_and_estimate_survive_a_case_file(tmp_path, fast_session, face_model):
    from fame_desktop.session.casefile import open_case, save_case

    save_case(fast_session, tmp_path / "fast.famecase")
    again = open_case(tmp_path / "fast.famecase")[0].result()
    np.testing.assert_array_equal(again.run.stop_change, fast_session.result().run.stop_change)
    assert again.measurements[KEY] == fast_session.result().measurements[KEY]


def test_result_json_states_the_estimate(tmp_path, fast_session):
    from fame_desktop.core.attribution import MapSettings

    result = fast_session.result()
    fast_session.task.write_output(tmp_path / "out", result, MapSettings(), {"fame": 1.0})
    stored = json.loads((tmp_path / "out" / "result.json").read_text())
    for key in result.keys:
        assert stored["maps"][key][KEY] == result.measurements[KEY][key]
    assert stored["parameters"]["fame"]["preset"] == "fast"
