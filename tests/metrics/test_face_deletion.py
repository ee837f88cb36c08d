"""Face deletion / insertion on a real pair: the masks, the perturbed batches, and that FAME's map
carries the similarity better than random maps of the same smoothness."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
import torch

from fame_desktop.core.attribution import MapSettings
from fame_desktop.core.fame import FameParams
from fame_desktop.methods import FameMethod
from fame_desktop.metrics.face_deletion import PairFaithfulness, pair_faithfulness, perturbed_batch
from fame_desktop.metrics.masks import PERCENTAGES, top_percent_masks


def test_top_percent_masks_choose_exactly_the_highest_pixels():
    m = np.arange(100, dtype=np.float32).reshape(10, 10)
    masks = top_percent_masks(m, PERCENTAGES)
    assert masks.shape == (11, 10, 10) and [int(k.sum()) for k in masks] == list(range(0, 101, 10))
    assert masks[1][-1].all() and not masks[1][:-1].any()  # 10 %: the last row holds the ten largest
    flat = top_percent_masks(np.zeros((4, 5)), (0, 50, 100))  # ties: row-major order, reproducibly
    assert flat[1].ravel().tolist() == [True] * 10 + [False] * 10
    with pytest.raises(ValueError, match="percentages"):
        top_percent_masks(m, (0, 120))
    with pytest.raises(ValueError, match="NaN"):
        top_percent_masks(np.full((3, 3), np.nan))


def test_deletion_and_insertion_batches():
    x = torch.rand(1, 3, 8, 8)
    saliency = np.random.default_rng(0).random((8, 8))
    deleted = perturbed_batch(x, saliency, "delete")
    inserted = perturbed_batch(x, saliency, "insert")
    assert deleted.shape == (11, 3, 8, 8)
    assert torch.equal(deleted[0], x[0]) and not deleted[-1].any()
    assert torch.equal(inserted[-1], x[0]) and not inserted[0].any()
    assert torch.equal(deleted[3] + inserted[3], x[0])  # complementary at every P


@pytest.fixture(scope="module")
def fame_genuine(run_method):
    return run_method(FameMethod(), FameParams(iterations=40, epsilon=0.0))


def _random_smooth_map(seed: int, settings: MapSettings) -> np.ndarray:
    noise = np.random.default_rng(seed).random((112, 112)).astype(np.float32)
    k = settings.odd_kernel
    return cv2.GaussianBlur(noise, (k, k), settings.blur_sigma)


def test_deleting_fames_top_pixels_lowers_a_genuine_pairs_similarity_more_than_random_maps(
        fame_genuine, face_task, face_model):
    settings = MapSettings()
    pf = pair_faithfulness(face_task, face_model, fame_genuine, settings)
    fame_delete = pf.curve("probe_similar", "delete")
    fame_insert = pf.curve("probe_similar", "insert")
    s = fame_genuine.analysis.summary["similarity"]
    assert fame_delete.similarity[0] == pytest.approx(s, abs=1e-5)  # P = 0: the clean pair
    assert fame_insert.similarity[-1] == pytest.approx(s, abs=1e-5)  # P = 100: the clean pair
    randoms = [pair_faithfulness(face_task, face_model, fame_genuine, settings,  # random maps, FAME's smoothness
                                 maps={"probe_similar": _random_smooth_map(seed, settings)}) for seed in range(4)]
    random_delete = [r.curve("probe_similar", "delete").area for r in randoms]
    random_insert = [r.curve("probe_similar", "insert").area for r in randoms]
    assert fame_delete.area < min(random_delete), (fame_delete.area, random_delete)
    assert fame_insert.area > max(random_insert), (fame_insert.area, random_insert)
    # deleting the top 10 % of FAME's e+ costs more similarity than the top 10 % of any random map
    assert fame_delete.similarity[1] < min(r.curve("probe_similar", "delete").similarity[1] for r in randoms)


def test_every_map_gets_a_delete_and_an_insert_curve_and_a_table_row(fame_genuine, face_task, face_model):
    pf = pair_faithfulness(face_task, face_model, fame_genuine, MapSettings())
    assert len(pf.curves) == 8 and pf.method == "fame" and pf.empty == ()
    assert {(c.side, c.kind) for c in pf.curves} == {(s, k) for s in ("gallery", "probe")
                                                    for k in ("similar", "dissimilar")}
    header, rows = pf.table()
    assert header[-2:] == ("Delete area", "Insert area") and len(rows) == 4
    assert rows[2][:3] == ("probe_similar", "probe", "e+")
    again = PairFaithfulness.from_dict(pf.describe())
    assert again.curve("gallery_dissimilar", "insert").similarity == pytest.approx(
        pf.curve("gallery_dissimilar", "insert").similarity, abs=1e-6)


def test_the_maps_supporting_the_truth():
    from fame_desktop.metrics.face_deletion import truth_targets

    four = ("gallery_similar", "gallery_dissimilar", "probe_similar", "probe_dissimilar")
    assert truth_targets(four, True) == ("gallery_similar", "probe_similar")
    assert truth_targets(four, False) == ("gallery_dissimilar", "probe_dissimilar")
    assert truth_targets(("gallery_similar", "probe_similar"), False) == ("gallery_similar", "probe_similar")  # a CAM
    assert truth_targets(("probe_dissimilar",), False) == ("probe_dissimilar",)
