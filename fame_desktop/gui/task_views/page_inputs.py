"""Loading photographs into a task page: read in a worker, then prepared for the model.

Each slot counts its loads, so a slow read of an older file never overwrites a newer
one; a file that cannot be read leaves the slot as it was.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QApplication, QFileDialog

from ..display_levels import with_levels
from ..drops import clipboard_png, local_files
from .alive import start

IMAGE_FILTER = "Images (*.jpg *.jpeg *.png *.bmp *.tif *.tiff *.webp *.mpo);;All files (*)"


class InputsMixin:
    """Mixed into TaskPage (which provides w, task, slots, images, _read_gen, prepare, cancel)."""

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
        start(self, self.w.runner, f"read {role}", with_levels(fn),  # the display pyramid in the worker too
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
