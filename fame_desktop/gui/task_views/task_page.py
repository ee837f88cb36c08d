"""A task mode's page: input slot(s), the model input with its maps, a side panel, display controls, run bar.

The flow mirrors the face mode: a photograph is read in a worker; once the task's model
is loaded the photograph is prepared and analysed in a worker (top-5, cell grid, …);
FAME runs in a worker (`task_run.RunMixin`). Results are kept per set of task options
(e.g. per layer) for the current photographs and model, so switching back shows them
again; a new photograph or model clears them. Subclasses draw the centre and side
(`build_centre`, `build_side`, `render`) and say what to explain (`run_targets`).
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSizePolicy, QSplitter, QVBoxLayout, QWidget

from ...core.attribution import MapSettings
from ...core.errors import FameError
from ..colour_bar import ColourBar
from ..display_controls import DisplayControls
from ..run_bar import RunBar
from .alive import start
from .model_loader import ModelLoader
from .page_display import DisplayMixin
from .page_inputs import InputsMixin
from .task_params import TaskParamsPanel
from .task_run import RunMixin
from .task_slot import TaskImageSlot
from .task_worker import prepare_job


class TaskPage(InputsMixin, DisplayMixin, RunMixin, QWidget):
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

    # results ---------------------------------------------------------------------------
    def current_result(self):
        return self.results.get(self.prepared.options_key) if self.prepared is not None else None

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
