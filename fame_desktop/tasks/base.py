"""The task plugin interface: FAME is one procedure, a task supplies its loss and its views.

A task is driven in the same order by the GUI, the CLI and the report:

    model    = task.load_model(key, weights, device)        # one of task.models()
    options  = task.resolve_options(user_values, model)     # task.options(model) describes them
    inputs   = {slot.role: task.prepare(model, slot.role, image, options) for slot in task.inputs}
    analysis = task.analyse(model, inputs, options)          # headline + what can be explained
    request  = runner.request_run(task, method, model, inputs, analysis, targets, params, options, key)
    result   = request.execute(on_progress, should_cancel)  # in a worker; rows ↔ targets
    task.views(result, settings)   → maps to show          (settings: task.default_map_settings)
    task.report_section(result, settings) → ReportSection  (Qt-free)

`method` is an explanation method (`fame_desktop.methods`: FAME first) among those the task
lists in `methods`; every method uses the task's `objective` (the loss of each target).
Narrow hooks to implement: models, load_model, prepare, analyse, objective; the rest has
working defaults. Nothing here imports Qt; tasks may import `fame_desktop.core`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Sequence

from ..core.attribution import MapSettings
from ..core.fame import FameParams, Objective
from ..core.images import LoadedImage
from ..core.map_scaling import scaled_map_settings
from ..core.overlay import overlay
from .models import model_input_size
from .report_section import Figure, ReportSection, Table
from .result import TaskResult
from .types import Analysis, InputSlot, MapView, ModelChoice, OptionSpec, PreparedInput, Target, TaskOptionError

PLUGIN_API_VERSION = 1
DISPLAY = {"colour_map": "jet", "opacity": 0.5}  # overlays when the user chose nothing else


class Task(ABC):
    """Base class of every task. Subclasses set the class attributes and the abstract hooks."""

    api_version: int = PLUGIN_API_VERSION  # the interface version the task was written for
    key: str = ""              # stable id, e.g. "imagenet-classification"
    title: str = ""            # shown in the mode selector
    description: str = ""
    inputs: tuple[InputSlot, ...] = ()
    score_label: str = "score"  # what FameProgress.score means, for the progress display
    order: int = 100           # position in the mode selector (built-ins 0–20)
    evidence: bool = False     # the session keeps calibration, checklist and conclusion (session/evidence.py)
    # FAME preset a new user starts with ("fast" or "reference", core/presets.py), and what
    # to tell the user about a preset on this task (shown beside the chooser, printed by the CLI)
    default_preset: str = "fast"
    preset_caveats: dict[str, str] = {}
    methods: tuple[str, ...] = ("fame",)  # explanation methods that apply (keys in the plugin registry)
    fame_detach_norms: bool = False  # the objective is a cosine whose norms FAME may leave undifferentiated
    choice_noun: str = "the preparation"  # what was chosen when preparing an input (said when it changes)

    # -- models ---------------------------------------------------------------------------
    @abstractmethod
    def models(self) -> list[ModelChoice]:
        """Every model the task offers, with availability (cheap: no weights are read)."""

    @property
    def default_model(self) -> str:
        available = [m.key for m in self.models() if m.available]
        return available[0] if available else self.models()[0].key

    @abstractmethod
    def load_model(self, key: str, weights: str | None = None, device: str = "auto"):
        """An eval-mode nn.Module taking (B, 3, S, S) RGB in [0, 1]; `describe()` → JSON-ready dict."""

    # -- options --------------------------------------------------------------------------
    def options(self, model=None) -> list[OptionSpec]:
        """Task settings (choices may depend on the model, e.g. its layers)."""
        return []

    def option_applies(self, key: str, model) -> bool:
        """Whether option `key` means anything with `model` (e.g. a face choice only for face models)."""
        return True

    def resolve_options(self, values: dict | None = None, model=None) -> dict:
        """Defaults filled in, every value checked; unknown names refused."""
        specs = {o.key: o for o in self.options(model)}
        values = dict(values or {})
        unknown = set(values) - set(specs)
        if unknown:
            raise TaskOptionError(f"{self.title}: unknown option(s) {', '.join(sorted(unknown))}")
        return {k: (o.parse(values[k]) if values.get(k) is not None else o.default) for k, o in specs.items()}

    def describe_options(self, options: dict) -> dict:
        """The audit-log details of a change of `options` (numbers as the user sees them)."""
        return {k: str(v) for k, v in options.items()}

    # -- inputs and analysis --------------------------------------------------------------
    @abstractmethod
    def prepare(self, model, role: str, image: LoadedImage, options: dict) -> PreparedInput:
        """Turn a loaded photograph into the model input of slot `role` (FameError if impossible)."""

    @abstractmethod
    def analyse(self, model, inputs: dict[str, PreparedInput], options: dict) -> Analysis:
        """The model's answer before FAME (similarity, top-5, the cell grid) and the targets."""

    def target(self, analysis: Analysis, key: str) -> Target:
        """A target by key; tasks may accept keys beyond analysis.targets (e.g. any class)."""
        return analysis.target(key)

    # -- FAME -----------------------------------------------------------------------------
    @abstractmethod
    def objective(self, model, inputs: dict[str, PreparedInput], analysis: Analysis,
                  targets: Sequence[Target], options: dict, params: FameParams) -> Objective:
        """The loss for a batch whose row i starts from inputs[targets[i].role]: x̄ (B,3,S,S) → (loss, score)."""

    def chunk_size(self, model, targets: Sequence[Target], options: dict) -> int | None:
        """Most samples per optimisation batch (memory); None = all at once."""
        return None

    def describe_choice(self, prepared: PreparedInput) -> tuple[str, dict]:
        """The audit-log entry (action, details) of using `prepared` in its slot."""
        return "prepare input", {k: v for k, v in prepared.details.items() if not isinstance(v, (list, dict))}

    def input_notes(self, inputs: dict[str, PreparedInput]) -> list[str]:
        """What the user should hear about the prepared inputs (e.g. which of several faces was used)."""
        return [f"{role}: {note}" for role, inp in inputs.items() for note in inp.image.conversions]

    def write_output(self, out, result: TaskResult, settings: MapSettings, timings: dict,
                     display: dict = DISPLAY, overwrite: bool = False) -> dict:
        """Write the `--out` folder of a run (tasks/output.py's layout); returns its result.json.

        display: {"colour_map", "opacity"} of the overlays."""
        from .output import write_task_dir

        return write_task_dir(out, self, result, settings, timings, result.model.get("device", "cpu"), overwrite,
                              display)

    # -- case files -------------------------------------------------------------------------
    def input_record(self, prepared: PreparedInput) -> dict:
        """What a case file keeps of how `prepared` was made from its photograph (JSON-ready)."""
        return dict(prepared.details)

    def restore_input(self, model, role: str, image: LoadedImage, record: dict, stored, options: dict):
        """The input a case file recorded, rebuilt from its photograph and checked against the stored model
        input `stored` (S, S, 3) uint8: (PreparedInput, notes); FameError when they differ.

        By default the photograph is prepared again (deterministic preparations: a resize, a crop)."""
        from dataclasses import replace

        from .types import stored_model_input

        prepared = self.prepare(model, role, image, options)
        pixels, notes = stored_model_input(role, prepared.model_input, stored)
        return replace(prepared, model_input=pixels), notes

    def measure(self, result: TaskResult) -> dict:
        """JSON-ready figures derived from the maps (e.g. receptive-field sizes); {} by default."""
        return {}

    # -- views and report -----------------------------------------------------------------
    def default_map_settings(self, model=None) -> MapSettings:
        """The paper's blur (49 / 7.7 at 112 px) scaled to the model's input size."""
        return scaled_map_settings(model_input_size(model) if model is not None else 112)

    def views(self, result: TaskResult, settings: MapSettings) -> list[MapView]:
        maps = result.maps(settings)
        return [MapView(t.key, t.label, t.role, maps[t.key], group=t.data.get("group", "")) for t in result.targets]

    def report_section(self, result: TaskResult, settings: MapSettings, display: dict = DISPLAY) -> ReportSection:
        """Headline, model, per-target table and each map over its input; tasks add their own parts.

        display: {"colour_map", "opacity"} the user chose for overlays."""
        rows = tuple((k, v["label"], str(v["iterations"]), v["stop_reason"],
                      _fmt(v["initial_score"]), _fmt(v["final_score"]))
                     for k, v in result.per_target().items())
        figures = [Figure(overlay(result.inputs[v.role].model_input, v.map, display["opacity"], display["colour_map"]),
                          f"{v.label} ({v.key})")
                   for v in self.views(result, settings)]
        return ReportSection(
            title=self.title, headline=result.analysis.headline,
            facts=[("Model", str(result.model.get("name", result.model.get("key", "")))),
                   method_summary(result),
                   ("Maps", (settings.describe()["blur"] if result.method.blurs else "no blur (never applied to "
                             f"{result.method.title} maps)") + f", {settings.normalisation} normalisation")],
            tables=[Table(("target", "label", "iterations", "stop", f"{self.score_label} before",
                           f"{self.score_label} after"), rows, f"{result.method.title} runs")],
            figures=figures,
            caveats=["The maps explain this model's behaviour on this input; they are not evidence "
                     "of what the image shows."])

    def describe(self) -> dict:
        return {"key": self.key, "title": self.title, "description": self.description,
                "inputs": [s.role for s in self.inputs], "api_version": self.api_version}


def method_summary(result: TaskResult) -> tuple[str, str]:
    """(method title, one line of its parameters) for reports, e.g. ("FAME", "T = 500, η = 1/255, ε = 0.01")."""
    params = result.run.params
    if result.method.key == "fame":
        return "FAME", fame_summary(params)
    if hasattr(params, "summary"):  # a method's own one-line form, e.g. a CAM's layer and grid
        return result.method.title, params.summary()
    return result.method.title, ", ".join(f"{k} = {v}" for k, v in params.describe().items()) or "defaults"


def fame_summary(params: FameParams) -> str:
    """One line of FAME parameters for reports, e.g. 'T = 500, η = 1/255, ε = 0.01'."""
    eta = f"{params.step_size * 255:g}/255"
    extra = (", clamped to [0, 1]" if params.clamp else "") + (", cosine norms detached" if params.detach_norms else "")
    return f"T = {params.iterations}, η = {eta}, ε = {params.epsilon:g}{' (off)' if params.epsilon == 0 else ''}{extra}"


def _fmt(v) -> str:
    return "–" if v is None else f"{v:.4g}"
