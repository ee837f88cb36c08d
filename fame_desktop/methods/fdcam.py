"""FD-CAM (Li et al. 2022, "Improving Faithfulness and Discriminability of Visual Explanation for
CNNs"), written from the paper's description (no public library has it; METHOD.md §4).

For one target with loss L and target-layer activations A (C, h, w):

    α_k  = mean over cells of ∂L/∂A_k                                  (Grad-CAM's weights)
    G_k  = the ⌈5 %⌉ channels whose maps are most cosine-similar to A_k (k itself included)
    s⁻_k = L(A) − L(A with G_k switched off)                           (what the group carries)
    s⁺_k = L(only G_k switched on) − L(every channel off)              (what the group gives alone)
    s_k  = (s⁻_k + s⁺_k) / 2
    ω_k  = α̂_k · exp(ŝ_k) − 0.5        (α̂, ŝ: α and s min-max normalised over the channels)
    CAM  = ReLU(Σ_k ω_k A_k)

"Switched off" sets a channel to 0. The 2C + 2 switched activations of a target are evaluated
in batches of `batch_size`. Only the layers after the target layer depend on the switch, so the
network runs on a small stand-in input whose target-layer output is replaced by the switched
activations (`LayerSwitch`); every run checks that the stand-in reproduces L(A) of the real input
and uses full-size inputs when it does not (a network whose later layers read more than the
target layer's output).

Loss: the task's objective, as every method here (for a class z_o, for a face e+ s).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

import torch

from ..core.feature_map import LayerCapture, resolve_layer
from .base import MethodJob, RunRecord, params_from_specs
from .cam_common import LayerMapMethod, ObjectiveModule, Progress, check_cam_run, layer_shape, upsample


@dataclass(frozen=True)
class FdCamParams:
    """layer: target layer ("" = the model's last convolutional block); group_fraction: share of the
    channels switched together (paper: 5 %); batch_size: switched activations per forward pass.
    layer_output: (C, h, w) of the layer as run (filled in the run record; compare=False)."""

    layer: str = ""
    group_fraction: float = 0.05
    batch_size: int = 64
    layer_output: tuple = field(default=(), compare=False)

    def __post_init__(self):
        if not 0 < self.group_fraction <= 1:
            raise ValueError(f"group fraction must be in (0, 1], got {self.group_fraction}")
        if int(self.batch_size) != self.batch_size or self.batch_size < 1:
            raise ValueError(f"batch size must be a positive whole number, got {self.batch_size}")

    def group_size(self, channels: int) -> int:
        return max(1, math.ceil(self.group_fraction * channels))

    def describe(self) -> dict:
        d = {"layer": self.layer or "default: last convolutional block",
             "group_fraction": self.group_fraction, "batch_size": self.batch_size}
        if self.layer_output:
            d["layer_output"] = list(self.layer_output)
            d["group_size"] = self.group_size(self.layer_output[0])
        return d

    def summary(self) -> str:
        grid = f" ({' × '.join(map(str, self.layer_output))}, upsampled)" if self.layer_output else ""
        return f"layer {self.layer or 'default'}{grid}, groups of {self.group_fraction:.0%} of the channels"


def similarity_groups(a: torch.Tensor, size: int) -> torch.Tensor:
    """a (C, h, w) → (C, C) bool: row k marks the `size` channels whose maps are most cosine-similar
    to channel k's, k itself always among them (an all-zero map is similar to none)."""
    f = a.reshape(a.shape[0], -1).float()
    f = f / f.norm(dim=1, keepdim=True).clamp_min(1e-12)
    sim = f @ f.T
    sim.fill_diagonal_(float("inf"))
    top = sim.topk(size, dim=1).indices
    groups = torch.zeros(sim.shape, dtype=torch.bool, device=a.device)
    groups.scatter_(1, top, True)
    return groups


def switch_masks(groups: torch.Tensor) -> torch.Tensor:
    """(C, C) groups → (2C + 2, C) float channel masks: all on, all off, each group off, each group alone on."""
    c = groups.shape[0]
    on = groups.float()
    ones = torch.ones(1, c, device=groups.device)
    return torch.cat([ones, torch.zeros_like(ones), 1.0 - on, on])


def switching_scores(values: torch.Tensor) -> torch.Tensor:
    """L of the switch_masks rows (2C + 2,) → s (C,) = (s⁻ + s⁺) / 2."""
    c = (values.shape[0] - 2) // 2
    full, empty = values[0], values[1]
    s_off = full - values[2:2 + c]
    s_on = values[2 + c:] - empty
    return (s_off + s_on) / 2


def _minmax(v: torch.Tensor) -> torch.Tensor:
    lo, hi = v.min(), v.max()
    return (v - lo) / (hi - lo) if hi > lo else torch.zeros_like(v)


def fdcam_weights(alpha: torch.Tensor, s: torch.Tensor) -> torch.Tensor:
    """ω = α̂ · exp(ŝ) − 0.5 with α̂, ŝ min-max normalised over the channels (C,)."""
    return _minmax(alpha) * torch.exp(_minmax(s)) - 0.5


def fdcam_map(a: torch.Tensor, weights: torch.Tensor) -> torch.Tensor:
    """ReLU(Σ_k ω_k A_k): (C, h, w), (C,) → (h, w)."""
    return torch.relu((weights.view(-1, 1, 1) * a).sum(dim=0))


class LayerSwitch:
    """L(A ⊙ m) of one target for batches of channel masks m (n, C), with A the target layer's
    activation (1, C, h, w) on the target's input x (1, 3, S, S).

    The target layer's output is replaced by A ⊙ m; upstream runs on a stand-in input of
    S / h pixels (about one cell at the layer) unless `full_inputs`.
    """

    def __init__(self, module: ObjectiveModule, layer: torch.nn.Module, a: torch.Tensor, x: torch.Tensor,
                 full_inputs: bool = False):
        self.module, self.layer, self.a = module, layer, a.detach()
        side = x.shape[-1] if full_inputs else max(8, x.shape[-1] // a.shape[-1])
        self.base = x.detach() if full_inputs else torch.zeros(1, 3, side, side, device=x.device, dtype=x.dtype)
        self._masks: torch.Tensor | None = None

    def _replace(self, _module, _inputs, _output):
        return self.a * self._masks[:, :, None, None]

    @torch.no_grad()
    def __call__(self, masks: torch.Tensor) -> torch.Tensor:
        self._masks = masks.to(self.a.dtype)
        handle = self.layer.register_forward_hook(self._replace)
        try:
            return self.module(self.base.expand(masks.shape[0], -1, -1, -1)).float()
        finally:
            handle.remove()
            self._masks = None


def _matches(value: float, reference: float) -> bool:
    return abs(value - reference) <= 1e-4 * max(1.0, abs(reference))


class FdCamMethod(LayerMapMethod):
    key = "fd-cam"
    title = "FD-CAM"
    description = ("FD-CAM (Li et al.): Grad-CAM weights combined with grouped channel-switching scores (the 5 % "
                   "most similar channels switched off / on together); ω = α̂·exp(ŝ) − 0.5, map = ReLU(Σ ω A).")
    kind = "perturbation"

    def default_params(self, task) -> FdCamParams:
        return FdCamParams()

    def resolve_params(self, model, params: FdCamParams) -> FdCamParams:
        return replace(params, layer=self.target_layer(model, params))

    def batches_per_target(self, channels: int, params: FdCamParams) -> int:
        return math.ceil((2 * channels + 2) / params.batch_size)

    def total_steps(self, job: MethodJob) -> int:
        channels = layer_shape(job.model, self.target_layer(job.model, job.params), job.input_batch())[0]
        return 1 + len(job.targets) * self.batches_per_target(channels, job.params)

    def run_steps(self, params: FdCamParams, rows: int) -> int:
        return 1 + rows * self.batches_per_target(params.layer_output[0], params)

    def compute(self, job, x, params, progress, delta, steps, finished) -> None:
        layer = resolve_layer(job.model, params.layer)
        per_target = self.batches_per_target(params.layer_output[0], params)
        loss = progress.loss
        progress.step()
        a, alpha = self._activations_and_gradient_weights(job, x, layer)
        for i, target in enumerate(job.targets):
            s = self._switching_scores(job, target, layer, a[i:i + 1], x[i:i + 1], float(loss[i]), params, progress)
            cam = fdcam_map(a[i], fdcam_weights(alpha[i], s))
            delta[i] = upsample(cam[None].cpu().numpy(), x.shape[-1])[0]
            steps[i], finished[i] = 1 + per_target, True
            progress.active[i] = False

    def param_specs(self, task) -> list:
        from ..tasks.types import OptionSpec

        return [OptionSpec("layer", "Target layer", "text", "",
                           help="module name in the network; empty: the model's last convolutional block"),
                OptionSpec("group_percent", "Group (% of channels)", "int", 5, minimum=1,
                           help="the channels most similar to each channel, switched off / on together (paper: 5 %)"),
                OptionSpec("batch_size", "Switched activations per pass", "int", 64, minimum=1)]

    def params_from(self, task, values: dict) -> FdCamParams:
        given = params_from_specs(self.param_specs(task), values)
        if "group_percent" in given:
            given["group_fraction"] = given.pop("group_percent") / 100
        return FdCamParams(**given)

    def param_values(self, task, params: FdCamParams) -> dict:
        return {"layer": params.layer, "group_percent": round(params.group_fraction * 100),
                "batch_size": params.batch_size}

    def check_run(self, job: MethodJob, run: RunRecord, tolerance: float) -> float:
        """Shape, range, stop reasons and scores; FD-CAM is also computed again (seconds)."""
        return check_cam_run(self, job, run, tolerance, recompute=True)

    @staticmethod
    def _activations_and_gradient_weights(job: MethodJob, x: torch.Tensor, layer) -> tuple[torch.Tensor, torch.Tensor]:
        """A (B, C, h, w) and α (B, C) of every target, one forward and one backward pass."""
        xg = x.detach().clone().requires_grad_(True)  # the model's weights are frozen: the graph starts here
        with torch.enable_grad(), LayerCapture(layer) as cap:
            loss, _score = job.objective()(xg)
            a = cap.output
            (grad,) = torch.autograd.grad(loss.sum(), a)
        return a.detach(), grad.mean(dim=(2, 3))

    def _switching_scores(self, job: MethodJob, target, layer, a: torch.Tensor, x: torch.Tensor, clean: float,
                          params: FdCamParams, progress: Progress) -> torch.Tensor:
        """s (C,) of one target: its 2C + 2 switched activations in batches (each a progress step)."""
        c, bs = a.shape[1], params.batch_size
        masks = switch_masks(similarity_groups(a[0], params.group_size(c)))
        module = ObjectiveModule(job, [target], copies={1, bs, masks.shape[0] % bs} - {0})
        switch = LayerSwitch(module, layer, a, x)
        try:
            first = self._evaluate(switch, masks[:bs], progress)
            stand_in_works = _matches(float(first[0]), clean)
        except RuntimeError:  # a later layer needs the real input's size
            stand_in_works = False
        if not stand_in_works:
            switch = LayerSwitch(module, layer, a, x, full_inputs=True)
            first = self._evaluate(switch, masks[:bs], progress)
        values = [first] + [self._evaluate(switch, masks[i:i + bs], progress) for i in range(bs, masks.shape[0], bs)]
        return switching_scores(torch.cat(values))

    @staticmethod
    def _evaluate(switch: LayerSwitch, masks: torch.Tensor, progress: Progress) -> torch.Tensor:
        progress.step()
        return switch(masks)


def setup(registry) -> None:
    """Entry point of the built-in FD-CAM method (group fame_desktop.plugins)."""
    registry.add(FdCamMethod())
