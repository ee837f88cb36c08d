"""Put a whole session into the window, or start an empty one, without running anything.

`show_session` is what opening a case file does: both slots with their photographs and
the chosen face, crops, FAME parameters, model choice, map settings, the stored result
(maps from the saved Δx), score, threshold, display, case details and audit log. FAME
is not run again; the face model of the case is loaded in the background, only to
compute a similarity for a new pair or run again.
"""

from __future__ import annotations

from dataclasses import asdict

from ..core.view_state import ViewState
from .fame_form import _fit_decimals
from .fame_worker import heat_layers, photo_geometry
from .inputs import ROLES
from .run_controller import iteration_summary
from .view_sync import apply_view_state


def _show_parameters(w, s) -> list[str]:
    """The case's FAME parameters and model in the Parameters panel (the next run uses them)."""
    notes = []
    p = w.params
    if not p.ready:
        return notes
    p.fame.set_params(s.params)  # remembered as the current parameters, as an edit would be
    index = p.model.findData(s.model_key)
    if index < 0:
        notes.append(f"the case's face model {s.model_key!r} is unknown to this version")
        return notes
    for widget in (p.model, p.checkpoint):
        widget.blockSignals(True)  # a model change through the form would drop the stored result
    p.model.setCurrentIndex(index)
    if s.checkpoint:
        p.checkpoint.setText(s.checkpoint)
    for widget in (p.model, p.checkpoint):
        widget.blockSignals(False)
    p._show_licence()
    key, checkpoint, device = p.model_choice()  # the device stays this machine's choice
    w.settings.set("model/key", key)
    w.settings.set("model/checkpoint", p.checkpoint.text().strip())
    w.engine.request_model(key, checkpoint, device)
    return notes


def _show_inputs(w, s) -> None:
    for role in ROLES:
        st, slot, fi = w.inputs.state[role], w.slots[role], s.inputs.get(role)
        st.generation += 1  # results of loads still under way no longer apply
        if fi is None:
            st.image, st.faces = None, None
            slot.show_empty()
        else:
            st.image, st.faces = fi.image, tuple(fi.faces)
            slot.show_photo(fi.image)
            slot.show_input(fi)


def show_stored_score(w, s) -> None:
    e = s.explanation
    if e is None:
        w.score.set_score(None)
    else:
        name = (s.model_info or {}).get("name") or s.model_key
        w.score.set_score(e.similarity, name)
    w.score.set_threshold(s.threshold)


def _show_run_summary(w, s, origin: str) -> None:
    bar, e = w.run_bar, s.explanation
    bar.unpin()
    if e is None:
        return
    summary, detail = iteration_summary(e.per_map())
    bar.reset_progress(f"{origin} · {int(e.run.iterations.max())} it. · not re-run")
    bar.progress.setValue(1)
    bar.pinned = True
    bar.status.setText(summary)
    bar.status.setToolTip(detail)


def prepare_result_display(s) -> tuple | None:
    """What showing the stored result costs, done ahead in the worker that read the case:
    (map settings, {key: map} with the case's map settings, (colour map, {key: PhotoLayer})
    on the photographs in the case's colour map); None without a result."""
    e = s.explanation
    if e is None:
        return None
    cmap = ViewState.from_dict(s.view)[0].colour_map
    maps = e.maps(s.map_settings)
    return s.map_settings, maps, (cmap, heat_layers(maps, photo_geometry(s.inputs.values()), cmap))


def show_session(w, s, origin: str = "restored", prepared: tuple | None = None) -> list[str]:
    """Make `s` the window's session and show every part of it; returns notes worth telling.

    `prepared`: prepare_result_display(s), made in a worker (else the maps are made here)."""
    view, notes = ViewState.from_dict(s.view)
    w.autorun = False
    w.similarity_generation += 1  # a similarity still being computed belongs to the old pair
    w.model.session = s
    w.show_maps(None)  # the old maps go first, so the display settings below redraw nothing heavy
    _show_inputs(w, s)
    notes += _show_parameters(w, s)
    c = w.review.controls
    _fit_decimals(c.sigma, s.map_settings.blur_sigma)
    c.blockSignals(True)  # no redraw (show_result below) and no audit entry: these are the session's own
    c.set_map_settings(s.map_settings)
    c.blockSignals(False)
    w.review.set_crops(s.gallery.crop if s.gallery else None, s.probe.crop if s.probe else None)
    apply_view_state(w, view)
    show_stored_score(w, s)
    w.show_result(prepared)  # the maps from the stored Δx, once
    w.case.set_values(asdict(s.case))
    w.audit.setRowCount(0)
    w.model.changed.emit()  # audit panel, title
    _show_run_summary(w, s, origin)
    w.update_actions()
    return notes


def start_new_session(w) -> None:
    """An empty session: no photographs, no result; remembered examiner, threshold and settings apply."""
    w.autorun = False
    w.similarity_generation += 1
    for role in ROLES:
        st = w.inputs.state[role]
        st.generation += 1
        st.image, st.faces = None, None
        w.slots[role].show_empty()
    w.review.set_crops(None, None)
    w.case.set_values({"case_id": "", "exhibit_gallery": "", "exhibit_probe": "", "examiner": "", "notes": ""})
    w.audit.setRowCount(0)
    w.score.set_threshold(None)
    w.model.start()
    w.state.apply_session_settings()
    w._model_choice_changed(initial=True)  # the current model choice, as at start-up
    w.run_bar.unpin()
    w.update_actions()
