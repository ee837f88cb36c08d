"""The window's display controls ↔ core.view_state.ViewState (what a case file keeps of the view)."""

from __future__ import annotations

from ..core.view_state import ViewState


def read_view_state(w) -> ViewState:
    c, r = w.review.controls, w.review
    return ViewState(colour_map=c.colour_map(), opacity=round(c.opacity.value() / 100.0, 2),
                     on_photo=c.on_photo.isChecked(), maps={side: t.kind() for side, t in r.toggles.items()},
                     show_original=r.show_original, compare_mode="wipe" if r.wipe_mode.isChecked() else "blend",
                     compare_mix=round(r.mix.value() / 100.0, 2))


def apply_view_state(w, v: ViewState) -> None:
    """Set every display control; each redraws through its own signal, as a user's click would."""
    c, r = w.review.controls, w.review
    c.cmap.setCurrentText(v.colour_map)
    c.opacity.setValue(round(v.opacity * 100))
    c.on_photo.setChecked(v.on_photo)
    for side, toggle in r.toggles.items():
        toggle.set_kind(v.maps.get(side, "similar"))
    w.act_original.setChecked(v.show_original)
    w.set_show_original(v.show_original)
    (r.wipe_mode if v.compare_mode == "wipe" else r.blend_mode).setChecked(True)
    r.mix.setValue(round(v.compare_mix * 100))


def watch_view(w, callback) -> None:
    """Call `callback()` whenever a display control changes."""
    c, r = w.review.controls, w.review
    c.display_changed.connect(callback)
    c.map_settings_changed.connect(lambda _s: callback())
    for toggle in r.toggles.values():
        toggle.changed.connect(callback)
    w.act_original.toggled.connect(lambda _b: callback())
    r.blend_mode.toggled.connect(lambda _b: callback())
    r.mix.valueChanged.connect(lambda _v: callback())
