"""The CAM family from the `grad-cam` package (pytorch-grad-cam 1.5.7) as explanation methods.

One class, `CamMethod`, parametrised by a `CamAlgorithm` (which grad-cam class, gradient or
perturbation); `ALGORITHMS` lists the nine registered methods. Each explains the loss of every
target of the task's objective (cam_common.ObjectiveModule): for a face L = s, the cosine to the
frozen partner embedding (one map per face: only the e+ targets); for a class L = z_o.

    gradient      Grad-CAM, Grad-CAM-EW, HiResCAM, Grad-CAM++, XGrad-CAM, LayerCAM: one forward and
                  one backward pass for all targets together; FullGrad: the same, over every biased
                  Conv2d / BatchNorm2d layer and the input gradient, at input resolution
    perturbation  Score-CAM (one masked input per channel) and Ablation-CAM (one ablated channel per
                  pass): per target, `batch_size` inputs per forward pass, with progress and cancel

Target layer: the model's last convolutional block (core.feature_map.default_layer, the feature-map
task's default) unless `CamParams.layer` names another; the run record's params state the layer
and its (C, h, w) output. The raw maps are that h × w grid (7 × 7 at 224 px) upsampled to the
input, not normalised (cam_common).

Where this departs from grad-cam's defaults, and why:
- the raw map is kept (grad-cam min-max normalises every map), so "max" normalisation stays possible;
- Ablation-CAM sets an ablated channel to 0, as its paper does; grad-cam puts min − 10⁷ into layers
  with negative values (all the default layers here), which drives the network far off its range;
- grad-cam's own tqdm bars are silenced while a run lasts: progress goes to `on_progress`;
- FullGrad's aggregation sums a layer's channels before resizing (same arithmetic, seconds faster).
grad-cam is imported on the first run only (its import takes seconds).
"""

from __future__ import annotations

import math
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from functools import lru_cache
from types import SimpleNamespace

import numpy as np
import torch

from ..core.feature_map import resolve_layer
from .base import MethodJob, RunRecord, params_from_specs
from .cam_common import (LayerMapMethod, ObjectiveModule, Progress, check_cam_run, identity_target, layer_name,
                         layer_shape, upsample)


@dataclass(frozen=True)
class CamAlgorithm:
    """One grad-cam algorithm as a method. cam_class: its class name in `pytorch_grad_cam`.

    kind: "gradient" or "perturbation"; layer_based: False for FullGrad (every biased layer);
    passes_before: forward passes a perturbation method makes before its channel batches.
    """

    key: str
    title: str
    cam_class: str
    description: str
    kind: str = "gradient"
    layer_based: bool = True
    passes_before: int = 0


ALGORITHMS: tuple[CamAlgorithm, ...] = (
    CamAlgorithm("gradcam", "Grad-CAM", "GradCAM",
                 "Grad-CAM (Selvaraju et al.): channel weights = spatial mean of ∂L/∂A; map = ReLU(Σ_k w_k A_k) "
                 "on the target layer's grid."),
    CamAlgorithm("gradcam-ew", "Grad-CAM-EW", "GradCAMElementWise",
                 "Element-wise Grad-CAM: map = Σ_k ReLU(∂L/∂A_k ⊙ A_k), each cell weighted by its own gradient."),
    CamAlgorithm("hirescam", "HiResCAM", "HiResCAM",
                 "HiResCAM (Draelos & Carin): map = ReLU(Σ_k ∂L/∂A_k ⊙ A_k); for a linear head it is exactly each "
                 "cell's contribution to L."),
    CamAlgorithm("gradcam++", "Grad-CAM++", "GradCAMPlusPlus",
                 "Grad-CAM++ (Chattopadhyay et al.): channel weights from positive gradients with second- and "
                 "third-order terms; map = ReLU(Σ_k w_k A_k)."),
    CamAlgorithm("xgradcam", "XGrad-CAM", "XGradCAM",
                 "XGrad-CAM (Fu et al.): channel weights = Σ (A_k / Σ A_k) ⊙ ∂L/∂A_k; map = ReLU(Σ_k w_k A_k)."),
    CamAlgorithm("layercam", "LayerCAM", "LayerCAM",
                 "LayerCAM (Jiang et al.): map = ReLU(Σ_k ReLU(∂L/∂A_k) ⊙ A_k)."),
    CamAlgorithm("scorecam", "Score-CAM", "ScoreCAM",
                 "Score-CAM (Wang et al.): the input is masked by each channel's upsampled, min-max normalised "
                 "activation; channel weights = softmax over channels of L of the masked inputs. One forward "
                 "pass per channel, in batches.", kind="perturbation", passes_before=1),
    CamAlgorithm("ablationcam", "Ablation-CAM", "AblationCAM",
                 "Ablation-CAM (Desai & Ramaswamy): channel weights = (L − L with the channel set to 0) / L. One "
                 "forward pass per channel, in batches.", kind="perturbation", passes_before=2),
    CamAlgorithm("fullgrad", "FullGrad", "FullGrad",
                 "FullGrad (Srinivas & Fleuret): |input ⊙ ∂L/∂x| plus |bias ⊙ ∂L/∂(layer)| of every biased "
                 "Conv2d / BatchNorm2d layer, each rescaled to the input and summed; no single target layer, "
                 "input resolution.", layer_based=False),
)


@dataclass(frozen=True)
class CamParams:
    """Parameters of a CAM run. layer: target layer ("" = the model's last convolutional block).

    batch_size: masked / ablated inputs per forward pass (Score-CAM, Ablation-CAM); on a CPU small
    batches are faster per input than large ones (docs/performance.md).
    layer_output: (C, h, w) of the layer as run — filled in the run record, not a choice
    (compare=False: two runs with the same choices are equal).
    """

    algorithm: str
    layer: str = ""
    batch_size: int = 16
    layer_output: tuple = field(default=(), compare=False)

    def __post_init__(self):
        if int(self.batch_size) != self.batch_size or self.batch_size < 1:
            raise ValueError(f"batch size must be a positive whole number, got {self.batch_size}")

    @property
    def algorithm_spec(self) -> CamAlgorithm:
        return ALGORITHMS_BY_KEY[self.algorithm]

    def describe(self) -> dict:
        spec = self.algorithm_spec
        d = {"algorithm": self.algorithm,
             "layer": (self.layer or "default: last convolutional block") if spec.layer_based
             else "every biased Conv2d / BatchNorm2d layer and the input gradient"}
        if spec.kind == "perturbation":
            d["batch_size"] = self.batch_size
        if self.layer_output:
            d["layer_output"] = list(self.layer_output)
        return d

    def summary(self) -> str:
        """One line for reports, e.g. 'layer _blocks.15 (320 × 7 × 7, upsampled)'."""
        spec = self.algorithm_spec
        if not spec.layer_based:
            return "all biased layers and the input gradient, input resolution"
        grid = (f" ({' × '.join(map(str, self.layer_output))}, upsampled)" if self.layer_output else "")
        batch = f", {self.batch_size} inputs per pass" if spec.kind == "perturbation" else ""
        return f"layer {self.layer or 'default'}{grid}{batch}"


ALGORITHMS_BY_KEY = {a.key: a for a in ALGORITHMS}


class CamMethod(LayerMapMethod):
    """A grad-cam algorithm as a method; one map per input (see the module docstring)."""

    def __init__(self, algorithm: CamAlgorithm):
        self.algorithm = algorithm
        self.key, self.title, self.description, self.kind = (algorithm.key, algorithm.title, algorithm.description,
                                                             algorithm.kind)

    def default_params(self, task) -> CamParams:
        return CamParams(self.key)

    def resolve_params(self, model, params: CamParams) -> CamParams:
        return replace(params, layer=self.target_layer(model, params)) if self.algorithm.layer_based else params

    def target_layer(self, model, params: CamParams) -> str:
        """The layer a run with `params` uses on `model` ("" for FullGrad: every biased layer)."""
        return layer_name(model, params.layer) if self.algorithm.layer_based else ""

    def passes_per_target(self, channels: int, params: CamParams) -> int:
        return self.algorithm.passes_before + math.ceil(channels / params.batch_size)

    def total_steps(self, job: MethodJob) -> int:
        if self.kind == "gradient":
            return 1
        channels = layer_shape(job.model, self.target_layer(job.model, job.params), job.input_batch())[0]
        return len(job.targets) * self.passes_per_target(channels, job.params)

    def run_steps(self, params: CamParams, rows: int) -> int:
        return 1 if self.kind == "gradient" else rows * self.passes_per_target(params.layer_output[0], params)

    def compute(self, job, x, params, progress, delta, steps, finished) -> None:
        size = x.shape[-1]
        with _grad_cam_bars_silenced():
            if self.kind == "gradient":
                progress.step()
                delta[:] = upsample(self._gradient_cams(job, x, params.layer), size)
                steps[:], finished[:] = 1, True
                return
            per_target = self.passes_per_target(params.layer_output[0], params)
            for i, target in enumerate(job.targets):
                delta[i] = upsample(self._perturbation_cam(job, target, x[i:i + 1], params.layer, params, progress),
                                    size)[0]
                steps[i], finished[i] = per_target, True
                progress.active[i] = False

    def param_specs(self, task) -> list:
        from ..tasks.types import OptionSpec

        specs = []
        if self.algorithm.layer_based:
            specs.append(OptionSpec("layer", "Target layer", "text", "",
                                    help="module name in the network; empty: the model's last convolutional block"))
        if self.kind == "perturbation":
            specs.append(OptionSpec("batch_size", "Inputs per pass", "int", 16, minimum=1,
                                    help="masked / ablated inputs per forward pass (memory; small is faster on a CPU)"))
        return specs

    def params_from(self, task, values: dict) -> CamParams:
        return CamParams(self.key, **params_from_specs(self.param_specs(task), values))

    def check_run(self, job: MethodJob, run: RunRecord, tolerance: float) -> float:
        """Shape, range, stop reasons and scores; a gradient CAM is also computed again (a fraction of a second)."""
        return check_cam_run(self, job, run, tolerance, recompute=self.kind == "gradient")

    def _gradient_cams(self, job: MethodJob, x: torch.Tensor, layer: str) -> np.ndarray:
        """(B, h, w) raw maps (FullGrad: (B, S, S)) of every target in one forward and backward pass."""
        import pytorch_grad_cam

        module = ObjectiveModule(job, job.targets)
        layers = [resolve_layer(job.model, layer)] if layer else []
        cls = _vectorised_fullgrad() if self.key == "fullgrad" else getattr(pytorch_grad_cam, self.algorithm.cam_class)
        cam = cls(model=module, target_layers=layers)
        try:
            xg = x.detach().clone().requires_grad_(True)  # the model's weights are frozen: the graph starts here
            with torch.enable_grad():
                losses = cam.activations_and_grads(xg)
                losses.sum().backward()  # rows are independent: each gets the gradient of its own loss
            targets = [identity_target] * x.shape[0]
            if layers:
                a = cam.activations_and_grads.activations[0].numpy()
                g = cam.activations_and_grads.gradients[0].numpy()
                raw = cam.get_cam_image(xg, layers[0], targets, a, g, False)
            else:  # FullGrad: per-layer maps already at input size, summed as grad-cam aggregates them
                raw = np.asarray(cam.compute_cam_per_layer(xg, targets, False)).sum(axis=1)
            return np.maximum(raw, 0)
        finally:
            cam.activations_and_grads.release()

    def _perturbation_cam(self, job: MethodJob, target, x: torch.Tensor, layer: str, params: CamParams,
                          progress: Progress) -> np.ndarray:
        """(1, h, w) raw map of one target; every forward pass is a progress step (and a cancel point)."""
        import pytorch_grad_cam

        channels, bs = params.layer_output[0], params.batch_size
        module = ObjectiveModule(job, [target], copies={bs, channels % bs} - {0},
                                 on_forward=lambda n: progress.step())
        module_layer = resolve_layer(job.model, layer)
        cls = getattr(pytorch_grad_cam, self.algorithm.cam_class)
        if self.key == "ablationcam":
            cam = cls(model=module, target_layers=[module_layer], batch_size=bs, ablation_layer=_zero_ablation()())
        else:
            cam = cls(model=module, target_layers=[module_layer])
            cam.batch_size = bs  # ScoreCAM reads it when set (default 16)
        try:
            with torch.no_grad():
                cam.activations_and_grads(x)
            a = cam.activations_and_grads.activations[0].numpy()
            raw = cam.get_cam_image(x, module_layer, [identity_target], a, None, False)
            return np.maximum(raw, 0)
        finally:
            cam.activations_and_grads.release()


@lru_cache(maxsize=1)
def _vectorised_fullgrad():
    """grad-cam's FullGrad, its aggregation done on whole layers at once: grad-cam min-max scales
    and resizes every channel of every biased layer one by one with cv2 (21 008 channels in
    EfficientNet-Lite0: 5–15 s here), then sums them; summing each layer's scaled channels first
    and resizing the sum once is the same arithmetic (resizing is linear) — the test
    test_vectorised_fullgrad_gives_grad_cams_fullgrad holds the two maps equal."""
    from pytorch_grad_cam import FullGrad

    class VectorisedFullGrad(FullGrad):
        def compute_cam_per_layer(self, input_tensor, targets, eigen_smooth):
            size = tuple(input_tensor.shape[-2:])
            total = _scaled_channel_sum((input_tensor.grad * input_tensor).detach().abs().cpu(), size)
            for bias, grads in zip(self.bias_data, self.activations_and_grads.gradients, strict=True):
                total += _scaled_channel_sum((torch.from_numpy(bias)[None, :, None, None] * grads).abs(), size)
            return total[:, None].numpy()

    return VectorisedFullGrad


def _scaled_channel_sum(t: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
    """(B, C, h, w) → (B, H, W): each channel min-max scaled as grad-cam's scale_cam_image does
    ((a − min) / (1e-7 + max)), resized bilinearly (cv2's INTER_LINEAR = align_corners False) and
    summed. Resizing is linear, so the channels are summed first and the sum resized once."""
    t = t.float()
    t = t - t.amin(dim=(2, 3), keepdim=True)
    summed = (t / (1e-7 + t.amax(dim=(2, 3), keepdim=True))).sum(dim=1, keepdim=True)
    if tuple(summed.shape[-2:]) != size:
        summed = torch.nn.functional.interpolate(summed, size=size, mode="bilinear", align_corners=False)
    return summed[:, 0]


@lru_cache(maxsize=1)
def _zero_ablation():
    """grad-cam's AblationLayer, ablating a channel by setting it to 0 (the paper's ablation) whatever its sign;
    it takes the keyword arguments some blocks are called with (EfficientNet's drop_connect_rate)."""
    from pytorch_grad_cam import AblationLayer

    class ZeroAblationLayer(AblationLayer):
        def __call__(self, x, *args, **kwargs):
            out = self.activations
            for i in range(out.size(0)):
                out[i, self.indices[i]] = 0
            return out

    return ZeroAblationLayer


_BARS = threading.Lock()
_BARS_USERS = [0, {}]  # runs inside _grad_cam_bars_silenced, and the modules' own tqdm while silenced
_NO_BAR = SimpleNamespace(tqdm=lambda iterable, *args, **kwargs: iterable)


@contextmanager
def _grad_cam_bars_silenced():
    """Score-CAM and Ablation-CAM print a tqdm bar per image to stderr; ours is `on_progress`.
    Reference-counted, so overlapping runs in several threads put the original back once."""
    from pytorch_grad_cam import ablation_cam, score_cam

    with _BARS:
        if _BARS_USERS[0] == 0:
            _BARS_USERS[1] = {m: m.tqdm for m in (ablation_cam, score_cam)}
            for m in _BARS_USERS[1]:
                m.tqdm = _NO_BAR
        _BARS_USERS[0] += 1
    try:
        yield
    finally:
        with _BARS:
            _BARS_USERS[0] -= 1
            if _BARS_USERS[0] == 0:
                for m, original in _BARS_USERS[1].items():
                    m.tqdm = original


def cam_methods() -> list[CamMethod]:
    return [CamMethod(a) for a in ALGORITHMS]


def setup(registry) -> None:
    """Entry point of the built-in CAM methods (group fame_desktop.plugins)."""
    for method in cam_methods():
        registry.add(method)
