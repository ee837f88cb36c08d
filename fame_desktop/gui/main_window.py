"""The main window: two input slots, the comparison and its maps, run bar, side panels, menus."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QApplication, QDockWidget, QFileDialog, QHBoxLayout, QLabel, QMainWindow, QSplitter, QTabWidget,
    QVBoxLayout, QWidget,
)

from ..core.photo_overlay import photo_heat_layer
from .actions import build_menus
from .audit_panel import AuditPanel
from .busy_indicator import BusyIndicator
from .case_actions import CaseActions
from .case_panel import CasePanel
from .drops import clipboard_png, local_files
from .engine import Engine
from .input_slot import InputSlot
from .inputs import ROLES, InputController
from .jobs import JobRunner
from .messages import MessageCenter
from .modes import ModeHost
from .params_panel import ParamsPanel
from .report_actions import ReportActions
from .review_panel import ReviewPanel
from .run_bar import RunBar
from .run_controller import STOP_CAPTIONS, RunController
from .score_panel import ScorePanel
from .session_model import SessionModel
from .settings import AppSettings
from .theme import apply_theme
from .window_state import WindowState

IMAGE_FILTER = "Images (*.jpg *.jpeg *.png *.bmp *.tif *.tiff *.webp *.mpo);;All files (*)"


def _made_by(model_info: dict | None, model) -> bool:
    """True when `model_info` (FaceModel.describe() stored with a result) names this very model and weights."""
    if not model_info or model_info.get("key") != model.spec.key:
        return False
    return (model_info.get("provenance") or {}).get("sha256") == (model.provenance or {}).get("sha256")


class MainWindow(QMainWindow):
    def __init__(self, settings: AppSettings, log_file: Path | None = None, detector=None,
                 preloaded_models: dict | None = None):
        super().__init__()
        apply_theme(QApplication.instance())
        self.settings = settings
        self.setAcceptDrops(True)
        self.resize(1440, 920)
        self.messages = MessageCenter(self, log_file)
        self.runner = JobRunner(self)
        self.engine = Engine(self.runner, detector, preloaded_models, self)
        self.model = SessionModel(self)
        self._layers: dict = {}  # role → (key, PhotoLayer, map) of the map drawn on the photograph
        self._given_layers = None  # (colour map, {map key: PhotoLayer}) sent with a live preview

        self.slots = {r: InputSlot(r) for r in ROLES}
        self.score = ScorePanel()
        self.review = ReviewPanel()
        self.run_bar = RunBar()
        self.params = ParamsPanel(settings)
        self.case = CasePanel()
        self.case.setEnabled(False)
        self.audit = AuditPanel()
        self.inputs = InputController(self)
        self.run = RunController(self)
        self.state = WindowState(self)
        self._build_layout()
        build_menus(self)
        self._connect()
        # case files and reports (File menu, Export button): gui/case_actions.py, gui/report_actions.py
        self.busy = BusyIndicator(self)
        self.cases = CaseActions(self)
        self.reports = ReportActions(self)
        # task modes beside face verification (gui/modes); last, so that it finds every face action to hide
        self.modes = ModeHost(self)
        self.state.restore()
        self.similarity_generation = 0
        self.autorun = False
        self.update_title()
        self.update_actions()
        self.statusBar().showMessage("Starting the compute engine (torch, face detector)…")

    # layout -----------------------------------------------------------------------------
    def _build_layout(self) -> None:
        top = QWidget()
        row = QHBoxLayout(top)
        row.setContentsMargins(0, 0, 0, 0)
        for r in ROLES:
            row.addWidget(self.slots[r], 1)
        bottom = QWidget()
        col = QVBoxLayout(bottom)
        col.setContentsMargins(0, 0, 0, 0)
        col.addWidget(self.score)
        col.addWidget(self.review, 1)
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.addWidget(top)
        self.splitter.addWidget(bottom)
        self.splitter.setStretchFactor(0, 1)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([400, 440])
        central = QWidget()
        lay = QVBoxLayout(central)
        lay.setContentsMargins(6, 6, 6, 2)
        lay.addWidget(self.splitter, 1)
        lay.addWidget(self.run_bar)
        self.setCentralWidget(central)

        self.tabs = QTabWidget()
        self.tabs.addTab(self.params, "Parameters")
        self.tabs.addTab(self.case, "Case")
        self.tabs.addTab(self.audit, "Audit log")
        self.dock = QDockWidget("Panels", self)
        self.dock.setObjectName("panels")
        self.dock.setWidget(self.tabs)
        self.dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable
                              | QDockWidget.DockWidgetFeature.DockWidgetClosable)
        self.dock.setMinimumWidth(340)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.dock)
        self.resizeDocks([self.dock], [440], Qt.Orientation.Horizontal)  # room for the parameters form
        self.engine_label = QLabel("")
        self.statusBar().addPermanentWidget(self.engine_label)

    def _connect(self) -> None:
        self.engine.ready.connect(self._engine_ready)
        self.engine.failed.connect(self._engine_failed)
        self.engine.model_loading.connect(lambda key: self._model_status(f"Loading {key}…"))
        self.engine.model_ready.connect(self._model_ready)
        self.engine.model_failed.connect(self._model_failed)
        self.model.changed.connect(self._session_changed)
        for role, slot in self.slots.items():
            slot.files_dropped.connect(lambda paths, r=role: self.inputs.load_files(paths, r))
            slot.open_requested.connect(lambda r=role: self.open_dialog(r))
            slot.paste_requested.connect(lambda r=role: self.paste(r))
            slot.recent_chosen.connect(lambda p, r=role: self.inputs.load_path(r, p))
            slot.face_chosen.connect(lambda i, r=role: self.inputs.choose_face(r, i))
            slot.landmarks_placed.connect(lambda pts, r=role: self.inputs.place_landmarks(r, pts))
        self.inputs.input_changed.connect(self._input_changed)
        self.inputs.input_pending.connect(self._input_pending)
        self.run_bar.run_button.clicked.connect(self.run.start)
        self.run_bar.cancel_button.clicked.connect(lambda: self.run.cancel())
        self.review.controls.display_changed.connect(self._display_changed)
        self.review.controls.map_settings_changed.connect(self._map_settings_changed)
        for t in self.review.toggles.values():
            t.changed.connect(self.update_overlays)
        self.score.threshold_requested.connect(self.edit_threshold)
        self.case.edited.connect(self._case_edited)
        self.params.model_changed.connect(self._model_choice_changed)
        self._map_audit_timer = QTimer(self, singleShot=True, interval=1000)
        self._map_audit_timer.timeout.connect(self._record_map_settings)

    # start-up ---------------------------------------------------------------------------
    def start(self, gallery: str | None = None, probe: str | None = None, run: bool = False,
              case: str | None = None) -> None:
        """Bring up the engine in the background and load the photographs (or case file) given on the command line."""
        self.autorun = run
        self.engine.start()
        for role, path in (("gallery", gallery), ("probe", probe)):
            if path:
                self.inputs.load_path(role, path)
        if case:
            self.cases.open_path(case)  # opens once the engine is ready

    def _engine_ready(self) -> None:
        self.model.start()
        self.params.build()
        self.state.apply_session_settings()
        self.case.setEnabled(True)
        self._model_choice_changed(initial=True)
        self.inputs.detect_pending()
        self.statusBar().showMessage(f"Ready (engine started in {self.engine.ready_after:.1f} s)", 8000)
        self.update_actions()

    def _engine_failed(self, error) -> None:
        self.messages.error("The compute engine could not start", error)
        text = f"The compute engine could not start: {error}"
        self.statusBar().showMessage(text)
        self.params._waiting.setText(text)
        for role, st in self.inputs.state.items():
            if st.image is not None:
                self.slots[role].show_busy("Faces cannot be detected: the compute engine did not start.")

    def _model_choice_changed(self, initial: bool = False) -> None:
        key, ckpt, device = self.params.model_choice()
        if not initial:
            self.run.cancel(discard=True, reason="the face model was changed")
        self.model.do("set_model", key, ckpt, device)
        self.run_bar.unpin()
        self.score.set_score(None, note="")
        self.show_result()
        if self.params.model_spec().needs_checkpoint and not ckpt:
            self.engine.request_model(key, None, device)  # shows the reason: a checkpoint is needed
        else:
            self.engine.request_model(key, ckpt, device)

    def _model_status(self, text: str) -> None:
        self.params.set_model_status(text)
        self.engine_label.setText(text)

    def _model_ready(self, model) -> None:
        from ..core.device import describe_device

        self._model_status(f"{model.spec.display_name} on {describe_device(model.device)}")
        self.update_similarity()
        self.update_actions()

    def _model_failed(self, error) -> None:
        self._model_status(f"Model not loaded: {error}")
        self.score.set_score(None, note="no face model loaded")
        self.messages.error("Cannot load the face model", error)
        self.update_actions()

    # session changes --------------------------------------------------------------------
    def _session_changed(self) -> None:
        if self.model.ready:
            self.audit.show_entries(self.model.session.audit.entries)
        self.update_title()

    def _input_changed(self, role: str) -> None:
        self.run_bar.unpin()
        s = self.model.session
        if s is not None:
            self.review.set_crops(s.gallery.crop if s.gallery else None, s.probe.crop if s.probe else None)
        self.show_result()
        self.update_similarity()
        self.update_actions()

    def _input_pending(self, role: str) -> None:
        """A photograph is being read into `role`: the pair shown may be about to change, so hide it.

        A read that fails shows it again (`_input_changed`)."""
        self.run_bar.unpin()
        self.similarity_generation += 1  # a similarity still being computed is for the old pair
        self.score.set_score(None, note=f"The {role} photograph is being read…")
        s = self.model.session
        crops = {r: (s.inputs[r].crop if s is not None and r in s.inputs and r != role else None) for r in ROLES}
        self.review.set_crops(crops["gallery"], crops["probe"])
        self.show_maps(None)
        self.update_actions()

    def update_similarity(self) -> None:
        self.similarity_generation += 1
        gen, s, model = self.similarity_generation, self.model.session, self.engine.model
        busy = self.inputs.busy()
        if s is None or not s.ready or model is None or busy:
            self.score.set_score(None, note=f"{busy}…" if busy else "")
            return
        name = model.spec.display_name
        if s.explanation is not None and _made_by(s.model_info, model):
            # the stored result holds this pair's similarity with this model (a new pair or model drops it)
            self._show_similarity(s.explanation.similarity, name)
            return
        from ..core.verification import pair_similarity

        g, p = s.gallery.crop, s.probe.crop
        self.score.set_score(None, note="Computing the similarity…")  # never the old pair's score beside a new face

        def similarity(job):
            with self.engine.model_lock:
                return pair_similarity(model, g, p)

        self.runner.start("similarity", similarity,
                          on_success=lambda v: gen == self.similarity_generation and self._show_similarity(v, name),
                          on_failure=lambda e, job: self.messages.error("Cannot compute the similarity", e, job.traceback))

    def _show_similarity(self, value: float, model_name: str) -> None:
        self.score.set_score(value, model_name)
        self.update_actions()
        if self.autorun and not self.run.running and not self.run.blocker():
            self.autorun = False
            self.run.start()

    # maps -------------------------------------------------------------------------------
    def show_maps(self, maps: dict | None, caption: str = "", captions: dict | None = None,
                  layers: tuple[str, dict] | None = None) -> None:
        """Show maps; `layers` (colour map, {key: PhotoLayer}) are their photograph layers if made already."""
        self._given_layers = layers
        self.review.set_maps(maps, caption, captions)
        self.update_overlays()

    def show_result(self, prepared: tuple | None = None) -> None:
        """Show the session's complete result (or none) with the current map settings.

        `prepared`: (map settings, maps, layers) made ahead in a worker (session_restore.prepare_result_display),
        used when made with the current map settings."""
        s = self.model.session
        e = s.explanation if s is not None else None
        if e is None:
            self.show_maps(None)
            return
        captions = {k: f"result · {v['iterations']} it. {STOP_CAPTIONS.get(v['stop_reason'], '')}".strip()
                    for k, v in e.per_map().items()}
        settings = self.review.controls.map_settings()
        if prepared is not None and prepared[0] == settings:
            self.show_maps(prepared[1], "result", captions, prepared[2])
        else:
            self.show_maps(e.maps(settings), "result", captions)

    def update_overlays(self) -> None:
        """The shown maps on the photographs (a layer per photo, recomputed only when it changes)."""
        s = self.model.session
        c = self.review.controls
        for role, slot in self.slots.items():
            slot.view.set_annotations_visible(not self.review.show_original)
            fi = s.inputs.get(role) if s is not None else None
            st = self.inputs.state[role]
            m = self.review.map_for(role)
            if (fi is None or m is None or not c.on_photo.isChecked() or st.image is None
                    or st.image.sha256 != fi.image.sha256):
                slot.view.set_overlay(None)
                self._layers.pop(role, None)
                continue
            key = (id(m), c.colour_map(), id(fi))
            cached = self._layers.get(role)
            if cached is None or cached[0] != key:
                given = self._given_layers
                kind_key = f"{role}_{self.review.kind_for(role)}"
                if given is not None and given[0] == c.colour_map() and self.review.maps.get(kind_key) is m:
                    layer = given[1][kind_key]  # made by the FAME worker with the preview
                else:
                    layer = photo_heat_layer(m, fi.aligned.matrix, fi.image.width, fi.image.height, c.colour_map())
                self._layers[role] = cached = (key, layer, m)  # keep m alive: its id is in the key
            slot.view.set_overlay(cached[1], c.alpha())

    def _display_changed(self) -> None:
        self.update_overlays()
        self.state.save_display()

    def _map_settings_changed(self, settings) -> None:
        if not self.run.running:
            self.show_result()
        self.state.save_display()
        self._map_audit_timer.start()

    def _record_map_settings(self) -> None:
        if self.model.ready:
            self.model.do("set_parameters", None, self.review.controls.map_settings())

    def set_show_original(self, on: bool) -> None:
        self.review.set_show_original(on)
        self.update_overlays()

    # threshold, case --------------------------------------------------------------------
    def edit_threshold(self) -> None:
        from .dialogs import ThresholdDialog

        if not self.model.ready:
            return
        dlg = ThresholdDialog(self.model.session.threshold, self)
        dlg.finished.connect(lambda result: result and self.apply_threshold(dlg.result_threshold))
        dlg.open()
        self.threshold_dialog = dlg

    def apply_threshold(self, value_source: tuple[float, str] | None) -> None:
        from ..core.session import Threshold

        t = Threshold(*value_source) if value_source else None
        self.model.do("set_threshold", t)
        self.score.set_threshold(t)
        self.state.save_threshold(t)

    def _case_edited(self, changed: dict) -> None:
        if self.model.ready:
            self.model.do("set_case", **changed)
        if "examiner" in changed:
            self.settings.set("case/examiner", changed["examiner"])

    def update_title(self) -> None:
        if getattr(self, "modes", None) is not None and not self.modes.face_active:  # a task mode titles itself
            self.setWindowTitle(self.modes.title())
            return
        if hasattr(self, "cases"):  # case ID, case file name with * when modified, photographs
            self.setWindowTitle(self.cases.window_title())

    def update_actions(self) -> None:
        why = self.run.blocker()
        self.run_bar.run_button.setEnabled(not why)
        self.run_bar.run_button.setToolTip(why or "Run FAME on the two aligned faces (F5)")
        if hasattr(self, "act_run"):
            self.act_run.setEnabled(not why)
            self.act_cancel.setEnabled(self.run.running)
        if not self.run.running and not self.run_bar.pinned:
            self.run_bar.status.setText(f"{why}." if why else "Ready: press “Explain with FAME” (F5).")
        self.update_title()

    # files ------------------------------------------------------------------------------
    def open_dialog(self, role: str) -> None:
        start = self.settings.get("recent/folder", str(Path.home()))
        path, _ = QFileDialog.getOpenFileName(self, f"Open the {role} photograph", start, IMAGE_FILTER)
        if path:
            self.settings.set("recent/folder", str(Path(path).parent))
            self.inputs.load_path(role, path)

    def paste(self, role: str | None = None) -> None:
        mime = QApplication.clipboard().mimeData()
        paths = local_files(mime)
        role = role or self.inputs.first_empty()
        if role is None:
            self.messages.info("Which slot?", "Both slots hold a photograph: use Edit ▸ Paste as gallery / probe.")
            return
        if paths:
            self.inputs.load_path(role, paths[0])
            return
        data = clipboard_png(mime)
        if data is None:
            self.messages.info("Nothing to paste", "The clipboard holds no image and no image file.")
            return
        from datetime import datetime

        self.inputs.load_bytes(role, data, f"clipboard image pasted {datetime.now():%Y-%m-%d %H:%M:%S}.png")

    def add_recent(self, path: str) -> None:
        items = self.settings.add_recent_file(path)
        self.refresh_recent(items)

    def refresh_recent(self, items: list[str] | None = None) -> None:
        items = self.settings.recent_files() if items is None else items
        for slot in self.slots.values():
            slot.set_recent(items)
        if hasattr(self, "recent_menus"):
            self.recent_menus.refresh(items)

    # window drops, closing --------------------------------------------------------------
    def dragEnterEvent(self, ev):  # noqa: N802 - Qt API
        if local_files(ev.mimeData()):
            ev.acceptProposedAction()

    def dropEvent(self, ev):  # noqa: N802
        paths = local_files(ev.mimeData())
        if paths:
            ev.acceptProposedAction()
            if not self.modes.drop(paths):  # a task mode takes the files itself
                self.inputs.load_files(paths, None)

    def closeEvent(self, ev):  # noqa: N802
        if not self.cases.allow_close():  # unsaved changes: Save / Discard / Cancel
            ev.ignore()
            return
        self.case.flush()
        self.state.save()
        self.run.cancel(discard=True, reason="the window was closed")
        self.runner.shutdown()
        self.messages.close_all()
        super().closeEvent(ev)
