"""Loading a page's inputs: read the photograph, prepare it for the model, analyse — each in a worker.

Reading starts at once; preparing waits for the model. Each slot answers only its latest
request (a slow read of an older file never overwrites a newer one), and a file that cannot
be read leaves the slot as it was. While a slot is reading or preparing it is busy: nothing
can run and the page hides what is about to stop applying (`page.input_pending`). Once every
input is prepared, the model's answer (similarity, top-5, cells) is computed and handed to
the session only if the inputs are still the ones it was computed from.

How an input is prepared is the page's business (`page.prepare_work` in the worker,
`page.use_prepared` back in the GUI thread): a task page calls the task's `prepare`; the face
page detects faces once and then lets the user pick one or place landmarks.
"""

from __future__ import annotations

import time
from pathlib import Path

from PySide6.QtCore import QObject

from ...core.errors import FameError
from ...core.display_levels import with_levels
from ..jobs import start_owned
from ..latest import Latest

PHOTO_FOLDER_KEY = "recent/folder"  # where the last photograph was opened from


class SlotState:
    def __init__(self):
        self.image = None  # LoadedImage
        self.latest = Latest()  # read and prepare requests of this slot
        self.busy = ""  # what the slot is doing, in words ("" = idle)
        self.error = ""  # why its photograph cannot be used ("" = fine)
        self.faces: tuple | None = None  # face page: detected faces (None until detection ran)


class InputsController(QObject):
    def __init__(self, page):
        super().__init__(page)
        self.page = page
        self.state = {r: SlotState() for r in page.task_roles()}
        self.analysis = Latest()
        self.analysis_seconds = 0.0  # how long the model took for its last answer

    @property
    def prepare_error(self) -> str:
        return next((f"Cannot use the {r} input: {st.error}" for r, st in self.state.items() if st.error), "")

    def busy(self) -> str:
        """Why the inputs are not settled ('' when no slot is reading or preparing)."""
        return next((st.busy for st in self.state.values() if st.busy), "")

    # reading ----------------------------------------------------------------------------
    def load_path(self, role: str, path: str) -> None:
        from ...core.images import load_image

        # the next Open… starts where this photograph came from, however it was opened (dialog, drop, recent)
        self.page.shell.settings.set(PHOTO_FOLDER_KEY, str(Path(path).resolve().parent))
        self._read(role, Path(path).name, lambda job: load_image(path), recent=str(path))

    def load_bytes(self, role: str, data: bytes, source: str) -> None:
        from ...core.images import load_image_bytes

        self._read(role, source, lambda job: load_image_bytes(data, source))

    def _read(self, role: str, name: str, fn, recent: str | None = None) -> None:
        st = self.state[role]
        token = st.latest.next()
        st.busy = f"The {role} photograph is being read"
        self.page.input_pending(role)
        self.page.slots[role].show_busy(f"Reading {name}…")
        start_owned(self, self.page.shell.runner, f"read {role}", with_levels(fn),
                    on_success=lambda image: self._read_done(role, token, image, recent),
                    on_failure=lambda e, job: self._failed(role, token, e, job, "open"))

    def _read_done(self, role: str, token: int, image, recent: str | None) -> None:
        st, p = self.state[role], self.page
        if not st.latest.current(token):
            return
        p.run.cancel(discard=True, reason=f"a new {role} photograph was loaded")
        st.image, st.faces, st.busy, st.error = image, None, "", ""
        p.session.set_photo(role, image)  # the slot's previous input and the results no longer apply
        p.slots[role].show_photo(image)
        if recent:
            p.shell.add_recent(recent)
        self.prepare(role)

    def _failed(self, role: str, token: int, error: Exception, job, verb: str) -> None:
        st = self.state[role]
        if not st.latest.current(token):
            return
        st.busy = ""
        self.page.shell.messages.error(f"Cannot {verb} the {role} photograph", error, job.traceback)
        self.page.restore_slot(role)
        self.page.refresh()

    # preparing --------------------------------------------------------------------------
    def prepare(self, role: str) -> None:
        """Prepare the slot's photograph for the model (when both are there) in a worker."""
        st, p = self.state[role], self.page
        model = p.loader.model
        if st.image is None:
            return
        if (model is None and p.needs_model_to_prepare()) or not p.shell.engine.is_ready:
            st.busy = f"The {role} input waits for the model"
            p.slots[role].show_busy("Waiting for the model…")
            p.refresh()
            return
        token = st.latest.next()
        st.busy = p.preparing_text(role)
        p.slots[role].show_busy(p.preparing_text(role) + "…")
        work = p.prepare_work(model, role, st.image, dict(p.session.options))

        def fn(job):
            with p.loader.lock:
                return work()

        start_owned(self, p.shell.runner, f"prepare {role}", fn,
                    on_success=lambda outcome: self._prepared(role, token, outcome),
                    on_failure=lambda e, job: self._prepare_failed(role, token, e, job))
        p.refresh()

    def prepare_all(self) -> None:
        for role in self.state:
            self.prepare(role)

    def _prepared(self, role: str, token: int, outcome) -> None:
        st = self.state[role]
        if not st.latest.current(token):
            return
        st.busy, st.error = "", ""
        self.page.use_prepared(role, outcome)
        self.analyse()
        self.page.refresh()

    def _prepare_failed(self, role: str, token: int, error: Exception, job) -> None:
        st = self.state[role]
        if not st.latest.current(token):
            return
        st.busy = ""
        if isinstance(error, FameError):  # the photograph does not suit the task: said in its slot
            st.error = str(error)
            self.page.session.clear_input(role, "input not usable", error=str(error))
            self.page.slots[role].show_error(str(error))
        else:
            self.page.shell.messages.error(f"Cannot prepare the {role} input", error, job.traceback)
        self.page.refresh()

    # analysing --------------------------------------------------------------------------
    def analyse(self) -> None:
        """The model's answer once every input is prepared (dropped if the inputs change meanwhile)."""
        p, s = self.page, self.page.session
        model = p.loader.model
        if not s.ready or model is None or s.analysis is not None or self.busy():
            return
        token = self.analysis.next()
        records, inputs, options, task = s.input_records(), dict(s.inputs), dict(s.options), p.task

        def fn(job):
            with p.loader.lock:
                start = time.perf_counter()
                analysis = task.analyse(model, inputs, options)
                self.analysis_seconds = time.perf_counter() - start  # for a rough estimate of a run's time
                return analysis

        start_owned(self, p.shell.runner, f"analyse {task.key}", fn,
                    on_success=lambda a: self.analysis.current(token) and s is p.session
                    and s.set_analysis(a, records),
                    on_failure=lambda e, job: self.analysis.current(token)
                    and p.shell.messages.error("The model could not analyse the inputs", e, job.traceback))

    def forget(self) -> None:
        """Drop every slot's photograph (a new or reopened case replaces them)."""
        for st in self.state.values():
            st.latest.invalidate()
            st.image, st.faces, st.busy, st.error = None, None, "", ""
        self.analysis.invalidate()
