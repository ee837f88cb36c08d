"""FGGB on a real pair: it refuses to run without a decision threshold; the batched per-dimension
gradients equal one backward pass per dimension; e+ / e− split the weighted sum at 0."""

from __future__ import annotations

import pytest
import torch

from fame_desktop.core.attribution import MapSettings
from fame_desktop.methods import FggbMethod, FggbParams, ThresholdRequired
from fame_desktop.methods.fggb import normalised_embedding
from fame_desktop.tasks.result import input_tensor


def test_refuses_to_run_without_a_threshold_and_says_where_to_set_one(run_method):
    with pytest.raises(ThresholdRequired, match="FGGB needs the decision threshold") as e:
        run_method(FggbMethod(), FggbParams())
    assert "--threshold" in str(e.value) and "FggbParams(threshold=" in str(e.value)
    assert "threshold" in FggbMethod.description.lower()
    with pytest.raises(ValueError, match="cosine in"):
        FggbParams(threshold=1.5)


def test_batched_dimension_maps_equal_one_backward_pass_per_dimension(face_model, prepared_pair):
    inputs, _, _ = prepared_pair("obama", "obama2")
    x = input_tensor(face_model, inputs["probe"])
    dims = torch.tensor([0, 7, 300])
    batched = FggbMethod._dimension_maps(face_model, x, dims)
    for row, i in enumerate(dims.tolist()):
        xi = x.clone().requires_grad_(True)
        (g,) = torch.autograd.grad(normalised_embedding(face_model, xi)[0, i], xi)
        m = g.abs().mean(dim=1)[0].double()
        assert torch.allclose(batched[row], m / m.norm(), atol=1e-6)


@pytest.fixture(scope="module")
def probe_maps_at_own_score(run_method, prepared_pair):
    """The probe's e+ / e− with θ at the pair's own score, so the weights sum to 0 (512 backward passes)."""
    s = prepared_pair("obama", "obama2")[1].summary["similarity"]
    return s, run_method(FggbMethod(), FggbParams(threshold=s, threshold_source="the pair's own score"),
                         targets=["probe_similar", "probe_dissimilar"])


def test_weights_sum_to_score_minus_threshold_and_split_at_zero(probe_maps_at_own_score):
    s, result = probe_maps_at_own_score
    assert list(result.run.iterations) == [512, 512] and not result.run.cancelled
    assert result.run.params.threshold == s and result.describe()["parameters"]["threshold_source"]
    plus, minus = result.run.delta[:, 0]
    assert plus.max() > 0 and minus.max() > 0 and not (plus * minus).any()
    maps = result.maps(MapSettings(blur_kernel=0))  # the method's own blur (25 / σ 5) applies regardless
    assert maps["probe_similar"].shape == (112, 112) and maps["probe_similar"].max() == 1
    assert (maps["probe_similar"] > 0).mean() > (plus > 0).mean()  # blurred: the support spreads
