"""CorrRISE on real faces: masks as specified, Spearman / Pearson as scipy computes them, seeded and
deterministic, e+ / e− from one correlation, progress and cancel between batches."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from fame_desktop.core.attribution import MapSettings
from fame_desktop.methods import CorrRiseMethod, CorrRiseParams
from fame_desktop.methods.corrrise import average_ranks, patch_masks, pixel_correlation

FEW = CorrRiseParams(masks=40, batch_size=16, seed=3)


def test_each_patch_lies_fully_inside_the_image():
    one = patch_masks(300, 112, patches=1, patch_size=30, seed=0).numpy()
    assert set(np.unique(one)) == {0.0, 1.0}
    assert (one.reshape(300, -1).sum(1) == 112 * 112 - 900).all()  # never clipped by the border
    three = patch_masks(300, 112, patches=3, patch_size=30, seed=0).numpy()
    hidden = (three == 0).reshape(300, -1).sum(1)
    assert hidden.min() >= 900 and hidden.max() <= 2700 and (hidden > 900).mean() > 0.9  # overlaps are rare
    covered = (three == 0).any(axis=0)
    assert covered[0].any() and covered[-1].any() and covered[:, 0].any() and covered[:, -1].any()  # edges reached


def test_patch_larger_than_the_image_is_refused():
    with pytest.raises(ValueError, match="larger than the 20-pixel input"):
        patch_masks(2, 20, 1, 30, 0)


@pytest.mark.parametrize("bad", [dict(masks=1), dict(patch_size=0), dict(correlation="kendall"), dict(seed=-1)])
def test_bad_parameters_are_refused(bad):
    with pytest.raises(ValueError, match="CorrRISE"):
        CorrRiseParams(**bad)


def test_correlation_is_spearman_or_pearson_per_pixel():
    rng = np.random.default_rng(1)
    keep = (rng.random((60, 4, 4)) > 0.3).astype(np.float32)
    keep[:, 0, 0] = 1  # never masked: no correlation
    scores = rng.normal(size=60)
    scores[:5] = scores[5]  # ties in the scores
    spear = pixel_correlation(keep, scores, "spearman")
    pear = pixel_correlation(keep, scores, "pearson")
    assert spear[0, 0] == 0 and pear[0, 0] == 0
    for y, x in ((1, 2), (3, 3)):
        assert spear[y, x] == pytest.approx(stats.spearmanr(keep[:, y, x], scores)[0], abs=1e-5)
        assert pear[y, x] == pytest.approx(stats.pearsonr(keep[:, y, x], scores)[0], abs=1e-5)
    assert np.array_equal(average_ranks(np.array([3.0, 1.0, 3.0, 2.0])), [3.5, 1.0, 3.5, 2.0])


def test_a_fixed_seed_gives_the_same_maps_and_is_recorded(run_method):
    first = run_method(CorrRiseMethod(), FEW)
    second = run_method(CorrRiseMethod(), FEW)
    other = run_method(CorrRiseMethod(), CorrRiseParams(masks=40, batch_size=40, seed=4))
    assert np.array_equal(first.run.delta, second.run.delta)
    assert not np.allclose(first.run.delta, other.run.delta)
    assert first.describe()["parameters"]["seed"] == 3 and first.run.params.correlation == "spearman"
    assert list(first.run.iterations) == [40] * 4 and first.run.stop_reasons == ["iterations"] * 4


def test_similar_and_dissimilar_maps_split_one_correlation(run_method):
    result = run_method(CorrRiseMethod(), FEW)
    d = result.run.delta[:, 0]  # rows: gallery e+, gallery e−, probe e+, probe e−
    assert (d >= 0).all() and d.shape == (4, 112, 112)
    for plus, minus in ((0, 1), (2, 3)):
        assert not (d[plus] * d[minus]).any()  # a pixel is for or against the match, never both
        assert d[plus].max() > 0 and d[minus].max() > 0
    maps = result.maps(MapSettings())
    assert all(m.min() == 0 and m.max() == 1 for m in maps.values())
    assert np.array_equal(maps["probe_similar"] > 0, d[2] > 0)  # no blur: CorrRISE maps are not smoothed


def test_progress_per_batch_and_cancel_between_batches(run_method):
    events = []
    result = run_method(CorrRiseMethod(), FEW, on_progress=events.append,
                        should_cancel=lambda: len(events) >= 2)
    assert [e.iteration for e in events] == [1, 2] and events[0].total == 3 * 2
    assert events[1].delta.shape == (4, 1, 112, 112)  # a preview of the maps so far
    assert result.run.cancelled and set(result.run.stop_reasons) == {"cancelled"}
    assert list(result.run.iterations) == [32, 32, 0, 0]  # gallery: two batches of 16, probe: none
