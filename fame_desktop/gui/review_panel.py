"""Aligned crops side by side with their maps, a blend / wipe view between them, a colour bar.

The three views share zoom and pan. Each face shows its similar map (e+), its
dissimilar map (e−) or no map; `show_original` hides every overlay at once.
"""

from __future__ import annotations

from html import escape

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup, QGridLayout, QHBoxLayout, QLabel, QRadioButton, QSlider, QWidget,
)

from ..core.compare_views import blend, wipe, wipe_position
from ..core.overlay import overlay
from .colour_bar import ColourBar
from .display_controls import DisplayControls
from .image_view import ImageView
from .layouts import box
from .theme import choice_button

KIND_LABELS = {"similar": "e+ similar", "dissimilar": "e− dissimilar", None: "no map"}
SHORT_KIND_LABELS = {"similar": "e+", "dissimilar": "e−", None: "none"}  # when the window is narrow


class MapToggle(QWidget):
    """Three exclusive buttons: e+ / e− / none for one face."""

    changed = Signal()

    def __init__(self, side: str, parent=None):
        super().__init__(parent)
        self.group = QButtonGroup(self)
        self.buttons = {}
        tips = {"similar": "Evidence for the match: pixels that carry the similarity",
                "dissimilar": "Evidence against the match: pixels that carry the dissimilarity",
                None: "The aligned crop without a map"}
        for kind in ("similar", "dissimilar", None):
            b = choice_button(KIND_LABELS[kind], f"{side.capitalize()}: {tips[kind]}", f"{side}_{kind or 'none'}")
            self.group.addButton(b)
            self.buttons[kind] = b
        box(*self.buttons.values(), 1, row=True, on=self, spacing=2)
        self.layout().setSizeConstraint(QHBoxLayout.SizeConstraint.SetNoConstraint)  # minimumSizeHint: short labels
        self.buttons["similar"].setChecked(True)
        self.group.buttonToggled.connect(lambda _b, on: on and self.changed.emit())
        self.short_width, self.full_width = self._width(SHORT_KIND_LABELS), self._width(KIND_LABELS)

    def _width(self, labels: dict) -> int:
        for kind, b in self.buttons.items():
            b.setText(labels[kind])
        return sum(b.sizeHint().width() for b in self.buttons.values()) + 2 * (len(self.buttons) - 1)

    def minimumSizeHint(self):  # noqa: N802 - Qt API
        hint = super().minimumSizeHint()
        hint.setWidth(self.short_width)
        return hint

    def resizeEvent(self, ev):  # noqa: N802 - Qt API
        """The full labels where they fit, else e+ / e− / none (never an elided 'e+ …lar')."""
        super().resizeEvent(ev)
        self._width(KIND_LABELS if self.width() >= self.full_width else SHORT_KIND_LABELS)

    def kind(self) -> str | None:
        for kind, b in self.buttons.items():
            if b.isChecked():
                return kind
        return None

    def set_kind(self, kind: str | None) -> None:
        self.buttons[kind].setChecked(True)


class ReviewPanel(QWidget):
    """controls / colour_bar: the page's display controls (opacity, colour map) and its colour bar."""

    def __init__(self, controls: DisplayControls, colour_bar: ColourBar, parent=None):
        super().__init__(parent)
        self.crops: dict[str, np.ndarray | None] = {"gallery": None, "probe": None}
        self.maps: dict[str, np.ndarray] | None = None
        self.caption = ""
        self.captions: dict[str, str] = {}
        self.show_original = False
        self.views = {
            "gallery": ImageView("Gallery face\n(aligned crop)"),
            "probe": ImageView("Probe face\n(aligned crop)"),
        }
        self.compare_view = ImageView("Blend / wipe\nof both faces")
        self.toggles = {side: MapToggle(side) for side in self.views}
        for t in self.toggles.values():
            t.changed.connect(self.render)
        # shared zoom and pan
        self.views["probe"].link_to(self.views["gallery"])
        self.compare_view.link_to(self.views["gallery"])
        self.wipe_line = pg.InfiniteLine(angle=90, movable=False, pen=pg.mkPen((255, 255, 255), width=1))
        self.compare_view.vb.addItem(self.wipe_line)
        self.wipe_line.hide()

        self.blend_mode = QRadioButton("Blend")
        self.wipe_mode = QRadioButton("Wipe")
        self.blend_mode.setChecked(True)
        self.mix = QSlider(Qt.Orientation.Horizontal)
        self.mix.setMinimumWidth(60)  # never collapses to nothing in a narrow window
        self.mix.setRange(0, 100)
        self.mix.setValue(50)
        self.mix.setToolTip("Left: gallery only · right: probe only")
        self.blend_mode.toggled.connect(lambda _b: self._render_compare())
        self.mix.valueChanged.connect(lambda _v: self._render_compare())
        self.colour_bar, self.controls = colour_bar, controls

        self.mix_ends = (QLabel("Gallery"), QLabel("Probe"))
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(8)
        grid.setVerticalSpacing(3)
        for col, (title, view) in enumerate((("Gallery · aligned face", self.views["gallery"]),
                                             ("Compare", self.compare_view),
                                             ("Probe · aligned face", self.views["probe"]))):
            grid.addWidget(self._title(title), 0, col)
            grid.addWidget(view, 1, col)
            grid.setColumnStretch(col, 1)
        grid.addWidget(self.colour_bar, 1, 3)
        grid.addWidget(self.toggles["gallery"], 2, 0)
        grid.addWidget(box(1, self.blend_mode, self.wipe_mode, 1, row=True, spacing=8), 2, 1)
        grid.addWidget(box(self.mix_ends[0], (self.mix, 1), self.mix_ends[1], row=True, spacing=4), 3, 1)
        grid.addWidget(self.toggles["probe"], 2, 2)
        grid.setRowStretch(1, 1)

    @staticmethod
    def _title(text: str) -> QLabel:
        label = QLabel(f"<b>{escape(text)}</b>")
        label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        return label

    # state ------------------------------------------------------------------------------
    def set_crops(self, gallery: np.ndarray | None, probe: np.ndarray | None) -> None:
        self.crops = {"gallery": gallery, "probe": probe}
        self.render()
        self._render_compare()

    def set_maps(self, maps: dict | None, caption: str = "", captions: dict | None = None) -> None:
        """{map key: (112, 112) float map in [0, 1]} or None; caption describes them (preview,
        result), `captions` per map key where they differ."""
        self.maps, self.caption, self.captions = maps, caption, dict(captions or {})
        self.render()

    def set_show_original(self, on: bool) -> None:
        """Originals (O): no map anywhere, so no map choice is highlighted either (O again restores it)."""
        self.show_original = on
        for toggle in self.toggles.values():
            toggle.setEnabled(not on)
            toggle.setToolTip("Originals are shown (O): press O to show the maps again" if on else "")
        self.render()

    def kind_for(self, side: str) -> str | None:
        return None if self.show_original else self.toggles[side].kind()

    def map_for(self, side: str) -> np.ndarray | None:
        kind = self.kind_for(side)
        if self.maps is None or kind is None:
            return None
        return self.maps.get(f"{side}_{kind}")

    # drawing ----------------------------------------------------------------------------
    def render(self) -> None:
        alpha, cmap = self.controls.alpha(), self.controls.colour_map()
        for side, view in self.views.items():
            crop = self.crops[side]
            m = self.map_for(side) if crop is not None else None
            view.set_image(crop if m is None else overlay(crop, m, alpha, cmap))
            if crop is None:
                view.set_badge("")
            elif self.show_original:
                view.set_badge("original crop (no map)")
            elif m is not None:
                key = f"{side}_{self.kind_for(side)}"
                view.set_badge(f"{KIND_LABELS[self.kind_for(side)]} · {self.captions.get(key, self.caption)}"
                               .rstrip(" ·"))
            else:
                view.set_badge("no map yet" if self.maps is None else "no map")

    def _render_compare(self) -> None:
        g, p = self.crops["gallery"], self.crops["probe"]
        if g is None or p is None:
            self.compare_view.set_image(None)
            self.compare_view.set_badge("")
            self.wipe_line.hide()
            return
        t = self.mix.value() / 100.0
        blending = self.blend_mode.isChecked()
        # t is the probe's share in both modes; the wipe keeps the panels' order (gallery left, probe
        # right), so its line sits at (1 − t) of the width and the slider runs the other way
        self.mix.setInvertedAppearance(not blending)
        for label, text in zip(self.mix_ends, ("Gallery", "Probe") if blending else ("Probe", "Gallery")):
            label.setText(text)
        self.mix.setToolTip("Left: gallery only · right: probe only" if blending else
                            "The wipe line follows the handle: gallery left of it, probe right")
        if blending:
            self.compare_view.set_image(blend(g, p, t))
            self.compare_view.set_badge(f"blend · {round((1 - t) * 100)} % gallery, {round(t * 100)} % probe")
            self.wipe_line.hide()
        else:
            self.compare_view.set_image(wipe(p, g, 1.0 - t))
            self.wipe_line.setPos(wipe_position(g.shape[1], 1.0 - t))
            self.wipe_line.show()
            self.compare_view.set_badge("wipe · gallery | probe")
