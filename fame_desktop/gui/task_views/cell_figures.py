"""The receptive-field figures of the selected cell, as the feature-map task measures them."""

from __future__ import annotations

from PySide6.QtWidgets import QFormLayout, QLabel, QWidget

ROWS = (("outside", "Change outside the nominal cell"), ("offset", "Mass centre − cell centre"),
        ("extent50", "50 % extent (w × h)"), ("extent90", "90 % extent (w × h)"), ("peak", "Strongest change"))


class CellFigures(QWidget):
    def __init__(self, parent=None):
        super().__init__(parent)
        form = QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        self.values: dict[str, QLabel] = {}
        for key, label in ROWS:
            value = QLabel("–")
            value.setObjectName(f"rf_{key}")
            value.setWordWrap(True)
            self.values[key] = value
            form.addRow(label, value)
        self.setToolTip("Measured on the raw change |gray(Δx)| (no blur): how much of it lies outside the cell's "
                        "nominal area, where its centre of mass is, and the span holding the central 50 % / 90 % "
                        "of it, in cell sizes. CAM's upsampling assumes 0 % outside and no offset.")

    def show_figures(self, f: dict | None) -> None:
        """f: core.receptive_field figures of one cell, or None (not computed)."""
        if f is None or f.get("empty", True):
            for v in self.values.values():
                v.setText("–" if f is None else "no change")
            return
        ox, oy = f["offset_cells"]
        px, py = f["offset_px"]
        self.values["outside"].setText(f"<b>{f['mass_outside']:.1%}</b>")
        self.values["offset"].setText(f"{ox:+.2f}, {oy:+.2f} cells ({px:+.0f}, {py:+.0f} px; x, y)")
        self.values["extent50"].setText("{:.1f} × {:.1f} cells".format(*f["extent_50_cells"]))
        self.values["extent90"].setText("{:.1f} × {:.1f} cells".format(*f["extent_90_cells"]))
        self.values["peak"].setText(("inside" if f["peak_inside"] else "outside") +
                                    " the cell, at ({}, {}) px".format(*f["peak"]))

    def text(self) -> str:
        return "; ".join(f"{label}: {self.values[k].text()}" for k, label in ROWS)
