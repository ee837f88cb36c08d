"""Maps on the original photograph, computed on the crop's footprint only."""

from __future__ import annotations

import numpy as np

from fame_desktop.core.faces import CROP_SIZE, crop_footprint, warp_to_photo
from fame_desktop.core.overlay import overlay
from fame_desktop.core.photo_overlay import footprint_box, photo_overlay, photo_overlay_region


def _test_map() -> np.ndarray:
    yy, xx = np.mgrid[0:CROP_SIZE, 0:CROP_SIZE].astype(np.float32)
    return np.exp(-((xx - 40) ** 2 + (yy - 50) ** 2) / 300.0)  # a blob on the left eye


def test_region_overlay_equals_the_full_size_warp(face_inputs):
    fi = face_inputs["obama"]
    m = _test_map()
    w, h = fi.image.width, fi.image.height
    full_map = warp_to_photo(m, fi.aligned.matrix, w, h)
    mask = crop_footprint(fi.aligned.matrix, w, h)
    expected = overlay(fi.image.rgb, full_map, 0.6, "inferno", mask=mask)
    got = photo_overlay(fi.image.rgb, m, fi.aligned.matrix, 0.6, "inferno")
    assert got.shape == expected.shape
    assert np.abs(got.astype(int) - expected.astype(int)).max() <= 1
    assert (got != fi.image.rgb).any()
    region = photo_overlay_region(fi.image.rgb, m, fi.aligned.matrix, 0.6, "inferno")
    x0, y0, x1, y1 = region.box
    assert (x1 - x0) * (y1 - y0) < 0.5 * w * h  # only the face, not the whole photograph
    # nothing outside the box changed
    outside = np.ones((h, w), bool)
    outside[y0:y1, x0:x1] = False
    assert np.array_equal(got[outside], np.asarray(fi.image.rgb)[outside])
    assert np.array_equal(region.mask, mask[y0:y1, x0:x1])


def test_footprint_box_is_clipped_and_none_when_outside(face_inputs):
    fi = face_inputs["obama2"]
    w, h = fi.image.width, fi.image.height
    x0, y0, x1, y1 = footprint_box(fi.aligned.matrix, w, h)
    assert 0 <= x0 < x1 <= w and 0 <= y0 < y1 <= h
    lx, ly = fi.face.landmarks[2]
    assert x0 < lx < x1 and y0 < ly < y1
    far = fi.aligned.matrix.copy()
    far[:, 2] += 10 * w  # crop lies far outside the photograph
    assert footprint_box(far, w, h) is None
    assert photo_overlay_region(fi.image.rgb, _test_map(), far) is None


def test_heat_layer_drawn_with_opacity_gives_the_overlay_blend(face_inputs):
    from fame_desktop.core.photo_overlay import photo_heat_layer

    fi = face_inputs["obama"]
    m, w, h = _test_map(), fi.image.width, fi.image.height
    full = photo_heat_layer(m, fi.aligned.matrix, w, h, "turbo", pixels_per_map_pixel=1e9)  # photo resolution
    region = photo_overlay_region(fi.image.rgb, m, fi.aligned.matrix, 0.4, "turbo")
    x0, y0, x1, y1 = full.box
    assert (x0, y0, x1, y1) == region.box and full.rgba.shape[:2] == region.mask.shape
    a = (full.rgba[..., 3:] / 255.0) * 0.4
    base = np.asarray(fi.image.rgb)[int(y0):int(y1), int(x0):int(x1)].astype(float)
    composed = base * (1 - a) + full.rgba[..., :3] * a
    assert np.abs(composed - region.rgb).max() <= 1.0
    # the interactive layer is coarser: about two layer pixels per map pixel
    small = photo_heat_layer(m, fi.aligned.matrix, w, h, "turbo")
    photo_per_map = 1 / np.sqrt(abs(np.linalg.det(fi.aligned.matrix[:, :2])))  # ≈ 3 for this portrait
    assert photo_per_map > 2
    assert small.rgba.shape[1] == int(np.ceil((x1 - x0) * 2 / photo_per_map)) < full.rgba.shape[1]
    assert np.allclose(small.box[:2], full.box[:2]) and abs(small.box[2] - x1) < 3 and abs(small.box[3] - y1) < 3


def test_the_layer_cache_finds_layers_by_map_content_keeps_the_latest_and_forgets_a_photograph():
    from fame_desktop.core.photo_overlay import LayerCache

    cache = LayerCache(2)
    m = np.linspace(0, 1, 16, dtype=np.float32).reshape(4, 4)
    cache.keep(LayerCache.key("gallery", m, "jet"), "layer 1")
    assert cache.get(LayerCache.key("gallery", m.copy(), "jet")) == "layer 1"  # equal content, another array
    assert cache.get(LayerCache.key("gallery", m, "viridis")) is None
    assert cache.get(LayerCache.key("probe", m, "jet")) is None
    cache.keep(LayerCache.key("probe", m, "jet"), "layer 2")
    cache.keep(LayerCache.key("probe", 1 - m, "jet"), "layer 3")  # over the size: the oldest goes
    assert cache.get(LayerCache.key("gallery", m, "jet")) is None
    cache.forget("probe")
    assert cache.get(LayerCache.key("probe", 1 - m, "jet")) is None
