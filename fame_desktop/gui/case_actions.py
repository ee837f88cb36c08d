"""File ▸ New case / Open case… / Open recent case / Save case / Save case as… (.famecase).

Reading and writing run in worker threads on a snapshot of the session, so the window
never waits and a later edit cannot tear a file being written. A case file is read and
checked completely before anything in the window changes: a damaged or altered file
shows its one-line reason and the current session stays as it was. Replacing the
session (new case, another case) and closing the window ask first when something is
not saved, and stop a FAME run only with the user's agreement.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QFileDialog, QMessageBox, QToolBar

from . import unsaved_changes
from .actions import make_action
from .case_saving import CaseSaver
from .case_signing import CaseSigning
from .inputs import ROLES
from .recent_cases import FOLDER_KEY, RecentCases
from .session_restore import prepare_result_display, show_session, show_stored_score, start_new_session
from .view_sync import read_view_state, watch_view

SUFFIX = ".famecase"  # core.casefile.SUFFIX (not imported here: core.casefile pulls in torch)
CASE_FILTER = "fame-desktop case (*.famecase);;All files (*)"


def is_case_file(path: str) -> bool:
    return str(path).lower().endswith(SUFFIX)


def _action(parent, text: str, slot, shortcut=None, tip: str = "") -> QAction:
    return make_action(parent, text, lambda _=False: slot(), shortcut, tip)  # slot() takes no `checked`


class CaseActions(QObject):
    opened = Signal(str)  # path of the case file now shown
    saved = Signal(str)  # path of the case file just written
    open_failed = Signal(object)  # the error

    def __init__(self, window):
        super().__init__(window)
        self.w = w = window
        self.path: Path | None = None  # the case file the session was opened from or saved to
        self.tracker = unsaved_changes.ChangeTracker()
        self.open_job = None
        self._pending_open: str | None = None
        self._open_generation = 0
        self._close_confirmed = False
        self.close_after_save = False

        self.act_new = _action(w, "&New case", self.new_case, QKeySequence.StandardKey.New,
                               "Start an empty case (asks first when something is not saved)")
        self.act_open = _action(w, "Open &case…", self.open_dialog, "Ctrl+Alt+O",
                                "Open a saved .famecase: every view restored, FAME not re-run")
        self.act_save = _action(w, "&Save case", lambda: self.save(), QKeySequence.StandardKey.Save,
                                "Save photographs, crops, raw Δx, parameters, notes, audit log and view")
        self.act_save_as = _action(w, "Save case &as…", lambda: self.save_as(), QKeySequence.StandardKey.SaveAs,
                                   "Save the case in a new .famecase file")
        self.recent_cases = RecentCases(w.settings, self.open_path, w)
        self.recent_menu = self.recent_cases.menu
        self.saver = CaseSaver(self)
        self.signing = CaseSigning(w)
        self._install_menus()

        w.engine.ready.connect(self._engine_ready)
        w.engine.model_failed.connect(self._model_failed)
        w.model.changed.connect(self.update_actions)
        w.run.started.connect(self.update_actions)
        watch_view(w, w.update_title)
        self.update_actions()

    # menus ------------------------------------------------------------------------------
    def _install_menus(self) -> None:
        w = self.w
        menu = w.file_menu
        first = menu.actions()[0] if menu.actions() else None
        for act in (self.act_new, self.act_open):
            menu.insertAction(first, act)
        menu.insertMenu(first, self.recent_menu)
        for act in (self.act_save, self.act_save_as, self.signing.act_sign, self.signing.act_choose):
            menu.insertAction(first, act)
        menu.insertSeparator(first)
        toolbar = w.findChild(QToolBar, "main_toolbar")
        if toolbar is not None:
            toolbar.addSeparator()
            toolbar.addAction(self.act_open)
            toolbar.addAction(self.act_save)

    def update_actions(self) -> None:
        ready = self.w.model.ready
        writing = self.save_job is not None
        self.act_save.setEnabled(ready and not writing)
        self.act_save_as.setEnabled(ready and not writing)
        self.act_new.setEnabled(ready and not writing)
        self.act_open.setEnabled(not writing)

    def recent(self) -> list[str]:
        return self.recent_cases.items()

    # state ------------------------------------------------------------------------------
    def _engine_ready(self) -> None:
        self.tracker.mark_clean(self.w.model.session, read_view_state(self.w))
        self.update_actions()
        self.w.update_title()
        if self._pending_open:
            path, self._pending_open = self._pending_open, None
            self.open_path(path)

    def flush_edits(self) -> None:
        """Commit what is still pending in the form (notes typed a moment ago, map settings)."""
        w = self.w
        w.case.flush()
        if w.model.ready:
            w.model.do("set_parameters", None, w.review.controls.map_settings())

    def sync_view(self) -> None:
        if self.w.model.ready:
            self.w.model.session.view = read_view_state(self.w).to_dict()

    def unsaved(self) -> list[str]:
        return self.tracker.unsaved(self.w.model.session, read_view_state(self.w)) if self.w.model.ready else []

    def window_title(self) -> str:
        w = self.w
        s = w.model.session
        case = s.case.case_id if s is not None and s.case.case_id else "untitled case"
        file = self.path.name if self.path else "no case file"
        mark = "*" if self.unsaved() else ""
        names = [w.inputs.state[r].image.name if w.inputs.state[r].image else "—" for r in ROLES]
        return f"{case} — {file}{mark} — {names[0]} vs {names[1]} — Face verification — fame-desktop"

    def _model_failed(self, _error) -> None:
        # the window blanked the score; a result from a case file still stands without the model
        s = self.w.model.session
        if s is not None and s.explanation is not None:
            show_stored_score(self.w, s)

    # replacing the session --------------------------------------------------------------
    def confirm_replace(self, doing: str, then) -> None:
        """Ask about unsaved changes and a running FAME; call `then()` once the session may go."""
        w = self.w
        if self.save_job is not None:
            w.messages.info("Please wait", "The case file is still being written; try again in a moment.")
            return
        self.flush_edits()
        unsaved, running = self.unsaved(), w.run.running
        if unsaved:
            answer = unsaved_changes.ask_save_changes(w, doing, unsaved, running)
            if answer == "cancel":
                return
            if answer == "save":
                self.save(then=lambda: self._stop_run_then(doing, then))
                return
        elif running and not unsaved_changes.ask_stop_run(w, doing):
            return
        self._stop_run_then(doing, then)

    def _stop_run_then(self, doing: str, then) -> None:
        run = self.w.run
        if not run.running:
            then()
            return

        def stopped(*_):
            run.cancelled.disconnect(stopped)
            run.failed.disconnect(stopped)
            then()

        run.cancelled.connect(stopped)
        run.failed.connect(stopped)
        run.cancel(discard=True, reason=f"stopped before {doing}")

    def new_case(self) -> None:
        if self.w.model.ready:
            self.confirm_replace("starting a new case", self._start_new)

    def show_file_status(self, session) -> None:
        """The case panel's line on the case file: its name and signature status, or nothing."""
        from ..core.case_signing import signature_text
        from ..core.casefile import case_file_status

        status = case_file_status(session) if session is not None else None
        self.w.case.set_file_status(None if status is None else
                                    f"{Path(str(status['path'])).name}: {signature_text(status['signature'])}")

    def _start_new(self) -> None:
        start_new_session(self.w)
        self.path = None
        self.w.case.set_file_status(None)
        self.tracker.mark_clean(self.w.model.session, read_view_state(self.w))
        self.w.update_title()
        self.w.statusBar().showMessage("New case", 5000)

    # opening ----------------------------------------------------------------------------
    def open_dialog(self) -> None:
        start = str(self.path.parent if self.path else self.w.settings.get(FOLDER_KEY, str(Path.home())))
        path, _ = QFileDialog.getOpenFileName(self.w, "Open a case file", start, CASE_FILTER)
        if path:
            self.open_path(path)

    def open_path(self, path: str, checkpoint: str | None = None) -> None:
        """Read and check the case file in the background; show it once the user lets the session go.

        `checkpoint`: the AdaFace checkpoint to check the result with when it is not where the case says."""
        w = self.w
        path = str(path)
        if not (w.engine.is_ready and w.model.ready):
            self._pending_open = path
            w.statusBar().showMessage(f"{Path(path).name} opens once the compute engine is ready…")
            return
        self._open_generation += 1
        gen = self._open_generation

        def read(job):
            from ..core.casefile import open_case
            from .display_levels import prepare_levels

            session = open_case(path, checkpoint)  # checks the result with its model: loaded here, off the GUI
            for fi in session.inputs.values():
                prepare_levels(fi.image.rgb)  # the photographs' display pyramids, off the GUI thread
            return session, prepare_result_display(session)  # and the stored result's maps

        w.busy.start("open case", f"Checking {Path(path).name}…")
        self.open_job = w.runner.start("open case", read, on_success=lambda s: self._read(gen, path, s),
                                       on_failure=lambda e, job: self._open_failed(gen, path, e, job))

    def _open_failed(self, gen: int, path: str, error, job) -> None:
        self.w.busy.stop("open case")
        if gen != self._open_generation:
            return
        self.open_job = None
        if not Path(path).exists():
            self.recent_cases.remove(path)
        from ..core.errors import CaseModelUnavailable, FameError

        if isinstance(error, CaseModelUnavailable):
            self._locate_checkpoint(path, error)
        elif isinstance(error, FameError):  # its one-line reason, and that nothing was lost
            self.w.messages.warning("Cannot open the case file", f"{error}\n\nThe case shown is unchanged.")
        else:
            self.w.messages.error("Cannot open the case file", error, job.traceback)
        self.open_failed.emit(error)

    def _locate_checkpoint(self, path: str, error) -> None:
        """The case's model checkpoint is not here: offer to point to it, then open again with it."""
        answer = QMessageBox.question(
            self.w, "Checkpoint needed", f"{error}\n\nLocate the checkpoint file now? The case shown is unchanged.",
            QMessageBox.StandardButton.Open | QMessageBox.StandardButton.Cancel, QMessageBox.StandardButton.Open)
        if answer != QMessageBox.StandardButton.Open:
            return
        start = str(Path(error.checkpoint).parent) if error.checkpoint else str(Path(path).parent)
        found, _ = QFileDialog.getOpenFileName(self.w, "Locate the checkpoint", start,
                                               "Checkpoints (*.ckpt *.pt *.pth);;All files (*)")
        if found:
            self.open_path(path, found)

    def _read(self, gen: int, path: str, read: tuple) -> None:
        self.w.busy.stop("open case")
        if gen != self._open_generation:
            return  # another case file was chosen meanwhile
        self.open_job = None
        session, prepared = read
        self.confirm_replace(f"opening {Path(path).name}", lambda: self._show(session, path, prepared))

    def _show(self, session, path: str, prepared: tuple | None = None) -> None:
        w = self.w
        notes = show_session(w, session, origin="From the case file", prepared=prepared)
        self.path = Path(path)
        self.tracker.mark_clean(session, read_view_state(w))
        self.recent_cases.add(self.path)
        w.update_title()
        opening = next((e.details for e in reversed(session.audit.entries) if e.action == "open case file"), {})
        saved = opening.get("saved")
        notes = list(opening.get("notes") or []) + notes  # e.g. a crop re-warped with 1 grey level rounding
        self.show_file_status(session)
        signed = isinstance(opening.get("signature"), dict)
        w.statusBar().showMessage(f"Opened {self.path.name}" + (f" (saved {saved.replace('T', ' ')})" if saved else "")
                                  + (" — signed" if signed else " — unsigned")
                                  + " — checked, restored without re-running FAME", 10000)
        if notes:
            w.messages.info("Case opened with remarks", "\n".join(notes))
        self.opened.emit(str(path))

    # saving (case_saving.py) ----------------------------------------------------------
    @property
    def save_job(self):
        return self.saver.job

    def save(self, then=None) -> None:
        self.saver.save(then)

    def save_as(self, then=None) -> None:
        self.saver.save_as(then)

    def _write(self, path: Path, then=None) -> None:
        self.saver.write(Path(path), then)

    # closing ----------------------------------------------------------------------------
    def allow_close(self) -> bool:
        """True when the window may close now; otherwise it closes itself later (after a save)."""
        w = self.w
        if self._close_confirmed:
            return True
        if self.save_job is not None:
            self.close_after_save = True  # close once the file is complete
            return False
        self.flush_edits()
        unsaved = self.unsaved()
        if not unsaved:
            return True
        answer = unsaved_changes.ask_save_changes(w, "closing", unsaved, w.run.running)
        if answer == "discard":
            return True
        if answer == "save":
            self.save(then=self.close_now)
        return False

    def discard_on_close(self) -> None:
        """Let the next close go without asking (scripts and benchmarks that end the app)."""
        self._close_confirmed = True

    def close_now(self) -> None:
        self._close_confirmed = True
        self.w.close()
