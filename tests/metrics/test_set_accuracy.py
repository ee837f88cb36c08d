"""Set-level verification figures: the EER threshold, accuracy at it, normalised areas."""

from __future__ import annotations

import pytest

from fame_desktop.metrics.set_accuracy import NotEnoughPairs, accuracy_at, eer_threshold, normalised_area


def test_eer_threshold_of_separable_and_overlapping_scores():
    t, eer = eer_threshold([0.7, 0.65, 0.1, 0.05], [True, True, False, False])
    assert eer == 0 and t == pytest.approx(0.375)  # the middle of the gap, not the lowest genuine score
    assert accuracy_at([0.7, 0.65, 0.1, 0.05], [1, 1, 0, 0], t) == 1
    scores, same = [0.9, 0.4, 0.6, 0.2], [True, True, False, False]  # one genuine below one impostor
    t, eer = eer_threshold(scores, same)
    assert eer == 0.5 and t == pytest.approx(0.5) and accuracy_at(scores, same, t) == 0.5


def test_a_set_without_impostors_has_no_eer_threshold():
    with pytest.raises(NotEnoughPairs, match="2 genuine and 0 impostor"):
        eer_threshold([0.5, 0.6], [True, True])


def test_normalised_area():
    assert normalised_area(range(0, 101, 10), [0.75] * 11) == pytest.approx(0.75)
    assert normalised_area([0, 50, 100], [1.0, 0.5, 0.0]) == pytest.approx(0.5)
    with pytest.raises(ValueError):
        normalised_area([0], [1.0])
