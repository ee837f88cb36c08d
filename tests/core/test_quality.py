"""Image quality on the real photographs and on degraded copies made at test time."""

from __future__ import annotations

from dataclasses import replace

import cv2
import numpy as np
import pytest
import torch

from fame_desktop.core.evidence.quality import (TEMPLATE_EYE_DISTANCE, face_region_mask, measure_quality,
                                                quality_flags, quality_ranges)
from fame_desktop.core.images import load_image_bytes
from fame_desktop.core.pipeline import prepare_face


def _prepared(rgb: np.ndarray, detector, name: str = "copy.png"):
    ok, png = cv2.imencode(".png", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
    return prepare_face(load_image_bytes(png.tobytes(), name), detector, "probe")


@pytest.fixture(scope="module")
def qualities(face_inputs):
    return {n: measure_quality(fi) for n, fi in face_inputs.items()}


def test_real_photographs(face_inputs, qualities):
    for name, q in qualities.items():
        lm = face_inputs[name].face.landmarks
        assert q.inter_eye_px == pytest.approx(np.hypot(*(lm[1] - lm[0])))
        assert 100 < q.inter_eye_px < 140  # portraits: eyes 107–128 px apart
        assert q.detection_probability > 0.99 and q.embedding_norm is None  # the embedded model has no quality norm
        assert 60 < q.exposure_mean < 200 and q.clipped_dark < 0.01 and q.clipped_bright < 0.01
        assert q.sharpness > 300
        assert quality_flags(q) == []  # nothing outside the fixed limits


def test_face_region_mask_leaves_out_the_black_border(detector, data_dir):
    partial = prepare_face(data_dir / "obama_partial_face.jpg", detector, "probe")  # cut by the border
    mask = face_region_mask(partial)
    black = np.all(partial.crop == 0, axis=2)
    assert black.sum() > 200 and not np.any(mask & black)


def test_blur_lowers_sharpness_and_darkening_lowers_exposure(face_inputs, detector, qualities):
    rgb = face_inputs["obama"].image.rgb
    blurred = measure_quality(_prepared(cv2.GaussianBlur(rgb, (0, 0), 6), detector))
    assert blurred.sharpness < qualities["obama"].sharpness / 10
    dark = measure_quality(_prepared(np.clip(rgb.astype(np.float32) * 0.25 - 10, 0, 255).astype(np.uint8), detector))
    assert dark.exposure_mean < qualities["obama"].exposure_mean / 3
    burnt = measure_quality(_prepared(np.clip(rgb.astype(np.float32) * 2.2, 0, 255).astype(np.uint8), detector))
    assert burnt.clipped_bright > 0.05
    assert [f.measure for f in quality_flags(burnt)] == ["clipped_bright"]


def test_a_small_face_is_flagged_below_the_templates_eye_distance(face_inputs, detector):
    rgb = face_inputs["obama2"].image.rgb  # eyes 122 px apart
    small = cv2.resize(rgb, None, fx=0.2, fy=0.2, interpolation=cv2.INTER_AREA)
    q = measure_quality(_prepared(small, detector))
    assert q.inter_eye_px == pytest.approx(122 * 0.2, rel=0.1) and q.inter_eye_px < TEMPLATE_EYE_DISTANCE
    (flag,) = quality_flags(q)
    assert flag.measure == "inter_eye_px" and "enlarged" in flag.text and "35.2 px" in flag.source


def test_hand_placed_landmarks_have_no_detection_probability(face_inputs):
    from fame_desktop.core.pipeline import build_face_input

    fi = face_inputs["biden"]
    manual = build_face_input(fi.image, fi.faces, "probe", landmarks=fi.face.landmarks)
    q = measure_quality(manual)
    assert q.detection_probability is None
    assert [f.measure for f in quality_flags(q)] == ["detection_probability"]


def test_flags_against_a_calibration_sets_range(qualities):
    ranges = quality_ranges([replace(q, inter_eye_px=v).measures()
                             for q, v in zip(list(qualities.values()) * 40, np.linspace(20, 60, 120))])
    assert ranges["inter_eye_px"]["n"] == 120 and 20 < ranges["inter_eye_px"]["p01"] < 21
    flags = quality_flags(qualities["obama"], ranges, "calibration “LFW”")
    (flag,) = [f for f in flags if f.measure == "inter_eye_px"]
    assert "above the 99th percentile of the calibration photographs" in flag.text and flag.source == "calibration “LFW”"
    assert not [f for f in flags if f.measure == "exposure_mean"]  # inside the range: no flag


def test_adaface_norm_is_its_quality_estimate_against_the_training_norms(tmp_path, face_inputs):
    from fame_desktop.core.models import load_face_model
    from fame_desktop.core.models.iresnet import IResNet

    torch.manual_seed(0)
    net = IResNet(18).eval()
    state = {f"model.{k}": v for k, v in net.state_dict().items()}
    state["head.kernel"] = torch.randn(512, 4)
    state["head.batch_mean"], state["head.batch_std"] = torch.full((1,), 1e4), torch.full((1,), 10.0)
    torch.save({"state_dict": state}, tmp_path / "adaface_ir18.ckpt")
    model = load_face_model("adaface", tmp_path / "adaface_ir18.ckpt", "cpu")
    assert model.norm_is_quality and model.training_norms == {"mean": 1e4, "std": 10.0}
    q = measure_quality(face_inputs["obama"], model)
    assert q.embedding_norm == pytest.approx(float(model.embed(face_inputs["obama"].crop).norm()), rel=1e-6)
    assert q.norm_z == pytest.approx((q.embedding_norm - 1e4) / 10.0)
    assert "low quality by AdaFace's own measure" in " ".join(f.text for f in quality_flags(q))
    del state["head.batch_mean"]
    torch.save({"state_dict": state}, tmp_path / "no_stats.ckpt")
    bare = load_face_model("adaface", tmp_path / "no_stats.ckpt", "cpu")
    assert bare.training_norms is None and measure_quality(face_inputs["obama"], bare).norm_z is None


def test_each_measure_has_a_readable_value_and_a_missing_one_is_a_dash():
    from fame_desktop.core.evidence.quality import MEASURES, measure_text

    assert [measure_text(k, 0.5) for k in ("inter_eye_px", "yaw_deg", "clipped_dark", "detection_probability")] == \
        ["0 px", "+0.5°", "50.0%", "0.5000"]
    assert all(measure_text(k, 1.0) for k in MEASURES) and measure_text("sharpness", None) == "–"
