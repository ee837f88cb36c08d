"""The FAME engine against a plainly written Eq. (3)–(4), batching, cancel, ε and the maps."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
import torchvision.transforms.functional as TF

from fame_desktop.core.attribution import MapSettings, delta_to_maps, grayscale_magnitude
from fame_desktop.core.fame import FameParams
from fame_desktop.core.verification import MAP_KEYS, explain_pair

ITER = 8  # few iterations keep the suite fast; agreement must hold at any T


def reference_fame(model, image: torch.Tensor, other: torch.Tensor, similar: bool, eta: float, T: int):
    """Eq. (3) as written: one image (1, 3, H, W), one loss, one gradient at a time."""
    with torch.no_grad():
        ref = model(other)
    x = image.clone()
    for _ in range(T):
        x.requires_grad_(True)
        s = F.cosine_similarity(model(x), ref)  # gradients flow through both norms
        loss = s if similar else 1 - s
        (g,) = torch.autograd.grad(loss.sum(), x)
        x = (x - eta * g / g.abs().max()).detach()
    return x - image


def reference_map(delta: torch.Tensor) -> np.ndarray:
    """Eq. (4): |gray(x̄) − gray(x)|, / max, Gaussian blur (torchvision), min-max."""
    w = torch.tensor([0.2989, 0.587, 0.114]).view(1, 3, 1, 1)
    a = (delta * w).sum(dim=1, keepdim=True).abs()
    a = a / a.max()
    a = TF.gaussian_blur(a, kernel_size=[49, 49], sigma=[7.7, 7.7])
    a = (a - a.min()) / (a.max() - a.min())
    return a[0, 0].numpy()


def pearson(a, b) -> float:
    return float(np.corrcoef(np.ravel(a), np.ravel(b))[0, 1])


@pytest.fixture(scope="module")
def genuine(face_model, crops):
    return explain_pair(face_model, crops["obama"], crops["obama2"], FameParams(iterations=ITER, epsilon=0))


def test_engine_agrees_with_the_plain_equations(face_model, crops, genuine):
    g = face_model.to_input(crops["obama"])
    p = face_model.to_input(crops["obama2"])
    maps = genuine.maps(MapSettings())
    for key in MAP_KEYS:
        side, kind = key.split("_")
        img, other = (g, p) if side == "gallery" else (p, g)
        delta = reference_fame(face_model, img, other, kind == "similar", 1 / 255, ITER)
        r = pearson(maps[key], reference_map(delta))
        assert r >= 0.999, (key, r)
        assert np.abs(genuine.delta(key) - delta[0].numpy()).max() <= 1 / 255 * ITER + 1e-6


def test_batched_run_equals_each_map_alone(face_model, crops, genuine):
    batched = genuine.maps()
    for key in MAP_KEYS:
        alone = explain_pair(face_model, crops["obama"], crops["obama2"],
                             FameParams(iterations=ITER, epsilon=0), maps=[key])
        assert alone.keys == (key,)
        assert pearson(alone.maps()[key], batched[key]) >= 0.999
        assert np.abs(alone.delta(key) - genuine.delta(key)).mean() < 1e-4


def test_each_map_moves_its_similarity_the_right_way(genuine):
    info = genuine.per_map()
    assert 0.6 < genuine.similarity < 0.8
    for key in MAP_KEYS:
        sim = info[key]["final_similarity"]
        if key.endswith("_similar"):
            assert sim < genuine.similarity - 0.15  # e+ removes the evidence for the match
        else:
            assert sim > genuine.similarity + 0.1  # e− removes the evidence against it
        assert info[key]["iterations"] == ITER and info[key]["stop_reason"] == "iterations"
    # every step moves each pixel by at most η
    assert np.abs(genuine.run.delta).max() <= ITER / 255 + 1e-6


def test_maps_concentrate_on_the_face(genuine):
    yy, xx = np.mgrid[:112, :112]
    face = ((xx - 56) / 38) ** 2 + ((yy - 62) / 48) ** 2 <= 1  # ellipse around the template
    frame = (xx < 10) | (xx > 101) | (yy < 8)
    for key, m in genuine.maps().items():
        assert m.shape == (112, 112) and m.dtype == np.float32
        assert m.min() == 0 and m.max() == pytest.approx(1)
        assert m[face].mean() > 1.5 * m[frame].mean(), key


def test_cancel_stops_within_one_iteration(face_model, crops):
    seen = []

    def progress(p):
        seen.append(p.iteration)

    run = explain_pair(face_model, crops["obama"], crops["biden"], FameParams(iterations=50, epsilon=0),
                       on_progress=progress, should_cancel=lambda: len(seen) >= 3).run
    assert run.cancelled and seen == [1, 2, 3]
    assert list(run.iterations) == [3] * 4 and set(run.stop_reasons) == {"cancelled"}
    assert np.abs(run.delta).max() > 0


def test_epsilon_stops_maps_whose_loss_is_already_low(face_model, crops):
    # impostor pair: s ≈ −0.03 < ε, so the e+ maps have nothing to remove and stop at once
    r = explain_pair(face_model, crops["obama"], crops["biden"], FameParams(iterations=6, epsilon=0.01))
    info = r.per_map()
    for side in ("gallery", "probe"):
        assert info[f"{side}_similar"]["iterations"] == 0
        assert info[f"{side}_similar"]["stop_reason"] == "epsilon"
        assert not r.maps()[f"{side}_similar"].any()
        assert info[f"{side}_dissimilar"]["iterations"] == 6
    off = explain_pair(face_model, crops["obama"], crops["biden"], FameParams(iterations=6, epsilon=0))
    assert all(v["iterations"] == 6 for v in off.per_map().values())


def test_epsilon_stops_each_map_when_it_gets_there(face_model, crops):
    # genuine pair, ε just under the starting similarity: e+ stops after a step or two
    r = explain_pair(face_model, crops["obama"], crops["obama2"], FameParams(iterations=10, epsilon=0.69))
    info = r.per_map()
    assert 0 < info["gallery_similar"]["iterations"] < 10
    assert info["gallery_similar"]["stop_reason"] == "epsilon"
    assert info["gallery_similar"]["final_loss"] < 0.69


def test_progress_events_and_snapshot_cadence(face_model, crops):
    events = []
    explain_pair(face_model, crops["obama"], crops["obama2"],
                 FameParams(iterations=7, epsilon=0, snapshot_every=3), on_progress=events.append)
    assert [e.iteration for e in events] == list(range(1, 8))
    assert [e.iteration for e in events if e.delta is not None] == [3, 6, 7]
    e = events[-1]
    assert e.loss.shape == (4,) and e.score.shape == (4,) and e.delta.shape == (4, 3, 112, 112)
    assert e.elapsed > 0


def test_detach_norms_and_clamp_change_the_run(face_model, crops):
    base = FameParams(iterations=4, epsilon=0)
    plain = explain_pair(face_model, crops["obama"], crops["obama2"], base)
    detached = explain_pair(face_model, crops["obama"], crops["obama2"],
                            FameParams(iterations=4, epsilon=0, detach_norms=True))
    assert not np.allclose(plain.run.delta, detached.run.delta)
    clamped = explain_pair(face_model, crops["obama"], crops["obama2"],
                           FameParams(iterations=4, epsilon=0, clamp=True))
    x = np.stack([crops["obama"], crops["obama"], crops["obama2"], crops["obama2"]]).transpose(0, 3, 1, 2) / 255.0
    xb = x + clamped.run.delta
    assert xb.min() >= -1e-6 and xb.max() <= 1 + 1e-6


def test_parameters_are_validated():
    for bad in (dict(step_size=0), dict(iterations=0), dict(iterations=2.5), dict(epsilon=-1)):
        with pytest.raises(ValueError):
            FameParams(**bad)
    with pytest.raises(ValueError):
        MapSettings(normalisation="zscore")


# --- attribution post-processing -----------------------------------------------------------

def test_grayscale_before_the_difference():
    rng = np.random.default_rng(0)
    x, xb = rng.random((3, 20, 30)), rng.random((3, 20, 30))
    w = np.array([0.2989, 0.587, 0.114])[:, None, None]
    expected = np.abs((w * xb).sum(0) - (w * x).sum(0))
    assert np.allclose(grayscale_magnitude(xb - x), expected, atol=1e-6)


def test_map_settings_blur_and_normalisation():
    d = np.zeros((3, 112, 112), np.float32)
    d[:, 56, 56] = 1.0
    d[:, 10, 10] = 0.5
    raw = delta_to_maps(d, MapSettings(blur_kernel=0))
    assert raw[56, 56] == 1 and raw[10, 10] == pytest.approx(0.5) and (raw > 0).sum() == 2
    blurred = delta_to_maps(d, MapSettings(blur_kernel=49, blur_sigma=7.7))
    assert (blurred > 0.01).sum() > 500 and blurred.max() == pytest.approx(1) and blurred.min() == 0
    assert np.argmax(blurred) == 56 * 112 + 56
    even = delta_to_maps(d, MapSettings(blur_kernel=48, blur_sigma=7.7))
    assert np.allclose(even, blurred)  # 48 → 49
    d += 0.2  # a floor: "max" keeps it, "minmax" removes it
    mx = delta_to_maps(d, MapSettings(blur_kernel=0, normalisation="max"))
    mm = delta_to_maps(d, MapSettings(blur_kernel=0, normalisation="minmax"))
    assert mx.min() == pytest.approx(0.2 / 1.2, abs=1e-5) and mm.min() == 0
    assert not delta_to_maps(np.zeros((2, 3, 8, 8), np.float32)).any()
