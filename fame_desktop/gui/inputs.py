"""Loading photographs into the two slots: read, detect, choose a face or place landmarks.

Reading runs in a worker at once; detection waits for the engine. Each slot counts its
loads, so a slow result of an older load never overwrites a newer one. A file that
cannot be read leaves the slot as it was. While a slot is reading or finding faces it is
busy: FAME cannot start and the window hides the score, crops and maps of the pair
(`input_pending`), since they are about to stop applying.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtCore import QObject, Signal

from ..core.errors import FameError
from .display_levels import with_levels

ROLES = ("gallery", "probe")


class SlotState:
    def __init__(self):
        self.image = None  # LoadedImage
        self.faces: tuple | None = None  # detected faces; None until detection ran
        self.generation = 0
        self.busy = ""  # what the slot is doing ("" = idle), in words for the Run button's tooltip


class InputController(QObject):
    input_changed = Signal(str)  # role whose session input was set or cleared
    input_pending = Signal(str)  # role that started reading a photograph: what is shown may stop applying
    photo_loaded = Signal(str)  # role whose photograph was read (before detection)

    def __init__(self, window):
        super().__init__(window)
        self.w = window
        self.state = {r: SlotState() for r in ROLES}

    # loading ----------------------------------------------------------------------------
    def load_path(self, role: str, path: str) -> None:
        from ..core.images import load_image

        self._read(role, Path(path).name, lambda job: load_image(path), recent=str(path))

    def load_bytes(self, role: str, data: bytes, source: str) -> None:
        from ..core.images import load_image_bytes

        self._read(role, source, lambda job: load_image_bytes(data, source))

    def busy(self) -> str:
        """Why the pair is not settled ('' when no slot is reading or finding faces)."""
        return next((st.busy for st in self.state.values() if st.busy), "")

    def _read(self, role: str, name: str, fn, recent: str | None = None) -> None:
        st = self.state[role]
        st.generation += 1
        gen = st.generation
        st.busy = f"The {role} photograph is being read"
        self.input_pending.emit(role)
        self.w.slots[role].show_busy(f"Reading {name}…")
        self.w.runner.start(f"read {role}", with_levels(fn),  # the display pyramid in the worker too
                            on_success=lambda image: self._image_read(role, gen, image, recent),
                            on_failure=lambda e, job: self._failed(role, gen, e, job, "open"))

    def _image_read(self, role: str, gen: int, image, recent: str | None) -> None:
        st = self.state[role]
        if gen != st.generation:
            return
        self.w.run.cancel(discard=True, reason=f"a new {role} photograph was loaded")
        st.image, st.faces = image, None
        st.busy = f"Faces are being found in the {role} photograph"
        self.w.slots[role].show_photo(image)
        if recent:
            self.w.add_recent(recent)
        if self.w.model.ready:
            self.w.model.do("set_photo", role, image)  # the slot's previous face and any result no longer apply
        self.photo_loaded.emit(role)
        self.input_changed.emit(role)
        if self.w.engine.is_ready:
            self.detect(role)

    def detect_pending(self) -> None:
        """Record and detect faces in photographs read before the engine (and the session) was ready."""
        for role, st in self.state.items():
            if st.image is not None and st.faces is None:
                if self.w.model.session.photos.get(role) is not st.image:
                    self.w.model.do("set_photo", role, st.image)
                self.detect(role)

    def detect(self, role: str) -> None:
        st = self.state[role]
        gen, image, detector = st.generation, st.image, self.w.engine.detector
        self.w.slots[role].show_busy("Finding faces…")
        self.w.runner.start(f"detect {role}", lambda job: tuple(detector.detect(image.rgb)),
                            on_success=lambda faces: self._detected(role, gen, faces),
                            on_failure=lambda e, job: self._failed(role, gen, e, job, "detect faces in"))

    def _detected(self, role: str, gen: int, faces: tuple) -> None:
        st = self.state[role]
        if gen != st.generation:
            return
        st.faces, st.busy = faces, ""
        if faces:
            self._use(role, self._build(role, 0))
            return
        image = st.image
        note = self.w.engine.detector.limit_note(image.width, image.height)
        reason = f"{note[0].upper()}{note[1:]}."
        self.w.slots[role].show_no_face(image, reason)
        self.w.model.record("no face found", role=role, file=image.source, sha256=image.sha256)
        self.input_changed.emit(role)

    def _failed(self, role: str, gen: int, error: Exception, job, verb: str) -> None:
        st = self.state[role]
        if gen != st.generation:
            return
        st.busy = ""
        self.w.messages.error(f"Cannot {verb} the {role} photograph", error, job.traceback)
        self.restore_slot(role)
        self.input_changed.emit(role)  # what the pending load hid applies again (or the slot stays empty)

    def restore_slot(self, role: str) -> None:
        """Show the slot's current state again (after a failed load or a cancelled action)."""
        st, slot = self.state[role], self.w.slots[role]
        fi = self.w.model.session.inputs.get(role) if self.w.model.ready else None
        if fi is not None and st.image is not None and fi.image.sha256 == st.image.sha256:
            slot.show_input(fi)
        elif st.image is not None and st.faces == ():
            slot.show_no_face(st.image, "")
        elif st.image is not None:
            slot.show_busy("Waiting for the face detector…")
        else:
            slot.show_empty()

    # choosing a face, placing landmarks -----------------------------------------------
    def _build(self, role: str, index: int = 0, landmarks: np.ndarray | None = None):
        from ..core.pipeline import build_face_input

        st = self.state[role]
        return build_face_input(st.image, st.faces or (), role, index, landmarks)

    def choose_face(self, role: str, index: int) -> None:
        st = self.state[role]
        if not st.faces or not self.w.model.ready:
            return
        fi = self._build(role, index)
        self.w.run.cancel(discard=True, reason=f"another face was chosen in the {role} photograph")
        self._use(role, fi)

    def place_landmarks(self, role: str, points: np.ndarray) -> None:
        if not self.w.model.ready:
            self.w.messages.info("Please wait", "The face engine is still starting; place the landmarks again "
                                 "in a moment.")
            self.restore_slot(role)
            return
        try:
            fi = self._build(role, landmarks=points)
        except FameError as e:
            self.w.messages.error("Cannot use these landmarks", e)
            self.restore_slot(role)
            return
        self.w.run.cancel(discard=True, reason=f"landmarks were placed in the {role} photograph")
        self._use(role, fi)

    def _use(self, role: str, fi) -> None:
        self.w.model.do("set_input", fi)
        self.w.slots[role].show_input(fi)
        self.input_changed.emit(role)

    # several files at once --------------------------------------------------------------
    def load_files(self, paths: list[str], target: str | None) -> None:
        """One file → `target` (or the first empty slot); two files → gallery, then probe; a case file opens."""
        cases = [p for p in paths if str(p).lower().endswith(".famecase")]
        if cases:
            if len(paths) == 1:
                self.w.cases.open_path(cases[0])
            else:
                self.w.messages.warning("Case file among photographs", "Drop a case file (.famecase) on its own "
                                        "to open it.")
            return
        if len(paths) == 2:
            self.load_path("gallery", paths[0])
            self.load_path("probe", paths[1])
        elif len(paths) == 1:
            role = target or self.first_empty()
            if role is None:
                self.w.messages.info("Which slot?", "Both slots hold a photograph. Drop the file onto the "
                                     "gallery or the probe to replace that one.")
                return
            self.load_path(role, paths[0])
        else:
            self.w.messages.warning("Too many files", f"{len(paths)} files were dropped. Drop one photograph "
                                    "on a slot, or two on the window (gallery first, then probe).")

    def first_empty(self) -> str | None:
        for role in ROLES:
            if self.state[role].image is None:
                return role
        return None
