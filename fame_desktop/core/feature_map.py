"""Feature-map cells of a target layer and their FAME objective (paper Sec. 4.1).

For cell k = (row, col) of a target layer's activation a (C, h, w):
    L_a = Σ_c |a[c, row, col]|
Descending L_a for every cell shows each cell's real receptive field, against CAM's
assumption that a cell "is" its nominal patch of the image (the upsampled grid).

Layers are named as in the wrapped network (`model.backbone`), e.g. "layer4",
"_blocks.15", "body.23" or an onnx2torch module such as "PRelu_92".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import torch
from torch import nn

from .errors import ModelError
from .models.mobilefacenet import MobileFaceNet


class _StopForward(Exception):
    """Raised by the capture hook: nothing after the target layer needs computing."""


class LayerCapture:
    """Context manager: record `module`'s output (B, C, h, w) during a forward pass.

    stop=True aborts the forward pass right after the layer (the objective needs no more).
    """

    def __init__(self, module: nn.Module, stop: bool = False):
        self.module, self.stop = module, stop
        self.output: torch.Tensor | None = None
        self._handle = None

    def _hook(self, _module, _inputs, output):
        self.output = output[0] if isinstance(output, (tuple, list)) else output
        if self.stop:
            raise _StopForward

    def run(self, model: nn.Module, x: torch.Tensor) -> torch.Tensor:
        self.output = None
        try:
            model(x)
        except _StopForward:
            pass
        if self.output is None:
            raise ModelError("the target layer was not used by the model's forward pass")
        return self.output

    def __enter__(self):
        self._handle = self.module.register_forward_hook(self._hook)
        return self

    def __exit__(self, *exc):
        self._handle.remove()
        return False  # never swallow an exception


def network(model: nn.Module) -> nn.Module:
    """The wrapped network whose module names the user sees (`FaceModel`/`ImageNetModel`.backbone)."""
    return getattr(model, "backbone", model)


def default_layer(model: nn.Module) -> str:
    """The last convolutional block: spec.feature_layer, IResNet body[-1], or MobileFaceNet's last conv block."""
    spec = getattr(model, "spec", None)
    if getattr(spec, "feature_layer", None):
        return spec.feature_layer
    net = network(model)
    body = getattr(net, "body", None)
    if isinstance(net, MobileFaceNet):
        # the embedded model: body[-2] (1×1 conv → 512 + PReLU, 512 × 7 × 7) is the trunk's last block;
        # body[-1] only reduces it to the 64 channels the linear layer reads (= PRelu_92 in the ONNX graph)
        return f"body.{len(body) - 2}"
    if isinstance(body, nn.Sequential):  # AdaFace IResNet: body[-1] (512 × 7 × 7)
        return f"body.{len(body) - 1}"
    if dict(net.named_modules()).get("PRelu_92") is not None:
        # w600k_mbf.onnx via onnx2torch: Conv_91 (1×1 → 512) + PRelu_92 is the last block of
        # the trunk (512 × 7 × 7); after it only a 1×1 conv to 64 channels feeds the linear layer
        return "PRelu_92"
    raise ModelError("no default feature layer is known for this model; name one")


def resolve_layer(model: nn.Module, name: str) -> nn.Module:
    try:
        return network(model).get_submodule(name)
    except AttributeError:
        hint = ", ".join(info.name for info in spatial_layers(model)[-5:])
        raise ModelError(f"no layer {name!r} in {type(network(model)).__name__}; e.g. {hint}") from None


@dataclass(frozen=True)
class LayerInfo:
    name: str
    kind: str
    shape: tuple[int, int, int]  # (C, h, w) for one input


@torch.no_grad()
def spatial_layers(model: nn.Module, size: int | None = None) -> list[LayerInfo]:
    """Every module with a (B, C, h, w) output that runs exactly once per forward pass, in order."""
    net = network(model)
    s = size or getattr(model, "input_size", None) or model.spec.convention.size
    calls: dict[str, list] = {}
    handles = []
    for name, mod in net.named_modules():
        if name:
            handles.append(mod.register_forward_hook(
                lambda m, i, o, n=name: calls.setdefault(n, []).append(o)))
    try:
        dev = next(model.parameters()).device
        model(torch.zeros(1, 3, s, s, device=dev))
    finally:
        for h in handles:
            h.remove()
    out = []
    for name, outputs in calls.items():
        o = outputs[0]
        if len(outputs) == 1 and isinstance(o, torch.Tensor) and o.dim() == 4:
            out.append(LayerInfo(name, type(net.get_submodule(name)).__name__, tuple(o.shape[1:])))
    return out


@dataclass(frozen=True)
class CellGrid:
    """The h × w cells of a layer over an input of height × width pixels."""

    layer: str
    channels: int
    rows: int
    cols: int
    height: int
    width: int

    def cell_box(self, row: int, col: int) -> tuple[float, float, float, float]:
        """Nominal area (x0, y0, x1, y1) in input pixels: the cell's patch of the upsampled grid."""
        ch, cw = self.height / self.rows, self.width / self.cols
        return col * cw, row * ch, (col + 1) * cw, (row + 1) * ch

    def cell_at(self, x: float, y: float) -> tuple[int, int] | None:
        if not (0 <= x < self.width and 0 <= y < self.height):
            return None
        return int(y * self.rows / self.height), int(x * self.cols / self.width)

    def cells(self) -> list[tuple[int, int]]:
        return [(r, c) for r in range(self.rows) for c in range(self.cols)]

    def borders(self) -> list[tuple[tuple[float, float], tuple[float, float]]]:
        """The lines between cells as ((x0, y0), (x1, y1)) in input pixels: rows first, then columns."""
        ys = [r * self.height / self.rows for r in range(1, self.rows)]
        xs = [c * self.width / self.cols for c in range(1, self.cols)]
        return [((0, y), (self.width, y)) for y in ys] + [((x, 0), (x, self.height)) for x in xs]

    def describe(self) -> dict:
        return {"layer": self.layer, "channels": self.channels, "rows": self.rows, "cols": self.cols,
                "input": [self.height, self.width],
                "cell_size_px": [self.height / self.rows, self.width / self.cols]}


def cell_key(row: int, col: int) -> str:
    return f"cell_r{row}_c{col}"


@torch.no_grad()
def probe_grid(model: nn.Module, layer: str, x: torch.Tensor) -> CellGrid:
    """The grid of `layer` for an input x (1, 3, H, W)."""
    with LayerCapture(resolve_layer(model, layer), stop=True) as cap:
        a = cap.run(model, x)
    if a.dim() != 4:
        raise ModelError(f"layer {layer!r} gives a {a.dim()}-d output, not a (C, h, w) feature map")
    return CellGrid(layer, int(a.shape[1]), int(a.shape[2]), int(a.shape[3]), int(x.shape[2]), int(x.shape[3]))


class CellObjective:
    """Sample i descends L_a of cells[i] = (row, col). (B, 3, H, W) → (loss (B,), loss (B,))."""

    def __init__(self, model: nn.Module, layer: str, cells: Sequence[tuple[int, int]]):
        self.model = model
        self.module = resolve_layer(model, layer)
        self.rows = torch.tensor([r for r, _ in cells], dtype=torch.long)
        self.cols = torch.tensor([c for _, c in cells], dtype=torch.long)

    def __call__(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        with LayerCapture(self.module, stop=True) as cap:
            a = cap.run(self.model, x)  # (B, C, h, w)
        b = torch.arange(a.shape[0], device=a.device)
        cell = a[b, :, self.rows.to(a.device), self.cols.to(a.device)]  # (B, C)
        loss = cell.abs().sum(dim=1)
        return loss, loss.detach()
