"""Every CAM method on the face task (obama / obama2, embedded model) and the ImageNet task (chelsea,
EfficientNet-Lite0): maps of the right shape in [0, 1], the model left as found (no hooks, no
swapped layer) also after a cancel or an error, deterministic, and what each map should show."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
import torch

from fame_desktop.core.attribution import MapSettings
from fame_desktop.methods.cam import ALGORITHMS, ALGORITHMS_BY_KEY, CamMethod, CamParams
from fame_desktop.methods.cam_common import _HOOK_DICTS
from fame_desktop.methods.fdcam import FdCamMethod, FdCamParams
from fame_desktop.tasks.runner import MethodNotApplicable
from method_helpers import EGYPTIAN_CAT, IMAGENET

# Score-CAM and Ablation-CAM make one forward pass per channel: in the grid they run on a layer of
# 24 channels (_blocks.2, 56 × 56) so that a test takes seconds; the default layer has 320.
SMALL_LAYER = "_blocks.2"
CAT = f"class_{EGYPTIAN_CAT}"


def method(key: str):
    return FdCamMethod() if key == "fd-cam" else CamMethod(ALGORITHMS_BY_KEY[key])


def grid_params(m, task_key: str):
    if m.key in ("scorecam", "ablationcam"):
        return CamParams(m.key, layer=SMALL_LAYER, batch_size=8)
    return m.default_params(None)


def model_state(model):
    """Every module and every hook id, by module name: what a method must leave as it found it."""
    return {name: (id(m), {d: tuple(getattr(m, d, {}) or ()) for d in _HOOK_DICTS}) for name, m in model.named_modules()}


FACE_METHODS = ["gradcam", "gradcam-ew", "hirescam", "gradcam++", "xgradcam", "layercam", "fd-cam"]
IMAGENET_METHODS = [a.key for a in ALGORITHMS] + ["fd-cam"]


@pytest.mark.parametrize("key", FACE_METHODS)
def test_face_task_one_similarity_map_per_face(face_pair, key):
    m = method(key)
    before = model_state(face_pair.model)
    events = []
    req, result = face_pair.run(m, on_progress=events.append)
    assert model_state(face_pair.model) == before
    # the four targets asked for (e+ and e− of both faces) become one map per face: the similarity's
    assert result.keys == ("gallery_similar", "probe_similar")
    assert result.run.delta.shape == (2, 1, 112, 112) and (result.run.delta >= 0).all()
    maps = result.maps(MapSettings())
    for k, mp in maps.items():
        assert mp.shape == (112, 112) and mp.dtype == np.float32 and mp.min() == 0 and mp.max() == 1, k
    assert result.run.stop_reasons == ["done", "done"] and not result.run.cancelled
    s = face_pair.analysis.summary["similarity"]
    assert np.allclose(result.run.initial_score, s, atol=1e-5) and np.allclose(result.run.final_score, s, atol=1e-5)
    assert result.run.params.layer_output == (512, 7, 7)
    assert events[-1].iteration == events[-1].total == req.total_steps
    _, again = face_pair.run(m)
    assert np.array_equal(again.run.delta, result.run.delta)  # deterministic
    section = face_pair.task.report_section(result, MapSettings())
    assert dict(section.facts)["Maps"].startswith(f"no blur (never applied to {m.title} maps)")
    assert (m.title, result.run.params.summary()) in section.facts and section.tables[0].caption == f"{m.title} runs"
    assert "body.17 (512 × 7 × 7, upsampled)" in result.run.params.summary()


@pytest.mark.parametrize("key", IMAGENET_METHODS)
def test_imagenet_task_map_of_the_class(chelsea, key):
    m = method(key)
    before = model_state(chelsea.model)
    events = []
    req, result = chelsea.run(m, grid_params(m, chelsea.task), on_progress=events.append)
    assert model_state(chelsea.model) == before
    assert result.keys == (CAT,) and result.run.delta.shape == (1, 1, 224, 224)
    mp = result.maps(MapSettings())[CAT]
    assert mp.shape == (224, 224) and mp.min() == 0 and mp.max() == 1
    assert result.run.stop_reasons == ["done"] and result.run.elapsed > 0
    assert events[-1].iteration == events[-1].total == req.total_steps  # the progress bar ends full
    assert result.run.iterations[0] == req.total_steps
    assert result.method.key == key and "method" not in result.run.params.describe()  # the session records it
    _, again = chelsea.run(m, grid_params(m, chelsea.task))
    assert np.array_equal(again.run.delta, result.run.delta)


@pytest.mark.parametrize("key", ["gradcam", "gradcam-ew", "hirescam", "gradcam++", "layercam", "fd-cam"])
def test_cat_map_peaks_inside_the_cat(chelsea, key):
    """Chelsea's face: the Egyptian-cat map's maximum lies on the cat, not on the background strip
    to its right (x > 385 of 451 px on the photograph, beyond column 191 of the 224-px input)."""
    from fame_desktop.metrics.boxes import box_mask, read_voc

    _, result = chelsea.run(method(key))
    mp = result.maps(MapSettings())[CAT]
    box = box_mask(read_voc(IMAGENET / "chelsea.xml").boxes_of(EGYPTIAN_CAT), chelsea.inputs["image"].matrix, 224)
    r, c = np.unravel_index(np.argmax(mp), mp.shape)
    assert box[r, c], (key, r, c)
    assert mp[box].mean() > 1.5 * mp[~box].mean()


def test_deleting_the_grad_cam_top_pixels_lowers_the_class_more_than_deleting_random_regions(chelsea):
    """ROAD-Delete at 30 % and 50 %: Grad-CAM's top pixels against those of random maps with the same
    7 × 7 structure (a random grid upsampled like a CAM), so both remove blobs, not scattered pixels."""
    from fame_desktop.methods.cam_common import upsample
    from fame_desktop.metrics.road import road_delete
    from fame_desktop.tasks.result import input_tensor

    _, result = chelsea.run(method("gradcam"))
    cam = result.maps(MapSettings())[CAT]
    random_maps = upsample(np.random.default_rng(0).random((3, 7, 7)), 224)
    x = input_tensor(chelsea.model, chelsea.inputs["image"])
    p = road_delete(chelsea.model, x, np.concatenate([cam[None], random_maps]), EGYPTIAN_CAT, percents=(30, 50))
    assert (p[0] < p[1:].min(axis=0)).all(), p
    assert p[0, 1] < 0.5 * chelsea.analysis.summary["top5"][0]["probability"]


def test_normalisation_follows_the_settings_and_blur_is_never_applied(chelsea):
    _, result = chelsea.run(method("hirescam"))
    raw = result.run.delta[0, 0]
    minmax = result.maps(MapSettings(normalisation="minmax"))[CAT]
    by_max = result.maps(MapSettings(normalisation="max", blur_kernel=97, blur_sigma=15.4))[CAT]
    assert np.allclose(by_max, raw / raw.max(), atol=1e-6)
    assert np.allclose(minmax, (raw - raw.min()) / (raw.max() - raw.min()), atol=1e-6)
    assert CamMethod.blurs is False and FdCamMethod.blurs is False


def test_the_layer_is_stated_and_can_be_chosen(chelsea):
    m = method("gradcam")
    assert m.target_layer(chelsea.model, m.default_params(None)) == "_blocks.15"
    _, result = chelsea.run(m, CamParams("gradcam", layer="_blocks.10"))
    d = result.run.params.describe()
    assert d["layer"] == "_blocks.10" and d["layer_output"] == [112, 14, 14]
    assert "layer _blocks.10 (112 × 14 × 14, upsampled)" == result.run.params.summary()
    with pytest.raises(Exception, match="no layer 'nope'"):
        chelsea.run(m, CamParams("gradcam", layer="nope"))


def test_feature_map_task_offers_no_cam():
    from fame_desktop.tasks.feature_map import FeatureMapTask

    why = method("gradcam").applies_to(FeatureMapTask())
    assert "does not offer Grad-CAM" in why


@pytest.mark.parametrize("key", ["scorecam", "ablationcam", "fullgrad"])
def test_face_task_refuses_the_cams_that_do_not_apply(face_pair, key):
    with pytest.raises(MethodNotApplicable, match=f"does not offer {method(key).title}"):
        face_pair.run(method(key))


@pytest.mark.parametrize("key", ["ablationcam", "scorecam", "fd-cam"])
def test_cancel_between_passes_leaves_the_model_as_found(chelsea, key):
    m = method(key)
    params = grid_params(m, chelsea.task) if key != "fd-cam" else FdCamParams(batch_size=32)
    before = model_state(chelsea.model)
    asked = []

    def should_cancel():
        asked.append(1)
        return len(asked) > 3  # after a few passes, in the middle of the channel batches

    _, result = chelsea.run(m, params, should_cancel=should_cancel)
    assert result.run.cancelled and result.run.stop_reasons == ["cancelled"]
    assert not result.run.delta.any() and result.maps(MapSettings())[CAT].max() == 0
    assert model_state(chelsea.model) == before  # Ablation-CAM's swapped layer is back, no hook is left
    _, clean = chelsea.run(m, params)  # and the model still gives the uncancelled map
    assert clean.run.stop_reasons == ["done"] and clean.run.delta.any()


@pytest.mark.parametrize("key", ["gradcam", "ablationcam", "fullgrad"])
def test_an_error_inside_a_run_leaves_the_model_as_found(chelsea, monkeypatch, key):
    from fame_desktop.methods import cam_common

    m = method(key)
    before = model_state(chelsea.model)
    calls = []
    real = cam_common.ObjectiveModule.forward

    def failing(self, x):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("disk on fire")
        return real(self, x)

    monkeypatch.setattr(cam_common.ObjectiveModule, "forward", failing)
    with pytest.raises(RuntimeError, match="disk on fire"):
        # the gradient methods fail in their backward pass's second call: make them call twice
        chelsea.run(m, grid_params(m, chelsea.task)) if key == "ablationcam" else _twice(chelsea, m)
    assert model_state(chelsea.model) == before


def _twice(prepared, m):
    prepared.run(m)
    prepared.run(m)


def test_no_grad_cam_bar_is_printed(chelsea, capsys):
    chelsea.run(method("scorecam"), grid_params(method("scorecam"), chelsea.task))
    captured = capsys.readouterr()
    assert "it/s" not in captured.err and "%|" not in captured.err


def test_params_are_checked_and_described():
    with pytest.raises(ValueError, match="batch size"):
        CamParams("scorecam", batch_size=0)
    assert CamParams("gradcam", layer_output=(3, 7, 7)) == CamParams("gradcam")  # the run's facts are no choice
    assert "batch_size" not in CamParams("gradcam").describe()
    assert CamParams("scorecam").describe()["batch_size"] == 16
    assert replace(FdCamParams(), layer_output=(320, 7, 7)).describe()["group_size"] == 16
    with pytest.raises(ValueError, match="group fraction"):
        FdCamParams(group_fraction=0)


def test_gradient_cams_batch_all_targets(chelsea):
    """Three classes in one forward / backward pass give the maps each gives alone."""
    keys = ["class_285", "class_281", "class_282"]
    _, together = chelsea.run(method("gradcam"), keys=keys)
    assert together.keys == tuple(keys)
    for k in keys:
        _, alone = chelsea.run(method("gradcam"), keys=[k])
        assert np.allclose(alone.run.delta[0], together.delta(k), rtol=1e-4, atol=1e-6), k


def test_the_input_gradient_is_not_left_on_the_model(chelsea):
    chelsea.run(method("fullgrad"))
    assert all(p.grad is None and not p.requires_grad for p in chelsea.model.parameters())
    assert torch.is_grad_enabled()


@pytest.mark.parametrize("shape", [(1, 3, 224, 224), (2, 32, 112, 112), (1, 96, 56, 56), (1, 320, 7, 7)])
def test_layer_aggregation_of_fullgrad_is_grad_cams(shape):
    """Summing a layer's scaled channels and resizing once = grad-cam's resize of every channel, summed."""
    from pytorch_grad_cam.utils.image import scale_accross_batch_and_channels

    from fame_desktop.methods.cam import _scaled_channel_sum

    t = torch.from_numpy(np.random.default_rng(1).random(shape, dtype=np.float32) ** 3)
    ours = _scaled_channel_sum(t, (224, 224)).numpy()
    grad_cams = scale_accross_batch_and_channels(t.numpy(), (224, 224)).sum(axis=1)
    assert np.abs(ours - grad_cams).max() < 1e-4 * grad_cams.max()


@pytest.mark.slow
def test_vectorised_fullgrad_gives_grad_cams_fullgrad(chelsea):
    """Same layers, same gradients: the vectorised aggregation and grad-cam's per-channel cv2 loop
    (slow: grad-cam resizes 21 008 channels one by one)."""
    import pytorch_grad_cam

    from fame_desktop.methods.cam import _vectorised_fullgrad
    from fame_desktop.methods.cam_common import ObjectiveModule, identity_target, model_left_as_found
    from fame_desktop.tasks.runner import request_run

    m = method("fullgrad")
    target = chelsea.task.target(chelsea.analysis, CAT)
    job = request_run(chelsea.task, m, chelsea.model, chelsea.inputs, chelsea.analysis, [target],
                      m.default_params(None), chelsea.options).job
    maps = []
    with model_left_as_found(chelsea.model):
        for cls in (pytorch_grad_cam.FullGrad, _vectorised_fullgrad()):
            cam = cls(model=ObjectiveModule(job, job.targets), target_layers=[])
            x = job.input_batch().clone().requires_grad_(True)
            cam.activations_and_grads(x).sum().backward()
            maps.append(np.asarray(cam.compute_cam_per_layer(x, [identity_target], False))[0, 0])
            cam.activations_and_grads.release()
    grad_cams, ours = maps
    assert ours.shape == grad_cams.shape == (224, 224)
    assert np.abs(ours - grad_cams).max() < 1e-4 * grad_cams.max()
