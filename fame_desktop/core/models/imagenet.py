"""An ImageNet classifier as the app sees it: RGB [0, 1] in, 1000 raw logits out.

Like `FaceModel`, the wrapper applies the network's own normalisation inside forward,
so FAME perturbs plain pixels. Weights are read weights-only (`load_checkpoint_safely`).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np
import torch
from torch import nn

from ..device import select_device
from ..errors import CheckpointError, ModelError
from .checkpoints import checkpoint_sha256, extract_backbone_state, load_checkpoint_safely
from .imagenet_registry import (DEFAULT_IMAGENET_MODEL, LITE0_DIST, ImageNetSpec, get_imagenet_spec,
                                lite0_package_version, published_files, weights_status)


@lru_cache(maxsize=1)
def imagenet_categories() -> tuple[str, ...]:
    """The 1000 ImageNet-1k class names, offline (torchvision's weight metadata)."""
    from torchvision.models import ResNet50_Weights

    return tuple(ResNet50_Weights.IMAGENET1K_V2.meta["categories"])


class ImageNetModel(nn.Module):
    """(B, 3, S, S) RGB in [0, 1] → (B, 1000) raw logits. Frozen, eval mode.

    The network is `self.backbone`, so layer names (e.g. "layer4") are the network's own.
    """

    def __init__(self, spec: ImageNetSpec, backbone: nn.Module, provenance: dict):
        super().__init__()
        self.spec = spec
        self.backbone = backbone.eval()
        self.provenance = provenance
        self.register_buffer("mean", torch.tensor(spec.mean, dtype=torch.float32).view(1, 3, 1, 1))
        self.register_buffer("std", torch.tensor(spec.std, dtype=torch.float32).view(1, 3, 1, 1))
        for p in self.parameters():
            p.requires_grad_(False)

    def train(self, mode: bool = True):  # a frozen model never leaves eval mode
        return super().train(False)

    @property
    def device(self) -> torch.device:
        return self.mean.device

    @property
    def input_size(self) -> int:
        return self.spec.input_size

    @property
    def categories(self) -> tuple[str, ...]:
        return imagenet_categories()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.backbone((x - self.mean) / self.std)

    def to_input(self, images: np.ndarray) -> torch.Tensor:
        """(S, S, 3) or (B, S, S, 3) uint8 RGB → (B, 3, S, S) float32 in [0, 1] on the model's device."""
        a = np.asarray(images)
        if a.ndim == 3:
            a = a[None]
        s = self.input_size
        if a.dtype != np.uint8 or a.shape[1:] != (s, s, 3):
            raise ValueError(f"expected uint8 (B, {s}, {s}, 3) images, got {a.dtype} {a.shape}")
        return (torch.tensor(a).permute(0, 3, 1, 2).float() / 255.0).to(self.device)

    def describe(self) -> dict:
        return {
            "key": self.spec.key,
            "name": self.spec.display_name,
            "input_convention": self.spec.describe_convention(),
            "classes": len(self.categories),
            "licence": self.spec.licence,
            "provenance": self.provenance,
        }


def _build(spec: ImageNetSpec) -> nn.Module:
    if spec.embedded:
        from efficientnet_lite_pytorch import EfficientNet

        # from_name builds the architecture only; from_pretrained would torch.load unchecked
        return EfficientNet.from_name(spec.builder)
    from torchvision.models import get_model

    return get_model(spec.builder, weights=None)


def _read_state(spec: ImageNetSpec, path: Path) -> dict[str, torch.Tensor]:
    obj = load_checkpoint_safely(path)
    if isinstance(obj, dict) and "state_dict" not in obj and "model" in obj and isinstance(obj["model"], dict):
        obj = obj["model"]  # training scripts often save {"model": state_dict, ...}
    return extract_backbone_state(obj, path.name, spec.state_marker)


def load_imagenet_model(key: str = DEFAULT_IMAGENET_MODEL, weights: str | Path | None = None,
                        device: str | torch.device | None = "auto") -> ImageNetModel:
    """Build a registered classifier on a device, from `weights` or the weights found offline."""
    spec = get_imagenet_spec(key)
    dev = device if isinstance(device, torch.device) else select_device(device)
    if weights is not None:
        path, source = Path(weights), "file"
    else:
        status = weights_status(spec)
        if not status.available:
            raise ModelError(f"{spec.display_name}: {status.note}")
        path, source = status.path, status.source
    state = _read_state(spec, path)
    net = _build(spec)
    try:
        missing, unexpected = net.load_state_dict(state, strict=False)
    except RuntimeError as e:  # shape mismatch: another architecture
        first = str(e).split("\n\t")[1] if "\n\t" in str(e) else str(e)
        raise CheckpointError(f"{path.name}: weights do not fit {spec.display_name} ({first.strip()})") from None
    missing = [k for k in missing if not k.endswith("num_batches_tracked")]
    if missing or unexpected:
        keys = ", ".join((missing or unexpected)[:3])
        kind = "missing" if missing else "unexpected"
        raise CheckpointError(f"{path.name}: {len(missing or unexpected)} {kind} weight(s) for "
                              f"{spec.display_name}, e.g. {keys}")
    sha = checkpoint_sha256(path)
    provenance = {"file": str(path), "source": source, "sha256": sha}
    if spec.embedded:
        provenance["package"] = f"{LITE0_DIST} {lite0_package_version()}"
    # published files are named <arch>-<first 8 hex digits of the SHA-256>.pth
    published = {n.rsplit("-", 1)[-1].split(".")[0]: n for n in published_files(spec)}
    provenance["published_file"] = published.get(sha[:8])
    provenance["matches_published_hash"] = sha[:8] in published
    return ImageNetModel(spec, net, provenance).to(dev)
