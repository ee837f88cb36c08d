"""Facial regions on the aligned crop and the maps' shares of mass per region."""

from __future__ import annotations

import numpy as np
import pytest

from fame_desktop.core.evidence.face_regions import (REGIONS, region_areas, region_figure, region_labels,
                                                     region_shares, summarise_regions)
from fame_desktop.core.faces import ARCFACE_TEMPLATE


def blob(centres, sigma: float = 4.0) -> np.ndarray:
    yy, xx = np.mgrid[:112, :112] + 0.5
    return sum(np.exp(-((xx - x) ** 2 + (yy - y) ** 2) / (2 * sigma ** 2)) for x, y in centres)


@pytest.fixture(scope="module")
def template_labels():
    return region_labels(ARCFACE_TEMPLATE)


def test_each_landmark_lies_in_its_region(template_labels, crops, face_inputs):
    for lm in [ARCFACE_TEMPLATE] + [fi.aligned.landmarks_in_crop() for fi in face_inputs.values()]:
        labels = region_labels(lm)
        names = [REGIONS[labels[int(y), int(x)]] for x, y in lm]
        assert names == ["eyes_brows", "eyes_brows", "nose", "mouth", "mouth"]
    assert REGIONS[template_labels[2, 2]] == "outside" and REGIONS[template_labels[25, 56]] == "forehead"
    assert REGIONS[template_labels[80, 25]] == "cheeks_jaw"


def test_shares_sum_to_one_and_a_uniform_map_gives_the_areas(template_labels):
    rng = np.random.default_rng(0)
    shares = region_shares(rng.random((112, 112)), template_labels)
    assert sum(shares.values()) == pytest.approx(1.0) and set(shares) == set(REGIONS)
    assert region_shares(np.ones((112, 112)), template_labels) == pytest.approx(region_areas(template_labels))
    assert region_shares(np.zeros((112, 112)), template_labels) is None


def test_a_map_on_the_eyes_puts_its_mass_in_the_eyes_and_follows_when_it_moves(template_labels):
    eyes = region_shares(blob(ARCFACE_TEMPLATE[:2]), template_labels)
    assert eyes["eyes_brows"] > 0.9
    mouth = region_shares(blob(ARCFACE_TEMPLATE[3:]), template_labels)
    assert mouth["mouth"] > 0.8 and mouth["eyes_brows"] < 0.01
    # half the mass moved from the eyes to the nose: the shares follow
    mixed = region_shares(blob(ARCFACE_TEMPLATE[:2]) + 2 * blob(ARCFACE_TEMPLATE[2:3]), template_labels)
    assert mixed["eyes_brows"] == pytest.approx(0.5, abs=0.1) and mixed["nose"] == pytest.approx(0.5, abs=0.15)


def test_bad_maps_are_refused(template_labels):
    with pytest.raises(ValueError, match="non-negative"):
        region_shares(-np.ones((112, 112)), template_labels)
    with pytest.raises(ValueError, match="shape"):
        region_shares(np.ones((56, 56)), template_labels)


def test_summary_of_real_fame_maps(pair_session):
    e = pair_session.result()
    summary = summarise_regions(e.maps(pair_session.map_settings),
                                {side: pair_session.inputs[side].payload.aligned.landmarks_in_crop()
                                 for side in ("gallery", "probe")})
    assert set(summary.shares) == set(e.keys)
    for key, shares in summary.shares.items():
        assert shares is not None and sum(shares.values()) == pytest.approx(1.0), key
    d = summary.describe()
    assert d["regions"] == list(REGIONS) and sum(d["areas"]["probe"].values()) == pytest.approx(1.0, abs=1e-3)


def test_region_figure(crops):
    labels = region_labels(ARCFACE_TEMPLATE)
    fig = region_figure(crops["obama"], labels, scale=3)
    assert fig.shape == (336, 336, 3) and fig.dtype == np.uint8
    assert np.any(np.all(fig == 255, axis=2))  # the outlines
