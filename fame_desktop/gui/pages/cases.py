"""A page's case files: new case, save, save as, and showing a reopened case (.famecase).

Writing runs in a worker on a frozen copy of the session, so a later edit cannot tear the
file; the edits made meanwhile stay marked as unsaved. Replacing the session (new case,
another case) and closing the window ask first when something is not saved, and stop a
run only with the user's agreement. Reading and checking a case file is the shell's job
(the file says which task, hence which page, it belongs to); the page then shows it.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QFileDialog

from ...session.unsaved import ChangeTracker
from .. import unsaved_changes
from ..dialogs import ask_yes_no
from ..jobs import start_owned
from .inputs import PHOTO_FOLDER_KEY

SUFFIX = ".famecase"  # session.casefile.SUFFIX (not imported here: the core pulls in torch)
CASE_FILTER = "fame-desktop case (*.famecase);;All files (*)"
FOLDER_KEY = "recent/case_folder"


def is_case_file(path: str) -> bool:
    return str(path).lower().endswith(SUFFIX)


class CaseFiles(QObject):
    opened = Signal(str)  # path of the case file now shown
    saved = Signal(str)  # path of the case file just written

    def __init__(self, page):
        super().__init__(page)
        self.page = page
        self.path: Path | None = None  # the case file the session was opened from or saved to
        self.tracker = ChangeTracker()
        self.job = None
        self.close_after_save = False
        self.tracker.mark_clean(page.session, dict(page.session.view))

    @property
    def shell(self):
        return self.page.shell

    # state ------------------------------------------------------------------------------
    def unsaved(self) -> list[str]:
        s = self.page.session
        return self.tracker.unsaved(s, dict(s.view))

    def title(self) -> str:
        s = self.page.session
        case = s.case.case_id or "untitled case"
        file = self.path.name if self.path else "no case file"
        return f"{case} — {file}{'*' if self.unsaved() else ''}"

    def confirm_replace(self, doing: str, then) -> None:
        """Ask about unsaved changes and a running job; call `then()` once the session may go."""
        page = self.page
        if self.job is not None:
            self.shell.messages.info("Please wait", "The case file is still being written; try again in a moment.")
            return
        page.flush_edits()
        unsaved, running = self.unsaved(), page.run.running
        if unsaved:
            answer = unsaved_changes.ask_save_changes(self.shell, doing, unsaved, running)
            if answer == "cancel":
                return
            if answer == "save":
                self.save(then=lambda: self._stop_run_then(doing, then))
                return
        elif running and not unsaved_changes.ask_stop_run(self.shell, doing):
            return
        self._stop_run_then(doing, then)

    def _stop_run_then(self, doing: str, then) -> None:
        run = self.page.run
        if not run.running:
            then()
            return

        def stopped(*_):
            for sig in (run.cancelled, run.failed, run.finished, run.discarded):
                sig.disconnect(stopped)
            then()

        for sig in (run.cancelled, run.failed, run.finished, run.discarded):
            sig.connect(stopped)
        run.cancel(discard=True, reason=f"stopped before {doing}")

    # new / show -------------------------------------------------------------------------
    def new_case(self) -> None:
        self.confirm_replace("starting a new case", self._start_new)

    def _start_new(self) -> None:
        page = self.page
        session = page.new_session()
        page.bind(session)
        self.path = None
        self.tracker.mark_clean(session, dict(session.view))
        self.show_file_status()
        self.shell.statusBar().showMessage("New case", 5000)
        page.refresh()

    def show(self, session, path: str, notes: list[str]) -> None:
        """A case file read and checked by the shell: bind its session once the current one may go."""
        self.confirm_replace(f"opening {Path(path).name}", lambda: self._show(session, path, notes))

    def _show(self, session, path: str, notes: list[str]) -> None:
        from ...session.casefile import opened_text

        page = self.page
        page.bind(session)
        self.path = Path(path)
        self.tracker.mark_clean(session, dict(session.view))
        self.shell.recent_cases.add(self.path)
        self.show_file_status()
        self.shell.statusBar().showMessage(opened_text(session, self.path.name), 10000)
        page.run.show_stored("Reopened")
        if notes:
            self.shell.messages.info("Case opened with remarks", "\n".join(notes))
        page.refresh()
        self.opened.emit(str(path))

    def show_file_status(self) -> None:
        """The case panel's line on the case file: its name and signature status, or nothing."""
        from ...session.casefile import case_file_status
        from ...session.signing import signature_text

        status = case_file_status(self.page.session)
        self.page.case_panel.set_file_status(None if status is None else
                                             f"{Path(str(status['path'])).name}: {signature_text(status['signature'])}")

    # saving -----------------------------------------------------------------------------
    def save(self, then=None) -> None:
        """Save to the current case file (asking for one the first time); then `then()` on success."""
        if self.path is None:
            self.save_as(then)
        else:
            self.write(self.path, then)

    def save_as(self, then=None) -> None:
        from ...core.file_names import default_name

        current = self.path
        s = self.shell.settings
        folder = current.parent if current else Path(s.get(FOLDER_KEY, s.get(PHOTO_FOLDER_KEY, str(Path.home()))))
        name = default_name(self.page.session.case.case_id, SUFFIX)
        path, _ = QFileDialog.getSaveFileName(self.shell, "Save the case as", str(folder / name), CASE_FILTER,
                                              options=QFileDialog.Option.DontConfirmOverwrite)
        if not path:
            return
        p = Path(path)
        if not is_case_file(p.name):
            p = p.with_name(p.name + SUFFIX)
        self.shell.settings.set(FOLDER_KEY, str(p.parent))
        if p.exists() and p != current:
            if not ask_yes_no(self.shell, "Replace the case file?", f"{p.name} already exists in {p.parent}.\n\n"
                              "Replace it with this case? The old file is replaced only once the new one is "
                              "completely written."):
                return
        self.write(p, then)

    def write(self, path: Path, then=None) -> None:
        page = self.page
        if self.job is not None:
            return
        page.flush_edits()
        go_on, signer = self.shell.signing.key_for_save()  # asks for the passphrase: before the copy is taken
        if not go_on:
            return
        live = page.session
        copy, audit_len, view = live.frozen_copy(), len(live.audit), dict(live.view)

        def write(job):
            from ...session.casefile import save_case

            return save_case(copy, path, overwrite=True, signer=signer)

        self.shell.busy.start("save case", f"Saving {path.name}…")
        self.job = start_owned(self, self.shell.runner, "save case", write,
                               on_success=lambda info: self._saved(info, live, copy, audit_len, view, then),
                               on_failure=self._failed)
        self.shell.refresh_actions()

    def _saved(self, info, live, copy, audit_len: int, view, then) -> None:
        self.job = None
        self.shell.busy.stop("save case")
        for entry in copy.audit.entries[audit_len:]:  # "save case file" (path, SHA-256), signing
            live.audit.append(entry)
        untouched = len(live.audit) == len(copy.audit)
        # edits made while the file was written are not in it: they stay unsaved
        self.tracker.mark_clean(live, view, len(live.audit) if untouched else audit_len)
        self.path = Path(info.path)
        self.shell.recent_cases.add(self.path)
        live.events.audit.emit(live.audit.entries[-1])
        self.shell.statusBar().showMessage(info.saved_text(), 10000)
        self.show_file_status()
        self.page.refresh()
        self.saved.emit(str(self.path))
        if self.close_after_save:
            self.close_after_save = False
            then = then or self.shell.close_now
        if then is not None:
            then()

    def _failed(self, error, job) -> None:
        self.job = None
        self.close_after_save = False
        self.shell.busy.stop("save case")
        self.shell.messages.error("Cannot save the case file", error, job.traceback)
        self.page.refresh()

    # closing ----------------------------------------------------------------------------
    def allow_close(self) -> bool | None:
        """True: may close; False: not now (it closes after a save, or the user cancelled)."""
        if self.job is not None:
            self.close_after_save = True
            return False
        self.page.flush_edits()
        unsaved = self.unsaved()
        if not unsaved:
            return True
        answer = unsaved_changes.ask_save_changes(self.shell, "closing", unsaved, self.page.run.running)
        if answer == "discard":
            return True
        if answer == "save":
            self.save(then=self.shell.close_now)
        return False
