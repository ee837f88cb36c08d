"""The FAME parameter fields with a preset chooser (fast / reference / custom), shared by the
face page and the task pages.

A preset only fills the fields; any field can then be edited, and the chooser shows the
preset whose values the fields hold, or "Custom". `params()` names the preset in the
FameParams it returns only when every value is the preset's, so reports and case files
state a preset exactly when it was used. Values persist under `<prefix>/…` in the settings.
"""

from __future__ import annotations

from dataclasses import replace
from fractions import Fraction

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox, QComboBox, QDoubleSpinBox, QFormLayout, QLabel, QLineEdit, QSpinBox, QWidget,
)

DEFAULT_PRESET = "fast"  # interactive use; "reference" (the published 500 iterations) is one click away
CUSTOM = "custom"
PRESET_LABELS = {"fast": "Fast — adaptive stopping", "reference": "Reference — 500 iterations", CUSTOM: "Custom"}
_COMPARED = ("step_size", "iterations", "epsilon", "clamp", "detach_norms", "converge_tolerance", "converge_window")


def parse_step(text: str) -> float:
    """'1/255', '0.0039' → float; ValueError with a readable reason otherwise."""
    try:
        value = float(Fraction(text.strip()))
    except (ValueError, ZeroDivisionError):
        raise ValueError(f"step size: not a number: {text!r} (e.g. 1/255 or 0.0039)") from None
    if value <= 0:
        raise ValueError("step size must be positive")
    return value


def step_text(step: float) -> str:
    """0.00392… → '1/255'; other values as Python writes them."""
    k = step * 255
    return f"{round(k)}/255" if abs(k - round(k)) < 1e-9 and round(k) > 0 else repr(step)


def _fit_decimals(spin: QDoubleSpinBox, value: float, most: int = 8) -> None:
    """Give a spin box enough decimals to hold `value` exactly (a CLI case may use ε 0.00125)."""
    d = spin.decimals()
    while d < most and round(value, d) != round(value, most):
        d += 1
    spin.setDecimals(d)


def matching_preset(params) -> str:
    """The name of the preset whose values `params` holds (snapshot cadence aside), else 'custom'."""
    from ..core.presets import PRESETS

    for name, p in PRESETS.items():
        if all(_same(getattr(params, k), getattr(p, k)) for k in _COMPARED):
            return name
    return CUSTOM


def _same(a, b) -> bool:
    return abs(a - b) <= 1e-9 * max(1.0, abs(b)) if isinstance(b, float) else a == b


class FameForm(QWidget):
    """Preset, T, η, ε, adaptive stopping δ and window, clamp (and detach_norms for faces)."""

    changed = Signal()

    def __init__(self, settings, prefix: str = "fame", with_detach: bool = True,
                 default_preset: str = DEFAULT_PRESET, caveats: dict[str, str] | None = None, parent=None):
        """default_preset: what a first start and Restore defaults choose; caveats: {preset: text}
        shown under the chooser while that preset is chosen (a task's `preset_caveats`)."""
        super().__init__(parent)
        from ..core.presets import PRESET_HELP

        self.settings, self.prefix = settings, prefix
        self.default_preset, self.caveats = default_preset, dict(caveats or {})
        self.preset = QComboBox()
        self.preset.setObjectName("fame_preset")
        for name, label in PRESET_LABELS.items():
            self.preset.addItem(label, name)
            if name in PRESET_HELP:
                self.preset.setItemData(self.preset.count() - 1, PRESET_HELP[name], 3)  # Qt.ToolTipRole
        self.preset.setToolTip("Fast: each map stops once it no longer changes (on face pairs about a tenth of the time, "
                               "maps r ≈ 0.96 against the reference). Reference: 500 iterations for every map, "
                               "as published. Any edit below makes the parameters Custom.")
        self.iterations = QSpinBox()
        self.iterations.setRange(1, 100_000)
        self.iterations.setToolTip("T: the most iterations per map (paper: 500)")
        self.step = QLineEdit()
        self.step.setToolTip("η in [0, 1] pixel units, e.g. 1/255 (default) or 0.0039")
        self.epsilon = QDoubleSpinBox()
        self.epsilon.setDecimals(4)
        self.epsilon.setRange(0.0, 1000.0)
        self.epsilon.setSingleStep(0.005)
        self.epsilon.setSpecialValueText("off")
        self.epsilon.setToolTip("Stop a map once its loss is below ε (reference script: 0.01); off runs every map "
                                "until T or convergence — impostor pairs' e+ maps otherwise stop at once")
        self.converge = QDoubleSpinBox()
        self.converge.setDecimals(4)
        self.converge.setRange(0.0, 0.5)
        self.converge.setSingleStep(0.001)
        self.converge.setSpecialValueText("off")
        self.converge.setToolTip("Adaptive stopping: a map stops once 1 − r between its map now and the map "
                                 "'window' iterations earlier is below δ (fast preset: 0.003); off = never")
        self.window = QSpinBox()
        self.window.setRange(1, 1000)
        self.window.setSuffix(" iterations")
        self.window.setToolTip("Iterations between the two maps adaptive stopping compares")
        self.clamp = QCheckBox("Clamp the perturbed image to [0, 1]")
        self.detach = QCheckBox("Detach the cosine's norms (paper footnote)")
        self.detach.setVisible(with_detach)
        self.caveat = QLabel()
        self.caveat.setObjectName("fame_preset_caveat")
        self.caveat.setWordWrap(True)
        self.caveat.setStyleSheet("color: #e0b050; font-size: 9pt;")
        self.caveat.hide()

        form = QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        form.addRow("Preset", self.preset)
        form.addRow(self.caveat)
        form.addRow("Iterations T", self.iterations)
        form.addRow("Step size η", self.step)
        form.addRow("Early stop ε", self.epsilon)
        form.addRow("Adaptive stop δ", self.converge)
        form.addRow("Compare every", self.window)
        form.addRow("", self.clamp)
        if with_detach:
            form.addRow("", self.detach)

        self._load()
        self.preset.currentIndexChanged.connect(self._preset_chosen)
        for w in (self.iterations, self.epsilon, self.converge, self.window):
            w.valueChanged.connect(self._edited)
        for w in (self.clamp, self.detach):
            w.toggled.connect(self._edited)
        self.step.editingFinished.connect(self._edited)

    # values -----------------------------------------------------------------------------
    def params(self, snapshot_every: int = 0):
        """FameParams from the fields (preset named when all values are its); ValueError if one is bad."""
        from ..core.fame import FameParams

        p = FameParams(step_size=parse_step(self.step.text()), iterations=self.iterations.value(),
                       epsilon=round(self.epsilon.value(), 6), clamp=self.clamp.isChecked(),
                       detach_norms=self.detach.isChecked(), snapshot_every=snapshot_every,
                       converge_tolerance=round(self.converge.value(), 6), converge_window=self.window.value())
        name = matching_preset(p)
        return replace(p, preset=name) if name != CUSTOM else p

    def set_params(self, p) -> None:
        """Show `p` (e.g. a reopened case's parameters); the chooser follows."""
        self._show(p)
        self._remember()

    def choose(self, name: str) -> None:
        """Fill the fields with a preset's values ('custom' keeps them)."""
        self.preset.setCurrentIndex(max(0, self.preset.findData(name)))
        self._preset_chosen()

    def restore_defaults(self) -> None:
        self.choose(self.default_preset)

    # internals --------------------------------------------------------------------------
    def _show(self, p) -> None:
        widgets = (self.preset, self.iterations, self.step, self.epsilon, self.converge, self.window, self.clamp,
                   self.detach)
        for w in widgets:
            w.blockSignals(True)
        try:
            _fit_decimals(self.epsilon, p.epsilon)
            _fit_decimals(self.converge, p.converge_tolerance)
            self.iterations.setValue(p.iterations)
            self.step.setText(step_text(p.step_size))
            self.epsilon.setValue(p.epsilon)
            self.converge.setValue(p.converge_tolerance)
            self.window.setValue(p.converge_window)
            self.clamp.setChecked(p.clamp)
            self.detach.setChecked(p.detach_norms)
            self._sync_chooser(p)
        finally:
            for w in widgets:
                w.blockSignals(False)

    def _sync_chooser(self, p=None) -> None:
        try:
            name = matching_preset(p if p is not None else self.params())
        except ValueError:  # a bad step size is shown as an error when the run starts
            name = CUSTOM
        self.preset.blockSignals(True)
        self.preset.setCurrentIndex(self.preset.findData(name))
        self.preset.blockSignals(False)
        self.caveat.setText(self.caveats.get(name, ""))
        self.caveat.setVisible(name in self.caveats)

    def _preset_chosen(self, *_):
        from ..core.presets import PRESETS

        name = self.preset.currentData()
        if name in PRESETS:
            self._show(PRESETS[name])
        self._remember()
        self.changed.emit()

    def _edited(self, *_):
        self._sync_chooser()
        self._remember()
        self.changed.emit()

    def _load(self) -> None:
        """The stored parameters (stored before presets existed: as they were); else the default preset."""
        from ..core.fame import FameParams
        from ..core.presets import PRESETS

        s, key = self.settings, f"{self.prefix}/preset"
        name = s.get(key, "", str)
        if not name and s.get(f"{self.prefix}/iterations", None, int) is None:
            name = self.default_preset  # a first start
        if name in PRESETS:
            self._show(PRESETS[name])
            return
        d = PRESETS[self.default_preset]
        try:
            step = parse_step(s.get(f"{self.prefix}/step_size", step_text(d.step_size), str))
            p = FameParams(step_size=step, iterations=s.get(f"{self.prefix}/iterations", d.iterations, int),
                           epsilon=s.get(f"{self.prefix}/epsilon", d.epsilon, float),
                           clamp=s.get(f"{self.prefix}/clamp", d.clamp, bool),
                           detach_norms=s.get(f"{self.prefix}/detach_norms", d.detach_norms, bool),
                           converge_tolerance=s.get(f"{self.prefix}/converge_tolerance", d.converge_tolerance,
                                                    float),
                           converge_window=s.get(f"{self.prefix}/converge_window", d.converge_window, int))
        except ValueError:  # stored junk: start from the default preset
            p = d
        self._show(p)

    def _remember(self) -> None:
        s, pre = self.settings, self.prefix
        s.set(f"{pre}/preset", self.preset.currentData())
        s.set(f"{pre}/iterations", self.iterations.value())
        s.set(f"{pre}/step_size", self.step.text().strip())
        s.set(f"{pre}/epsilon", self.epsilon.value())
        s.set(f"{pre}/converge_tolerance", self.converge.value())
        s.set(f"{pre}/converge_window", self.window.value())
        s.set(f"{pre}/clamp", self.clamp.isChecked())
        s.set(f"{pre}/detach_norms", self.detach.isChecked())
