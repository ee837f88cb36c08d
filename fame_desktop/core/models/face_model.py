"""A face model as the rest of the app sees it: RGB [0, 1] crops in, embeddings out.

The wrapper applies the network's own input convention (channel order, normalisation)
inside forward, so FAME perturbs plain pixels and its maps are in RGB pixel space.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from torch import nn

from ..device import describe_device, select_device
from ..errors import CheckpointError
from .checkpoints import checkpoint_sha256, extract_backbone_state, load_checkpoint_safely
from .embedded import build_embedded_backbone
from .iresnet import IResNet, depth_from_state_dict
from .registry import DEFAULT_FACE_MODEL, FaceModelSpec, get_face_model_spec


def preferred_memory_format(device: torch.device) -> torch.memory_format:
    """channels-last on a CPU (oneDNN convolutions ~25 % faster for FAME, docs/performance.md);
    the default layout elsewhere, where it was not measured."""
    return torch.channels_last if device.type == "cpu" else torch.contiguous_format


class FaceModel(nn.Module):
    """(B, 3, S, S) RGB in [0, 1] → (B, D) embedding (not normalised). Frozen, eval mode.

    `memory_format` is how the backbone lays out its tensors internally (see
    `use_memory_format`); inputs and gradients stay plain (B, 3, S, S) tensors.
    """

    def __init__(self, spec: FaceModelSpec, backbone: nn.Module, provenance: dict):
        super().__init__()
        self.spec = spec
        self.backbone = backbone.eval()
        self.provenance = provenance
        self.flip_channels = spec.convention.channel_order == "BGR"
        self.mean = spec.convention.mean
        self.std = spec.convention.std
        self.memory_format = torch.contiguous_format
        # AdaFace's feature norm is its image-quality estimate (Kim et al. 2022); a checkpoint's head
        # keeps the running mean and standard deviation of the norms seen in training
        # (head.batch_mean / head.batch_std): {"mean": μ, "std": σ}, else None
        self.training_norms: dict | None = None
        for p in self.parameters():
            p.requires_grad_(False)

    def use_memory_format(self, memory_format: torch.memory_format) -> "FaceModel":
        """Lay out weights and activations as `memory_format` (same results, different speed)."""
        self.backbone.to(memory_format=memory_format)
        self.memory_format = memory_format
        return self

    def train(self, mode: bool = True):  # a frozen model must never leave eval mode
        return super().train(False)

    @property
    def device(self) -> torch.device:
        return next(self.backbone.parameters()).device

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.flip_channels:
            x = x.flip(1)
        x = ((x - self.mean) / self.std).contiguous(memory_format=self.memory_format)
        out = self.backbone(x)
        return out[0] if isinstance(out, (tuple, list)) else out

    def to_input(self, crops: np.ndarray) -> torch.Tensor:
        """(S, S, 3) or (B, S, S, 3) uint8 RGB → (B, 3, S, S) float32 in [0, 1] on the model's device."""
        a = np.asarray(crops)
        if a.ndim == 3:
            a = a[None]
        if a.dtype != np.uint8 or a.shape[-1] != 3:
            raise ValueError(f"expected uint8 (B, S, S, 3) crops, got {a.dtype} {a.shape}")
        t = torch.tensor(a).permute(0, 3, 1, 2).float() / 255.0  # copies: crops are read-only
        return t.to(self.device)

    @torch.no_grad()
    def embed(self, crops: np.ndarray) -> torch.Tensor:
        """(B, S, S, 3) uint8 crops → (B, D) embeddings."""
        return self(self.to_input(crops))

    @property
    def norm_is_quality(self) -> bool:
        """Whether the embedding's norm (before normalisation) is the model's quality estimate."""
        return self.spec.family == "adaface"

    def describe(self) -> dict:
        return {
            "key": self.spec.key,
            "name": self.spec.display_name,
            "input_convention": self.spec.convention.describe(),
            "embedding_size": self.spec.embedding_size,
            "licence": self.spec.licence,
            "provenance": self.provenance,
            "device": describe_device(self.device),
        }


def cosine_similarity(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """(B, D), (B, D) → (B,)."""
    return torch.nn.functional.cosine_similarity(a, b, dim=1)


def load_face_model(key: str = DEFAULT_FACE_MODEL, checkpoint: str | Path | None = None,
                    device: str | torch.device | None = "auto", implementation: str = "native",
                    memory_format: torch.memory_format | None = None) -> FaceModel:
    """Build a registered face model on a device; AdaFace models need `checkpoint`.

    implementation: for the embedded model, "native" (our MobileFaceNet, default) or
    "onnx2torch" (the generic conversion; the benchmark's plain baseline).
    memory_format: None = `preferred_memory_format(device)`.
    """
    spec = get_face_model_spec(key)
    dev = device if isinstance(device, torch.device) else select_device(device)
    norms = None
    if spec.family == "embedded":
        backbone, provenance = build_embedded_backbone(implementation)
    else:
        backbone, provenance, spec, norms = _load_adaface(spec, checkpoint)
    model = FaceModel(spec, backbone, provenance).to(dev)
    model.training_norms = norms
    return model.use_memory_format(memory_format or preferred_memory_format(dev))


def _load_adaface(spec: FaceModelSpec, checkpoint) -> tuple[nn.Module, dict, FaceModelSpec, dict | None]:
    if checkpoint is None:
        raise CheckpointError(f"{spec.display_name} needs a checkpoint file (.ckpt or .pt state dict)")
    path = Path(checkpoint)
    obj = load_checkpoint_safely(path)
    state = extract_backbone_state(obj, path.name, "input_layer.0.weight")
    depth = depth_from_state_dict(state)
    if depth is None:
        raise CheckpointError(f"{path.name}: the weights are not an IResNet-18/34/50/101 backbone")
    if spec.depth is not None and depth != spec.depth:
        raise CheckpointError(f"{path.name}: holds an IResNet-{depth}, not the IResNet-{spec.depth} chosen")
    if spec.depth is None:
        spec = get_face_model_spec(f"adaface-ir{depth}")
    net = IResNet(depth)
    try:
        missing, unexpected = net.load_state_dict(state, strict=False)
    except RuntimeError as e:  # shape mismatch
        first = str(e).split("\n\t")[1] if "\n\t" in str(e) else str(e)
        raise CheckpointError(f"{path.name}: weights do not fit IResNet-{depth} ({first.strip()})") from None
    missing = [k for k in missing if not k.endswith("num_batches_tracked")]
    if missing or unexpected:
        keys = ", ".join((missing or unexpected)[:3])
        kind = "missing" if missing else "unexpected"
        raise CheckpointError(f"{path.name}: {len(missing or unexpected)} {kind} weight(s), e.g. {keys}")
    provenance = {"checkpoint": str(path), "sha256": checkpoint_sha256(path), "depth": depth}
    return net, provenance, spec, _training_norms(obj)


def _training_norms(obj) -> dict | None:
    """{"mean", "std"} of the feature norms AdaFace's head tracked in training, when the checkpoint keeps them."""
    sd = obj.get("state_dict", obj) if isinstance(obj, dict) else {}
    mean, std = sd.get("head.batch_mean"), sd.get("head.batch_std")
    if not (isinstance(mean, torch.Tensor) and isinstance(std, torch.Tensor) and mean.numel() == std.numel() == 1):
        return None
    mean, std = float(mean), float(std)
    return {"mean": mean, "std": std} if np.isfinite(mean) and np.isfinite(std) and std > 0 else None
