"""Feature-map cells: target layers, the L_a objective, receptive-field figures, chunked runs."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from fame_desktop.core.errors import ModelError
from fame_desktop.core.fame import FameParams, run_fame
from fame_desktop.core.fame_chunks import run_fame_chunked
from fame_desktop.core.feature_map import (CellObjective, LayerCapture, default_layer, probe_grid, resolve_layer,
                                           spatial_layers)
from fame_desktop.core.map_scaling import scaled_map_settings
from fame_desktop.core.models.face_model import FaceModel
from fame_desktop.core.models.imagenet import load_imagenet_model
from fame_desktop.core.models.iresnet import IResNet
from fame_desktop.core.models.registry import get_face_model_spec
from fame_desktop.core.receptive_field import receptive_field_figures


@pytest.fixture(scope="module")
def lite0():
    return load_imagenet_model(device="cpu")


def test_lite0_grid_is_7x7_cells_of_32_px(lite0):
    grid = probe_grid(lite0, default_layer(lite0), torch.rand(1, 3, 224, 224))
    assert (grid.layer, grid.channels, grid.rows, grid.cols) == ("_blocks.15", 320, 7, 7)
    assert grid.cell_box(0, 3) == (96.0, 0.0, 128.0, 32.0)
    assert grid.cell_at(100, 10) == (0, 3) and grid.cell_at(223.9, 223.9) == (6, 6) and grid.cell_at(224, 0) is None
    names = {i.name: i for i in spatial_layers(lite0)}
    assert names["_blocks.15"].shape == (320, 7, 7) and names["_conv_stem"].shape == (32, 112, 112)
    assert "_swish" not in names  # one ReLU6 module used at several places: not a nameable layer


def test_cell_objective_is_the_sum_of_absolute_activations(lite0):
    x = torch.rand(3, 3, 224, 224)
    cells = [(0, 3), (6, 0), (3, 3)]
    with LayerCapture(resolve_layer(lite0, "_blocks.15")) as cap:
        cap.run(lite0, x)
    a = cap.output
    loss, score = CellObjective(lite0, "_blocks.15", cells)(x)
    want = torch.stack([a[i, :, r, c].abs().sum() for i, (r, c) in enumerate(cells)])
    assert torch.allclose(loss, want, rtol=1e-5) and torch.equal(loss.detach(), score)
    fired = []
    handle = lite0.backbone._fc.register_forward_hook(lambda *a: fired.append(1))
    try:
        CellObjective(lite0, "_blocks.15", cells)(x)
    finally:
        handle.remove()
    assert not fired  # the forward pass stops at the target layer
    assert all(not m._forward_hooks for m in lite0.modules())


def test_default_layers_of_face_models(face_model):
    assert default_layer(face_model) == "body.17"
    grid = probe_grid(face_model, "body.17", torch.rand(1, 3, 112, 112))
    assert (grid.channels, grid.rows, grid.cols) == (512, 7, 7) and grid.cell_box(1, 1) == (16, 16, 32, 32)
    ir18 = FaceModel(get_face_model_spec("adaface-ir18"), IResNet(18), {})
    assert default_layer(ir18) == "body.7"
    assert probe_grid(ir18, "body.7", torch.rand(1, 3, 112, 112)).channels == 512
    with pytest.raises(ModelError, match="no layer 'body.99'"):
        resolve_layer(ir18, "body.99")


def test_receptive_field_figures_on_known_maps():
    box = (32.0, 0.0, 64.0, 32.0)
    m = np.zeros((224, 224))
    m[0:32, 32:64] = 1.0  # exactly the nominal cell
    f = receptive_field_figures(m, box)
    assert f["mass_outside"] == pytest.approx(0) and f["offset_px"] == pytest.approx([0, 0])
    assert f["extent_90_cells"][0] == pytest.approx(0.9, abs=0.05) and f["peak_inside"]
    m2 = np.zeros((224, 224))
    m2[32:96, 16:80] = 1.0  # 64 px wide, one cell lower
    f2 = receptive_field_figures(m2, box)
    assert f2["mass_outside"] == pytest.approx(1.0) and f2["offset_cells"] == pytest.approx([0, 1.5])
    assert f2["extent_90_cells"][0] == pytest.approx(1.8, abs=0.06)
    assert f2["extent_50_cells"] == pytest.approx([1.0, 1.0], abs=0.06)
    assert receptive_field_figures(np.zeros((8, 8)), (0, 0, 4, 4))["empty"]


def test_chunked_run_equals_one_batch_and_reports_all_rows():
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Conv2d(3, 8, 3, padding=1), torch.nn.ReLU(), torch.nn.Conv2d(8, 8, 3, 2, 1))
    cells = [(r, c) for r in range(2) for c in range(3)]
    x0 = torch.rand(1, 3, 12, 12).repeat(len(cells), 1, 1, 1)
    params = FameParams(iterations=4, epsilon=0, snapshot_every=2)
    whole = run_fame(CellObjective(net, "2", cells), x0, params)
    events = []
    chunked = run_fame_chunked(lambda rows: CellObjective(net, "2", cells[rows]), x0, params, chunk=4,
                               on_progress=events.append)
    assert np.allclose(whole.delta, chunked.delta, atol=1e-6)
    assert chunked.iterations.tolist() == [4] * 6 and np.allclose(whole.final_loss, chunked.final_loss, rtol=1e-5)
    assert [e.iteration for e in events] == list(range(1, 9)) and events[0].total == 8
    assert np.isnan(events[0].loss[4:]).all() and not events[0].active[4:].any()  # chunk 2 not started
    assert events[-1].delta.shape == (6, 3, 12, 12) and np.allclose(events[-1].delta, chunked.delta)
    stop = iter([False] * 5 + [True] * 99)  # cancel during the second chunk
    part = run_fame_chunked(lambda rows: CellObjective(net, "2", cells[rows]), x0, params, chunk=2,
                            should_cancel=lambda: next(stop))
    assert part.cancelled and part.iterations.tolist() == [4, 4, 1, 1, 0, 0]
    assert part.stop_reasons[4:] == ["cancelled", "cancelled"] and np.abs(part.delta[4:]).max() == 0


def test_map_blur_scales_with_the_input_size():
    s = scaled_map_settings(224)
    assert (s.blur_kernel, s.blur_sigma, s.normalisation) == (97, 15.4, "minmax")
    assert scaled_map_settings(112).blur_kernel == 49
    from fame_desktop.core.attribution import MapSettings

    assert not scaled_map_settings(224, MapSettings(blur_kernel=0)).blurred


def test_the_grid_borders_lie_between_the_cells_rows_first():
    from fame_desktop.core.feature_map import CellGrid

    g = CellGrid("layer4", 512, rows=2, cols=4, height=224, width=224)
    assert g.borders() == [((0, 112.0), (224, 112.0)), ((56.0, 0), (56.0, 224)), ((112.0, 0), (112.0, 224)),
                           ((168.0, 0), (168.0, 224))]
    assert CellGrid("one", 8, rows=1, cols=1, height=32, width=32).borders() == []
