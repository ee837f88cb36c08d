"""Grey of Δx (METHOD.md §8): "luma of the photograph" against "as the reference implementation", on
the embedded RGB model and on an IResNet laid out as the published AdaFace checkpoints (BGR)."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
import torch

from fame_desktop.core.attribution import (LUMA, MapSettings, default_greyscale, delta_to_maps, for_model_input,
                                           grayscale_magnitude)
from fame_desktop.core.fame import FameParams
from fame_desktop.core.models import load_face_model
from fame_desktop.core.verification import explain_pair
from fame_desktop.tasks.models import model_channel_order
from test_models import _published_adaface_ckpt, _random_ir18, _stand_in_lightning


@pytest.fixture(scope="module")
def published_ir18(tmp_path_factory):
    """An AdaFace IResNet-18 loaded from a checkpoint laid out key for key as the published ones."""
    folder = tmp_path_factory.mktemp("adaface")
    with pytest.MonkeyPatch.context() as saving:
        torch.save(_published_adaface_ckpt(_random_ir18(), _stand_in_lightning(saving), "dict"),
                   folder / "adaface_ir18_ms1mv2.ckpt")
    return load_face_model("adaface", folder / "adaface_ir18_ms1mv2.ckpt", "cpu")


def _reference_maps(delta_rgb: np.ndarray, s: MapSettings) -> np.ndarray:
    """The reference code's way: Δx of the BGR image the model was fed, 0.2989·ch0 + 0.587·ch1 + 0.114·ch2."""
    bgr = delta_rgb[:, ::-1]
    gray = np.abs(0.2989 * bgr[:, 0] + 0.587 * bgr[:, 1] + 0.114 * bgr[:, 2])
    out = []
    for g in gray:
        m = cv2.GaussianBlur(g / g.max(), (s.odd_kernel, s.odd_kernel), s.blur_sigma, borderType=cv2.BORDER_REFLECT_101)
        out.append((m - m.min()) / (m.max() - m.min()))
    return np.stack(out)


def test_the_default_is_the_reference_grey_only_for_a_bgr_model_under_the_reference_preset():
    assert default_greyscale("BGR", "reference") == "reference"
    assert default_greyscale("BGR", "reference (changed: iterations)") == "reference"
    assert default_greyscale("BGR", "fast") == default_greyscale("BGR", "") == "photograph"
    assert default_greyscale("RGB", "reference") == "photograph"
    assert for_model_input(MapSettings(), "BGR", "fast", "reference").greyscale == "reference"  # a choice wins
    with pytest.raises(ValueError, match="greyscale"):
        MapSettings(greyscale="average")


def test_photograph_luma_is_unchanged_bit_for_bit():
    delta = np.random.default_rng(0).normal(size=(2, 3, 112, 112)).astype(np.float32)
    r, g, b = delta[:, 0], delta[:, 1], delta[:, 2]
    assert np.array_equal(grayscale_magnitude(delta), np.abs(LUMA[0] * r + LUMA[1] * g + LUMA[2] * b))
    assert np.array_equal(delta_to_maps(delta, MapSettings()), delta_to_maps(delta, MapSettings(channel_order="BGR")))


def test_both_greys_on_a_published_layout_adaface_model(published_ir18, crops):
    assert model_channel_order(published_ir18) == "BGR"
    run = explain_pair(published_ir18, crops["obama"], crops["obama2"], FameParams(iterations=5, epsilon=0),
                       maps=("probe_similar", "probe_dissimilar")).run
    photo = for_model_input(MapSettings(), model_channel_order(published_ir18), "", "photograph")
    ref = for_model_input(MapSettings(), model_channel_order(published_ir18), "reference")
    assert ref.greyscale == "reference" and ref.luma_weights.tolist() == pytest.approx([0.114, 0.587, 0.2989])
    as_reference = delta_to_maps(run.delta, ref)
    assert np.allclose(as_reference, _reference_maps(run.delta, ref), atol=1e-5)
    as_photo = delta_to_maps(run.delta, photo)
    assert np.abs(as_reference - as_photo).max() > 0.01  # the two greys differ on a BGR model
    assert "as the reference implementation: 0.114 R + 0.587 G + 0.2989 B (model input BGR)" == ref.describe()["grey"]
    assert photo.describe()["grey"].startswith("luma of the photograph: 0.2989 R")


def test_on_the_rgb_embedded_model_both_greys_agree(face_model, crops):
    run = explain_pair(face_model, crops["obama"], crops["biden"], FameParams(iterations=3, epsilon=0),
                       maps=("probe_similar",)).run
    order = model_channel_order(face_model)
    assert order == "RGB"
    assert np.array_equal(delta_to_maps(run.delta, for_model_input(MapSettings(), order, "", "reference")),
                          delta_to_maps(run.delta, for_model_input(MapSettings(), order, "", "photograph")))
