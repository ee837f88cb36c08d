"""FD-CAM's defining behaviour: similarity groups, switching scores, ω = α̂·exp(ŝ) − 0.5, and on a
real image that switching off the group of the highest-weighted channel lowers the class score."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from fame_desktop.core.feature_map import resolve_layer
from fame_desktop.methods.cam_common import ObjectiveModule
from fame_desktop.methods.fdcam import (FdCamMethod, FdCamParams, LayerSwitch, fdcam_map, fdcam_weights,
                                        similarity_groups, switch_masks, switching_scores)
from fame_desktop.tasks.result import input_tensor
from method_helpers import EGYPTIAN_CAT


def test_groups_hold_the_most_similar_maps_and_the_channel_itself():
    a = torch.zeros(5, 2, 2)
    a[0] = torch.tensor([[1.0, 0], [0, 0]])
    a[1] = torch.tensor([[2.0, 0.1], [0, 0]])  # nearly channel 0, twice as strong
    a[2] = torch.tensor([[0.0, 0], [0, 1]])
    a[3] = torch.tensor([[0.0, 0], [0.2, 1]])  # nearly channel 2
    # channel 4 is all zero: similar to nothing, still in its own group
    g = similarity_groups(a, 2)
    assert g.sum(dim=1).tolist() == [2] * 5
    assert set(torch.nonzero(g[0]).flatten().tolist()) == {0, 1}
    assert set(torch.nonzero(g[1]).flatten().tolist()) == {0, 1}
    assert set(torch.nonzero(g[2]).flatten().tolist()) == {2, 3}
    assert g[4, 4]
    masks = switch_masks(g)
    assert masks.shape == (12, 5)
    assert masks[0].tolist() == [1] * 5 and masks[1].tolist() == [0] * 5
    assert masks[2].tolist() == [0, 0, 1, 1, 1] and masks[7].tolist() == [1, 1, 0, 0, 0]


def test_weights_and_map_match_a_direct_computation():
    alpha = torch.tensor([0.2, -0.4, 1.0, 0.6])
    values = torch.tensor([5.0, 1.0,  # all on, all off
                           3.0, 4.0, 5.5, 4.5,  # each group off
                           2.0, 1.5, 0.5, 3.0])  # each group alone on
    s = switching_scores(values)
    s_off = np.array([5 - 3, 5 - 4, 5 - 5.5, 5 - 4.5])
    s_on = np.array([2 - 1, 1.5 - 1, 0.5 - 1, 3 - 1])
    assert np.allclose(s.numpy(), (s_off + s_on) / 2)
    w = fdcam_weights(alpha, s)
    a_hat = (alpha.numpy() - -0.4) / (1.0 - -0.4)
    s_np = (s_off + s_on) / 2
    s_hat = (s_np - s_np.min()) / (s_np.max() - s_np.min())
    assert np.allclose(w.numpy(), a_hat * np.exp(s_hat) - 0.5)
    acts = torch.arange(16, dtype=torch.float32).reshape(4, 2, 2) - 6
    expected = np.maximum(np.tensordot(a_hat * np.exp(s_hat) - 0.5, acts.numpy(), axes=1), 0)
    assert np.allclose(fdcam_map(acts, w).numpy(), expected, atol=1e-6)
    # equal scores: ŝ = 0 and ω = α̂ − 0.5
    assert np.allclose(fdcam_weights(alpha, torch.ones(4)).numpy(), a_hat - 0.5)


@pytest.fixture(scope="module")
def cat_switch(chelsea):
    """chelsea's Egyptian-cat target: A, α, the groups and the switched losses at the default layer."""
    from fame_desktop.tasks.runner import request_run

    method = FdCamMethod()
    target = chelsea.task.target(chelsea.analysis, f"class_{EGYPTIAN_CAT}")
    req = request_run(chelsea.task, method, chelsea.model, chelsea.inputs, chelsea.analysis, [target],
                      FdCamParams(), chelsea.options)
    job = req.job
    layer = resolve_layer(chelsea.model, method.target_layer(chelsea.model, job.params))
    x = input_tensor(chelsea.model, chelsea.inputs["image"])
    a, alpha = method._activations_and_gradient_weights(job, x, layer)
    groups = similarity_groups(a[0], FdCamParams().group_size(a.shape[1]))
    module = ObjectiveModule(job, [target], copies=(1, 2, 16))
    return job, layer, x, a, alpha, groups, module


def test_switching_off_the_group_of_the_highest_weighted_channel_lowers_the_class_score(cat_switch):
    job, layer, x, a, alpha, groups, module = cat_switch
    switch = LayerSwitch(module, layer, a, x)
    masks = switch_masks(groups)
    values = torch.cat([switch(masks[i:i + 16]) for i in range(0, masks.shape[0], 16)])
    clean = float(job.objective()(x)[0])
    assert float(values[0]) == pytest.approx(clean, rel=1e-4)  # all on: the clean logit
    weights = fdcam_weights(alpha[0], switching_scores(values))
    top = int(weights.argmax())
    c = a.shape[1]
    off_top = float(values[2 + top])
    assert off_top < clean - 0.5, (off_top, clean)  # the logit falls by more than half a unit
    # and by more than switching off the group of the lowest-weighted channel
    assert clean - off_top > clean - float(values[2 + int(weights.argmin())])
    assert groups[top].sum() == math.ceil(0.05 * c)


def test_the_stand_in_input_gives_what_the_full_input_gives(cat_switch):
    job, layer, x, a, alpha, groups, module = cat_switch
    masks = switch_masks(groups)[:16]
    fast = LayerSwitch(module, layer, a, x)(masks)
    full = LayerSwitch(module, layer, a, x, full_inputs=True)(masks)
    assert fast.shape == (16,) and torch.allclose(fast, full, rtol=1e-4, atol=1e-4)
    assert LayerSwitch(module, layer, a, x).base.shape[-1] == 32  # 224 px / 7 cells


def test_fd_cam_falls_back_to_full_inputs_when_the_stand_in_disagrees(chelsea, monkeypatch):
    from fame_desktop.methods import fdcam

    sizes = []
    real_init = fdcam.LayerSwitch.__init__

    def spy(self, module, layer, a, x, full_inputs=False):
        sizes.append(full_inputs)
        real_init(self, module, layer, a, x, full_inputs)

    monkeypatch.setattr(fdcam.LayerSwitch, "__init__", spy)
    monkeypatch.setattr(fdcam, "_matches", lambda value, reference: False)
    small = FdCamParams(layer="_blocks.2", batch_size=64)  # 24 channels: 50 full-size passes, not 642
    _, fallback = chelsea.run(FdCamMethod(), small)
    assert sizes == [False, True]
    monkeypatch.undo()
    _, normal = chelsea.run(FdCamMethod(), small)
    assert np.allclose(fallback.run.delta, normal.run.delta, rtol=1e-3, atol=1e-4)
