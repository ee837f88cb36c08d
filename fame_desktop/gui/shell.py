"""The main window: a shell with one page per task, the menus and toolbar, the side panel, the status bar.

Pages come from the plugin registry once the engine is up (a task's own page when the
registry names one, else the built-in page for it, else the generic page). Every action
acts on the page shown; its state (enabled, text) follows that page. Nothing here knows
what a face is: the face page adds its own actions (threshold, landmarks, e+/e−) through
`page.page_actions()`.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QByteArray, Qt, Signal
from PySide6.QtGui import QActionGroup, QKeySequence
from PySide6.QtWidgets import (
    QApplication, QComboBox, QDockWidget, QFileDialog, QLabel, QMainWindow, QMenu, QStackedWidget, QToolBar,
)

from .actions import add_actions, make_action
from .busy_indicator import BusyIndicator
from .engine import FACE, Engine
from .jobs import JobRunner, start_owned
from .latest import Latest
from .layouts import quiet
from .messages import MessageCenter
from .pages.cases import CASE_FILTER, FOLDER_KEY, is_case_file
from .pages.inputs import PHOTO_FOLDER_KEY
from .recent_cases import RecentCases, add_recent_items
from .theme import apply_theme

MODE_KEY = "modes/current"


class MainWindow(QMainWindow):
    case_opened = Signal(str)  # path of a case file now shown (on whichever page its task has)
    case_open_failed = Signal(str)  # path of a case file refused (the reason was shown)

    def __init__(self, settings, log_file: Path | None = None, detector=None, preloaded_models: dict | None = None):
        super().__init__()
        apply_theme(QApplication.instance())
        self.settings = settings
        self.preloaded_models = dict(preloaded_models or {})
        self.setAcceptDrops(True)
        self.resize(1440, 920)
        self.messages = MessageCenter(self, log_file)
        self.runner = JobRunner(self)
        self.engine = Engine(self.runner, detector, self)
        self.busy = BusyIndicator(self)
        self.pages: dict = {}
        self._page_actions: dict[str, list] = {}
        self.page = None
        self.current = settings.get(MODE_KEY, FACE)
        self.autorun = False
        self._pending_files: list[tuple[str | None, str]] = []  # (role, path) given before the engine was up
        self._pending_case: str | None = None
        self._open = Latest()
        self._close_confirmed = False

        self.stack = QStackedWidget()
        self.waiting = QLabel("Starting the compute engine (torch, the plugins, the face detector)…")
        self.waiting.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.stack.addWidget(self.waiting)
        self.setCentralWidget(self.stack)
        self.panels = QStackedWidget()
        self.dock = QDockWidget("Panels", self)
        self.dock.setObjectName("panels")
        self.dock.setWidget(self.panels)
        self.dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable
                              | QDockWidget.DockWidgetFeature.DockWidgetClosable)
        self.dock.setMinimumWidth(260)  # narrower by dragging, so 1024 px leave room for the photographs
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.dock)
        self.resizeDocks([self.dock], [340], Qt.Orientation.Horizontal)
        self.engine_label = QLabel("")
        self.statusBar().addPermanentWidget(self.engine_label)
        self.recent_cases = RecentCases(settings, self.open_case_path, self)
        from .case_signing import CaseSigning

        self.signing = CaseSigning(self)
        self._build_actions()
        self._restore_geometry()
        self.engine.ready.connect(self._engine_ready)
        self.engine.failed.connect(self._engine_failed)
        self.refresh_actions()
        self.statusBar().showMessage("Starting the compute engine (torch, face detector)…")

    # actions ----------------------------------------------------------------------------
    def _build_actions(self) -> None:
        page = lambda: self.page  # noqa: E731 - the page shown when the action fires
        a = self.act = {
            "open1": make_action(self, "&Open…", lambda: page() and page().open_dialog(self._role(0)),
                                 QKeySequence.StandardKey.Open),
            "open2": make_action(self, "Open second…", lambda: page() and page().open_dialog(self._role(1)),
                                 "Ctrl+Shift+O"),
            "paste": make_action(self, "&Paste image", lambda: page() and page().paste(), QKeySequence.StandardKey.Paste,
                                 "Paste an image (or image file) from the clipboard into the first empty slot"),
            "new": make_action(self, "&New case", lambda: page() and page().cases.new_case(),
                               QKeySequence.StandardKey.New, "Start an empty case (asks first when something is not saved)"),
            "open_case": make_action(self, "Open &case…", self.open_case_dialog, "Ctrl+Alt+O",
                                     "Open a saved .famecase: every view restored, nothing run again"),
            "save": make_action(self, "&Save case", lambda: page() and page().cases.save(), QKeySequence.StandardKey.Save,
                                "Save photographs, model inputs, raw results, parameters, notes, audit log and view"),
            "save_as": make_action(self, "Save case &as…", lambda: page() and page().cases.save_as(),
                                   QKeySequence.StandardKey.SaveAs, "Save the case in a new .famecase file"),
            "export": make_action(self, "&Export report…", lambda: page() and page().reports.export(), "Ctrl+E",
                                  "Write the PDF report of this case and its exports (maps, overlays, raw output)"),
            "quit": make_action(self, "&Quit", self.close, QKeySequence.StandardKey.Quit),
            "run": make_action(self, "&Explain", lambda: page() and page().run.start(),
                               [QKeySequence("F5"), QKeySequence("Ctrl+R")], "Run the explanation method"),
            "cancel": make_action(self, "&Cancel run", lambda: page() and page().run.cancel(), None,
                                  "Stop the run before its next step; the last complete result stays (Esc)"),
            "escape": make_action(self, "Escape", self._escape, QKeySequence("Esc")),
            "original": make_action(self, "Show &originals (no maps, no marks)",
                                    lambda on: page() and page().set_show_original(on), "O",
                                    "The unprocessed photographs and model inputs, without overlays or marks", True),
            "fit": make_action(self, "&Fit images to views", lambda: page() and page().fit(), "Ctrl+0"),
            "plugins": make_action(self, "&Plugins…", self.show_plugins, None,
                                   "Every plugin, its tasks and methods, and why a broken one does not load"),
            "about": make_action(self, "&About fame-desktop", self._about, "F1"),
        }
        self.act_run, self.act_cancel, self.act_original = a["run"], a["cancel"], a["original"]
        # the toolbar's words (the run bar and menu name the method): every action fits in 1024 px
        for key, short in (("run", "Explain"), ("cancel", "Cancel"), ("original", "Originals")):
            a[key].setIconText(short)
        self.addAction(a["escape"])
        mb = self.menuBar()
        self.recent_menu = QMenu("Open recent photograph", self)
        add_actions(mb.addMenu("&File"), a["new"], a["open_case"], self.recent_cases.menu, a["save"], a["save_as"],
                    self.signing.act_sign, self.signing.act_choose, None, a["open1"], a["open2"], self.recent_menu,
                    None, a["export"], None, a["quit"])
        add_actions(mb.addMenu("&Edit"), a["paste"])
        add_actions(mb.addMenu("&Run"), a["run"], a["cancel"])
        self.mode_menu = QMenu("&Mode", self)
        self.mode_group = QActionGroup(self)
        add_actions(mb.addMenu("&View"), self.mode_menu, a["original"], a["fit"], None, self.dock.toggleViewAction())
        self.page_menu = mb.addMenu("&Page")  # the page's own actions (e.g. the face page's threshold)
        add_actions(mb.addMenu("&Help"), a["plugins"], a["about"])

        tb = QToolBar("Main")
        tb.setObjectName("main_toolbar")
        tb.setMovable(False)
        tb.addWidget(QLabel(" Mode "))
        self.selector = QComboBox()
        self.selector.setMinimumContentsLength(26)  # "Feature-map receptive fields" whole
        self.selector.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.selector.setToolTip("Which task the window shows; each keeps its case while another is shown")
        self.selector.currentIndexChanged.connect(lambda i: self.switch(self.selector.itemData(i)))
        tb.addWidget(self.selector)
        tb.addSeparator()
        add_actions(tb, a["open1"], a["open2"], None, a["run"], a["cancel"], None, a["original"], None,
                    a["open_case"], a["save"], a["export"])
        self.addToolBar(tb)
        self.refresh_recent()

    def _role(self, i: int) -> str | None:
        roles = self.page.task_roles() if self.page is not None else ()
        return roles[i] if i < len(roles) else None

    def refresh_actions(self) -> None:
        """Every shell action follows the page shown (enabled, wording)."""
        p, a = self.page, self.act
        has = p is not None
        roles = p.task.inputs if has else ()
        a["open1"].setText(f"&Open {roles[0].label.lower()}…" if roles else "&Open…")
        a["open2"].setVisible(len(roles) > 1)
        if len(roles) > 1:
            a["open2"].setText(f"Open {roles[1].label.lower()}…")
        writing = has and (p.cases.job is not None)
        for key in ("open1", "open2", "paste", "fit", "original"):
            a[key].setEnabled(has)
        for key in ("new", "save", "save_as"):
            a[key].setEnabled(has and not writing)
        a["open_case"].setEnabled(not writing)
        why = p.run.blocker() if has else "The compute engine is still starting"
        method = p.method() if has else None
        a["run"].setText(f"&Explain with {method.title}" if method is not None else "&Explain")
        a["run"].setEnabled(has and not why)
        a["run"].setToolTip(why or "Run the explanation method (F5)")
        a["cancel"].setEnabled(has and p.run.running)
        a["export"].setEnabled(has and p.reports.job is None and not p.reports.reportable())
        self.update_title()

    def update_title(self) -> None:
        p = self.page
        if p is None:
            self.setWindowTitle("fame-desktop")
            return
        self.setWindowTitle(f"{p.cases.title()} — {p.title_detail()} — {p.task.title} — fame-desktop")

    def sync_original(self, page) -> None:
        if page is self.page:
            with quiet(self.act_original):
                self.act_original.setChecked(page.show_original)

    def _escape(self) -> None:
        """Esc leaves what the page is doing first (e.g. placing landmarks); otherwise it cancels a run."""
        if self.page is not None and not self.page.escape():
            self.page.run.cancel()

    # start-up ---------------------------------------------------------------------------
    def start(self, *paths: str | None, run: bool = False, case: str | None = None) -> None:
        """Bring up the engine and load the photographs (in input order) or the case file given."""
        self.autorun = run
        self._pending_files = [(None, p) for p in paths if p]
        self._pending_case = case
        self.engine.start()

    def _engine_ready(self, catalogue) -> None:
        with quiet(self.selector):  # the first item added would switch to it
            for key, entry in catalogue.entries.items():
                self.selector.addItem(entry.task.title if entry.usable else f"{entry.task.title} — unavailable", key)
                i = self.selector.count() - 1
                self.selector.setItemData(i, entry.error or entry.task.description, Qt.ItemDataRole.ToolTipRole)
                self.selector.model().item(i).setEnabled(entry.usable)
                act = make_action(self, entry.task.title, lambda _=False, k=key: self.switch(k), checkable=True)
                act.setData(key)
                act.setEnabled(entry.usable)
                self.mode_menu.addAction(self.mode_group.addAction(act))
        if catalogue.broken:
            n = len(catalogue.broken)
            self.statusBar().showMessage(f"{n} plugin{'s' if n > 1 else ''} could not be loaded: see Help ▸ "
                                         "Plugins…", 15_000)
        else:
            # not "Ready": the page's model may still be loading (its state is beside, in engine_label)
            self.statusBar().showMessage(f"Compute engine started in {self.engine.ready_after:.1f} s", 8000)
        wanted = self.current if self.current in catalogue.entries else FACE
        if not self.switch(wanted) and wanted != FACE:
            self.switch(FACE)
        if self._pending_case:
            self.open_case_path(self._pending_case)
        elif self._pending_files:
            files, self._pending_files = self._pending_files, []
            self.page.load_files([p for _r, p in files])
        if self.plugins_dialog is not None:
            self.plugins_dialog.set_catalogue(catalogue)

    def _page_changed(self) -> None:
        self.refresh_actions()
        if self.autorun and self.page is not None and not self.page.run.blocker():
            self.autorun = False  # --run: once, as soon as everything is ready
            self.page.run.start()

    def _engine_failed(self, error) -> None:
        self.messages.error("The compute engine could not start", error)
        self.waiting.setText(f"The compute engine could not start: {error}")
        self.statusBar().showMessage(f"The compute engine could not start: {error}")

    # pages ------------------------------------------------------------------------------
    def switch(self, key: str | None) -> bool:
        """Show the page of task `key`; False (and the selector back on the current page) if it cannot be shown."""
        cat = self.engine.catalogue
        if key is None or cat is None:
            return False
        try:
            page = self._page_for(key)
        except Exception as e:  # a plugin's task whose page cannot be built: say why, stay
            self.messages.error(f"Cannot show {key}", e)
            self._show_selection()
            return False
        if page is not self.page:
            self.page = page
            self.current = key
            self.stack.setCurrentWidget(page)
            self.panels.setCurrentWidget(page.side)
            self.settings.set(MODE_KEY, key)
            self.page_menu.clear()
            if key not in self._page_actions:  # made once: the page owns them
                self._page_actions[key] = page.page_actions()
            add_actions(self.page_menu, *self._page_actions[key])
            self.page_menu.menuAction().setVisible(bool(self.page_menu.actions()))
            page.activate()
            self.sync_original(page)
        self._show_selection()
        self.refresh_actions()
        return True

    def _page_for(self, key: str):
        if key in self.pages:
            return self.pages[key]
        from .pages.registry import page_class

        cat = self.engine.catalogue
        entry = cat.entries.get(key)
        if entry is None or not entry.usable:
            raise ValueError(f"the task {key!r} is not available" + (f": {entry.error}" if entry else ""))
        page = page_class(cat.registry, key)(self, entry.task, cat.registry)
        page.state_changed.connect(lambda p=page: p is self.page and self._page_changed())
        page.cases.opened.connect(self.case_opened)
        self.stack.addWidget(page)
        self.panels.addWidget(page.side)
        self.pages[key] = page
        return page

    def _show_selection(self) -> None:
        with quiet(self.selector):
            self.selector.setCurrentIndex(max(0, self.selector.findData(self.current)))
        for act in self.mode_group.actions():
            act.setChecked(self.page is not None and act.data() == self.page.task.key)

    # case files -------------------------------------------------------------------------
    def open_case_dialog(self) -> None:
        start = self.settings.get(FOLDER_KEY, self.settings.get(PHOTO_FOLDER_KEY, str(Path.home())))
        path, _ = QFileDialog.getOpenFileName(self, "Open a case file", start, CASE_FILTER)
        if path:
            self.open_case_path(path)

    def open_case_path(self, path: str, checkpoint: str | None = None) -> None:
        """Read and check the case file in the background; show it on its task's page once allowed.

        `checkpoint`: the weights file to check the case with when it is not where the case says."""
        path = str(path)
        if not self.engine.is_ready:
            self._pending_case = path
            self.statusBar().showMessage(f"{Path(path).name} opens once the compute engine is ready…")
            return
        token = self._open.next()
        registry = self.engine.catalogue.registry

        def read(job):
            from ..session.casefile import open_case
            from ..core.display_levels import prepare_levels

            session, notes = open_case(path, registry, checkpoint)  # loads the case's model: off the GUI thread
            for img in session.photos.values():
                prepare_levels(img.rgb)  # the photographs' display pyramids, off the GUI thread
            return session, notes

        self.busy.start("open case", f"Checking {Path(path).name}…")
        start_owned(self, self.runner, "open case", read, on_success=lambda r: self._case_read(token, path, r),
                    on_failure=lambda e, job: self._case_failed(token, path, e, job))

    def _case_read(self, token: int, path: str, read) -> None:
        self.busy.stop("open case")
        if not self._open.current(token):
            return
        session, notes = read
        if not self.switch(session.task.key):
            return
        self.page.cases.show(session, path, notes)

    def _case_failed(self, token: int, path: str, error, job) -> None:
        from ..core.errors import CaseModelUnavailable, FameError

        self.busy.stop("open case")
        if not self._open.current(token):
            return
        if not Path(path).exists():
            self.recent_cases.remove(path)
        if isinstance(error, CaseModelUnavailable):
            self._locate_weights(path, error)
        elif isinstance(error, FameError):  # its one-line reason, and that nothing was lost
            self.messages.warning("Cannot open the case file", f"{error}\n\nThe case shown is unchanged.")
        else:
            self.messages.error("Cannot open the case file", error, job.traceback)
        self.case_open_failed.emit(path)

    def _locate_weights(self, path: str, error) -> None:
        """The case's model weights are not here: offer to point to them, then open again with them."""
        from PySide6.QtWidgets import QMessageBox

        answer = QMessageBox.question(
            self, "Checkpoint needed", f"{error}\n\nLocate the checkpoint file now? The case shown is unchanged.",
            QMessageBox.StandardButton.Open | QMessageBox.StandardButton.Cancel, QMessageBox.StandardButton.Open)
        if answer != QMessageBox.StandardButton.Open:
            return
        start = str(Path(error.checkpoint).parent) if error.checkpoint else str(Path(path).parent)
        found, _ = QFileDialog.getOpenFileName(self, "Locate the checkpoint", start,
                                               "Checkpoints (*.ckpt *.pt *.pth);;All files (*)")
        if found:
            self.open_case_path(path, found)

    # recent photographs, drops ----------------------------------------------------------
    def add_recent(self, path: str) -> None:
        self.refresh_recent(self.settings.add_recent_file(path))

    def refresh_recent(self, items: list[str] | None = None) -> None:
        items = self.settings.recent_files() if items is None else items
        self.recent_menu.clear()
        add_recent_items(self.recent_menu, items, lambda p: self.page and self.page.load_files([p]))
        for page in self.pages.values():
            page.refresh_recent()

    def dragEnterEvent(self, ev):  # noqa: N802 - Qt API
        from .drops import local_files

        if local_files(ev.mimeData()):
            ev.acceptProposedAction()

    def dropEvent(self, ev):  # noqa: N802
        from .drops import local_files

        paths = local_files(ev.mimeData())
        if not paths:
            return
        ev.acceptProposedAction()
        if len(paths) == 1 and is_case_file(paths[0]):
            self.open_case_path(paths[0])
        elif self.page is not None:
            self.page.load_files(paths)
        else:
            self._pending_files += [(None, p) for p in paths]

    # plugins, about, closing ------------------------------------------------------------
    plugins_dialog = None

    def show_plugins(self) -> None:
        from .plugins_dialog import PluginsDialog

        if self.plugins_dialog is None:
            self.plugins_dialog = PluginsDialog(self)
            if self.engine.catalogue is not None:
                self.plugins_dialog.set_catalogue(self.engine.catalogue)
        self.plugins_dialog.show()
        self.plugins_dialog.raise_()

    def _about(self) -> None:
        from .dialogs import show_about

        model = self.page.loader.model if self.page is not None else None
        info = model.describe() if model is not None and callable(getattr(model, "describe", None)) else None
        self.about_box = show_about(self, info, str(getattr(model, "device", "")) if model is not None else "")

    def _restore_geometry(self) -> None:
        for key, restore in (("window/geometry", self.restoreGeometry), ("window/state", self.restoreState)):
            data = self.settings.get_bytes(key)
            if data is not None:
                restore(QByteArray(data))

    def close_now(self) -> None:
        self._close_confirmed = True
        self.close()

    def discard_on_close(self) -> None:
        """Let the next close go without asking (scripts and benchmarks that end the app)."""
        self._close_confirmed = True

    def closeEvent(self, ev):  # noqa: N802
        if not self._close_confirmed:
            for page in self.pages.values():
                if page.cases.allow_close() is False:  # unsaved changes: Save / Discard / Cancel
                    ev.ignore()
                    return
        for page in self.pages.values():
            page.closing()
        self.settings.set("window/geometry", self.saveGeometry())
        self.settings.set("window/state", self.saveState())
        self.settings.sync()
        self.runner.shutdown()
        self.messages.close_all()
        super().closeEvent(ev)
