"""The receptive-field figures of the selected cell, as the feature-map task measures them."""

from __future__ import annotations

from PySide6.QtWidgets import QGridLayout, QLabel, QWidget

ROWS = (("outside", "Outside the cell", "share of the change outside the cell's nominal area (CAM assumes 0 %)"),
        ("offset", "Centre offset", "mass centre minus cell centre, x and y, in cell sizes (pixels in brackets)"),
        ("extent50", "50 % extent", "width × height holding the central 50 % of the change, in cell sizes"),
        ("extent90", "90 % extent", "width × height holding the central 90 % of the change, in cell sizes"),
        ("peak", "Strongest change", "where |gray(Δx)| is largest, in model-input pixels (x, y)"))


class CellFigures(QWidget):
    def __init__(self, parent=None):
        super().__init__(parent)
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(10)
        self.values: dict[str, QLabel] = {}
        for i, (key, label, tip) in enumerate(ROWS):
            name = QLabel(label)
            name.setToolTip(tip)
            value = QLabel("–")
            value.setObjectName(f"rf_{key}")
            value.setToolTip(tip)
            self.values[key] = value
            grid.addWidget(name, i, 0)
            grid.addWidget(value, i, 1)
        grid.setColumnStretch(1, 1)
        self.setToolTip("Measured on the raw change |gray(Δx)| (no blur), against the cell's nominal area")

    def show_figures(self, f: dict | None) -> None:
        """f: core.receptive_field figures of one cell, or None (not computed)."""
        if f is None or f.get("empty", True):
            for v in self.values.values():
                v.setText("–" if f is None else "no change")
            return
        ox, oy = f["offset_cells"]
        px, py = f["offset_px"]
        self.values["outside"].setText(f"<b>{f['mass_outside']:.1%}</b>")
        self.values["offset"].setText(f"{ox:+.2f}, {oy:+.2f} ({px:+.0f}, {py:+.0f} px)")
        self.values["extent50"].setText("{:.1f} × {:.1f} cells".format(*f["extent_50_cells"]))
        self.values["extent90"].setText("{:.1f} × {:.1f} cells".format(*f["extent_90_cells"]))
        self.values["peak"].setText(("in the cell" if f["peak_inside"] else "outside") + " ({}, {})".format(*f["peak"]))

    def text(self) -> str:
        return "; ".join(f"{label}: {self.values[k].text()}" for k, label, _ in ROWS)
