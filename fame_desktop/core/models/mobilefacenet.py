"""InsightFace's ArcFace MobileFaceNet (w600k_mbf) as a plain torch module with the ONNX weights.

The architecture is written out here (InsightFace arcface_torch `mobilefacenet`, blocks
(1, 4, 6, 2), width ×2, BatchNorm folded into the convolutions by the ONNX export):

    stem      Conv3×3/2 3→128 · PReLU,  Conv3×3 128→128 (64 groups) · PReLU
    stage 1   DepthWise 128 →(128)→ 128 /2,  4 × Residual(128, 128)
    stage 2   DepthWise 128 →(256)→ 256 /2,  6 × Residual(256, 256)
    stage 3   DepthWise 256 →(512)→ 256 /2,  2 × Residual(256, 256)
    head      Conv1×1 256→512 · PReLU,  Conv1×1 512→64 · PReLU,  Flatten (64·7·7),
              Linear 3136→512,  BatchNorm1d(512)

where DepthWise(c_in →(g)→ c_out / s) = Conv1×1 c_in→g · PReLU, depthwise Conv3×3/s · PReLU,
Conv1×1 g→c_out (linear); a Residual block is the same with stride 1 plus x.

Compared with onnx2torch's generic graph it is faster for FAME (PReLU with an input-only
backward; in channels-last, the 33 1×1 convolutions run as matrix products, which skips
oneDNN's per-call weight reorder: −11 % per iteration) and loads without the converter. The weights are taken
from the ONNX file node by node, each checked against the layer it fills, so a different
file cannot be loaded silently into the wrong layers; tests compare the output with
onnxruntime.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from ..errors import ModelError
from .prelu import InputGradPReLU


POINTWISE_AS_MATMUL = True


class ConvUnit(nn.Module):
    """Conv (bias = folded BatchNorm) with an optional PReLU. (B, C_in, H, W) → (B, C_out, H/s, W/s)."""

    def __init__(self, c_in: int, c_out: int, kernel: int = 1, stride: int = 1, groups: int = 1,
                 activation: bool = True):
        super().__init__()
        self.conv = nn.Conv2d(c_in, c_out, kernel, stride, kernel // 2, groups=groups, bias=True)
        self.prelu = InputGradPReLU(c_out) if activation else None
        self.pointwise = kernel == 1 and stride == 1 and groups == 1

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.pointwise and POINTWISE_AS_MATMUL and x.is_contiguous(memory_format=torch.channels_last):
            # a 1×1 convolution of a channels-last tensor is a matrix product over the
            # channel axis: (B, H, W, C_in) @ W^T, without oneDNN's per-call weight reorder
            w = self.conv.weight.reshape(self.conv.out_channels, self.conv.in_channels)
            x = F.linear(x.permute(0, 2, 3, 1), w, self.conv.bias).permute(0, 3, 1, 2)
        else:
            x = self.conv(x)
        return x if self.prelu is None else self.prelu(x)


class DepthWise(nn.Module):
    """1×1 expand · PReLU → 3×3 depthwise (stride) · PReLU → 1×1 project; `residual` adds x."""

    def __init__(self, c_in: int, width: int, c_out: int, stride: int, residual: bool):
        super().__init__()
        self.expand = ConvUnit(c_in, width, 1)
        self.depthwise = ConvUnit(width, width, 3, stride, groups=width)
        self.project = ConvUnit(width, c_out, 1, activation=False)
        self.residual = residual

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.project(self.depthwise(self.expand(x)))
        return x + y if self.residual else y


def _stage(c_in: int, width: int, c_out: int, residual_width: int, repeats: int) -> list[nn.Module]:
    return [DepthWise(c_in, width, c_out, 2, False),
            *(DepthWise(c_out, residual_width, c_out, 1, True) for _ in range(repeats))]


class MobileFaceNet(nn.Module):
    """(B, 3, 112, 112) RGB normalised to [−1, 1] → (B, 512) embedding (not L2-normalised)."""

    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(
            ConvUnit(3, 128, 3, 2),
            ConvUnit(128, 128, 3, 1, groups=64),
            *_stage(128, 128, 128, 128, 4),
            *_stage(128, 256, 256, 256, 6),
            *_stage(256, 512, 256, 256, 2),
            ConvUnit(256, 512, 1),
            ConvUnit(512, 64, 1),
        )
        self.fc = nn.Linear(64 * 7 * 7, 512)
        self.features = nn.BatchNorm1d(512, eps=1e-5)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # flatten in (C, H, W) order whatever the memory format, as the ONNX graph does
        return self.features(self.fc(torch.flatten(self.body(x), 1)))


def load_onnx_weights(net: MobileFaceNet, onnx_file) -> None:
    """Fill `net` from InsightFace's w600k_mbf.onnx, checking every layer against the graph."""
    import onnx
    from onnx import helper, numpy_helper

    graph = onnx.load(str(onnx_file)).graph
    init = {t.name: t for t in graph.initializer}

    def array(name: str):
        if name not in init:
            raise ModelError(f"{onnx_file.name}: tensor {name!r} is not stored in the file")
        return torch.from_numpy(numpy_helper.to_array(init[name]).copy())

    nodes = {op: [n for n in graph.node if n.op_type == op]
             for op in ("Conv", "PRelu", "Add", "Gemm", "BatchNormalization")}
    convs = [m for m in net.body.modules() if isinstance(m, nn.Conv2d)]
    prelus = [m for m in net.body.modules() if isinstance(m, nn.PReLU)]
    residuals = sum(isinstance(m, DepthWise) and m.residual for m in net.body)
    found = (len(nodes["Conv"]), len(nodes["PRelu"]), len(nodes["Add"]), len(nodes["Gemm"]))
    if found != (len(convs), len(prelus), residuals, 1):
        raise ModelError(f"{onnx_file.name}: not the expected MobileFaceNet graph "
                         f"(Conv/PRelu/Add/Gemm counts {found})")
    with torch.no_grad():
        for node, conv in zip(nodes["Conv"], convs):
            attrs = {a.name: helper.get_attribute_value(a) for a in node.attribute}
            w, b = array(node.input[1]), array(node.input[2])
            expected = (tuple(conv.weight.shape), list(conv.stride), conv.groups, [conv.padding[0]] * 4)
            if (tuple(w.shape), attrs.get("strides"), attrs.get("group", 1), attrs.get("pads")) != expected:
                raise ModelError(f"{onnx_file.name}: layer {node.name or node.output[0]} does not match "
                                 f"the MobileFaceNet architecture")
            conv.weight.copy_(w)
            conv.bias.copy_(b)
        for node, prelu in zip(nodes["PRelu"], prelus):
            slope = array(node.input[1]).reshape(-1)
            if slope.shape != prelu.weight.shape:
                raise ModelError(f"{onnx_file.name}: PReLU {node.output[0]} has {slope.numel()} slopes, "
                                 f"expected {prelu.weight.numel()}")
            prelu.weight.copy_(slope)
        gemm = nodes["Gemm"][0]
        transposed = any(a.name == "transB" and a.i == 1 for a in gemm.attribute)
        fc_w = array(gemm.input[1])
        net.fc.weight.copy_(fc_w if transposed else fc_w.t())
        net.fc.bias.copy_(array(gemm.input[2]))
        bn = nodes["BatchNormalization"][0]
        net.features.weight.copy_(array(bn.input[1]))
        net.features.bias.copy_(array(bn.input[2]))
        net.features.running_mean.copy_(array(bn.input[3]))
        net.features.running_var.copy_(array(bn.input[4]))
        eps = [a.f for a in bn.attribute if a.name == "epsilon"]
        net.features.eps = float(eps[0]) if eps else 1e-5
