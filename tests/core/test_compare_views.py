"""Blend and wipe between two aligned crops."""

import numpy as np
import pytest

from fame_desktop.core.compare_views import blend, wipe


def _pair():
    a = np.zeros((112, 112, 3), np.uint8)
    b = np.full((112, 112, 3), 200, np.uint8)
    return a, b


def test_blend_runs_from_a_to_b():
    a, b = _pair()
    assert np.array_equal(blend(a, b, 0.0), a)
    assert np.array_equal(blend(a, b, 1.0), b)
    assert (blend(a, b, 0.25) == 50).all()
    assert np.array_equal(blend(a, b, 7.0), b)  # clipped to [0, 1]


def test_wipe_shows_b_before_the_edge():
    a, b = _pair()
    assert np.array_equal(wipe(a, b, 0.0), a)
    assert np.array_equal(wipe(a, b, 1.0), b)
    w = wipe(a, b, 0.25)
    assert (w[:, :28] == 200).all() and (w[:, 28:] == 0).all()
    h = wipe(a, b, 0.5, "horizontal")
    assert (h[:56] == 200).all() and (h[56:] == 0).all()


def test_mismatched_or_bad_input_is_refused():
    a, b = _pair()
    with pytest.raises(ValueError, match="one shape"):
        blend(a, b[:100], 0.5)
    with pytest.raises(ValueError, match="direction"):
        wipe(a, b, 0.5, "diagonal")
