"""ImageNet classification: top-5 classes of one photograph; FAME map of a chosen class.

Loss L_cls = z_o, the raw logit of class o (|z_o|: the original script's variant); the
photograph is resized (or centre-cropped) to the model's 224×224 input in [0, 1], and the
model wrapper applies its own normalisation.
"""

from __future__ import annotations

from typing import Sequence

from ..core.attribution import MapSettings
from ..core.classification import VARIANT_TEXT, VARIANTS, ClassObjective, check_class, top_classes
from ..core.classifier_input import PREPARATIONS, prepare_classifier_input
from ..core.images import LoadedImage
from ..core.models.imagenet import imagenet_categories, load_imagenet_model
from ..core.models.imagenet_registry import DEFAULT_IMAGENET_MODEL
from ..core.overlay import overlay
from .base import DISPLAY, Task
from .models import imagenet_model_choices
from .report_section import Figure, ReportSection, Table
from .result import TaskResult, input_tensor
from .types import Analysis, InputSlot, OptionSpec, PreparedInput, Target, TaskOptionError

TOP_K = 5


def class_target(index: int, default: bool = False, probability: float | None = None) -> Target:
    name = imagenet_categories()[index]
    label = f"{name} ({index})" + (f" {probability:.1%}" if probability is not None else "")
    return Target(key=f"class_{index}", label=label, role="image", default=default,
                  data={"class_index": index, "class_name": name, "group": "class"})


class ImageNetClassificationTask(Task):
    key = "imagenet-classification"
    title = "ImageNet classification"
    description = ("One photograph, an ImageNet classifier: the top-5 classes, and the FAME map of "
                   "the class you choose (top-1 by default), L = z_o.")
    inputs = (InputSlot("image", "Image", "any photograph"),)
    score_label = "class probability"
    order = 10
    # A class map keeps changing slowly up to 500 iterations, so stopping once it changes
    # little over 10 iterations stops far from the reference (docs/performance.md §2).
    default_preset = "reference"
    # every CAM applies to a class logit; FAME first (the default)
    methods = ("fame", "gradcam", "gradcam-ew", "hirescam", "gradcam++", "xgradcam", "layercam", "scorecam",
               "ablationcam", "fullgrad", "fd-cam")
    preset_caveats = {
        "fast": "Fast is tuned on face pairs. A class map keeps changing up to 500 iterations: with an "
                "earlier, looser Fast rule its maps agreed with the reference at r 0.60 (chelsea) to 0.85 "
                "(coffee) — use Reference for a map you report.",
    }

    def models(self):
        return imagenet_model_choices()

    @property
    def default_model(self) -> str:
        return DEFAULT_IMAGENET_MODEL

    def load_model(self, key: str, weights: str | None = None, device: str = "auto"):
        return load_imagenet_model(key, weights, device)

    def options(self, model=None) -> list[OptionSpec]:
        return [
            OptionSpec("preparation", "Image preparation", "choice", "full", PREPARATIONS,
                       "full: whole photograph resized to 224×224 (every pixel explained); "
                       "centre-crop: central 87.5 % square, ImageNet's evaluation crop"),
            OptionSpec("variant", "Loss", "choice", "logit", VARIANTS,
                       "; ".join(f"{k}: {v}" for k, v in VARIANT_TEXT.items())),
        ]

    def prepare(self, model, role: str, image: LoadedImage, options: dict) -> PreparedInput:
        ci = prepare_classifier_input(image, model.input_size, options["preparation"])
        return PreparedInput(role=role, image=image, model_input=ci.rgb, matrix=ci.matrix,
                             details={"preparation": ci.mode, "box": list(ci.box)}, payload=ci)

    def analyse(self, model, inputs: dict[str, PreparedInput], options: dict) -> Analysis:
        top = top_classes(model, input_tensor(model, inputs["image"]), TOP_K)
        targets = tuple(class_target(c.index, i == 0, c.probability) for i, c in enumerate(top))
        return Analysis(headline=f"top-1: {top[0].name} ({top[0].index}), probability {top[0].probability:.1%}",
                        summary={"top5": [c.describe() for c in top]}, targets=targets)

    def target(self, analysis: Analysis, key: str) -> Target:
        """Any of the 1000 classes: 'class_<index>' or a bare index."""
        for t in analysis.targets:
            if t.key == key:
                return t
        text = key[len("class_"):] if key.startswith("class_") else key
        try:
            index = check_class(int(text), len(imagenet_categories()))
        except ValueError as e:
            raise TaskOptionError(f"class {key!r}: {e}" if "range" in str(e) else
                                  f"class {key!r}: give an index 0–999") from None
        return class_target(index)

    def objective(self, model, inputs, analysis, targets: Sequence[Target], options: dict, params):
        return ClassObjective(model, [t.data["class_index"] for t in targets], options["variant"])

    def report_section(self, result: TaskResult, settings: MapSettings, display: dict = DISPLAY) -> ReportSection:
        section = super().report_section(result, settings, display)
        top = result.analysis.summary["top5"]
        section.tables.insert(0, Table(("rank", "class", "index", "probability", "logit"),
                                       tuple((str(i + 1), c["name"], str(c["index"]), f"{c['probability']:.2%}",
                                              f"{c['logit']:.3f}") for i, c in enumerate(top)),
                                       "Top-5 predictions"))
        inp = result.inputs["image"]
        for key, m in result.maps(settings).items():  # each map on the original photograph
            on_photo = overlay(inp.image.rgb, inp.to_photo(m), display["opacity"], display["colour_map"],
                               mask=inp.footprint())
            section.figures.append(Figure(on_photo, f"{result.targets[result.index(key)].label} "
                                                    "on the original photograph"))
        section.facts.append(("Preparation", f"{inp.details['preparation']}, region {inp.details['box']} "
                                             f"→ {inp.size}×{inp.size}"))
        section.facts.append(("Loss", VARIANT_TEXT[result.options["variant"]]))
        return section


def setup(registry) -> None:
    """Entry point of the built-in plugin (group fame_desktop.plugins): the task and its window page."""
    registry.add(ImageNetClassificationTask())
    registry.add_page("imagenet-classification", "fame_desktop.gui.pages.classification:ClassificationPage")
