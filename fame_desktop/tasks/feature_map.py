"""Feature-map receptive fields (paper Sec. 4.1) for face models and ImageNet models.

The target layer's h × w cells are drawn over the input; each cell's FAME map
(L_a = Σ_c |a[c, k]|) shows the pixels the cell really depends on, outlined against the
cell's nominal area — the patch CAM's upsampling would assign to it. All cells run as
one batched job (in chunks), with progress and cancel.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from ..core.attribution import MapSettings
from ..core.classifier_input import PREPARATIONS, prepare_classifier_input
from ..core.feature_map import CellObjective, cell_key, default_layer, probe_grid, spatial_layers
from ..core.images import LoadedImage
from ..core.models.imagenet_registry import DEFAULT_IMAGENET_MODEL
from ..core.overlay import DEFAULT_COLOUR_MAP
from ..core.pipeline import FaceInput, prepare_face
from ..core.receptive_field import cell_figures, summarise_rows
from .base import DISPLAY, Task, method_summary
from .face_verification import face_prepared_input
from .figures import cell_mosaic, grid_figure
from .models import face_model_choices, imagenet_model_choices, is_face_model, load_model_by_key, model_input_size
from .report_section import Figure, ReportSection, Table
from .result import TaskResult, input_tensor
from .types import Analysis, InputSlot, MapView, OptionSpec, PreparedInput, Target, TaskOptionError

PIXEL_BUDGET = 49 * 112 * 112  # samples × pixels per batch: all 7×7 cells of a 112-px face at once


def result_mosaic(result: TaskResult, settings: MapSettings, tile: int = 96, gap: int = 2, alpha: float = 0.6,
                  cmap: str = DEFAULT_COLOUR_MAP) -> np.ndarray:
    """The mosaic of every cell `result` computed, its maps made with `settings` (the report's and the window's)."""
    maps = result.maps(settings)
    cells = {(t.data["row"], t.data["col"]): maps[t.key] for t in result.targets}
    return cell_mosaic(result.inputs["image"].model_input, result.analysis.grid, cells, tile, gap, alpha, cmap)


def computed_marks(targets, done) -> list[tuple[float, float]]:
    """(x, y) in input pixels near the top-left corner of every cell target whose key is in `done`: where the
    window marks the cells computed."""
    marks = []
    for t in targets:
        if t.key in done:
            x0, y0, x1, y1 = t.data["box"]
            marks.append((x0 + 0.15 * (x1 - x0), y0 + 0.15 * (y1 - y0)))
    return marks


def cell_target(grid, row: int, col: int) -> Target:
    return Target(cell_key(row, col), f"cell ({row}, {col})", "image", default=True,
                  data={"row": row, "col": col, "box": list(grid.cell_box(row, col)), "group": "cell"})


class FeatureMapTask(Task):
    key = "feature-map"
    title = "Feature-map receptive fields"
    description = ("One photograph: the cells of a layer (default: the last convolutional block) drawn "
                   "over the model input; each cell's FAME map (L = Σ_c |a[c, k]|) against its nominal area.")
    inputs = (InputSlot("image", "Image", "a photograph (with a face, for face models)"),)
    score_label = "cell activation Σ|a|"
    order = 20

    def __init__(self):
        from .face_verification import FaceVerificationTask

        self._faces = FaceVerificationTask()  # its detector, created on first use

    def models(self):
        return imagenet_model_choices() + face_model_choices()

    @property
    def default_model(self) -> str:
        return DEFAULT_IMAGENET_MODEL

    def load_model(self, key: str, weights: str | None = None, device: str = "auto"):
        return load_model_by_key(key, weights, device)

    def layers(self, model) -> list:
        """The layers a user can pick: [LayerInfo(name, kind, (C, h, w))], input to output."""
        return spatial_layers(model, model_input_size(model))

    def options(self, model=None) -> list[OptionSpec]:
        return [
            OptionSpec("layer", "Target layer", "text", default_layer(model) if model is not None else "",
                       help="module name in the network; default: the last convolutional block"),
            OptionSpec("chunk", "Cells per batch", "int", 0, help="0 = automatic (memory)", minimum=0, off="automatic"),
            OptionSpec("preparation", "Image preparation (ImageNet models)", "choice", "full", PREPARATIONS),
            OptionSpec("image_face", "Face (face models)", "int", 0, help="0 = largest", minimum=0),
        ]

    def option_applies(self, key: str, model) -> bool:
        face = is_face_model(model)
        return {"preparation": not face, "image_face": face}.get(key, True)

    def prepare(self, model, role: str, image: LoadedImage, options: dict) -> PreparedInput:
        if is_face_model(model):
            face = prepare_face(image, self._faces.detector(model), role, options["image_face"])
            return face_prepared_input(face)
        ci = prepare_classifier_input(image, model.input_size, options["preparation"])
        return PreparedInput(role=role, image=image, model_input=ci.rgb, matrix=ci.matrix,
                             details={"preparation": ci.mode, "box": list(ci.box)}, payload=ci)

    def describe_options(self, options: dict) -> dict:
        """… with the face as numbered in the window (1 = largest); the option itself counts from 0."""
        details = super().describe_options(options)
        if "image_face" in details:
            details["image_face"] = f"face {options['image_face'] + 1}"
        return details

    def describe_choice(self, prepared: PreparedInput) -> tuple[str, dict]:
        """A face is logged as face verification logs it (its number as the window shows it, from 1)."""
        if isinstance(prepared.payload, FaceInput):
            return self._faces.describe_choice(prepared)
        return super().describe_choice(prepared)

    def analyse(self, model, inputs: dict[str, PreparedInput], options: dict) -> Analysis:
        layer = options["layer"] or default_layer(model)
        grid = probe_grid(model, layer, input_tensor(model, inputs["image"]))
        ch, cw = grid.height / grid.rows, grid.width / grid.cols
        return Analysis(headline=f"layer {layer}: {grid.channels} channels, {grid.rows}×{grid.cols} cells "
                                 f"of {cw:g}×{ch:g} px",
                        summary={"grid": grid.describe()},
                        targets=tuple(cell_target(grid, r, c) for r, c in grid.cells()), grid=grid)

    def target(self, analysis: Analysis, key: str) -> Target:
        """'cell_r<row>_c<col>' or 'row,col'."""
        if "," in key:
            try:
                r, c = (int(v) for v in key.split(","))
            except ValueError:
                raise TaskOptionError(f"cell {key!r}: give row,col as two whole numbers") from None
            key = cell_key(r, c)
        return analysis.target(key)

    def objective(self, model, inputs, analysis, targets: Sequence[Target], options: dict, params):
        return CellObjective(model, analysis.grid.layer, [(t.data["row"], t.data["col"]) for t in targets])

    def chunk_size(self, model, targets, options: dict) -> int | None:
        s = model_input_size(model)
        return options["chunk"] or max(1, PIXEL_BUDGET // (s * s))

    def measure(self, result: TaskResult) -> dict:
        figures = {(t.data["row"], t.data["col"]): cell_figures(result.delta(t.key), tuple(t.data["box"]))
                   for t in result.targets}
        return {"method": "raw |gray(Δx)| vs. the cell's nominal area (see core.receptive_field)",
                "cells": {cell_key(*rc): f for rc, f in figures.items()},
                "rows": summarise_rows(figures)}

    def views(self, result: TaskResult, settings: MapSettings) -> list[MapView]:
        maps = result.maps(settings)
        return [MapView(t.key, t.label, t.role, maps[t.key], "cell", tuple(t.data["box"])) for t in result.targets]

    def report_section(self, result: TaskResult, settings: MapSettings, display: dict = DISPLAY) -> ReportSection:
        grid, inp = result.analysis.grid, result.inputs["image"]
        section = ReportSection(
            title=self.title, headline=result.analysis.headline,
            facts=[("Model", str(result.model.get("name", ""))), ("Layer", grid.layer),
                   method_summary(result),
                   ("Maps", settings.describe()["blur"])],
            paragraphs=["Each cell's map is the input change FAME made to lower that cell's activation "
                        "magnitude Σ_c |a[c, k]|; the white box is the cell's nominal area, the patch a "
                        "CAM-style upsampling of the feature map would attribute to it."],
            figures=[Figure(grid_figure(inp.model_input, grid), f"{grid.rows}×{grid.cols} cells of layer {grid.layer}"),
                     Figure(result_mosaic(result, settings, alpha=display["opacity"], cmap=display["colour_map"]),
                            "receptive field of each computed cell, nominal area outlined")])
        rows = []
        for key, f in result.measurements["cells"].items():
            if not f.get("empty"):
                rows.append((key, f"{f['mass_outside']:.1%}", "{:+.2f}, {:+.2f}".format(*f["offset_cells"]),
                             "{:.1f} × {:.1f}".format(*f["extent_50_cells"]),
                             "{:.1f} × {:.1f}".format(*f["extent_90_cells"])))
        section.tables.append(Table(("cell", "mass outside nominal area", "centre offset (cells, x, y)",
                                     "50 % extent (cells)", "90 % extent (cells)"), tuple(rows),
                                    "Receptive field per cell (raw |gray(Δx)|; extents w × h in cell sizes)"))
        return section


def setup(registry) -> None:
    """Entry point of the built-in plugin (group fame_desktop.plugins): the task and its window page."""
    registry.add(FeatureMapTask())
    registry.add_page("feature-map", "fame_desktop.gui.pages.feature_map:FeatureMapPage")
