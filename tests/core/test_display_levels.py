"""The display pyramid of big photographs: levels, the level a zoom needs, crops, the cache."""

from __future__ import annotations

import gc

import cv2
import numpy as np
import pytest

from fame_desktop.core.display_levels import CROP_ABOVE, DisplayLevels, covers, levels_for, with_levels


@pytest.fixture(scope="module")
def big_photo(data_dir) -> np.ndarray:
    """obama.jpg upscaled ×3.3: 3003 × 3752 (11.3 MP) RGB."""
    bgr = cv2.imread(str(data_dir / "obama.jpg"))
    return cv2.cvtColor(cv2.resize(bgr, None, fx=3.3, fy=3.3, interpolation=cv2.INTER_CUBIC), cv2.COLOR_BGR2RGB)


def test_levels_halve_down_to_the_smallest_side_with_area_averaging(big_photo):
    lv = DisplayLevels(big_photo)
    assert lv.levels[0] is big_photo and lv.shape == (3752, 3003)
    assert [a.shape[:2] for a in lv.levels] == [(3752, 3003), (1876, 1502), (938, 751)]
    assert np.array_equal(lv.levels[1], cv2.resize(big_photo, (1502, 1876), interpolation=cv2.INTER_AREA))
    # a level is the photograph seen from afar: the mean colour stays
    assert np.abs(lv.levels[2].mean(axis=(0, 1)) - big_photo.mean(axis=(0, 1))).max() < 0.5


def test_small_images_have_one_level(data_dir):
    rgb = cv2.imread(str(data_dir / "obama.jpg"))
    lv = DisplayLevels(rgb)
    assert len(lv.levels) == 2  # 1137 px high: one level of 569 px
    crop = rgb[:112, :112]
    assert len(DisplayLevels(crop).levels) == 1


def test_the_level_for_a_zoom_has_at_least_one_pixel_per_screen_pixel(big_photo):
    lv = DisplayLevels(big_photo)
    f1, f2 = lv.factor(1), lv.factor(2)
    assert f1 == pytest.approx(2.0, abs=0.01) and f2 == pytest.approx(4.0, abs=0.01)
    assert lv.level_for(0.25) == 0  # zoomed in: photograph pixels, magnified
    assert lv.level_for(1.0) == 0
    assert lv.level_for(1.9) == 0  # level 1 would have fewer pixels than the screen
    assert lv.level_for(f1) == 1
    assert lv.level_for(3.9) == 1
    assert lv.level_for(5.0) == 2  # the whole photograph in a ~600 px view
    assert lv.level_for(100.0) == 2


def test_a_big_level_is_cropped_around_the_visible_part_in_photograph_coordinates(big_photo):
    lv = DisplayLevels(big_photo)
    visible = (1200.0, 1500.0, 1800.0, 1950.0)  # 600 × 450 photograph pixels
    r = lv.region(0, visible)
    x0, y0, x1, y1 = r.rect
    assert r.level == 0 and covers(r.rect, visible, lv.shape)
    assert (x0, y0, x1, y1) == (1050, 1387, 1950, 2063)  # a quarter of the visible size beyond each edge
    assert np.array_equal(r.rgb, big_photo[1387:2063, 1050:1950])
    # level 1 (2.8 MP) is cropped too; its pixels map back by the level's factor
    r1 = lv.region(1, visible)
    assert r1.rgb.shape[0] * r1.rgb.shape[1] < CROP_ABOVE and covers(r1.rect, visible, lv.shape)
    u0, v0 = round(r1.rect[0] / lv.factor(1)), round(r1.rect[1] * 1876 / 3752)
    assert np.array_equal(r1.rgb[0, 0], lv.levels[1][v0, u0])
    # a small level is shown whole, over the whole photograph
    r2 = lv.region(2, visible)
    assert r2.rgb is lv.levels[2] and r2.rect == (0.0, 0.0, 3003.0, 3752.0)
    # a view off the image still gets a valid (token) region
    assert lv.region(0, (-2000.0, -2000.0, -1500.0, -1500.0)).rgb.shape[:2] == (1, 1)


def test_levels_are_made_once_per_array_and_never_keep_it_alive(big_photo):
    photo = big_photo.copy()
    run = with_levels(lambda job: type("Image", (), {"rgb": photo})())  # as a reading worker would
    run(None)
    first = levels_for(photo)
    assert first.levels[1] is levels_for(photo).levels[1]  # cached: not made again
    other = photo.copy()
    assert levels_for(other).levels[1] is not first.levels[1]  # another array, its own levels
    from fame_desktop.core import display_levels

    key = id(photo)
    assert key in display_levels._cache
    del photo, first, run
    gc.collect()
    assert key not in display_levels._cache
