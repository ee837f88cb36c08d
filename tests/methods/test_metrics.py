"""Metrics of maps: top-P % masks, VOC boxes, IoU and pointing game, ROAD-Delete, deletion / insertion."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from fame_desktop.metrics.boxes import (Box, BoxFileError, box_mask, imagenet_class, imagenet_wnids, read_voc)
from fame_desktop.metrics.deletion_classification import CURVE_PERCENTS, Curves, deletion_insertion
from fame_desktop.metrics.localisation import iou, pointing_hit
from fame_desktop.metrics.masks import rank_map, top_fraction_mask
from fame_desktop.metrics.road import road_delete
from fame_desktop.tasks.result import input_tensor
from method_helpers import EGYPTIAN_CAT, IMAGENET


def test_top_fraction_mask_has_exactly_the_asked_size_even_on_ties():
    m = np.zeros((10, 10), np.float32)
    m[0, :3] = [0.5, 0.9, 0.5]
    mask = top_fraction_mask(m, 0.3)  # 3 values above zero, then 27 of the tied zeros in raster order
    assert mask.sum() == 30 and mask[0, 1] and mask[0, 0] and mask[0, 2]
    assert mask.ravel()[3:30].all() and not mask.ravel()[30:].any()
    assert top_fraction_mask(m, 0).sum() == 0 and top_fraction_mask(m, 1).all()
    with pytest.raises(ValueError):
        top_fraction_mask(m, 1.5)


@pytest.mark.parametrize("p", [10, 30, 50])
def test_rank_map_splits_a_map_full_of_zeros_at_exactly_p_percent(p):
    """grad-cam's ROAD removes the values ≥ the (100 − P)th percentile; on ranks that is exactly P %."""
    m = np.zeros((50, 40), np.float32)
    m[:5, :5] = 1.0  # 1.25 % of the pixels are non-zero, the rest tie
    r = rank_map(m)
    threshold = np.percentile(r, 100 - p)
    assert abs(np.count_nonzero(r >= threshold) - p / 100 * m.size) <= 1
    assert np.count_nonzero(m >= np.percentile(m, 100 - p)) == m.size  # what the raw map would remove: all
    assert (r >= threshold)[:5, :5].all()


def _xml(tmp_path, body: str, name="a.xml"):
    p = tmp_path / name
    p.write_text(body)
    return p


def test_voc_file_of_the_test_images():
    f = read_voc(IMAGENET / "chelsea.xml")
    assert (f.width, f.height) == (451, 300) and f.classes() == [EGYPTIAN_CAT]
    assert f.boxes == (Box("n02124075", 18, 0, 385, 299),)
    assert [read_voc(IMAGENET / f"{n}.xml").classes() for n in ("coffee", "camera", "rocket")] == [[967], [872], [657]]
    wnids = imagenet_wnids()
    assert len(wnids) == 1000 and wnids[0] == "n01440764" and len(set(wnids)) == 1000
    assert imagenet_class("285") == imagenet_class("Egyptian cat") == imagenet_class("egyptian cat") == 285


@pytest.mark.parametrize("body, reason", [
    ("not xml at all", "not a valid XML file"),
    ("<foo/>", "not a PASCAL VOC annotation"),
    ("<annotation><size><width>10</width><height>10</height></size></annotation>", "no <object> with a box"),
    ("<annotation><object><name>285</name></object></annotation>", "without <name> or <bndbox>"),
    ("<annotation><object><name>285</name><bndbox><xmin>a</xmin></bndbox></object></annotation>",
     "<xmin> is missing or not a number"),
    ("<annotation><object><name>285</name><bndbox><xmin>5</xmin><ymin>0</ymin><xmax>2</xmax><ymax>3</ymax>"
     "</bndbox></object></annotation>", "xmin > xmax"),
])
def test_bad_box_files_are_refused_with_their_reason(tmp_path, body, reason):
    with pytest.raises(BoxFileError, match=reason):
        read_voc(_xml(tmp_path, body))


def test_unknown_class_and_huge_or_missing_files_are_refused(tmp_path):
    f = read_voc(_xml(tmp_path, "<annotation><object><name>n99999999</name><bndbox><xmin>0</xmin><ymin>0</ymin>"
                                "<xmax>2</xmax><ymax>3</ymax></bndbox></object></annotation>"))
    with pytest.raises(BoxFileError, match="'n99999999' is no ImageNet-1k class"):
        f.classes()
    big = tmp_path / "big.xml"
    big.write_bytes(b"<annotation>" + b" " * (2 << 20) + b"</annotation>")
    with pytest.raises(BoxFileError, match="big.xml: file is 2 MB; the limit is 1 MB"):  # read as photographs are
        read_voc(big)
    with pytest.raises(BoxFileError, match="missing.xml: file not found"):
        read_voc(tmp_path / "missing.xml")
    with pytest.raises(BoxFileError, match="missing.xml: not found"):  # by URL (core.locations)
        read_voc((tmp_path / "missing.xml").as_uri())


def test_box_mask_follows_the_preparation_matrix():
    from fame_desktop.core.classifier_input import resize_matrix

    # a 200 × 100 photograph resized to 20 × 20: x scaled by 0.1, y by 0.2
    matrix = resize_matrix((0, 0, 200, 100), 20)
    mask = box_mask([Box("285", 50, 25, 149, 74)], matrix, 20)  # the middle half in each direction
    rows, cols = np.nonzero(mask)
    assert (rows.min(), rows.max(), cols.min(), cols.max()) == (5, 14, 5, 14)
    two = box_mask([Box("285", 0, 0, 19, 9), Box("285", 180, 90, 199, 99)], matrix, 20)
    assert two[0, 0] and two[1, 1] and two[19, 19] and two.sum() == 8


def test_iou_and_pointing_game():
    box = np.zeros((10, 10), bool)
    box[2:6, 2:6] = True  # 16 pixels
    m = np.zeros((10, 10), np.float32)
    m[2:6, 2:4] = 1.0  # half the box at 1
    m[8, 8] = 0.4
    assert iou(m, box, 0.5) == pytest.approx(8 / 16)
    assert iou(m, box, 0.3) == pytest.approx(8 / 17)
    assert iou(np.zeros((10, 10)), box, 0.5) == 0.0
    assert pointing_hit(m, box)
    m[9, 9] = 2.0
    assert not pointing_hit(m, box, tolerance=5) and pointing_hit(m, box, tolerance=6)  # √32 ≈ 5.7 from (5, 5)


def _face_bump() -> np.ndarray:
    """(224, 224) highest on chelsea's eyes and nose, falling off towards the borders."""
    rows, cols = np.mgrid[:224, :224]
    return np.exp(-((rows - 110) ** 2 + (cols - 105) ** 2) / (2 * 50.0 ** 2)).astype(np.float32)


def test_road_is_seeded_and_removes_what_the_map_points_at(chelsea):
    x = input_tensor(chelsea.model, chelsea.inputs["image"])
    centre = _face_bump()
    border = 1.0 - centre
    a = road_delete(chelsea.model, x, np.stack([centre, border]), EGYPTIAN_CAT, percents=(30,))
    b = road_delete(chelsea.model, x, np.stack([centre, border]), EGYPTIAN_CAT, percents=(30,))
    assert np.array_equal(a, b) and a.shape == (2, 1)
    assert a[0, 0] < a[1, 0]
    c = road_delete(chelsea.model, x, np.stack([centre, border]), EGYPTIAN_CAT, percents=(30,), seed=1)
    assert not np.array_equal(a, c)  # the noise is drawn, and the seed chooses it
    with pytest.raises(ValueError, match="0 < P < 100"):
        road_delete(chelsea.model, x, centre[None], EGYPTIAN_CAT, percents=(100,))


def test_deletion_and_insertion_curves(chelsea):
    x = input_tensor(chelsea.model, chelsea.inputs["image"])
    centre = _face_bump()
    curves = deletion_insertion(chelsea.model, x, np.stack([centre, 1 - centre]), EGYPTIAN_CAT)
    clean = chelsea.analysis.summary["top5"][0]["probability"]
    assert curves.percents == CURVE_PERCENTS and curves.deletion.shape == (2, 11)
    assert np.allclose(curves.deletion[:, 0], clean, atol=1e-4) and np.allclose(curves.insertion[:, -1], clean, atol=1e-4)
    with torch.no_grad():
        black = float(torch.softmax(chelsea.model(torch.zeros_like(x)), 1)[0, EGYPTIAN_CAT])
    assert np.allclose(curves.deletion[:, -1], black, atol=1e-4) and np.allclose(curves.insertion[:, 0], black, atol=1e-4)
    assert curves.deletion_auc[0] < curves.deletion_auc[1] and curves.insertion_auc[0] > curves.insertion_auc[1]


def test_auc_is_the_trapezoid_area_over_the_fraction():
    c = Curves((0, 50, 100), np.array([[1.0, 0.5, 0.0]]), np.array([[0.0, 0.0, 1.0]]))
    assert c.deletion_auc[0] == pytest.approx(0.5) and c.insertion_auc[0] == pytest.approx(0.25)
