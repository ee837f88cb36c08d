"""How a task page draws maps: settings (blur, normalisation, colour map, opacity) per task and
input size, the result's maps at those settings (cached), and their layers on the photograph
(made in a worker, so the GUI thread never warps a map)."""

from __future__ import annotations

from ...core.attribution import MapSettings
from .alive import start


class DisplayMixin:
    """Mixed into TaskPage (which provides w, task, controls, colour_bar, slots, prepared, model, render)."""

    def map_of(self, key: str):
        """The result's map of target `key` with the current settings (cached), or None."""
        r = self.current_result()
        if r is None or key not in r.keys:
            return None
        ck = (id(r), key)
        if ck not in self._maps:
            from ...core.attribution import delta_to_maps

            self._maps[ck] = (r, delta_to_maps(r.delta(key), self.map_settings))  # r kept alive with its id
        return self._maps[ck][1]

    def show_on_photo(self, role: str, m, layer=None) -> None:
        """Draw `m` on the photograph of `role` (None, originals or the overlay switched off: nothing).

        The layer (the map warped onto the photograph) comes with a live preview, from the
        cache, or from a worker; until it arrives the previous layer stays.
        """
        view = self.slots[role].view
        view.set_annotations_visible(not self.show_original)
        if m is None or self.show_original or not self.controls.on_photo.isChecked() or self.prepared is None:
            view.set_overlay(None)
            self._wanted_layer[role] = None
            return
        key = (id(m), self.cmap)
        if layer is not None:
            self._layers[role] = (key, layer, m)
        cached = self._layers.get(role)
        if cached is not None and cached[0] == key:
            view.set_overlay(cached[1], self.controls.alpha())
            return
        if self._wanted_layer.get(role) == key:
            return  # already being made
        self._wanted_layer[role] = key
        inp, cmap = self.prepared.inputs[role], self.cmap

        def make(job):
            from ...core.photo_overlay import photo_heat_layer

            return photo_heat_layer(m, inp.matrix, inp.image.width, inp.image.height, cmap)

        def done(made):
            if self._wanted_layer.get(role) == key:
                self._layers[role] = (key, made, m)  # m kept alive: its id is in the key
                self._wanted_layer[role] = None
                self.show_on_photo(role, m)
                self.photo_layer_shown.emit(role)

        start(self, self.w.runner, "photo layer", make, on_success=done,
              on_failure=lambda e, job: self.w.messages.error("Cannot draw the map on the photograph", e,
                                                              job.traceback))

    def _key(self, name: str) -> str:
        return f"tasks/{self.task.key}/{name}"

    def _restore_display(self) -> None:
        s, c = self.w.settings, self.controls
        for widget in (c.opacity, c.cmap, c.on_photo):
            widget.blockSignals(True)
        c.opacity.setValue(s.get(self._key("view/opacity"), 50))
        c.opacity_label.setText(f"{c.opacity.value()} %")
        cmap = s.get(self._key("view/cmap"), "jet")
        if c.cmap.findText(cmap) >= 0:
            c.cmap.setCurrentText(cmap)
        c.on_photo.setChecked(s.get(self._key("view/on_photo"), True))
        for widget in (c.opacity, c.cmap, c.on_photo):
            widget.blockSignals(False)
        self.cmap, self.opacity = c.colour_map(), c.alpha()
        self.colour_bar.set_cmap(self.cmap)

    def _maps_key(self, model) -> str:
        from ...tasks.models import model_input_size

        return self._key(f"maps{model_input_size(model)}")

    def _restore_map_settings(self, model) -> None:
        d, s, k = self.task.default_map_settings(model), self.w.settings, self._maps_key(model)
        try:
            ms = MapSettings(blur_kernel=s.get(f"{k}/blur_kernel", d.blur_kernel),
                             blur_sigma=s.get(f"{k}/blur_sigma", d.blur_sigma),
                             normalisation=s.get(f"{k}/normalisation", d.normalisation))
        except ValueError:
            ms = d
        self.controls.set_map_settings(ms)

    def _reset_map_settings(self) -> None:
        if self.model is not None:
            self.controls.set_map_settings(self.task.default_map_settings(self.model))

    def _display_changed(self) -> None:
        c, s = self.controls, self.w.settings
        self.cmap, self.opacity = c.colour_map(), c.alpha()
        self.colour_bar.set_cmap(self.cmap)
        s.set(self._key("view/opacity"), c.opacity.value())
        s.set(self._key("view/cmap"), self.cmap)
        s.set(self._key("view/on_photo"), c.on_photo.isChecked())
        self.render()

    def _map_settings_changed(self, settings: MapSettings) -> None:
        self.map_settings = settings  # read by the worker for the next preview (an immutable value)
        self._maps.clear()
        if self.model is not None:
            k = self._maps_key(self.model)
            for name in ("blur_kernel", "blur_sigma", "normalisation"):
                self.w.settings.set(f"{k}/{name}", getattr(settings, name))
        self.render()
