"""Feature-map mode: the cells of a layer over the model input; click a cell for its FAME receptive field.

A click computes that cell (one FAME sample) or shows it when already computed; clicks
during a run are queued and run together next. "Compute all cells" runs every remaining
cell as one batched job in chunks (progress over all chunks, cancel keeps the chunks
that finished). The "All cells" view shows every computed receptive field as a mosaic;
clicking a tile selects that cell. Works for ImageNet models and for face models (the
task aligns the face with MTCNN).
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QButtonGroup, QComboBox, QHBoxLayout, QLabel, QPushButton, QSizePolicy, QStackedWidget, QToolButton, QVBoxLayout,
    QWidget,
)

from ..image_view import ImageView
from .cell_figures import CellFigures
from .cell_mosaic_view import MosaicMixin
from .input_view import InputMapView
from .layer_chooser import LayerMixin
from .task_page import TaskPage


class FeatureMapPage(LayerMixin, MosaicMixin, TaskPage):
    hidden_options = ("layer",)
    selected: tuple[int, int] | None = None
    pending: tuple = ()  # cells clicked during a run: computed together next

    # layout -----------------------------------------------------------------------------
    def build_centre(self) -> QWidget:
        box = QWidget()
        lay = QVBoxLayout(box)
        lay.setContentsMargins(0, 0, 0, 0)
        self.cell_button, self.all_button = QToolButton(), QToolButton()
        self.view_group = QButtonGroup(box)
        bar = QHBoxLayout()
        for i, (b, text, tip) in enumerate(((self.cell_button, "Selected cell", "The selected cell's receptive field"),
                                            (self.all_button, "All cells", "Every computed cell's receptive field"))):
            b.setText(text)
            b.setToolTip(tip)
            b.setCheckable(True)
            self.view_group.addButton(b, i)
            bar.addWidget(b)
        self.cell_button.setChecked(True)
        self.input_title = QLabel("")
        self.input_title.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)  # never widens
        bar.addWidget(self.input_title, 1)
        self.input_view = InputMapView("The model input with its cells\nappears here")
        self.input_view.clicked.connect(self._input_clicked)
        self.mosaic_view = ImageView("No cell computed yet")
        self.mosaic_view.clicked.connect(self._mosaic_clicked)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.input_view)
        self.stack.addWidget(self.mosaic_view)
        self.view_group.idToggled.connect(lambda i, on: on and self._show_view(i))
        lay.addLayout(bar)
        lay.addWidget(self.stack, 1)
        self.mosaic_gen = 0
        self.mosaic_for = None
        return box

    def build_side(self) -> QWidget:
        box = QWidget()
        lay = QVBoxLayout(box)
        lay.setContentsMargins(0, 0, 0, 0)
        self.layer = QComboBox()
        self.layer.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.layer.setMinimumContentsLength(16)
        self.layer.setToolTip("The layer whose cells are explained (default: the last convolutional block)")
        self.layer.currentIndexChanged.connect(self._layer_chosen)
        self.all_cells = QPushButton("Compute all cells")
        self.all_cells.setToolTip("Every remaining cell as one batched FAME job (in chunks); cancel keeps "
                                  "the chunks that finished")
        self.all_cells.clicked.connect(self.compute_all)
        self.count = QLabel("")
        self.cell_title = QLabel("<b>Selected cell</b>: click a cell")
        self.cell_title.setWordWrap(True)
        self.figures = CellFigures()
        help_text = QLabel("Each cell's map is the change FAME made to lower that cell's activation "
                           "Σ_c |a[c, k]|; the yellow box is the cell's nominal area — the patch CAM's "
                           "upsampling would give it. Green marks: cells computed.")
        help_text.setWordWrap(True)
        help_text.setStyleSheet("color: #8a8f98; font-size: 9pt;")
        lay.addWidget(QLabel("<b>Layer</b>"))
        lay.addWidget(self.layer)
        lay.addWidget(self.all_cells)
        lay.addWidget(self.count)
        lay.addSpacing(8)
        lay.addWidget(self.cell_title)
        lay.addWidget(self.figures)
        lay.addWidget(help_text)
        lay.addStretch(1)
        return box

    def _show_view(self, i: int) -> None:
        self.stack.setCurrentIndex(i)
        self.render()

    # model, layers, options ---------------------------------------------------------------
    def option_visible(self, key: str, model) -> bool:
        from ...tasks.models import is_face_model

        face = is_face_model(model)
        return {"preparation": not face, "image_face": face}.get(key, True)

    def options_changed(self) -> None:
        self.reset_selection()
        super().options_changed()

    def reset_selection(self) -> None:
        self.selected, self.pending = None, ()

    def input_detail(self, prepared_input) -> str:
        face = prepared_input.payload if hasattr(prepared_input.payload, "faces") else None
        if face is None:
            return super().input_detail(prepared_input)
        n = len(face.faces)
        self.slots["image"].view.set_faces(face.faces, face.face_index)
        return f"Aligned face {prepared_input.size}×{prepared_input.size} (face {face.face_index + 1} of {n})"

    # cells ------------------------------------------------------------------------------
    @property
    def grid(self):
        return self.prepared.analysis.grid if self.prepared is not None else None

    def computed(self) -> set[str]:
        r = self.current_result()
        return set(r.keys) if r is not None else set()

    def cell_target(self, cell):
        from ...core.feature_map import cell_key

        return self.task.target(self.prepared.analysis, cell_key(*cell))

    def select_cell(self, row: int, col: int, compute: bool = True) -> None:
        """Show a cell; compute it first when it has no map (queued while another run goes on)."""
        self.selected = (row, col)
        key = self.cell_target(self.selected).key
        if compute and key not in self.computed():
            if self.running:
                if key not in self.running_keys and (row, col) not in self.pending:
                    self.pending = self.pending + ((row, col),)
                    self.run_bar.status.setText(f"Cell ({row}, {col}) queued: it runs after this job.")
            elif not self.blocker():
                self.run([self.cell_target(self.selected)])
        self.render()
        self.state_changed.emit()

    def _input_clicked(self, x: float, y: float) -> None:
        cell = self.grid.cell_at(x, y) if self.grid is not None else None
        if cell is not None:
            self.select_cell(*cell)

    def run_targets(self) -> list:
        return [self.cell_target(self.selected)] if self.selected is not None and self.prepared is not None else []

    def compute_all(self) -> bool:
        """Every cell without a map (all of them again when every cell has one) as one batched job."""
        if self.prepared is None:
            return self.run([])
        done = self.computed()
        every = list(self.prepared.analysis.targets)
        return self.run([t for t in every if t.key not in done] or every)

    def target_blocker(self) -> str:
        return "" if self.selected is not None else "Click a cell (or Compute all cells)"

    def idle_hint(self) -> str:
        return "Click a cell to see its receptive field (computed on first click), or Compute all cells."

    def describe_targets(self, targets) -> str:
        return targets[0].label if len(targets) == 1 else f"{len(targets)} cells"

    def on_run_done(self, kept) -> None:
        pending = [c for c in self.pending if self.cell_target(c).key not in self.computed()]
        self.pending = ()
        if pending and not self.blocker():
            self.run([self.cell_target(c) for c in pending])

    # drawing ----------------------------------------------------------------------------
    def render(self) -> None:
        p, view = self.prepared, self.input_view
        self._render_side()
        if p is None:
            view.show_input(None)
            view.set_grid(None)
            view.set_outline(None)
            view.set_marks([])
            view.set_badge("")
            self.show_on_photo("image", None)
            self.headline.setText("")
            self.mosaic_view.set_image(None)
            return
        g, inp = self.grid, p.inputs["image"]
        self.headline.setText(f"<span style='font-size:13pt'>{p.analysis.headline}</span>"
                              f"<span style='color:#8a8f98'> · {self.model_name()}</span>")
        self.input_title.setText(f"input {inp.size}×{inp.size}")
        view.set_grid(g)
        done = self.computed()
        marks = []
        for t in p.analysis.targets:
            if t.key in done:
                x0, y0, x1, y1 = t.data["box"]
                marks.append((x0 + 0.15 * (x1 - x0), y0 + 0.15 * (y1 - y0)))
        view.set_marks(marks)
        view.set_annotations_visible(not self.show_original)
        m, layer, caption = None, None, "click a cell to see its receptive field"
        if self.selected is not None:
            t = self.cell_target(self.selected)
            view.set_outline(tuple(t.data["box"]))
            preview = self.preview
            if preview is not None and t.key in preview.payload["maps"]:
                m = preview.payload["maps"][t.key]
                layer = preview.payload["layers"][t.key] if preview.payload["cmap"] == self.cmap else None
                caption = f"{t.label}\nlive preview · iteration {preview.iteration} / {preview.total}"
            elif (m := self.map_of(t.key)) is not None:
                caption = f"{t.label}\nresult · {self.current_result().per_target()[t.key]['iterations']} it."
            else:
                caption = f"{t.label}\n" + ("running…" if t.key in self.running_keys else
                                             "queued" if self.selected in self.pending else "not computed")
        else:
            view.set_outline(None)
        view.show_input(inp.model_input, None if self.show_original else m, self.controls.alpha(), self.cmap)
        view.set_badge("original input (no map, no grid)" if self.show_original else caption)
        self.show_on_photo("image", m, layer)
        if self.stack.currentIndex() == 1:
            self._render_mosaic()

    def _render_side(self) -> None:
        g, r = self.grid, self.current_result()
        n = g.rows * g.cols if g is not None else 0
        done = len(self.computed())
        self.count.setText(f"{done} of {n} cells computed" if n else "")
        self.all_cells.setText("Compute all cells" if done == 0 else
                               f"Compute the other {n - done} cells" if done < n else f"Recompute all {n} cells")
        self.all_cells.setEnabled(g is not None and not self.running)
        if self.selected is None or g is None:
            self.cell_title.setText("<b>Selected cell</b>: click a cell")
            self.figures.show_figures(None)
            return
        key = self.cell_target(self.selected).key
        self.cell_title.setText(f"<b>Cell ({self.selected[0]}, {self.selected[1]})</b> of {g.rows}×{g.cols}, "
                                f"layer {g.layer}")
        cells = r.measurements.get("cells", {}) if r is not None else {}
        self.figures.show_figures(cells.get(key))
