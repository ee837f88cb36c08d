"""What the window remembers between runs: geometry, display choices, threshold, examiner."""

from __future__ import annotations

from PySide6.QtCore import QByteArray

from ..core.attribution import MapSettings
from ..core.overlay import COLOUR_MAPS


class WindowState:
    def __init__(self, window):
        self.w = window
        self.s = window.settings

    def restore(self) -> None:
        w, s = self.w, self.s
        geometry = s.get_bytes("window/geometry")
        if geometry is not None:
            w.restoreGeometry(QByteArray(geometry))
        state = s.get_bytes("window/state")
        if state is not None:
            w.restoreState(QByteArray(state))
        c = w.review.controls
        for widget in (c.opacity, c.cmap, c.on_photo):
            widget.blockSignals(True)
        c.opacity.setValue(s.get("view/opacity", 50))
        c.opacity_label.setText(f"{c.opacity.value()} %")
        cmap = s.get("view/cmap", c.cmap.currentText())
        if cmap in COLOUR_MAPS:
            c.cmap.setCurrentText(cmap)
        c.on_photo.setChecked(s.get("view/on_photo", True))
        for widget in (c.opacity, c.cmap, c.on_photo):
            widget.blockSignals(False)
        w.review.colour_bar.set_cmap(c.colour_map())
        d = MapSettings()
        try:
            ms = MapSettings(blur_kernel=s.get("maps/blur_kernel", d.blur_kernel),
                             blur_sigma=s.get("maps/blur_sigma", d.blur_sigma),
                             normalisation=s.get("maps/normalisation", d.normalisation))
        except ValueError:
            ms = d
        c.set_map_settings(ms)

    def apply_session_settings(self) -> None:
        """Once the session exists: the remembered threshold and examiner (both audited)."""
        w, s = self.w, self.s
        w.model.do("set_parameters", None, w.review.controls.map_settings())
        source = s.get("threshold/source", "")
        if source:
            try:
                w.apply_threshold((s.get("threshold/value", 0.0, float), source))
            except ValueError:
                self.s.remove("threshold/source")
        examiner = s.get("case/examiner", "")
        if examiner:
            w.case.set_values({"examiner": examiner})
            w.model.do("set_case", examiner=examiner)

    def save_display(self) -> None:
        c, s = self.w.review.controls, self.s
        s.set("view/opacity", c.opacity.value())
        s.set("view/cmap", c.colour_map())
        s.set("view/on_photo", c.on_photo.isChecked())
        ms = c.map_settings()
        s.set("maps/blur_kernel", ms.blur_kernel)
        s.set("maps/blur_sigma", ms.blur_sigma)
        s.set("maps/normalisation", ms.normalisation)

    def save_threshold(self, threshold) -> None:
        if threshold is None:
            self.s.remove("threshold/value")
            self.s.remove("threshold/source")
        else:
            self.s.set("threshold/value", threshold.value)
            self.s.set("threshold/source", threshold.source)

    def save(self) -> None:
        self.s.set("window/geometry", self.w.saveGeometry())
        self.s.set("window/state", self.w.saveState())
        self.save_display()
        self.s.sync()
