"""A task mode's page: input slot(s), the model input with its maps, a side panel, display controls, run bar.

The flow mirrors the face mode: a photograph is read in a worker; once the task's model
is loaded the photograph is prepared and analysed in a worker (top-5, cell grid, …);
FAME runs in a worker (`task_run.RunMixin`). Results are kept per set of task options
(e.g. per layer) for the current photographs and model, so switching back shows them
again; a new photograph or model clears them. Subclasses draw the centre and side
(`build_centre`, `build_side`, `render`) and say what to explain (`run_targets`).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QApplication, QFileDialog, QHBoxLayout, QLabel, QSizePolicy, QSplitter, QVBoxLayout, QWidget,
)

from ...core.attribution import MapSettings
from ...core.errors import FameError
from ..colour_bar import ColourBar
from ..display_controls import DisplayControls
from ..drops import clipboard_png, local_files
from ..run_bar import RunBar
from .alive import start
from .model_loader import ModelLoader
from .task_params import TaskParamsPanel
from .task_run import RunMixin
from .task_slot import TaskImageSlot
from .task_worker import prepare_job

IMAGE_FILTER = "Images (*.jpg *.jpeg *.png *.bmp *.tif *.tiff *.webp *.mpo);;All files (*)"


class TaskPage(RunMixin, QWidget):
    state_changed = Signal()  # input, model, result or run state: the host refreshes title and actions
    prepared_changed = Signal()  # a new analysis is shown
    preview_shown = Signal(int)  # iteration
    run_finished = Signal(object)  # the accumulated TaskResult now shown
    run_cancelled = Signal()
    run_failed = Signal(object)
    photo_layer_shown = Signal(str)  # role: a map was drawn on its photograph (made in a worker)

    hidden_options: tuple[str, ...] = ()  # options the page shows itself (not in the parameters panel)

    def __init__(self, window, entry, parent=None):
        super().__init__(parent)
        self.w, self.entry, self.task = window, entry, entry.task
        self.setObjectName(f"page_{self.task.key}")
        self.loader = ModelLoader(self.task, window.runner, self)
        self.params = TaskParamsPanel(self.task, entry.models, window.settings, self.hidden_options,
                                      self.option_visible)
        self.slots = {s.role: TaskImageSlot(s.role, s.label, s.hint) for s in self.task.inputs}
        self.images = {r: None for r in self.slots}
        self._read_gen = {r: 0 for r in self.slots}
        self.prepared = None
        self.prepare_error = ""
        self._prep_gen = 0
        self.results: dict[tuple, object] = {}  # options key → accumulated TaskResult
        self.activated = False
        self.show_original = False
        self._maps: dict = {}
        self._layers: dict = {}  # role → ((id(map), colour map), PhotoLayer, map)
        self._wanted_layer: dict = {}  # role → key of the layer a worker is making
        self.map_settings = MapSettings()  # these three are read by workers for live previews
        self.cmap = "jet"
        self.opacity = 0.5
        self.controls = DisplayControls()
        self.colour_bar = ColourBar()
        self.run_bar = RunBar()
        self.headline = QLabel("")
        self.headline.setTextFormat(Qt.TextFormat.RichText)
        self.headline.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.init_run()
        self._build()
        self._connect()
        self._restore_display()
        self.state_changed.connect(self.update_run_controls)

    # layout -----------------------------------------------------------------------------
    def build_centre(self) -> QWidget:
        raise NotImplementedError

    def build_side(self) -> QWidget:
        raise NotImplementedError

    def _build(self) -> None:
        left = QWidget()
        col = QVBoxLayout(left)
        col.setContentsMargins(0, 0, 0, 0)
        for slot in self.slots.values():
            col.addWidget(slot, 1)
        centre = QWidget()
        row = QHBoxLayout(centre)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.build_centre(), 1)
        row.addWidget(self.colour_bar)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        left.setMinimumWidth(260)  # the photograph stays readable whatever the side panel holds
        for i, (w, stretch) in enumerate(((left, 4), (centre, 4), (self.build_side(), 3))):
            self.splitter.addWidget(w)
            self.splitter.setStretchFactor(i, stretch)
        self.splitter.setSizes([420, 470, 290])  # relative: photograph, model input, side panel
        lay = QVBoxLayout(self)
        lay.setContentsMargins(6, 6, 6, 2)
        lay.addWidget(self.headline)
        lay.addWidget(self.splitter, 1)
        lay.addWidget(self.controls)
        lay.addWidget(self.run_bar)

    def _connect(self) -> None:
        for role, slot in self.slots.items():
            slot.files_dropped.connect(lambda paths, r=role: self.load_files(paths, r))
            slot.open_requested.connect(lambda r=role: self.open_dialog(r))
            slot.paste_requested.connect(lambda r=role: self.paste(r))
            slot.recent_chosen.connect(lambda p, r=role: self.load_path(r, p))
        self.loader.loading.connect(lambda key: self._model_status(f"Loading {key}…"))
        self.loader.ready.connect(self._model_ready)
        self.loader.failed.connect(self._model_failed)
        self.params.model_changed.connect(self._model_choice_changed)
        self.params.options_changed.connect(self.options_changed)
        c = self.controls
        c.display_changed.connect(self._display_changed)
        c.map_settings_changed.connect(self._map_settings_changed)
        c.reset.clicked.disconnect()
        c.reset.clicked.connect(self._reset_map_settings)
        c.reset.setToolTip("The paper's blur (kernel 49, σ 7.7 at 112 px) scaled to this model's input")
        c.sigma.setToolTip("Gaussian blur σ in model-input pixels (paper: 7.7 at 112 px, 15.4 at 224 px); 0 = no blur")
        c.on_photo.setText("Overlay on the photograph")
        self.run_bar.run_button.clicked.connect(lambda: self.run())
        self.run_bar.cancel_button.clicked.connect(lambda: self.cancel())

    # activation, model ------------------------------------------------------------------
    def activate(self) -> None:
        """Called when the mode is shown: the model loads on first use only."""
        self.refresh_recent()
        if not self.activated:
            self.activated = True
            self._model_choice_changed(initial=True)

    @property
    def model(self):
        return self.loader.model

    def _model_choice_changed(self, initial: bool = False) -> None:
        if not initial:
            self.cancel(discard=True, reason="the model was changed")
        self.reset_selection()
        self.results.clear()
        self.prepared = None
        self._prep_gen += 1
        self.loader.request(*self.params.model_choice())
        self.render()
        self.state_changed.emit()

    def _model_status(self, text: str) -> None:
        self.params.set_model_status(text)
        self.run_bar.status.setText(text)

    def _model_ready(self, model) -> None:
        self.params.set_model(model)
        self._model_status(f"{self.model_name()} on {self.device_text()}")
        self._restore_map_settings(model)
        self.on_model(model)
        self.prepare()

    def _model_failed(self, error) -> None:
        self._model_status(f"Model not loaded: {error}")
        if not isinstance(error, FameError):
            self.w.messages.error(f"Cannot load the model of {self.task.title}", error)
        self.state_changed.emit()

    def model_name(self) -> str:
        from ...tasks.result import describe_model

        d = describe_model(self.model) if self.model is not None else {}
        return str(d.get("name") or d.get("key") or d.get("class", ""))

    def device_text(self) -> str:
        """The model's device, described (third-party models may only have parameters)."""
        from ...core.device import describe_device

        m = self.model
        if m is None:
            return ""
        dev = getattr(m, "device", None) or next((p.device for p in m.parameters()), "cpu")
        return describe_device(dev) if not isinstance(dev, str) else dev

    def on_model(self, model) -> None:
        """Hook: a model was loaded (e.g. list its layers)."""

    def reset_selection(self) -> None:
        """Hook: the photograph or the model changed, earlier choices (class, cell) no longer apply."""

    def option_visible(self, key: str, model) -> bool:
        return True

    def extra_options(self) -> dict:
        """Options the page sets itself (see hidden_options)."""
        return {}

    def options_changed(self) -> None:
        self.cancel(discard=True, reason="the task options were changed")
        self.prepare()

    # photographs ------------------------------------------------------------------------
    def load_path(self, role: str, path: str) -> None:
        from ...core.images import load_image

        self._read(role, Path(path).name, lambda job: load_image(path), recent=str(path))

    def load_bytes(self, role: str, data: bytes, source: str) -> None:
        from ...core.images import load_image_bytes

        self._read(role, source, lambda job: load_image_bytes(data, source))

    def _read(self, role: str, name: str, fn, recent: str | None = None) -> None:
        self._read_gen[role] += 1
        gen = self._read_gen[role]
        self.slots[role].show_busy(f"Reading {name}…")
        start(self, self.w.runner, f"read {role}", fn,
              on_success=lambda image: self._image_read(role, gen, image, recent),
              on_failure=lambda e, job: self._read_failed(role, gen, e, job))

    def _image_read(self, role: str, gen: int, image, recent: str | None) -> None:
        if gen != self._read_gen[role]:
            return
        self.cancel(discard=True, reason=f"a new {self.slots[role].label.lower()} was loaded")
        self.images[role] = image
        self.reset_selection()
        self.results.clear()
        self.slots[role].show_photo(image)
        self.slots[role].show_busy("Waiting for the model…" if self.model is None else "Preparing…")
        if recent:
            self.w.add_recent(recent)
            self.refresh_recent()
        self.prepare()

    def _read_failed(self, role: str, gen: int, error, job) -> None:
        if gen != self._read_gen[role]:
            return
        self.w.messages.error(f"Cannot open the {self.slots[role].label.lower()}", error, job.traceback)
        self._show_slot(role)

    def _show_slot(self, role: str) -> None:
        image, slot = self.images[role], self.slots[role]
        if image is None:
            slot.show_empty()
        elif self.prepared is not None and role in self.prepared.inputs:
            slot.show_ready(image, self.input_detail(self.prepared.inputs[role]))

    def input_detail(self, prepared_input) -> str:
        d = prepared_input.details
        how = f"{d['preparation']}, region {tuple(d['box'])}" if "preparation" in d else "prepared"
        return f"Model input {prepared_input.size}×{prepared_input.size} ({how})"

    def load_files(self, paths: list[str], role: str | None = None) -> None:
        roles = list(self.slots)
        if len(paths) == 1:
            self.load_path(role or self.first_empty() or roles[0], paths[0])
        elif len(paths) == len(roles):
            for r, p in zip(roles, paths):
                self.load_path(r, p)
        else:
            self.w.messages.warning("Too many files", f"{len(paths)} files were dropped; {self.task.title} "
                                    f"takes {len(roles)} image(s).")

    def first_empty(self) -> str | None:
        return next((r for r, img in self.images.items() if img is None), None)

    def open_dialog(self, role: str | None = None) -> None:
        role = role or self.first_empty() or next(iter(self.slots))
        start = self.w.settings.get("recent/folder", str(Path.home()))
        path, _ = QFileDialog.getOpenFileName(self, f"Open the {self.slots[role].label.lower()}", start, IMAGE_FILTER)
        if path:
            self.w.settings.set("recent/folder", str(Path(path).parent))
            self.load_path(role, path)

    def paste(self, role: str | None = None) -> None:
        from datetime import datetime

        role = role or self.first_empty() or next(iter(self.slots))
        mime = QApplication.clipboard().mimeData()
        paths = local_files(mime)
        if paths:
            self.load_path(role, paths[0])
            return
        data = clipboard_png(mime)
        if data is None:
            self.w.messages.info("Nothing to paste", "The clipboard holds no image and no image file.")
            return
        self.load_bytes(role, data, f"clipboard image pasted {datetime.now():%Y-%m-%d %H:%M:%S}.png")

    def refresh_recent(self) -> None:
        items = self.w.settings.recent_files()
        for slot in self.slots.values():
            slot.set_recent(items)

    # prepare + analyse ------------------------------------------------------------------
    def prepare(self) -> None:
        self._prep_gen += 1
        gen = self._prep_gen
        self.prepared, self.prepare_error = None, ""
        self.run_bar.unpin()
        model = self.model
        ready = model is not None and all(img is not None for img in self.images.values())
        if ready:
            for role in self.slots:
                self.slots[role].show_busy("Preparing for the model…")
            fn = prepare_job(self.task, model, self.loader.lock, dict(self.images),
                             {**self.params.option_values(), **self.extra_options()}, gen)
            start(self, self.w.runner, f"prepare {self.task.key}", fn, on_success=self._prepared,
                  on_failure=lambda e, job: self._prepare_failed(gen, e, job))
        self.render()
        self.state_changed.emit()

    def _prepared(self, p) -> None:
        if p.generation != self._prep_gen:
            return
        self.prepared = p
        self._maps.clear()
        for role in self.slots:
            self._show_slot(role)
        self.on_analysis(p)
        self.render()
        self.prepared_changed.emit()
        self.state_changed.emit()

    def _prepare_failed(self, gen: int, error, job) -> None:
        if gen != self._prep_gen:
            return
        role = getattr(error, "role", None)
        self.prepare_error = (f"Cannot use this input: {error}" if isinstance(error, FameError)
                              else "The input could not be prepared")
        if isinstance(error, FameError):
            if role in self.slots:
                self.slots[role].show_error(str(error))
            self.run_bar.status.setText(str(error))
        else:
            self.w.messages.error(f"Cannot prepare the input for {self.task.title}", error, job.traceback)
        self.state_changed.emit()

    def on_analysis(self, prepared) -> None:
        """Hook: a new analysis (e.g. fill the top-5 table)."""

    # results and maps -------------------------------------------------------------------
    def current_result(self):
        return self.results.get(self.prepared.options_key) if self.prepared is not None else None

    def map_of(self, key: str):
        """The result's map of target `key` with the current settings (cached), or None."""
        r = self.current_result()
        if r is None or key not in r.keys:
            return None
        ck = (id(r), key)
        if ck not in self._maps:
            from ...core.attribution import delta_to_maps

            self._maps[ck] = (r, delta_to_maps(r.delta(key), self.map_settings))  # r kept alive with its id
        return self._maps[ck][1]

    def show_on_photo(self, role: str, m, layer=None) -> None:
        """Draw `m` on the photograph of `role` (None, originals or the overlay switched off: nothing).

        The layer (the map warped onto the photograph) comes with a live preview, from the
        cache, or from a worker; until it arrives the previous layer stays.
        """
        view = self.slots[role].view
        view.set_annotations_visible(not self.show_original)
        if m is None or self.show_original or not self.controls.on_photo.isChecked() or self.prepared is None:
            view.set_overlay(None)
            self._wanted_layer[role] = None
            return
        key = (id(m), self.cmap)
        if layer is not None:
            self._layers[role] = (key, layer, m)
        cached = self._layers.get(role)
        if cached is not None and cached[0] == key:
            view.set_overlay(cached[1], self.controls.alpha())
            return
        if self._wanted_layer.get(role) == key:
            return  # already being made
        self._wanted_layer[role] = key
        inp, cmap = self.prepared.inputs[role], self.cmap

        def make(job):
            from ...core.photo_overlay import photo_heat_layer

            return photo_heat_layer(m, inp.matrix, inp.image.width, inp.image.height, cmap)

        def done(made):
            if self._wanted_layer.get(role) == key:
                self._layers[role] = (key, made, m)  # m kept alive: its id is in the key
                self._wanted_layer[role] = None
                self.show_on_photo(role, m)
                self.photo_layer_shown.emit(role)

        start(self, self.w.runner, "photo layer", make, on_success=done,
              on_failure=lambda e, job: self.w.messages.error("Cannot draw the map on the photograph", e,
                                                              job.traceback))

    def render(self) -> None:
        raise NotImplementedError

    def set_show_original(self, on: bool) -> None:
        self.show_original = on
        self.render()

    def fit(self) -> None:
        for slot in self.slots.values():
            slot.view.fit()

    def title_detail(self) -> str:
        names = [img.name if img is not None else "—" for img in self.images.values()]
        return " vs ".join(names) if any(img is not None for img in self.images.values()) else "no image"

    # display settings -------------------------------------------------------------------
    def _key(self, name: str) -> str:
        return f"tasks/{self.task.key}/{name}"

    def _restore_display(self) -> None:
        s, c = self.w.settings, self.controls
        for widget in (c.opacity, c.cmap, c.on_photo):
            widget.blockSignals(True)
        c.opacity.setValue(s.get(self._key("view/opacity"), 50))
        c.opacity_label.setText(f"{c.opacity.value()} %")
        cmap = s.get(self._key("view/cmap"), "jet")
        if c.cmap.findText(cmap) >= 0:
            c.cmap.setCurrentText(cmap)
        c.on_photo.setChecked(s.get(self._key("view/on_photo"), True))
        for widget in (c.opacity, c.cmap, c.on_photo):
            widget.blockSignals(False)
        self.cmap, self.opacity = c.colour_map(), c.alpha()
        self.colour_bar.set_cmap(self.cmap)

    def _maps_key(self, model) -> str:
        from ...tasks.models import model_input_size

        return self._key(f"maps{model_input_size(model)}")

    def _restore_map_settings(self, model) -> None:
        d, s, k = self.task.default_map_settings(model), self.w.settings, self._maps_key(model)
        try:
            ms = MapSettings(blur_kernel=s.get(f"{k}/blur_kernel", d.blur_kernel),
                             blur_sigma=s.get(f"{k}/blur_sigma", d.blur_sigma),
                             normalisation=s.get(f"{k}/normalisation", d.normalisation))
        except ValueError:
            ms = d
        self.controls.set_map_settings(ms)

    def _reset_map_settings(self) -> None:
        if self.model is not None:
            self.controls.set_map_settings(self.task.default_map_settings(self.model))

    def _display_changed(self) -> None:
        c, s = self.controls, self.w.settings
        self.cmap, self.opacity = c.colour_map(), c.alpha()
        self.colour_bar.set_cmap(self.cmap)
        s.set(self._key("view/opacity"), c.opacity.value())
        s.set(self._key("view/cmap"), self.cmap)
        s.set(self._key("view/on_photo"), c.on_photo.isChecked())
        self.render()

    def _map_settings_changed(self, settings: MapSettings) -> None:
        self.map_settings = settings  # read by the worker for the next preview (an immutable value)
        self._maps.clear()
        if self.model is not None:
            k = self._maps_key(self.model)
            for name in ("blur_kernel", "blur_sigma", "normalisation"):
                self.w.settings.set(f"{k}/{name}", getattr(settings, name))
        self.render()
