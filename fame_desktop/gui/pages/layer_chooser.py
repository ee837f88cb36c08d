"""The feature-map page's layer chooser: every layer with a spatial output, the last
convolutional block first selected, the choice remembered per model."""

from __future__ import annotations

from PySide6.QtCore import Qt

from .alive import start


class LayerMixin:
    """Mixed into FeatureMapPage (which provides w, task, loader, layer (a QComboBox), params, model)."""

    def _layer_setting(self) -> str:
        return f"tasks/{self.task.key}/layer/{self.params.model_key()}"

    def extra_options(self) -> dict:
        return {"layer": self.layer.currentData() or ""}

    def on_model(self, model) -> None:
        from ...core.feature_map import default_layer

        default = default_layer(model)
        self.layer.blockSignals(True)
        self.layer.clear()
        self.layer.addItem(f"{default} · default", default)
        self.layer.blockSignals(False)
        task, lock = self.task, self.loader.lock

        def layers(job):
            with lock:
                return model, task.layers(model)

        start(self, self.w.runner, "layers", layers, on_success=lambda r: self._layers_listed(*r, default),
              on_failure=lambda e, job: self.w.messages.error("Cannot list the layers", e, job.traceback))

    def _layers_listed(self, model, infos, default: str) -> None:
        if model is not self.model:
            return
        wanted = self.w.settings.get(self._layer_setting(), default)
        self.layer.blockSignals(True)
        self.layer.clear()
        for info in infos:
            c, h, w = info.shape
            if h < 2 or w < 2:
                continue  # a single cell has no receptive field to compare
            mark = " · default" if info.name == default else ""
            self.layer.addItem(f"{info.name} ({c}×{h}×{w}){mark}", info.name)
            self.layer.setItemData(self.layer.count() - 1, f"{info.name}: {info.kind}, {c} channels, {h}×{w} cells",
                                   Qt.ItemDataRole.ToolTipRole)
        self.layer.setCurrentIndex(max(0, self.layer.findData(wanted if self.layer.findData(wanted) >= 0 else default)))
        self.layer.blockSignals(False)
        if self.layer.currentData() != default:
            self.options_changed()

    def _layer_chosen(self, _i: int) -> None:
        if self.layer.currentData():
            self.w.settings.set(self._layer_setting(), self.layer.currentData())
        self.options_changed()
