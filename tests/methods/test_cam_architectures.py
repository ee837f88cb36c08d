"""The default CAM layer of the architectures whose weights are not shipped (torchvision ResNet,
ConvNeXt; AdaFace IResNet): built with random weights (no download), Grad-CAM, HiResCAM and
FD-CAM run at the layer docs/methods.md names, on a 7 × 7 grid, and leave the model as found.
Random weights say nothing about the maps, only that every method runs on the architecture."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from fame_desktop.core.images import load_image
from fame_desktop.methods.cam import ALGORITHMS_BY_KEY, CamMethod
from fame_desktop.methods.fdcam import FdCamMethod
from method_helpers import IMAGENET, Prepared


def _methods():
    return [CamMethod(ALGORITHMS_BY_KEY["gradcam"]), CamMethod(ALGORITHMS_BY_KEY["hirescam"]), FdCamMethod()]


@pytest.mark.parametrize("key, layer, channels", [("resnet34", "layer4", 512), ("convnext-tiny", "features.7", 768)])
def test_torchvision_architectures(key, layer, channels):
    from torchvision.models import get_model

    from fame_desktop.core.models.imagenet import ImageNetModel
    from fame_desktop.core.models.imagenet_registry import get_imagenet_spec
    from fame_desktop.tasks.imagenet import ImageNetClassificationTask

    torch.manual_seed(0)
    spec = get_imagenet_spec(key)
    model = ImageNetModel(spec, get_model(spec.builder, weights=None), {"source": "random (test)"})
    task = ImageNetClassificationTask()
    options = task.resolve_options({}, model)
    inputs = {"image": task.prepare(model, "image", load_image(IMAGENET / "coffee.jpg"), options)}
    prepared = Prepared(task, model, inputs, task.analyse(model, inputs, options), options)
    modules = dict(model.named_modules())
    for m in _methods():
        _, result = prepared.run(m)
        assert result.run.params.layer == layer and result.run.params.layer_output == (channels, 7, 7), m.key
        assert result.run.delta.shape == (1, 1, 224, 224) and np.isfinite(result.run.delta).all()
        assert dict(model.named_modules()) == modules
        assert not any(mod._forward_hooks for mod in model.modules())


def test_adaface_iresnet_body_last_block(face_pair):
    from fame_desktop.core.models.face_model import FaceModel
    from fame_desktop.core.models.iresnet import IResNet
    from fame_desktop.core.models.registry import get_face_model_spec

    torch.manual_seed(0)
    net = IResNet(18).eval()
    model = FaceModel(get_face_model_spec("adaface-ir18"), net, {"source": "random (test)"})
    task = face_pair.task
    prepared = Prepared(task, model, face_pair.inputs, task.analyse(model, face_pair.inputs, face_pair.options),
                        face_pair.options)
    for m in _methods():
        _, result = prepared.run(m)
        assert result.run.params.layer == f"body.{len(net.body) - 1}"
        assert result.run.params.layer_output == (512, 7, 7) and result.run.delta.shape == (2, 1, 112, 112), m.key
