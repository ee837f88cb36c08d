"""A task's page in the window: a set of bindings between one evented session and the widgets showing it.

Every task gets the same machinery: its photograph slot(s), the model (one loader), the
inputs prepared and analysed in workers (pages/inputs.py), runs of any method with live
previews (pages/runs.py), case files and reports of the session (pages/cases.py,
pages/reports.py), the parameters, case details and audit log in the side panel, and the
display controls. A page subclass only draws the task's own views (`build_centre`,
`render`), says what to explain (`run_targets`) and, where the task needs it, how an input
is prepared (the face page detects faces once and lets the user pick one).

The session is the only state: a view redraws from it whenever one of its events fires.
Reopening a case binds its session to the page and every view follows.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QApplication, QFileDialog, QLabel, QSizePolicy, QSplitter, QTabWidget, QWidget

from ...core.attribution import MapSettings
from ...core.errors import FameError
from ...core.photo_overlay import LayerCache
from ...session.model import Session
from ...tasks.previews import Shown, preview_maker
from ...tasks.run_summary import result_caption
from ..audit_panel import AuditPanel
from ..case_panel import CasePanel
from ..colour_bar import ColourBar
from ..display_controls import DisplayControls
from ..drops import clipboard_png, local_files
from ..jobs import start_owned
from ..layouts import box, quiet
from ..model_loader import ModelLoader
from ..params_panel import ParamsPanel
from ..run_bar import RunBar
from .cases import CaseFiles
from .inputs import PHOTO_FOLDER_KEY, InputsController
from .reports import ReportExport
from .runs import RunController

MAP_SETTINGS = ("blur_kernel", "blur_sigma", "normalisation")  # remembered per task and model input size
IMAGE_FILTER = "Images (*.jpg *.jpeg *.png *.bmp *.tif *.tiff *.webp *.mpo);;All files (*)"


class TaskPage(QWidget):
    state_changed = Signal()  # inputs, model, results or run state: the shell refreshes title and actions
    photo_layer_shown = Signal(str)  # role: a map was drawn on its photograph (made in a worker)

    def __init__(self, shell, task, registry, parent=None):
        super().__init__(parent)
        self.shell, self.task, self.registry = shell, task, registry
        self.setObjectName(f"page_{task.key}")
        self.settings_prefix = f"tasks/{task.key}"
        self.session = Session(task)  # until the panels exist: new_session() reads them
        self.loader = ModelLoader(task, shell.runner, self, preloaded=shell.preloaded_models)
        self.inputs = InputsController(self)
        self.run = RunController(self)
        self.cases = CaseFiles(self)
        self.reports = ReportExport(self)
        self.params = ParamsPanel(task, registry, shell.settings, self.hidden_options())
        self.case_panel = CasePanel(self.task_roles())
        self.audit_panel = AuditPanel()
        self.side = QTabWidget()
        self.side.addTab(self.params, "Parameters")
        self.side.addTab(self.case_panel, "Case")
        self.side.addTab(self.audit_panel, "Audit log")
        self.controls = DisplayControls(self.default_map_settings)
        self.colour_bar = ColourBar()
        self.run_bar = RunBar()
        self.show_original = False
        self.activated = False
        self._maps: dict = {}  # (id(result), key, settings) → (result, map): the result is kept alive with its id
        self._layers = LayerCache(4 * len(self.task.inputs))  # e+ / e− of a few settings per photograph
        self._wanted_layer: dict = {}  # role → the key of the layer being made for it
        self.slots = self.build_slots()
        box((self.build_centre(), 1), self.controls, self.run_bar, on=self, margin=(6, 6, 6, 2))
        self._connect()
        self._restore_display()
        self.bind(self.new_session())
        self.cases.tracker.mark_clean(self.session, dict(self.session.view))

    # what subclasses provide ------------------------------------------------------------
    def build_slots(self) -> dict:
        """role → a photograph slot (PhotoSlot), in the task's input order."""
        from ..photo_slot import PhotoSlot

        return {s.role: PhotoSlot(s.role, s.label, s.hint) for s in self.task.inputs}

    def build_centre(self) -> QWidget:
        raise NotImplementedError

    def render(self) -> None:
        """Draw the views from the session (and the running job's latest preview)."""
        raise NotImplementedError

    def run_targets(self) -> list:
        """What the Run button explains now (default: the task's default targets)."""
        return self.session.analysis.defaults() if self.session.analysis is not None else []

    def target_blocker(self) -> str:
        return ""

    def page_actions(self) -> list:
        """The page's own menu actions (the shell shows them in its Page menu; None = a separator)."""
        return []

    def needs_model_to_prepare(self) -> bool:
        """Whether preparing an input needs the model (a resized input does; a face crop does not)."""
        return True

    def hidden_options(self) -> tuple[str, ...]:
        """Task options the page sets itself (not shown in the parameters panel)."""
        return ()

    def describe_targets(self, targets) -> str:
        return targets[0].label if len(targets) == 1 else f"{len(targets)} targets"

    def short_labels(self) -> dict:
        """Short names of targets for the run summary (default: their labels)."""
        return {}

    def preparing_text(self, role: str) -> str:
        return f"The {role} input is being prepared"

    def prepare_work(self, model, role: str, image, options: dict):
        """A function run in a worker that prepares `image` for the model; its outcome goes to `use_prepared`."""
        task = self.task
        return lambda: task.prepare(model, role, image, task.resolve_options(options, model))

    def use_prepared(self, role: str, prepared) -> None:
        """The worker's outcome for `role` (GUI thread): put it in the session unless nothing changed."""
        current = self.session.inputs.get(role)
        if current is None or self.input_changed(current, prepared):
            self.session.set_input(prepared)
        self.show_prepared(role, prepared)

    def show_prepared(self, role: str, prepared) -> None:
        """The slot of `role` says how its photograph was prepared for the model."""
        self.slots[role].show_ready(prepared.image, self.input_detail(prepared))

    def show_unprepared(self, role: str) -> None:
        """The slot of `role` holds a photograph not yet prepared: say what it waits for."""
        self.slots[role].show_busy("Waiting for the model…" if self.loader.model is None else "")

    @staticmethod
    def input_changed(a, b) -> bool:
        from ...core.snapshot import InputRecord

        return InputRecord.of(a) != InputRecord.of(b)

    def input_detail(self, prepared) -> str:
        d = prepared.details
        how = f"{d['preparation']}, region {tuple(d['box'])}" if "preparation" in d else "prepared"
        return f"Model input {prepared.size}×{prepared.size} ({how})"

    def missing_inputs_text(self) -> str:
        return f"Open {' and '.join(s.label.lower() for s in self.task.inputs)}"

    def columns(self, centre: QWidget, side: QWidget) -> QWidget:
        """The task pages' layout: a headline over photograph(s) | model input and colour bar | side panel."""
        left = box(*((slot, 1) for slot in self.slots.values()))
        middle = box((centre, 1), self.colour_bar, row=True)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        left.setMinimumWidth(200)  # the photograph stays readable whatever the side panel holds (and 1024 px fit)
        for i, (w, stretch) in enumerate(((left, 4), (middle, 4), (side, 3))):
            self.splitter.addWidget(w)
            self.splitter.setStretchFactor(i, stretch)
        self.splitter.setSizes([420, 470, 290])
        self.headline = QLabel("")
        self.headline.setTextFormat(Qt.TextFormat.RichText)
        self.headline.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        return box(self.headline, (self.splitter, 1))

    def model_name(self) -> str:
        from ...tasks.result import model_name

        return self.session.model_key if self.loader.model is None else model_name(self.loader.model)

    def running_keys(self) -> tuple[str, ...]:
        return tuple(t.key for t in self.run.request.job.targets) if self.run.running else ()

    # binding ----------------------------------------------------------------------------
    def task_roles(self) -> tuple[str, ...]:
        return tuple(s.role for s in self.task.inputs)

    def bind(self, session: Session) -> None:
        """Show `session` (a new one, or a reopened case): every view follows its events from now on."""
        old = self.session
        if old is not session:
            old.events.disconnect()
            self.run.cancel(discard=True, reason="another case was opened")
        self.session = session
        ev = session.events
        ev.inputs.connect(self._session_inputs)
        ev.analysis.connect(self.refresh)
        ev.results.connect(self._results_changed)
        ev.parameters.connect(self._results_changed)
        ev.case.connect(self._case_changed)
        ev.audit.connect(self._audit_grew)
        self.params.show_session(session)
        self.case_panel.set_values(session.case)
        if old is not session:
            self.audit_panel.setRowCount(0)  # another log: not a continuation of the one shown
        self.audit_panel.show_entries(session.audit.entries)
        with quiet(self.controls):
            self.controls.set_map_settings(session.map_settings)
        self._update_shown()
        if session.view:
            self.apply_view(session.view)  # a reopened case shows what it showed
        else:
            session.set_view(**self.view_values())  # a new case starts from the user's last display
        if old is not session:
            self.inputs.forget()
            for role in self.slots:
                img = session.photos.get(role)
                self.inputs.state[role].image = img
                self.restore_slot(role)
            self.loader.request(session.model_key, session.weights, session.device)
        self.refresh()

    def new_session(self) -> Session:
        """An empty case with the user's current choices: model, method, examiner (and the page's own)."""
        key, weights, device = self.params.model_choice()
        session = Session(self.task, model_key=key, weights=weights, device=device, method=self.params.method_key())
        session.record("session started", task=self.task.key)
        if examiner := self.shell.settings.get("case/examiner", ""):
            session.set_case(examiner=examiner)
        return session

    def _case_changed(self) -> None:
        self.case_panel.set_values(self.session.case)
        self.state_changed.emit()  # the title names the case

    def _audit_grew(self, _entry) -> None:
        self.audit_panel.show_entries(self.session.audit.entries)
        self.state_changed.emit()  # the title marks unsaved changes

    def _session_inputs(self, role: str) -> None:
        self.run.preview = None  # a running job's preview belongs to the inputs it started from
        self._layers.forget(role)
        self.refresh()

    def _results_changed(self) -> None:
        self._maps.clear()
        self.refresh()

    def refresh(self) -> None:
        """The views, then the run controls (a view may choose the target, e.g. a new photograph's top-1);
        the shell hears `state_changed` (title, actions)."""
        self.render()
        why = self.run.blocker()
        title = self.method().title if self.method() is not None else "Run"
        self.run_bar.run_button.setText(f"▶  Explain with {title}")
        self.run_bar.run_button.setEnabled(not why)
        short, full = ("", "") if why else self.run.estimate()
        full = f" · {full}" if full else ""
        self.run_bar.run_button.setToolTip(why or f"Run {title} on what is chosen (F5){full}")
        if not self.run.running and not self.run_bar.pinned:  # short: the status has little room
            self.run_bar.status.setText(f"{why}." if why else f"Ready (F5){f' · {short}' if short else ''}.")
            self.run_bar.status.setToolTip(why or f"Press “Explain with {title}” (F5){full}.")
        self.state_changed.emit()

    def activate(self) -> None:
        """The page is shown: its model loads on first use only."""
        if not self.activated:
            self.activated = True
            self._model_choice_changed(initial=True)
        self.refresh_recent()

    # model, method, options -------------------------------------------------------------
    def _connect(self) -> None:
        for role, slot in self.slots.items():
            slot.files_dropped.connect(lambda paths, r=role: self.load_files(paths, r))
            slot.open_requested.connect(lambda r=role: self.open_dialog(r))
            slot.paste_requested.connect(lambda r=role: self.paste(r))
            slot.recent_chosen.connect(lambda p, r=role: self.inputs.load_path(r, p))
        self.loader.loading.connect(lambda key: self._model_status(f"Loading {key}…"))
        self.loader.ready.connect(self._model_ready)
        self.loader.failed.connect(self._model_failed)
        self.params.model_changed.connect(self._model_choice_changed)
        self.params.method_changed.connect(lambda key: self.session.set_method(key))
        self.params.options_changed.connect(self._options_changed)
        self.case_panel.edited.connect(self._case_edited)
        self.controls.display_changed.connect(self._display_changed)
        self.controls.map_settings_changed.connect(self._map_settings_changed)
        self.run_bar.run_button.clicked.connect(lambda: self.run.start())
        self.run_bar.cancel_button.clicked.connect(lambda: self.run.cancel())

    def _model_choice_changed(self, initial: bool = False) -> None:
        key, weights, device = self.params.model_choice()
        if not initial:
            self.run.cancel(discard=True, reason="the model was changed")
        self.session.set_model(key, weights, device)
        self.loader.request(key, weights, device)
        self.refresh()

    def _model_status(self, text: str) -> None:
        self.params.model_status.setText(text)
        self.shell.engine_label.setText(text)

    def _model_ready(self, model) -> None:
        from ...core.device import model_device_text

        self._model_status(f"{self.model_name()} on {model_device_text(model)}")
        self.params.set_model(model)
        if not self.session.results:  # a reopened case keeps the settings its maps were made with
            self._restore_map_settings(model)
        self.session.set_options(self.task.resolve_options(self.option_values(), model))
        self.model_ready(model)
        self.refresh()

    def model_ready(self, model) -> None:
        """Hook: the model is loaded (default: prepare every input for it)."""
        self.inputs.prepare_all()

    def _model_failed(self, error) -> None:
        self._model_status(f"Model not loaded: {error}")
        if not isinstance(error, FameError):
            self.shell.messages.error(f"Cannot load the model of {self.task.title}", error)
        self.refresh()

    def _options_changed(self, **chosen) -> None:
        """The options were changed in the panel (or `chosen` on the page): prepare and analyse again."""
        model = self.loader.model
        if model is None:
            return
        try:
            options = self.task.resolve_options({**self.option_values(), **chosen}, model)
        except FameError as e:
            self.shell.messages.warning("Invalid option", str(e))
            return
        self.run.cancel(discard=True, reason="the task options were changed")
        self.session.set_options(options)
        self.inputs.prepare_all()  # an option may change how inputs are prepared or analysed
        self.inputs.analyse()

    def option_values(self) -> dict:
        """The task options as chosen (the parameters panel's, and those the page sets itself)."""
        return self.params.option_values()

    def method(self):
        try:
            return self.registry.method(self.session.method)
        except FameError:
            return None

    def _case_edited(self, changed: dict) -> None:
        self.session.set_case(**changed)
        if "examiner" in changed:
            self.shell.settings.set("case/examiner", changed["examiner"])

    # display ----------------------------------------------------------------------------
    def default_map_settings(self) -> MapSettings:
        return self.task.default_map_settings(self.loader.model)

    def _update_shown(self) -> None:
        """What the controls show, as one immutable value: the run's worker reads it for its previews."""
        c = self.controls
        self.shown = Shown(c.map_settings(), c.colour_map(), c.alpha(), c.on_photo.isChecked())

    def colour_map(self) -> str:
        return self.shown.colour_map

    def _display_changed(self) -> None:
        self._update_shown()
        self.colour_bar.set_cmap(self.colour_map())
        self.session.set_view(**self.view_values())
        self._save_display()
        self.render()

    def _map_settings_changed(self, settings: MapSettings) -> None:
        self._update_shown()
        self._maps.clear()
        if not self.run.running:
            self.session.set_map_settings(settings)
        if self.loader.model is not None:
            k = self._maps_key(self.loader.model)
            for name in MAP_SETTINGS:
                self.shell.settings.set(f"{k}/{name}", getattr(settings, name))
        self._save_display()
        self.render()

    def _maps_key(self, model) -> str:
        from ...tasks.models import model_input_size

        return f"{self.settings_prefix}/maps{model_input_size(model)}"

    def _restore_map_settings(self, model) -> None:
        """The blur this task's user last chose at this model's input size, else the task's default."""
        d, s, k = self.task.default_map_settings(model), self.shell.settings, self._maps_key(model)
        try:
            ms = MapSettings(**{name: s.get(f"{k}/{name}", getattr(d, name)) for name in MAP_SETTINGS})
        except ValueError:
            ms = d
        self.controls.set_map_settings(ms)

    def view_values(self) -> dict:
        """The display to keep in the session (and case files): generic values and the page's own."""
        return {"colour_map": self.colour_map(), "opacity": round(self.controls.alpha(), 2),
                "on_photo": self.controls.on_photo.isChecked(), "show_original": self.show_original}

    def apply_view(self, view: dict) -> None:
        """Set the display controls from a session's view (a reopened case)."""
        from ...core.view_state import ViewState

        v, _notes = ViewState.from_dict(view)
        self.controls.set_display(v.colour_map, round(v.opacity * 100), v.on_photo)
        self.colour_bar.set_cmap(self.controls.colour_map())
        self.show_original = v.show_original
        self.colour_bar.setVisible(not v.show_original)
        self._update_shown()
        self.shell.sync_original(self)

    def _restore_display(self) -> None:
        s, c, p = self.shell.settings, self.controls, self.settings_prefix
        c.set_display(s.get(f"{p}/view/cmap", c.colour_map()), s.get(f"{p}/view/opacity", 50),
                      s.get(f"{p}/view/on_photo", True))
        self.colour_bar.set_cmap(c.colour_map())
        self._update_shown()

    def _save_display(self) -> None:
        s, c, p = self.shell.settings, self.controls, self.settings_prefix
        s.set(f"{p}/view/opacity", c.opacity.value())
        s.set(f"{p}/view/cmap", c.colour_map())
        s.set(f"{p}/view/on_photo", c.on_photo.isChecked())

    def set_show_original(self, on: bool) -> None:
        self.show_original = on
        self.colour_bar.setVisible(not on)  # no map shown: no scale for one
        self.session.set_view(show_original=on)
        self.render()

    def fit(self) -> None:
        for slot in self.slots.values():
            slot.view.fit()

    # maps -------------------------------------------------------------------------------
    def map_of(self, key: str, result=None):
        """The map of target `key` in `result` (default: the session's) with the current settings, cached."""
        r = result if result is not None else self.session.result()
        if r is None or key not in r.keys:
            return None
        settings = self.shown.map_settings
        ck = (id(r), key, settings)
        if ck not in self._maps:
            self._maps[ck] = (r, r.method.maps(r.delta(key)[None], settings)[0])
        return self._maps[ck][1]

    def map_shown(self, key: str | None, idle: str = "not computed") -> tuple:
        """(map, its layer on the photograph or None, caption) of target `key`: the running job's latest
        preview, else the result's map, else no map and `idle` (or "running…")."""
        preview = self.run.preview
        if preview is not None and key in preview.maps:
            layer = preview.layers.get(key) if preview.cmap == self.colour_map() else None
            return preview.maps[key], layer, f"live preview · iteration {preview.iteration} / {preview.total}"
        if key is not None and (m := self.map_of(key)) is not None:
            r = self.session.result()
            return m, None, result_caption(r.method.title, r.per_target()[key])
        return None, None, "running…" if key in self.running_keys() else idle

    def make_preview(self, request):
        """A function, run in the worker, turning a progress event with a raw snapshot into a Preview."""
        return preview_maker(request, lambda: self.shown)

    def show_preview(self, preview) -> None:
        self.render()

    def show_on_photo(self, role: str, key: str | None, m, layer=None) -> None:
        """Draw map `m` (of target `key`) on the photograph of `role`; None, originals or the overlay off: nothing.

        The layer (the map warped onto the photograph) comes with a live preview, from the
        cache, or from a worker; until it arrives the previous layer stays."""
        view = self.slots[role].view
        view.set_annotations_visible(not self.show_original)
        inp = self.session.inputs.get(role)
        if m is None or self.show_original or not self.controls.on_photo.isChecked() or inp is None:
            view.set_overlay(None)
            self._wanted_layer[role] = None
            return
        # by content: a result's map equal to the last preview's reuses its layer
        cache_key = LayerCache.key(role, m, self.colour_map())
        if layer is not None:
            self._layers.keep(cache_key, layer)
        if (cached := self._layers.get(cache_key)) is not None:
            view.set_overlay(cached, self.controls.alpha())
            self._wanted_layer[role] = None
            return
        if self._wanted_layer.get(role) == cache_key:
            return  # already being made; until it arrives the previous layer stays
        self._wanted_layer[role] = cache_key
        cmap = self.colour_map()

        def make(job):
            from ...core.photo_overlay import photo_heat_layer

            return photo_heat_layer(m, inp.matrix, inp.image.width, inp.image.height, cmap)

        def done(made):
            self._layers.keep(cache_key, made)
            if self._wanted_layer.get(role) == cache_key:
                self.show_on_photo(role, key, m)
                self.photo_layer_shown.emit(role)

        start_owned(self, self.shell.runner, f"photo layer {role}", make, on_success=done)

    # inputs -----------------------------------------------------------------------------
    def input_pending(self, role: str) -> None:
        """A photograph is being read into `role`: what is shown may stop applying, so hide the results."""
        self.run_bar.unpin()
        self._layers.forget(role)
        self.refresh()

    def restore_slot(self, role: str) -> None:
        """Show the slot's current state again (after a failed read, a reopened case)."""
        inp, image = self.session.inputs.get(role), self.inputs.state[role].image
        if inp is None and image is None:
            self.slots[role].show_empty()
            return
        self.slots[role].show_photo(inp.image if inp is not None else image)
        if inp is not None:
            self.show_prepared(role, inp)
        else:
            self.show_unprepared(role)

    def load_files(self, paths: list[str], role: str | None = None) -> None:
        """One file → `role` (or the first empty slot); as many files as inputs → in input order."""
        cases = [p for p in paths if str(p).lower().endswith(".famecase")]
        if cases:
            if len(paths) == 1:
                self.shell.open_case_path(cases[0])
            else:
                self.shell.messages.warning("Case file among photographs", "Drop a case file (.famecase) on "
                                            "its own to open it.")
            return
        roles = list(self.slots)
        if len(paths) == 1:
            target = role or self.first_empty()
            if target is None:
                self.shell.messages.info("Which slot?", "Every slot holds a photograph. Drop the file onto the "
                                         "one to replace.")
                return
            self.inputs.load_path(target, paths[0])
        elif len(paths) == len(roles):
            for r, p in zip(roles, paths):
                self.inputs.load_path(r, p)
        else:
            self.shell.messages.warning("Too many files", f"{len(paths)} files were dropped; {self.task.title} "
                                        f"takes {len(roles)} photograph(s) ({', '.join(roles)}, in that order).")

    def first_empty(self) -> str | None:
        return next((r for r, st in self.inputs.state.items() if st.image is None), None)

    def open_dialog(self, role: str | None = None) -> None:
        role = role or self.first_empty() or next(iter(self.slots))
        start = self.shell.settings.get(PHOTO_FOLDER_KEY, str(Path.home()))
        path, _ = QFileDialog.getOpenFileName(self, f"Open the {role} photograph", start, IMAGE_FILTER)
        if path:
            self.inputs.load_path(role, path)

    def paste(self, role: str | None = None) -> None:
        from datetime import datetime

        mime = QApplication.clipboard().mimeData()
        role = role or self.first_empty()
        if role is None:
            self.shell.messages.info("Which slot?", "Every slot holds a photograph: paste onto one with its "
                                     "Open… menu.")
            return
        paths = local_files(mime)
        if paths:
            self.inputs.load_path(role, paths[0])
            return
        data = clipboard_png(mime)
        if data is None:
            self.shell.messages.info("Nothing to paste", "The clipboard holds no image and no image file.")
            return
        self.inputs.load_bytes(role, data, f"clipboard image pasted {datetime.now():%Y-%m-%d %H:%M:%S}.png")

    def refresh_recent(self) -> None:
        items = self.shell.settings.recent_files()
        for slot in self.slots.values():
            slot.set_recent(items)

    def escape(self) -> bool:
        """Esc: leave what the page is doing (e.g. placing landmarks); False when it was doing nothing."""
        return False

    def title_detail(self) -> str:
        names = [st.image.name if st.image is not None else "—" for st in self.inputs.state.values()]
        return " vs ".join(names) if any(st.image is not None for st in self.inputs.state.values()) else "no image"

    def closing(self) -> None:
        self.run.cancel(discard=True, reason="the window was closed")
        self.flush_edits()

    def flush_edits(self) -> None:
        """Commit what the user typed a moment ago (case details, notes) before the session is saved,
        reported or left: the forms record a pause in typing only after a second."""
        self.case_panel.flush()

