"""MTCNN's three networks and the detector that runs them (from facenet-pytorch 2.6.0, MIT; see README.md).

PNet proposes face windows on an image pyramid, RNet refines them on 24×24 crops, ONet
gives the final boxes, scores and 5 landmarks on 48×48 crops. Weights: data/{pnet,rnet,onet}.pt,
plain state dicts read with torch's weights-only unpickler.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from torch import nn

from .detect_face import detect_face

WEIGHTS = Path(__file__).parent / "data"


def _load(net: nn.Module, name: str) -> None:
    net.load_state_dict(torch.load(WEIGHTS / f"{name}.pt", map_location="cpu", weights_only=True))


class PNet(nn.Module):
    """(B, 3, H, W) → box regression (B, 4, h, w), face probability (B, 2, h, w); h, w ≈ H/2 − 5."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 10, kernel_size=3)
        self.prelu1 = nn.PReLU(10)
        self.pool1 = nn.MaxPool2d(2, 2, ceil_mode=True)
        self.conv2 = nn.Conv2d(10, 16, kernel_size=3)
        self.prelu2 = nn.PReLU(16)
        self.conv3 = nn.Conv2d(16, 32, kernel_size=3)
        self.prelu3 = nn.PReLU(32)
        self.conv4_1 = nn.Conv2d(32, 2, kernel_size=1)
        self.softmax4_1 = nn.Softmax(dim=1)
        self.conv4_2 = nn.Conv2d(32, 4, kernel_size=1)
        _load(self, "pnet")
        self.eval()

    def forward(self, x):
        x = self.prelu1(self.conv1(x))
        x = self.pool1(x)
        x = self.prelu2(self.conv2(x))
        x = self.prelu3(self.conv3(x))
        a = self.softmax4_1(self.conv4_1(x))
        b = self.conv4_2(x)
        return b, a


class RNet(nn.Module):
    """(B, 3, 24, 24) → box regression (B, 4), face probability (B, 2)."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 28, kernel_size=3)
        self.prelu1 = nn.PReLU(28)
        self.pool1 = nn.MaxPool2d(3, 2, ceil_mode=True)
        self.conv2 = nn.Conv2d(28, 48, kernel_size=3)
        self.prelu2 = nn.PReLU(48)
        self.pool2 = nn.MaxPool2d(3, 2, ceil_mode=True)
        self.conv3 = nn.Conv2d(48, 64, kernel_size=2)
        self.prelu3 = nn.PReLU(64)
        self.dense4 = nn.Linear(576, 128)
        self.prelu4 = nn.PReLU(128)
        self.dense5_1 = nn.Linear(128, 2)
        self.softmax5_1 = nn.Softmax(dim=1)
        self.dense5_2 = nn.Linear(128, 4)
        _load(self, "rnet")
        self.eval()

    def forward(self, x):
        x = self.pool1(self.prelu1(self.conv1(x)))
        x = self.pool2(self.prelu2(self.conv2(x)))
        x = self.prelu3(self.conv3(x))
        x = x.permute(0, 3, 2, 1).contiguous()  # the TensorFlow weights' (W, H, C) flattening order
        x = self.prelu4(self.dense4(x.view(x.shape[0], -1)))
        a = self.softmax5_1(self.dense5_1(x))
        b = self.dense5_2(x)
        return b, a


class ONet(nn.Module):
    """(B, 3, 48, 48) → box regression (B, 4), landmarks (B, 10: 5 x then 5 y), face probability (B, 2)."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 32, kernel_size=3)
        self.prelu1 = nn.PReLU(32)
        self.pool1 = nn.MaxPool2d(3, 2, ceil_mode=True)
        self.conv2 = nn.Conv2d(32, 64, kernel_size=3)
        self.prelu2 = nn.PReLU(64)
        self.pool2 = nn.MaxPool2d(3, 2, ceil_mode=True)
        self.conv3 = nn.Conv2d(64, 64, kernel_size=3)
        self.prelu3 = nn.PReLU(64)
        self.pool3 = nn.MaxPool2d(2, 2, ceil_mode=True)
        self.conv4 = nn.Conv2d(64, 128, kernel_size=2)
        self.prelu4 = nn.PReLU(128)
        self.dense5 = nn.Linear(1152, 256)
        self.prelu5 = nn.PReLU(256)
        self.dense6_1 = nn.Linear(256, 2)
        self.softmax6_1 = nn.Softmax(dim=1)
        self.dense6_2 = nn.Linear(256, 4)
        self.dense6_3 = nn.Linear(256, 10)
        _load(self, "onet")
        self.eval()

    def forward(self, x):
        x = self.pool1(self.prelu1(self.conv1(x)))
        x = self.pool2(self.prelu2(self.conv2(x)))
        x = self.pool3(self.prelu3(self.conv3(x)))
        x = self.prelu4(self.conv4(x))
        x = x.permute(0, 3, 2, 1).contiguous()
        x = self.prelu5(self.dense5(x.view(x.shape[0], -1)))
        a = self.softmax6_1(self.dense6_1(x))
        b = self.dense6_2(x)
        c = self.dense6_3(x)
        return b, c, a


class MTCNN(nn.Module):
    """Face detection with facenet-pytorch's defaults: stage thresholds 0.6 / 0.7 / 0.7, pyramid factor 0.709."""

    def __init__(self, min_face_size: int = 20, thresholds=(0.6, 0.7, 0.7), factor: float = 0.709,
                 device: str | torch.device = "cpu"):
        super().__init__()
        self.min_face_size = min_face_size
        self.thresholds = tuple(thresholds)
        self.factor = factor
        self.pnet, self.rnet, self.onet = PNet(), RNet(), ONet()
        self.device = torch.device(device)
        self.to(self.device)

    @torch.no_grad()
    def detect(self, rgb: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """All faces in an (H, W, 3) uint8 RGB image, in no particular order.

        Returns boxes (N, 4) as (x1, y1, x2, y2), probabilities (N,) and landmarks (N, 5, 2)
        as (x, y): left eye, right eye, nose, left and right mouth corner; N may be 0.
        """
        boxes, points = detect_face(rgb, self.min_face_size, self.pnet, self.rnet, self.onet,
                                    self.thresholds, self.factor, self.device)
        return boxes[:, :4], boxes[:, 4], points
