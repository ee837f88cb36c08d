"""Controls for how maps are shown: opacity, colour map, photograph overlay, blur and normalisation.

Blur and normalisation only post-process the raw Δx (core.attribution), so changing
them redraws the maps at once without running FAME again.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox, QComboBox, QDoubleSpinBox, QGridLayout, QLabel, QSlider, QSpinBox, QWidget,
)

from ..core.attribution import NORMALISATIONS, MapSettings
from ..core.overlay import COLOUR_MAPS, DEFAULT_COLOUR_MAP
from .layouts import compact, push_button, quiet

NORMALISATION_LABELS = {"minmax": "min–max (reference code)", "max": "max (paper)"}


class DisplayControls(QWidget):
    display_changed = Signal()  # opacity, colour map or photograph overlay
    map_settings_changed = Signal(object)  # MapSettings

    def __init__(self, default_settings=MapSettings, parent=None):
        """default_settings: a function giving the map settings "Defaults" restores (the task's for its model)."""
        super().__init__(parent)
        self.opacity = QSlider(Qt.Orientation.Horizontal)
        self.opacity.setRange(0, 100)
        self.opacity.setValue(50)
        self.opacity.setToolTip("Overlay opacity (0 = photograph only, 100 = map only)")
        self.opacity_label = QLabel("50 %")
        self.opacity_label.setMinimumWidth(40)
        self.cmap = QComboBox()
        self.cmap.addItems(list(COLOUR_MAPS))
        self.cmap.setCurrentText(DEFAULT_COLOUR_MAP)
        self.on_photo = QCheckBox("Overlay on photographs")
        self.on_photo.setChecked(True)
        self.on_photo.setToolTip("Warp the maps back onto the original photographs (inverse alignment)")

        defaults = MapSettings()
        self.sigma = QDoubleSpinBox()
        self.sigma.setRange(0.0, 50.0)
        self.sigma.setSingleStep(0.1)
        self.sigma.setDecimals(1)
        self.sigma.setSpecialValueText("no blur")
        self.sigma.setValue(defaults.blur_sigma)
        self.sigma.setToolTip("Gaussian blur σ in crop pixels (paper: 7.7); 0 = no blur")
        self.kernel = QSpinBox()
        self.kernel.setRange(0, 111)
        self.kernel.setValue(defaults.blur_kernel)
        self.kernel.setToolTip("Gaussian kernel size (paper: 49); an even size becomes the next odd one")
        self.normalisation = QComboBox()
        for key in NORMALISATIONS:
            self.normalisation.addItem(NORMALISATION_LABELS.get(key, key), key)
        compact(self.normalisation, 10)
        self.reset = push_button("Defaults", lambda: self.set_map_settings(default_settings()),
                                 "The paper's blur scaled to the model's input size (kernel 49, σ 7.7 at 112 px), "
                                 "min–max normalisation")

        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(8)
        grid.addWidget(QLabel("Opacity"), 0, 0)
        grid.addWidget(self.opacity, 0, 1, 1, 2)
        grid.addWidget(self.opacity_label, 0, 3)
        grid.addWidget(QLabel("Colours"), 0, 4)
        grid.addWidget(self.cmap, 0, 5)
        grid.addWidget(self.on_photo, 0, 6, 1, 2)
        grid.addWidget(QLabel("Blur σ"), 1, 0)
        grid.addWidget(self.sigma, 1, 1)
        grid.addWidget(QLabel("kernel"), 1, 2, Qt.AlignmentFlag.AlignRight)
        grid.addWidget(self.kernel, 1, 3)
        grid.addWidget(QLabel("Normalise"), 1, 4)
        grid.addWidget(self.normalisation, 1, 5)
        grid.addWidget(self.reset, 1, 6)
        grid.setColumnStretch(7, 1)

        self.opacity.valueChanged.connect(self._opacity_moved)
        self.cmap.currentTextChanged.connect(lambda _t: self.display_changed.emit())
        self.on_photo.toggled.connect(lambda _b: self.display_changed.emit())
        for w in (self.sigma, self.kernel):
            w.valueChanged.connect(self._maps_changed)
        self.normalisation.currentIndexChanged.connect(self._maps_changed)

    def _opacity_moved(self, v: int) -> None:
        self.opacity_label.setText(f"{v} %")
        self.display_changed.emit()

    def _maps_changed(self, *_):
        self.map_settings_changed.emit(self.map_settings())

    def alpha(self) -> float:
        return self.opacity.value() / 100.0

    def colour_map(self) -> str:
        return self.cmap.currentText()

    def map_settings(self) -> MapSettings:
        return MapSettings(blur_kernel=self.kernel.value(), blur_sigma=round(self.sigma.value(), 3),
                           normalisation=self.normalisation.currentData())

    def set_map_settings(self, s: MapSettings) -> None:
        with quiet(self.sigma, self.kernel, self.normalisation):
            self.sigma.setValue(s.blur_sigma)
            self.kernel.setValue(s.blur_kernel)
            self.normalisation.setCurrentIndex(max(0, self.normalisation.findData(s.normalisation)))
        self._maps_changed()

    def set_display(self, colour_map: str, opacity: int, on_photo: bool) -> None:
        """Show a display (a reopened case's, the remembered one) without announcing it; an unknown colour
        map keeps the current one."""
        with quiet(self.opacity, self.cmap, self.on_photo):
            if colour_map in COLOUR_MAPS:
                self.cmap.setCurrentText(colour_map)
            self.opacity.setValue(opacity)
            self.opacity_label.setText(f"{self.opacity.value()} %")
            self.on_photo.setChecked(on_photo)
