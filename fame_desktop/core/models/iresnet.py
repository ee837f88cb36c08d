"""IResNet backbones as trained by AdaFace (ir_18 / ir_34 / ir_50 / ir_101).

Module names follow AdaFace's `net.py` so its checkpoints load key for key:
input_layer → body (BasicBlockIR units) → output_layer. The forward returns the raw
512-d feature; cosine similarity normalises it, so the choice of differentiating the
norm (FAME's `detach_norms`) stays with the loss, not hidden inside the network.
"""

from __future__ import annotations

import torch
from torch import nn

from .prelu import InputGradPReLU  # nn.PReLU with the same weights and a faster frozen backward

# units per stage for each depth; stages have 64/128/256/512 channels
STAGE_UNITS = {18: (2, 2, 2, 2), 34: (3, 4, 6, 3), 50: (3, 4, 14, 3), 101: (3, 13, 30, 3)}
STAGE_CHANNELS = (64, 128, 256, 512)


class BasicBlockIR(nn.Module):
    """BN → Conv3×3 → BN → PReLU → Conv3×3(stride) → BN, plus a shortcut. (B,Cin,H,W) → (B,C,H/s,W/s)."""

    def __init__(self, in_channels: int, channels: int, stride: int):
        super().__init__()
        if in_channels == channels:
            self.shortcut_layer = nn.MaxPool2d(1, stride)
        else:
            self.shortcut_layer = nn.Sequential(
                nn.Conv2d(in_channels, channels, 1, stride, bias=False), nn.BatchNorm2d(channels))
        self.res_layer = nn.Sequential(
            nn.BatchNorm2d(in_channels),
            nn.Conv2d(in_channels, channels, 3, 1, 1, bias=False),
            nn.BatchNorm2d(channels),
            InputGradPReLU(channels),
            nn.Conv2d(channels, channels, 3, stride, 1, bias=False),
            nn.BatchNorm2d(channels),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.res_layer(x) + self.shortcut_layer(x)


class IResNet(nn.Module):
    """(B, 3, 112, 112) normalised BGR → (B, 512) feature (not L2-normalised)."""

    def __init__(self, depth: int, embedding_size: int = 512):
        super().__init__()
        if depth not in STAGE_UNITS:
            raise ValueError(f"IResNet depth {depth} not supported; choose {sorted(STAGE_UNITS)}")
        self.depth = depth
        self.input_layer = nn.Sequential(
            nn.Conv2d(3, 64, 3, 1, 1, bias=False), nn.BatchNorm2d(64), InputGradPReLU(64))
        units, in_ch = [], 64
        for n, ch in zip(STAGE_UNITS[depth], STAGE_CHANNELS):
            units.append(BasicBlockIR(in_ch, ch, 2))
            units.extend(BasicBlockIR(ch, ch, 1) for _ in range(n - 1))
            in_ch = ch
        self.body = nn.Sequential(*units)
        self.output_layer = nn.Sequential(
            nn.BatchNorm2d(512),
            nn.Dropout(0.4),
            nn.Flatten(),
            nn.Linear(512 * 7 * 7, embedding_size),
            nn.BatchNorm1d(embedding_size, affine=False),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.output_layer(self.body(self.input_layer(x)))


def depth_from_state_dict(state: dict) -> int | None:
    """Infer the IResNet depth from the number of body units in a state dict."""
    idx = {int(k.split(".")[1]) for k in state if k.startswith("body.") and k.split(".")[1].isdigit()}
    total = max(idx) + 1 if idx else 0
    for depth, units in STAGE_UNITS.items():
        if sum(units) == total:
            return depth
    return None
