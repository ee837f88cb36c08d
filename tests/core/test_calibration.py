"""Calibration: fitted LRs against analytic ones, Cllr at its extremes, the file's integrity and model checks."""

from __future__ import annotations

import json
import math
import sys

import numpy as np
import pytest
from scipy.stats import norm

from fame_desktop.core.evidence.calibration import (Calibration, CalibrationError, calibration_bytes, content_digest,
                                                    log10_lr_of, parse_calibration)
from fame_desktop.core.evidence.calibration_fit import calibration_document, fit_calibration, require_lir

MU_GENUINE, MU_IMPOSTOR, SD, N = 0.5, 0.1, 0.12, 4000


def gaussian_scores(seed: int = 0, n: int = N):
    rng = np.random.default_rng(seed)
    return rng.normal(MU_GENUINE, SD, n), rng.normal(MU_IMPOSTOR, SD, n)


def analytic_log10_lr(s):
    return (norm.logpdf(s, MU_GENUINE, SD) - norm.logpdf(s, MU_IMPOSTOR, SD)) / math.log(10)


def make_calibration(genuine, impostor, kind="logistic", model_key="arcface-mbf", weights="a" * 64) -> Calibration:
    doc = calibration_document(
        fit_calibration(genuine, impostor, kind), created="2025-01-01T00:00:00+00:00",
        model={"key": model_key, "name": model_key, "weights_sha256": weights},
        alignment={"transform": "test"}, dataset={"description": "generated scores", "pairs_sha256": "0" * 64},
        pairs={"listed": len(genuine) + len(impostor), "scored": len(genuine) + len(impostor), "genuine": len(genuine),
               "impostor": len(impostor), "failed": 0, "failures_by_kind": {}, "failures": []},
        quality_ranges={})
    return parse_calibration(calibration_bytes(doc), "test.famecal")


@pytest.fixture(scope="module")
def gaussian_logistic():
    return make_calibration(*gaussian_scores())


# Where both score densities are sampled (the analytic |log10 LR| ≤ 2: scores 0.14–0.46, each
# side holds hundreds of the 4000 scores), over five seeds: logistic regression is the right
# model for two Gaussians of equal spread (measured max error 0.02–0.09 log10 units);
# PAV is a step function (max 0.30–0.39, mean 0.09–0.12).
@pytest.mark.parametrize("kind, max_error, mean_error", [("logistic", 0.15, 0.05), ("isotonic", 0.6, 0.2)])
def test_fitted_lrs_match_the_analytic_lrs_of_two_gaussians(kind, max_error, mean_error):
    s = np.linspace(0.0, 0.6, 200)
    analytic = analytic_log10_lr(s)
    sampled = np.abs(analytic) <= 2
    for seed in range(3):
        fitted = fit_calibration(*gaussian_scores(seed), kind, fmr_targets=())
        error = np.abs(log10_lr_of(fitted["calibrator"], s) - analytic)[sampled]
        assert error.max() < max_error and error.mean() < mean_error, (kind, seed, error.max(), error.mean())


def test_the_logistic_fit_is_not_shrunk_by_a_default_penalty():
    fitted = fit_calibration(*gaussian_scores(), "logistic", fmr_targets=())["calibrator"]
    slope = (MU_GENUINE - MU_IMPOSTOR) / SD ** 2  # ln LR per unit score: 27.8
    assert fitted["slope"] == pytest.approx(slope, rel=0.1)  # scikit-learn's default C = 1 gives about a third


@pytest.mark.parametrize("kind", ["logistic", "isotonic"])
def test_stored_parameters_give_lirs_own_transform(kind):
    """A calibration file is applied without lir: its formulas must be lir's."""
    lir = require_lir()
    g, i = gaussian_scores(3, 500)
    x = np.concatenate([g, i])
    y = np.concatenate([np.ones(g.size, int), np.zeros(i.size, int)])
    fitted = fit_calibration(g, i, kind, fmr_targets=())
    xr = np.concatenate([np.round(g, 7), np.round(i, 7)])
    own = (lir.LogitCalibrator(C=np.inf) if kind == "logistic" else lir.IsotonicCalibrator()).fit(xr, y)
    probe = np.concatenate([x, np.linspace(-1, 1, 101)])  # also outside the fitted range
    expected = own.transform(probe)
    got = log10_lr_of(fitted["calibrator"], probe)
    finite = np.isfinite(expected)
    assert np.array_equal(finite, np.isfinite(got)) and np.array_equal(np.sign(expected), np.sign(got))
    assert np.allclose(got[finite], expected[finite], rtol=0, atol=1e-9)


def test_cllr_is_near_0_for_separated_scores_and_near_1_for_uninformative_ones():
    rng = np.random.default_rng(5)
    separated = fit_calibration(rng.uniform(0.5, 0.9, 500), rng.uniform(-0.2, 0.3, 500), "logistic", ())
    assert separated["metrics"]["cllr"] < 0.02 and separated["metrics"]["cllr_min"] < 0.01
    same = fit_calibration(rng.normal(0.2, 0.1, 1000), rng.normal(0.2, 0.1, 1000), "logistic", ())
    assert 0.97 < same["metrics"]["cllr"] < 1.03 and 0.9 < same["metrics"]["cllr_min"] <= 1.0
    assert same["elub"]["log10_upper"] < 0.2 and same["elub"]["log10_lower"] > -0.2  # nothing to support


def test_isotonic_cllr_on_its_own_data_is_optimistic_and_cross_validation_says_so():
    g, i = gaussian_scores(7, 300)
    m = fit_calibration(g, i, "isotonic", ())["metrics"]
    assert m["cv_folds"] == 5
    assert m["cllr"] <= m["cllr_cv"] and m["cllr_min"] <= m["cllr"] + 1e-9


def test_elub_caps_the_lr_of_an_extreme_score(gaussian_logistic):
    lo, hi = gaussian_logistic.elub
    assert -4.5 < lo < -1 and 1 < hi < 4.5  # at most log10 of the set's size (4000)
    top = gaussian_logistic.likelihood_ratio(0.95)
    assert top.bound == "upper" and top.log10_lr == hi and top.unbounded_log10_lr > hi
    assert top.verbal.direction == "Hp"
    bottom = gaussian_logistic.likelihood_ratio(-0.4)
    assert bottom.bound == "lower" and bottom.log10_lr == lo and bottom.verbal.direction == "Hd"
    middle = gaussian_logistic.likelihood_ratio(0.3)
    assert middle.bound is None and abs(middle.log10_lr - analytic_log10_lr(0.3)) < 0.15
    assert middle.lr == pytest.approx(10 ** middle.log10_lr)


def test_eer_and_fmr_thresholds_carry_their_source(gaussian_logistic):
    m = gaussian_logistic.metrics
    expected_eer = norm.cdf(-(MU_GENUINE - MU_IMPOSTOR) / (2 * SD))  # equal spreads cross halfway: 4.8 %
    assert m["eer"] == pytest.approx(expected_eer, abs=0.01)
    assert m["eer_threshold"] == pytest.approx((MU_GENUINE + MU_IMPOSTOR) / 2, abs=0.02)
    t = gaussian_logistic.threshold()
    assert t.value == pytest.approx(m["eer_threshold"], abs=1e-6)
    assert "EER" in t.source and "generated scores" in t.source and gaussian_logistic.sha256[:16] in t.source
    t3 = gaussian_logistic.threshold(fmr=1e-3)
    assert np.mean(gaussian_logistic.impostor >= t3.value) <= 1e-3 and "FMR ≤ 0.001" in t3.source
    with pytest.raises(CalibrationError, match="cannot be measured with 4000 impostor pairs"):
        gaussian_logistic.threshold(fmr=1e-5)


def test_tippett_and_histogram_data(gaussian_logistic):
    t = gaussian_logistic.tippett()
    for side in ("genuine", "impostor"):
        llr, share = np.array(t[side]["log10_lr"]), np.array(t[side]["share_at_or_above"])
        assert llr.size == N and np.all(np.diff(llr) >= 0) and share[0] == 1.0 and np.all(np.diff(share) < 0)
    # most genuine pairs support Hp, most impostor pairs Hd
    assert np.mean(np.array(t["genuine"]["log10_lr"]) > 0) > 0.9
    assert np.mean(np.array(t["impostor"]["log10_lr"]) < 0) > 0.9
    h = gaussian_logistic.histograms(bins=30)
    widths = np.diff(h["edges"])
    assert len(h["edges"]) == 31 and np.sum(np.array(h["genuine"]) * widths) == pytest.approx(1.0)


# the file -------------------------------------------------------------------------------------------
def test_a_file_round_trips_and_names_its_digest(gaussian_logistic):
    data = calibration_bytes(gaussian_logistic.doc)
    again = parse_calibration(data, "again.famecal")
    assert again.doc == gaussian_logistic.doc and again.sha256 == gaussian_logistic.sha256
    assert json.loads(data)["sha256"] == content_digest(gaussian_logistic.doc)


def _edited(cal: Calibration, change, redigest: bool = False) -> bytes:
    doc = json.loads(calibration_bytes(cal.doc))
    change(doc)
    if redigest:
        doc["sha256"] = content_digest(doc)
    return json.dumps(doc).encode()


@pytest.mark.parametrize("change, message", [
    (lambda d: d["scores"]["genuine"].__setitem__(0, 0.99), "altered or damaged"),
    (lambda d: d["calibrator"].__setitem__("slope", 1.0), "altered or damaged"),
    (lambda d: d["dataset"].__setitem__("description", "LFW view 2"), "altered or damaged"),
    (lambda d: d.__setitem__("sha256", "0" * 64), "altered or damaged"),
    (lambda d: d.pop("sha256"), "altered or damaged"),
    (lambda d: d.__setitem__("format_version", 2), "version 2 is not supported"),
    (lambda d: d.__setitem__("format", "something/else"), "not a fame-desktop calibration file"),
])
def test_a_tampered_or_unknown_file_is_refused(gaussian_logistic, change, message):
    with pytest.raises(CalibrationError, match=message):
        parse_calibration(_edited(gaussian_logistic, change), "x.famecal")


@pytest.mark.parametrize("change, message", [
    (lambda d: d["calibrator"].__setitem__("kind", "kde"), "unknown calibrator 'kde'"),
    (lambda d: d["elub"].__setitem__("log10_upper", -1.0), "ELUB bounds"),
    (lambda d: d["scores"].__setitem__("impostor", [0.1]), "at least 2 impostor scores"),
    (lambda d: d.pop("metrics"), "lacks metrics"),
])
def test_a_consistent_digest_does_not_make_a_broken_file_usable(gaussian_logistic, change, message):
    with pytest.raises(CalibrationError, match=message):
        parse_calibration(_edited(gaussian_logistic, change, redigest=True), "x.famecal")


def test_truncated_or_non_json_files_are_refused(gaussian_logistic, tmp_path):
    from fame_desktop.core.evidence.calibration import load_calibration

    data = calibration_bytes(gaussian_logistic.doc)
    (tmp_path / "cut.famecal").write_bytes(data[: len(data) // 2])
    with pytest.raises(CalibrationError, match="damaged, or not JSON"):
        load_calibration(tmp_path / "cut.famecal")
    with pytest.raises(CalibrationError, match="not found|No such file"):
        load_calibration(tmp_path / "missing.famecal")


def test_a_calibration_is_refused_for_another_model(gaussian_logistic):
    own = {"key": "arcface-mbf", "provenance": {"sha256": "a" * 64}}
    gaussian_logistic.check_model(own)
    with pytest.raises(CalibrationError, match="made with arcface-mbf.*not the case's model adaface-ir50"):
        gaussian_logistic.check_model({"key": "adaface-ir50", "provenance": {"sha256": "a" * 64}})
    with pytest.raises(CalibrationError, match="weights bbbbbbbbbbbb"):
        gaussian_logistic.check_model({"key": "arcface-mbf", "provenance": {"sha256": "b" * 64}})


def test_fitting_without_lir_says_how_to_install_it(monkeypatch):
    for name in [m for m in sys.modules if m == "lir" or m.startswith("lir.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "lir", None)  # import lir → ImportError
    with pytest.raises(CalibrationError, match=r"pip install 'fame-desktop\[calibration\]'"):
        fit_calibration([0.5, 0.6], [0.1, 0.2])


def test_too_few_scores_are_refused():
    with pytest.raises(CalibrationError, match="at least 2 genuine and 2 impostor"):
        fit_calibration([0.5], [0.1, 0.2])
