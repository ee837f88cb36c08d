"""Forms drawn from `OptionSpec`s: a task's options and any method's parameters, with its presets.

No method or task has GUI code of its own: FAME's fields (T, η, ε, δ, …) and a plugin
method's are drawn the same way. Every value is remembered under `<prefix>/<key>` in the
settings as the user sets it.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QCheckBox, QComboBox, QDoubleSpinBox, QFormLayout, QLabel, QLineEdit, QSpinBox, QWidget

from ..core.errors import FameError
from .layouts import compact, quiet, styled_label

CUSTOM = "custom"


def fraction_text(value: float) -> str:
    """0.00392… → '1/255' (η as users write it); other values as Python writes them."""
    k = value * 255
    return f"{round(k)}/255" if abs(k - round(k)) < 1e-9 and round(k) > 0 else repr(value)


class SpecForm(QFormLayout):
    """A field per OptionSpec; `changed(key)` is called after the user edits one (and it is remembered)."""

    def __init__(self, settings, prefix: str, changed):
        super().__init__()
        self.settings, self.prefix, self.changed = settings, prefix, changed
        self.widgets: dict[str, QWidget] = {}
        self.specs: dict = {}

    def build(self, specs, visible=lambda key: True) -> None:
        while self.rowCount():
            self.removeRow(0)
        self.widgets.clear()
        self.specs = {s.key: s for s in specs}
        for spec in specs:
            w = self._widget(spec)
            self.widgets[spec.key] = w
            if spec.kind == "bool":
                self.addRow(w)  # the check box across both columns: its label is its text
            else:
                label = QLabel(spec.label)
                label.setToolTip(spec.help)
                self.addRow(label, w)
                label.setVisible(visible(spec.key))
            w.setVisible(visible(spec.key))  # once in the form (a parentless widget shown would be a window)
        self.show_values({k: self.settings.get(f"{self.prefix}/{k}", s.default, _stored_type(s))
                          for k, s in self.specs.items()}, quiet=True)

    def _widget(self, spec) -> QWidget:
        if spec.kind == "choice":
            w = compact(QComboBox())
            for c in spec.choices:
                w.addItem(str(c), c)
            w.currentIndexChanged.connect(lambda _i, k=spec.key: self._edited(k))
        elif spec.kind in ("int", "float"):
            w = QSpinBox() if spec.kind == "int" else QDoubleSpinBox()
            if spec.kind == "float":
                w.setDecimals(spec.decimals)
            w.setRange(spec.minimum if spec.minimum is not None else -1_000_000,
                       spec.maximum if spec.maximum is not None else 1_000_000)
            if spec.step:
                w.setSingleStep(spec.step)
            w.setSpecialValueText(spec.off)
            w.setSuffix(spec.suffix)
            w.valueChanged.connect(lambda _v, k=spec.key: self._edited(k))
        elif spec.kind == "bool":
            w = QCheckBox(spec.label)
            w.toggled.connect(lambda _b, k=spec.key: self._edited(k))
        else:
            w = QLineEdit()
            w.editingFinished.connect(lambda k=spec.key: self._edited(k))
        w.setToolTip(spec.help)
        return w

    def _edited(self, key: str) -> None:
        self.remember(key)
        self.changed(key)

    def remember(self, key: str | None = None) -> None:
        """Store a field's value (every field's without `key`)."""
        for k in [key] if key else self.widgets:
            value = raw_value(self.widgets[k])
            self.settings.set(f"{self.prefix}/{k}", value if isinstance(value, (bool, int, float)) else str(value))

    def values(self) -> dict:
        """The values of the visible fields (the task or method fills in the rest)."""
        return {k: raw_value(w) for k, w in self.widgets.items() if not w.isHidden()}

    def show_values(self, values: dict, quiet: bool = True) -> None:
        """Show `values` {key: value} (unknown keys ignored) without counting it as the user's edit."""
        for key, value in values.items():
            w, spec = self.widgets.get(key), self.specs.get(key)
            if w is None:
                continue
            w.blockSignals(quiet)
            if isinstance(w, QComboBox):
                w.setCurrentIndex(max(0, w.findData(value)))
            elif isinstance(w, QCheckBox):
                w.setChecked(bool(value))
            elif isinstance(w, QDoubleSpinBox):
                _fit_decimals(w, float(value))
                w.setValue(float(value))
            elif isinstance(w, QSpinBox):
                w.setValue(int(value))
            else:
                w.setText(fraction_text(value) if spec.kind == "fraction" and not isinstance(value, str) else str(value))
            w.blockSignals(False)


def _stored_type(spec):
    return {"int": int, "float": float, "bool": bool}.get(spec.kind, str) if spec.kind != "choice" else \
        type(spec.default)


def _fit_decimals(spin: QDoubleSpinBox, value: float, most: int = 8) -> None:
    """Give a spin box enough decimals to hold `value` exactly (a case run from the CLI may use ε 0.00125)."""
    d = spin.decimals()
    while d < most and round(value, d) != round(value, most):
        d += 1
    spin.setDecimals(d)


def raw_value(w: QWidget):
    if isinstance(w, QComboBox):
        return w.currentData()
    if isinstance(w, QCheckBox):
        return w.isChecked()
    if isinstance(w, (QSpinBox, QDoubleSpinBox)):
        return w.value()
    return w.text().strip()


class MethodForm(QWidget):
    """A method's parameters: its presets (if any) over a field per parameter.

    A preset only fills the fields; any field can then be edited, and the chooser shows the
    preset whose values the fields hold, or "Custom" (the method names the preset in the
    parameters it makes exactly when every value is the preset's)."""

    changed = Signal()

    def __init__(self, method, task, settings, prefix: str, parent=None):
        super().__init__(parent)
        self.method, self.task, self.settings, self.prefix = method, task, settings, prefix
        self.presets = method.presets(task)
        self.preset = compact(QComboBox())
        self.preset.setObjectName("preset")
        for name, p in self.presets.items():
            self.preset.addItem(p.label, name)
            self.preset.setItemData(self.preset.count() - 1, p.help, Qt.ItemDataRole.ToolTipRole)
        self.preset.addItem("Custom", CUSTOM)
        self.preset.setToolTip("\n".join(f"{p.label}: {p.help}." for p in self.presets.values())
                               + "\nAny edit below makes the parameters Custom.")
        self.caveat = styled_label(style="color: #e0b050; font-size: 9pt;", wrap=True, name="preset_caveat")
        self.caveat.hide()
        self.fields = SpecForm(settings, prefix, lambda _key: self._edited())
        self.setLayout(self.fields)
        self.fields.setContentsMargins(0, 0, 0, 0)
        self.fields.build(method.param_specs(task))
        if self.presets:  # above the fields, in the same columns
            self.fields.insertRow(0, "Preset", self.preset)
            self.fields.insertRow(1, self.caveat)
        self._load()
        self.preset.currentIndexChanged.connect(self._preset_chosen)

    def field(self, key: str) -> QWidget:
        return self.fields.widgets[key]

    def params(self):
        """The method's parameters from the fields; ValueError with a readable reason if one is bad."""
        try:
            return self.method.params_from(self.task, self.fields.values())
        except FameError as e:
            raise ValueError(str(e)) from None

    def set_params(self, params) -> None:
        """Show `params` (e.g. a reopened case's); the chooser follows."""
        self._show(params)
        self._remember()

    def choose(self, name: str) -> None:
        """Fill the fields with a preset's values ('custom' keeps them)."""
        self.preset.setCurrentIndex(max(0, self.preset.findData(name)))
        self._preset_chosen()

    def restore_defaults(self) -> None:
        self.set_params(self.method.default_params(self.task))
        self.changed.emit()

    def _show(self, params) -> None:
        self.fields.show_values(self.method.param_values(self.task, params))
        self._sync_chooser()

    def _sync_chooser(self) -> None:
        try:
            name = self.method.preset_of(self.task, self.params()) or CUSTOM
        except ValueError:  # a bad value is reported when the run starts
            name = CUSTOM
        with quiet(self.preset):
            self.preset.setCurrentIndex(self.preset.findData(name))
        caveats = self.task.preset_caveats
        self.caveat.setText(caveats.get(name, ""))
        self.caveat.setVisible(bool(self.presets) and name in caveats)

    def _preset_chosen(self, *_) -> None:
        name = self.preset.currentData()
        if name in self.presets:
            self._show(self.presets[name].params)
        self._remember()
        self.changed.emit()

    def _edited(self) -> None:
        self._sync_chooser()
        self.settings.set(f"{self.prefix}/preset", self.preset.currentData())
        self.changed.emit()

    def _load(self) -> None:
        """The stored preset's values; the stored values (kept by the fields); or, on a first start, the defaults."""
        name = self.settings.get(f"{self.prefix}/preset", "", str)
        stored = any(self.settings.get(f"{self.prefix}/{k}", None, str) is not None for k in self.fields.widgets)
        if name in self.presets:
            self._show(self.presets[name].params)
        elif not stored:
            self._show(self.method.default_params(self.task))
        else:
            self._sync_chooser()

    def _remember(self) -> None:
        self.settings.set(f"{self.prefix}/preset", self.preset.currentData())
        self.fields.remember()
