"""An image slot of a task mode: the face slot's widget (drop, Open…, recent files, paste) without faces.

The photograph is shown untouched, with the task's map as a layer over it where the model
input covers it; face models (feature-map mode) also draw the face that was used.
"""

from __future__ import annotations

from ..input_slot import InputSlot


class TaskImageSlot(InputSlot):
    def __init__(self, role: str, label: str, hint: str = "", parent=None):
        super().__init__(role, parent)
        self.setObjectName(f"task_slot_{role}")
        self.label = label
        self.title.setText(f"<b>{label}</b>")  # the hint goes in the tooltip: long hints would widen the window
        self.title.setToolTip(hint or label)
        self.open_button.setToolTip(f"Open the {label.lower()} (a file, a recent file, or the clipboard)")
        self.landmark_button.hide()
        self.view.set_placeholder(self.empty_text())

    def empty_text(self) -> str:
        return f"Drop {self.label.lower()} here\nor click Open…"

    def show_empty(self) -> None:
        super().show_empty()
        self.view.set_placeholder(self.empty_text())

    def show_error(self, text: str) -> None:
        """A problem with this input (e.g. no face for a face model): said in the slot, nothing lost."""
        self.view.set_badge("")
        self.status.setText(f"<span style='color:#ffb547'><b>{text}</b></span>")

    def show_ready(self, image, detail: str = "") -> None:
        """The photograph is prepared for the model; `detail` says how (e.g. the region used)."""
        self.view.set_badge("")
        self.status.setText(f"{detail}<br><span style='color:#8a8f98'>{image.width}×{image.height} "
                            f"{image.format} · SHA-256 {image.sha256[:16]}…</span>")
        self.status.setToolTip(f"SHA-256 {image.sha256}\n{image.source}")
