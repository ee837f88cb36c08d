"""Save case / Save case as…: the session written to a .famecase in a worker thread.

The file is written from a snapshot taken when the user asked, so edits made while it
is written cannot tear it; those edits stay marked as unsaved. The "save case file"
audit entry (path, the file's SHA-256) goes into the live session once the file is
complete. Nothing is replaced without asking (Save as onto another existing file).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QMessageBox

from .view_sync import read_view_state


class CaseSaver:
    def __init__(self, cases):
        self.cases = cases  # CaseActions: path, tracker, signals, flush_edits / sync_view
        self.w = cases.w
        self.job = None

    def save(self, then=None) -> None:
        """Save to the current case file (asking for one the first time); then `then()` on success."""
        if self.cases.path is None:
            self.save_as(then)
        else:
            self.write(self.cases.path, then)

    def save_as(self, then=None) -> None:
        from ..core.file_names import default_name
        from .case_actions import CASE_FILTER, FOLDER_KEY, SUFFIX, is_case_file

        w, current = self.w, self.cases.path
        if not w.model.ready:
            return
        folder = current.parent if current else Path(w.settings.get(FOLDER_KEY, str(Path.home())))
        name = default_name(w.model.session.case.case_id, SUFFIX)
        path, _ = QFileDialog.getSaveFileName(w, "Save the case as", str(folder / name), CASE_FILTER,
                                              options=QFileDialog.Option.DontConfirmOverwrite)
        if not path:
            return
        p = Path(path)
        if not is_case_file(p.name):
            p = p.with_name(p.name + SUFFIX)
        if p.exists() and p != current:
            answer = QMessageBox.question(
                w, "Replace the case file?",
                f"{p.name} already exists in {p.parent}.\n\nReplace it with this case? The old file is "
                "replaced only once the new one is completely written.",
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, QMessageBox.StandardButton.No)
            if answer != QMessageBox.StandardButton.Yes:
                return
        self.write(p, then)

    def write(self, path: Path, then=None) -> None:
        w, cases = self.w, self.cases
        if self.job is not None:
            return
        go_on, key = cases.signing.key_for_save()  # the passphrase is asked here, before anything is written
        if not go_on:
            w.statusBar().showMessage(f"Not saved: {path.name} needs the signing key unlocked "
                                      "(or File ▸ Sign saved cases off)", 10000)
            return
        cases.flush_edits()
        cases.sync_view()
        live = w.model.session
        snapshot, audit_len, view = live.frozen_copy(), len(live.audit), read_view_state(w)

        def write(job):
            from ..core.casefile import save_case

            return save_case(snapshot, path, signing_key=key)

        w.busy.start("save case", f"Saving {path.name}…")
        self.job = w.runner.start(
            "save case", write, on_success=lambda info: self._saved(info, live, snapshot, audit_len, view, then),
            on_failure=self._failed)
        cases.update_actions()

    def _saved(self, info, live, snapshot, audit_len: int, view, then) -> None:
        w, cases = self.w, self.cases
        self.job = None
        w.busy.stop("save case")
        untouched = len(live.audit) == audit_len
        for entry in snapshot.audit.entries[audit_len:]:  # "sign case file" and "save case file" (path, SHA-256)
            live.audit.append(entry)
        # edits made while the file was written are not in it: they stay unsaved
        cases.tracker.mark_clean(live, view, len(live.audit) if untouched else audit_len)
        cases.path = Path(info.path)
        cases.recent_cases.add(cases.path)
        w.model.changed.emit()
        cases.show_file_status(live)
        signed = f"signed, key {info.signature.fingerprint[:4]} {info.signature.fingerprint[4:8]} …" \
            if info.signature else "unsigned"
        w.statusBar().showMessage(f"Saved {cases.path.name} (SHA-256 {info.sha256[:16]}…, "
                                  f"{info.size / 1e6:.1f} MB, {signed})", 10000)
        cases.update_actions()
        cases.saved.emit(str(cases.path))
        if cases.close_after_save:
            cases.close_after_save = False
            then = then or cases.close_now
        if then is not None:
            then()

    def _failed(self, error, job) -> None:
        self.job = None
        self.cases.close_after_save = False
        self.w.busy.stop("save case")
        self.w.messages.error("Cannot save the case file", error, job.traceback)
        self.cases.update_actions()
