"""The feature-map page's "All cells" view: every computed receptive field as a mosaic of tiles
(drawn in a worker, live during a run), and the live preview of the selected cell."""

from __future__ import annotations

import time

from .alive import start

TILE, GAP = 96, 2  # tasks.figures.cell_mosaic's defaults
MOSAIC_EVERY = 1.5  # seconds between mosaic previews (49 overlays: worth limiting)


class MosaicMixin:
    """Mixed into FeatureMapPage (which provides w, prepared, grid, selected, mosaic_view, cell_button, …)."""

    def _mosaic_clicked(self, x: float, y: float) -> None:
        g = self.grid
        if g is None or x < 0 or y < 0:
            return
        row, col = int(y // (TILE + GAP)), int(x // (TILE + GAP))
        if row < g.rows and col < g.cols:
            self.cell_button.setChecked(True)
            self.select_cell(row, col, compute=False)

    def make_preview(self):
        from ...core.attribution import delta_to_maps
        from ...core.feature_map import cell_key
        from ...core.photo_overlay import photo_heat_layer
        from ...tasks.figures import cell_mosaic

        inp, grid = self.prepared.inputs["image"], self.grid  # captured: the page may move on meanwhile
        previous = self.current_result()
        state = {"mosaic_at": -1e9, "previous": None}

        def preview(delta, targets):
            settings, cmap, selected = self.map_settings, self.cmap, self.selected  # immutable values
            alpha = self.opacity
            keys = [t.key for t in targets]
            out = {"maps": {}, "layers": {}, "cmap": cmap, "mosaic": None}
            if selected is not None:
                key = cell_key(*selected)
                if key in keys:
                    m = delta_to_maps(delta[keys.index(key)], settings)
                    out["maps"][key] = m
                    out["layers"][key] = photo_heat_layer(m, inp.matrix, inp.image.width, inp.image.height, cmap)
            if len(keys) > 1 and time.monotonic() - state["mosaic_at"] >= MOSAIC_EVERY:
                state["mosaic_at"] = time.monotonic()
                if state["previous"] is None:  # earlier cells: once per run
                    state["previous"] = {} if previous is None else dict(zip(
                        [(t.data["row"], t.data["col"]) for t in previous.targets],
                        delta_to_maps(previous.run.delta, settings)))
                started = [i for i in range(len(keys)) if abs(delta[i]).max() > 0]
                maps = dict(state["previous"])
                if started:
                    for i, m in zip(started, delta_to_maps(delta[started], settings)):
                        maps[(targets[i].data["row"], targets[i].data["col"])] = m
                out["mosaic"] = cell_mosaic(inp.model_input, grid, maps, TILE, GAP, max(alpha, 0.05), cmap)
            return out

        return preview

    def _render_mosaic(self) -> None:
        """The mosaic of the result (made in a worker), or the latest live one during a run."""
        preview = self.preview
        if preview is not None and preview.payload.get("mosaic") is not None:
            self.mosaic_view.set_image(preview.payload["mosaic"])
            self.mosaic_view.set_badge(f"live preview · iteration {preview.iteration} / {preview.total}")
            return
        r = self.current_result()
        if r is None:
            self.mosaic_view.set_image(None)
            self.mosaic_view.set_badge("")
            return
        alpha = self.controls.alpha()
        want = (id(r), self.map_settings, self.cmap, alpha)
        if self.mosaic_for == want:
            return
        self.mosaic_for = want
        self.mosaic_gen += 1
        gen, settings, grid, cmap = self.mosaic_gen, self.map_settings, self.grid, self.cmap
        rgb = self.prepared.inputs["image"].model_input

        def mosaic(job):
            from ...tasks.figures import cell_mosaic

            maps = r.maps(settings)
            cells = {(t.data["row"], t.data["col"]): maps[t.key] for t in r.targets}
            return cell_mosaic(rgb, grid, cells, TILE, GAP, alpha, cmap)

        def done(img):
            if gen == self.mosaic_gen:
                self.mosaic_view.set_image(img)
                self.mosaic_view.set_badge(f"{len(r.keys)} of {grid.rows * grid.cols} cells · click a tile to "
                                           "select its cell")

        start(self, self.w.runner, "mosaic", mosaic, on_success=done,
              on_failure=lambda e, job: self.w.messages.error("Cannot draw the cells", e, job.traceback))
