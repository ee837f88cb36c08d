"""The ENFSI verbal scale in both directions, and FMR / FNMR / EER of score thresholds."""

from __future__ import annotations

import math

import numpy as np
import pytest

from fame_desktop.core.evidence.score_rates import equal_error_rate, rates, threshold_at_fmr
from fame_desktop.core.evidence.verbal_scale import VERBAL_CHOICES, parse_choice, verbal_equivalent


@pytest.mark.parametrize("lr, direction, strength", [
    (2, "Hp", "weak"), (9.99, "Hp", "weak"), (10, "Hp", "moderate"), (99, "Hp", "moderate"),
    (100, "Hp", "moderately strong"), (1_000, "Hp", "strong"), (10_000, "Hp", "very strong"),
    (999_999, "Hp", "very strong"), (1_000_000, "Hp", "extremely strong"), (1e9, "Hp", "extremely strong"),
    (1 / 2, "Hd", "weak"), (1 / 10, "Hd", "moderate"), (1 / 5_000, "Hd", "strong"), (1e-7, "Hd", "extremely strong"),
])
def test_enfsi_bands_for_both_propositions(lr, direction, strength):
    v = verbal_equivalent(math.log10(lr))
    assert (v.direction, v.strength) == (direction, strength)
    other = "Hd" if direction == "Hp" else "Hp"
    assert v.text.startswith(f"{strength} support for {direction}") and f"rather than {other}" in v.text
    assert parse_choice(v.key) == v and v.key in VERBAL_CHOICES
    said = {"Hp": "same person", "Hd": "different people"}[direction]
    assert v.short == f"{strength} support for {direction} ({said})"


def test_lr_of_one_supports_neither_and_infinities_are_extreme():
    assert verbal_equivalent(0.0).direction == "neither" and "neither" in verbal_equivalent(0.0).text
    assert verbal_equivalent(0.0).short == "supports neither proposition"
    assert verbal_equivalent(math.inf).strength == "extremely strong"
    assert verbal_equivalent(-math.inf).direction == "Hd"
    with pytest.raises(ValueError):
        verbal_equivalent(math.nan)
    with pytest.raises(ValueError, match="unknown verbal-scale choice"):
        parse_choice("overwhelming:Hp")


def test_rates_count_score_at_threshold_as_a_match():
    p = rates(np.array([0.5, 0.6, 0.7]), np.array([0.1, 0.5, 0.2]), 0.5)
    assert (p.fmr, p.fnmr) == (pytest.approx(1 / 3), 0.0)


def test_eer_of_separated_and_overlapping_scores():
    eer, at = equal_error_rate(np.array([0.6, 0.7, 0.8]), np.array([0.0, 0.1, 0.2]))
    assert eer == 0 and at.threshold == pytest.approx(0.4)  # the middle of the gap
    eer, at = equal_error_rate(np.array([0.1, 0.7, 0.8]), np.array([0.0, 0.15, 0.2]))
    assert eer == pytest.approx(1 / 3) and (at.fmr, at.fnmr) == (pytest.approx(1 / 3), pytest.approx(1 / 3))


def test_threshold_at_fmr_is_the_lowest_one_meeting_the_target():
    rng = np.random.default_rng(0)
    g, i = rng.normal(0.5, 0.1, 1000), rng.normal(0.1, 0.1, 1000)
    p = threshold_at_fmr(g, i, 0.01)
    assert p.fmr <= 0.01 and np.mean(i >= np.nextafter(p.threshold, -np.inf)) > 0.01  # any lower is too many
    assert p.fnmr == pytest.approx(np.mean(g < p.threshold))
    tiny = threshold_at_fmr(g, i, 1e-6)  # below 1/n: just above the highest impostor score
    assert tiny.fmr == 0 and tiny.threshold > i.max()
    with pytest.raises(ValueError):
        threshold_at_fmr(g, i, 0.0)
