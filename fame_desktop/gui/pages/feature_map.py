"""Feature-map page: the cells of a layer over the model input; click a cell for its receptive field.

A click computes that cell (one sample) or shows it when already computed; clicks during a
run are queued and run together next. "Compute all cells" runs every remaining cell as one
batched job in chunks (cancel keeps the chunks that finished). The "All cells" view shows
every computed receptive field as a mosaic (drawn in a worker, live during a run); clicking
a tile selects that cell. Works for ImageNet models and for face models (aligned with MTCNN).
"""

from __future__ import annotations

from html import escape

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QButtonGroup, QComboBox, QLabel, QSizePolicy, QStackedWidget, QWidget,
)

from ..image_view import ImageView
from ..jobs import start_owned
from ..latest import Latest
from ..layouts import GREY, box, push_button, quiet, styled_label
from ..theme import choice_button
from ..actions import make_action
from .base import TaskPage
from .cell_figures import CellFigures
from .input_view import InputMapView

TILE, GAP = 96, 2  # tasks.figures.cell_mosaic's defaults
MOSAIC_EVERY = 1.5  # seconds between mosaic previews (49 overlays: worth limiting)


class FeatureMapPage(TaskPage):
    selected: tuple[int, int] | None = None
    pending: tuple = ()  # cells clicked during a run: computed together next

    # layout -----------------------------------------------------------------------------
    def build_centre(self) -> QWidget:
        self.cell_button = choice_button("Selected cell", "The selected cell's receptive field")
        self.all_button = choice_button("All cells", "Every computed cell's receptive field")
        self.view_group = QButtonGroup(self)
        for i, b in enumerate((self.cell_button, self.all_button)):
            self.view_group.addButton(b, i)
        self.cell_button.setChecked(True)
        self.input_title = QLabel("")
        self.input_title.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)  # never widens
        bar = box(self.cell_button, self.all_button, (self.input_title, 1), row=True)
        self.input_view = InputMapView("The model input with its cells\nappears here")
        self.input_view.clicked.connect(self._input_clicked)
        self.mosaic_view = ImageView("No cell computed yet")
        self.mosaic_view.clicked.connect(self._mosaic_clicked)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.input_view)
        self.stack.addWidget(self.mosaic_view)
        self.view_group.idToggled.connect(lambda i, on: on and self._show_view(i))
        self.mosaic = Latest()
        self.mosaic_for = None
        return self.columns(box(bar, (self.stack, 1)), self._build_side())

    def _build_side(self) -> QWidget:
        self.layer = QComboBox()
        self.layer.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.layer.setMinimumContentsLength(16)
        self.layer.setToolTip("The layer whose cells are explained (default: the last convolutional block)")
        self.layer.currentIndexChanged.connect(self._layer_chosen)
        self.all_cells = push_button("Compute all cells", self.compute_all, "Every remaining cell as one batched job "
                                     "(in chunks); cancel keeps the chunks that finished")
        self.count = QLabel("")
        self.cell_title = styled_label("<b>Selected cell</b>: click a cell", wrap=True)
        self.figures = CellFigures()
        help_text = styled_label("Each cell's map is the change FAME made to lower that cell's activation "
                                 "Σ_c |a[c, k]|; the yellow box is the cell's nominal area — the patch CAM's "
                                 "upsampling would give it. Green marks: cells computed.", f"{GREY} font-size: 9pt;",
                                 wrap=True)
        spacer = QWidget()
        spacer.setFixedHeight(8)
        return box(QLabel("<b>Layer</b>"), self.layer, self.all_cells, self.count, spacer, self.cell_title,
                   self.figures, help_text, 1)

    def page_actions(self) -> list:
        return [make_action(self, "Compute &all cells", self.compute_all, "Ctrl+Shift+R",
                            "Every remaining cell of the layer as one batched job")]

    def hidden_options(self) -> tuple[str, ...]:
        return ("layer", "image_face")  # the face is picked by clicking it in the photograph (face n)

    def build_slots(self) -> dict:
        slots = super().build_slots()
        slots["image"].face_chosen.connect(self._face_chosen)
        return slots

    def _face_chosen(self, index: int) -> None:
        """Another detected face of the photograph (0 = largest) is to be used."""
        if index != self.session.options.get("image_face", 0):
            self._options_changed(image_face=index)

    def _show_view(self, i: int) -> None:
        self.stack.setCurrentIndex(i)
        self.render()

    # layers -----------------------------------------------------------------------------
    def option_values(self) -> dict:
        return {**super().option_values(), "layer": self.layer.currentData() or "",
                "image_face": self.session.options.get("image_face", 0)}

    def _layer_setting(self) -> str:
        return f"{self.settings_prefix}/layer/{self.session.model_key}"

    def model_ready(self, model) -> None:
        from ...core.feature_map import default_layer

        default = default_layer(model)
        with quiet(self.layer):
            self.layer.clear()
            self.layer.addItem(f"{default} · default", default)
        task, lock = self.task, self.loader.lock

        def layers(job):
            with lock:
                return model, task.layers(model)

        start_owned(self, self.shell.runner, "layers", layers, on_success=lambda r: self._layers_listed(*r, default),
                    on_failure=lambda e, job: self.shell.messages.error("Cannot list the layers", e, job.traceback))
        super().model_ready(model)

    def _layers_listed(self, model, infos, default: str) -> None:
        if model is not self.loader.model:
            return
        wanted = self.session.options.get("layer") or self.shell.settings.get(self._layer_setting(), default)
        with quiet(self.layer):
            self.layer.clear()
            for info in infos:
                c, h, w = info.shape
                if h < 2 or w < 2:
                    continue  # a single cell has no receptive field to compare
                mark = " · default" if info.name == default else ""
                self.layer.addItem(f"{info.name} ({c}×{h}×{w}){mark}", info.name)
                self.layer.setItemData(self.layer.count() - 1, f"{info.name}: {info.kind}, {c} channels, "
                                       f"{h}×{w} cells", Qt.ItemDataRole.ToolTipRole)
            found = self.layer.findData(wanted) >= 0
            self.layer.setCurrentIndex(max(0, self.layer.findData(wanted if found else default)))
        if self.layer.currentData() != self.session.options.get("layer"):
            self._options_changed()

    def _layer_chosen(self, _i: int) -> None:
        if self.layer.currentData():
            self.shell.settings.set(self._layer_setting(), self.layer.currentData())
        self.selected, self.pending = None, ()
        self._options_changed()

    def _session_inputs(self, role: str) -> None:
        self.selected, self.pending = None, ()  # a new photograph: earlier cells no longer apply
        if role not in self.session.inputs and self.session.options.get("image_face", 0) and self.loader.model:
            # a new photograph starts from its largest face, before it is prepared
            self.session.set_options(self.task.resolve_options({**self.option_values(), "image_face": 0},
                                                               self.loader.model))
        super()._session_inputs(role)

    def input_detail(self, prepared) -> str:
        from ...core.pipeline import FaceInput

        face = prepared.payload if isinstance(prepared.payload, FaceInput) else None
        if face is None:
            return super().input_detail(prepared)
        self.slots["image"].show_faces(face.faces, face.face_index)
        return f"Aligned face {prepared.size}×{prepared.size} (face {face.face_index + 1} of {len(face.faces)})"

    # cells ------------------------------------------------------------------------------
    @property
    def grid(self):
        a = self.session.analysis
        return a.grid if a is not None else None

    def computed(self) -> set[str]:
        r = self.session.result()
        return set(r.keys) if r is not None else set()

    def cell_target(self, cell):
        from ...core.feature_map import cell_key

        return self.task.target(self.session.analysis, cell_key(*cell))

    def select_cell(self, row: int, col: int, compute: bool = True) -> None:
        """Show a cell; compute it first when it has no map (queued while another run goes on)."""
        self.selected = (row, col)
        key = self.cell_target(self.selected).key
        if compute and key not in self.computed():
            if self.run.running:
                if key not in self.running_keys() and (row, col) not in self.pending:
                    self.pending = self.pending + ((row, col),)
                    self.run_bar.status.setText(f"Cell ({row}, {col}) queued: it runs after this job.")
            elif not self.run.blocker():
                self.run.start([self.cell_target(self.selected)])
        self.refresh()

    def _input_clicked(self, x: float, y: float) -> None:
        cell = self.grid.cell_at(x, y) if self.grid is not None else None
        if cell is not None:
            self.select_cell(*cell)

    def _mosaic_clicked(self, x: float, y: float) -> None:
        g = self.grid
        if g is None or x < 0 or y < 0:
            return
        row, col = int(y // (TILE + GAP)), int(x // (TILE + GAP))
        if row < g.rows and col < g.cols:
            self.cell_button.setChecked(True)
            self.select_cell(row, col, compute=False)

    def run_targets(self) -> list:
        return [self.cell_target(self.selected)] if self.selected is not None and self.grid is not None else []

    def compute_all(self) -> bool:
        """Every cell without a map (all of them again when every cell has one) as one batched job."""
        if self.session.analysis is None:
            return self.run.start([])
        done = self.computed()
        every = list(self.session.analysis.targets)
        return self.run.start([t for t in every if t.key not in done] or every)

    def target_blocker(self) -> str:
        return "" if self.selected is not None else "Click a cell (or Compute all cells)"

    def describe_targets(self, targets) -> str:
        return targets[0].label if len(targets) == 1 else f"{len(targets)} cells"

    def _results_changed(self) -> None:
        super()._results_changed()
        if self.run.running or not self.pending:
            return
        pending = [c for c in self.pending if self.cell_target(c).key not in self.computed()]
        self.pending = ()
        if pending and not self.run.blocker():
            self.run.start([self.cell_target(c) for c in pending])

    # previews ---------------------------------------------------------------------------
    def make_preview(self, request):
        """Only the selected cell's map and layer, and every so often the mosaic of all rows (49 maps cost)."""
        from ...tasks.previews import cell_preview_maker

        return cell_preview_maker(request, self.grid, self.session.result(), lambda: self.shown,
                                  lambda: self.selected, TILE, GAP, MOSAIC_EVERY)

    # drawing ----------------------------------------------------------------------------
    def render(self) -> None:
        from ...tasks.feature_map import computed_marks

        s, view = self.session, self.input_view
        self._render_side()
        inp = s.inputs.get("image")
        if inp is None or s.analysis is None or self.inputs.busy():
            view.show_input(None)
            view.set_grid(None)
            view.set_outline(None)
            view.set_marks([])
            view.set_badge("")
            self.show_on_photo("image", None, None)
            self.headline.setText("")
            self.mosaic_view.set_image(None)
            return
        g = self.grid
        self.headline.setText(f"<span style='font-size:13pt'>{escape(s.analysis.headline)}</span>"
                              f"<span style='color:#8a8f98'> · {escape(self.model_name())}</span>")
        self.input_title.setText(f"input {inp.size}×{inp.size}")
        view.set_grid(g)
        view.set_marks(computed_marks(s.analysis.targets, self.computed()))
        view.set_annotations_visible(not self.show_original)
        key, m, layer, caption = None, None, None, "click a cell to see its receptive field"
        if self.selected is not None:
            t = self.cell_target(self.selected)
            key = t.key
            view.set_outline(tuple(t.data["box"]))
            m, layer, caption = self.map_shown(key, "queued" if self.selected in self.pending else "not computed")
            caption = f"{t.label}\n{caption}"
        else:
            view.set_outline(None)
        view.show_input(inp.model_input, None if self.show_original else m, self.controls.alpha(), self.colour_map())
        view.set_badge("original input (no map, no grid)" if self.show_original else caption)
        self.show_on_photo("image", key, m, layer)
        if self.stack.currentIndex() == 1:
            self._render_mosaic()

    def _render_side(self) -> None:
        g, r = self.grid, self.session.result()
        n = g.rows * g.cols if g is not None else 0
        done = len(self.computed())
        self.count.setText(f"{done} of {n} cells computed" if n else "")
        self.all_cells.setText("Compute all cells" if done == 0 else
                               f"Compute the other {n - done} cells" if done < n else f"Recompute all {n} cells")
        self.all_cells.setEnabled(g is not None and not self.run.running)
        if self.selected is None or g is None:
            self.cell_title.setText("<b>Selected cell</b>: click a cell")
            self.figures.show_figures(None)
            return
        key = self.cell_target(self.selected).key
        self.cell_title.setText(f"<b>Cell ({self.selected[0]}, {self.selected[1]})</b> of {g.rows}×{g.cols}, "
                                f"layer {g.layer}")
        cells = r.measurements.get("cells", {}) if r is not None else {}
        self.figures.show_figures(cells.get(key))

    def _render_mosaic(self) -> None:
        """The mosaic of the result (made in a worker), or the latest live one during a run."""
        preview = self.run.preview
        if preview is not None and preview.extra.get("mosaic") is not None:
            self.mosaic_view.set_image(preview.extra["mosaic"])
            self.mosaic_view.set_badge(f"live preview · iteration {preview.iteration} / {preview.total}")
            return
        r = self.session.result()
        if r is None:
            self.mosaic_view.set_image(None)
            self.mosaic_view.set_badge("")
            return
        shown = self.shown
        want = (id(r), shown)
        if self.mosaic_for == want:
            return
        self.mosaic_for = want
        token, grid = self.mosaic.next(), self.grid

        def mosaic(job):
            from ...tasks.feature_map import result_mosaic

            return result_mosaic(r, shown.map_settings, TILE, GAP, shown.alpha, shown.colour_map)

        def done(img):
            if self.mosaic.current(token):
                self.mosaic_view.set_image(img)
                self.mosaic_view.set_badge(f"{len(r.keys)} of {grid.rows * grid.cols} cells · click a tile to "
                                           "select its cell")

        start_owned(self, self.shell.runner, "mosaic", mosaic, on_success=done,
                    on_failure=lambda e, job: self.shell.messages.error("Cannot draw the cells", e, job.traceback))
