"""The face-verification page: what face verification adds to a task page.

Faces are detected once per photograph (in a worker, as soon as it is read — the model
is not needed for that); the largest is used, any other one is a click away, and the 5
landmarks can be placed by hand. The aligned crops stand side by side with their maps
(e+ / e− / none per face), a blend / wipe between them, the similarity with its threshold,
and each map warped back onto its photograph.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QSplitter, QWidget

from ..photo_slot import PhotoSlot
from ..review_panel import ReviewPanel
from ..score_panel import ScorePanel
from ..actions import make_action
from ..layouts import box, push_button, quiet
from ..evidence_panel import EvidencePanel, score_line
from ..refine import RefineButton, agreement_caption
from ..methods_window import open_methods_window
from ...tasks.run_summary import result_caption
from .base import TaskPage

HINTS = {"gallery": "reference", "probe": "questioned"}
SHORT = {"gallery_similar": "G e+", "gallery_dissimilar": "G e−", "probe_similar": "P e+",
         "probe_dissimilar": "P e−"}


class FacePage(TaskPage):
    def build_slots(self) -> dict:
        slots = {s.role: PhotoSlot(s.role, s.label, HINTS.get(s.role, ""), faces=True) for s in self.task.inputs}
        for role, slot in slots.items():
            slot.face_chosen.connect(lambda i, r=role: self.choose_face(r, i))
            slot.landmarks_placed.connect(lambda pts, r=role: self.place_landmarks(r, pts))
        return slots

    def build_centre(self) -> QWidget:
        self.score = ScorePanel()
        self.score.threshold_requested.connect(self.edit_threshold)
        self.review = ReviewPanel(self.controls, self.colour_bar)
        for toggle in self.review.toggles.values():
            toggle.changed.connect(self._display_changed)
        self.review.blend_mode.toggled.connect(lambda _b: self._display_changed())
        self.review.mix.valueChanged.connect(lambda _v: self._display_changed())
        self.export_button = push_button("Export report…", lambda: self.reports.export(),
                                         "Write the PDF report of this comparison and its exports (Ctrl+E)")
        self.score.add_widget(self.export_button)
        self.refine_button = RefineButton(self)
        self.score.add_widget(self.refine_button)
        self.methods_button = push_button("Methods…", lambda: open_methods_window(self),
                                          "Compare every method's maps and their faithfulness curves (Ctrl+M)")
        self.score.add_widget(self.methods_button)
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.addWidget(box(*((slot, 1) for slot in self.slots.values()), row=True))
        self.splitter.addWidget(box(self.score, (self.review, 1)))
        self.splitter.setSizes([400, 440])
        self.evidence = EvidencePanel(self)  # calibration and LR, quality, regions, checklist, conclusion
        self.side.addTab(self.evidence, "Evidence")
        return self.splitter

    def bind(self, session) -> None:
        super().bind(session)
        self.evidence.bind(session)
        session.events.evidence.connect(self.render)  # the score panel's LR

    def flush_edits(self) -> None:
        super().flush_edits()
        self.evidence.conclusion.flush()  # the conclusion and examiner typed a moment ago

    def page_actions(self) -> list:
        acts = [make_action(self, "Set &threshold…", self.edit_threshold, "Ctrl+T",
                            "A decision threshold on the score, with where it comes from")]
        acts += [make_action(self, f"Place {r} landmarks by hand…", s.start_landmarks) for r, s in self.slots.items()]
        acts.append(make_action(self, "Compare &methods and faithfulness…", lambda _=False: open_methods_window(self),
                                "Ctrl+M", "Every method's maps side by side; deletion / insertion curves per method"))
        acts.append(None)
        for label, kind, key in (("Similar maps (e+) on both faces", "similar", "Ctrl+1"),
                                 ("Dissimilar maps (e−) on both faces", "dissimilar", "Ctrl+2"),
                                 ("No maps", None, "Ctrl+3")):
            acts.append(make_action(self, label, lambda _=False, k=kind: self._both(k), key))
        return acts

    def hidden_options(self) -> tuple[str, ...]:
        return ("gallery_face", "probe_face", "gallery_landmarks", "probe_landmarks")  # chosen in the slots

    def short_labels(self) -> dict:
        return SHORT

    def missing_inputs_text(self) -> str:
        return "Load a photograph with a face into each slot"

    # faces ------------------------------------------------------------------------------
    def needs_model_to_prepare(self) -> bool:
        return False  # detection and alignment do not depend on the face model

    def preparing_text(self, role: str) -> str:
        return f"Faces are being found in the {role} photograph"

    def prepare_work(self, model, role: str, image, options: dict):
        detector = self.task.detector(model)
        return lambda: tuple(detector.detect(image.rgb))

    def use_prepared(self, role: str, faces) -> None:
        st = self.inputs.state[role]
        st.faces = faces
        if faces:
            self._use(role, 0)
            return
        image = st.image
        note = self.task.detector().limit_note(image.width, image.height)
        reason = note[0].upper() + note[1:] + "."
        self.slots[role].show_no_face(image, reason)
        self.session.clear_input(role, "no face found", file=image.source, sha256=image.sha256)

    def _build(self, role: str, index: int = 0, landmarks: np.ndarray | None = None):
        from ...core.pipeline import build_face_input
        from ...tasks.face_verification import face_prepared_input

        st = self.inputs.state[role]
        return face_prepared_input(build_face_input(st.image, st.faces or (), role, index, landmarks))

    def _use(self, role: str, index: int, landmarks: np.ndarray | None = None) -> None:
        prepared = self._build(role, index, landmarks)
        self.session.set_input(prepared)
        self.slots[role].show_input(prepared.payload)
        self.inputs.analyse()

    def choose_face(self, role: str, index: int) -> None:
        if not self.inputs.state[role].faces:
            return
        self.run.cancel(discard=True, reason=f"another face was chosen in the {role} photograph")
        self._use(role, index)

    def place_landmarks(self, role: str, points: np.ndarray) -> None:
        from ...core.errors import FameError

        if self.inputs.state[role].image is None:
            return
        try:
            self._build(role, landmarks=points)
        except FameError as e:
            self.shell.messages.error("Cannot use these landmarks", e)
            self.restore_slot(role)
            return
        self.run.cancel(discard=True, reason=f"landmarks were placed in the {role} photograph")
        self._use(role, -1, points)

    def model_ready(self, model) -> None:
        """Faces do not depend on the model: detect only where it has not run yet, then analyse."""
        for role, st in self.inputs.state.items():
            if st.image is not None and st.faces is None and not st.busy:
                self.inputs.prepare(role)
        self.inputs.analyse()

    def show_prepared(self, role: str, prepared) -> None:
        """The faces found and the one in use (the slot's photograph may be a reopened case's)."""
        self.inputs.state[role].faces = prepared.payload.faces
        self.slots[role].show_input(prepared.payload)

    def show_unprepared(self, role: str) -> None:
        st = self.inputs.state[role]
        if st.faces == ():
            self.slots[role].show_no_face(st.image, "")
        else:
            self.slots[role].show_busy("Waiting for the face detector…")

    def escape(self) -> bool:
        for role, slot in self.slots.items():
            if slot.cancel_landmarks():
                self.restore_slot(role)
                return True
        return False

    def new_session(self):
        """… and the threshold the examiner last set, with its source."""
        from ...session.audit import Threshold

        session = super().new_session()
        s = self.shell.settings
        if source := s.get("threshold/source", ""):
            session.set_threshold(Threshold(s.get("threshold/value", 0.0, float), source))
        return session

    # threshold --------------------------------------------------------------------------
    def edit_threshold(self) -> None:
        from ..dialogs import ThresholdDialog

        dlg = ThresholdDialog(self.session.threshold, self)
        dlg.finished.connect(lambda result: result and self.apply_threshold(dlg.result_threshold))
        dlg.open()
        self.threshold_dialog = dlg

    def apply_threshold(self, value_source: tuple[float, str] | None) -> None:
        from ...session.audit import Threshold

        t = Threshold(*value_source) if value_source else None
        self.session.set_threshold(t)
        s = self.shell.settings
        if t is None:
            s.remove("threshold/value")
            s.remove("threshold/source")
        else:
            s.set("threshold/value", t.value)
            s.set("threshold/source", t.source)
        self.render()

    # display ----------------------------------------------------------------------------
    def _both(self, kind) -> None:
        for t in self.review.toggles.values():
            t.set_kind(kind)

    def view_values(self) -> dict:
        r = self.review
        return {**super().view_values(), "maps": {side: t.kind() for side, t in r.toggles.items()},
                "compare_mode": "wipe" if r.wipe_mode.isChecked() else "blend",
                "compare_mix": round(r.mix.value() / 100.0, 2)}

    def apply_view(self, view: dict) -> None:
        super().apply_view(view)
        r = self.review
        maps = view.get("maps") if isinstance(view.get("maps"), dict) else {}
        with quiet(*r.toggles.values(), r.wipe_mode, r.blend_mode, r.mix):
            for side, toggle in r.toggles.items():
                kind = maps.get(side, "similar")
                toggle.set_kind(kind if kind in ("similar", "dissimilar", None) else "similar")
            (r.wipe_mode if view.get("compare_mode") == "wipe" else r.blend_mode).setChecked(True)
            mix = view.get("compare_mix", 0.5)
            r.mix.setValue(round(100 * mix) if isinstance(mix, (int, float)) else 50)

    def fit(self) -> None:
        super().fit()
        self.review.views["gallery"].fit()

    def render(self) -> None:
        s, busy = self.session, self.inputs.busy()
        pending = {r for r, st in self.inputs.state.items() if st.busy}
        crops = {r: (s.inputs[r].model_input if r in s.inputs and r not in pending else None) for r in self.slots}
        self.review.set_crops(crops["gallery"], crops["probe"])
        self.review.set_show_original(self.show_original)
        maps, caption, captions = self._maps_shown(busy)
        self.review.set_maps(maps, caption, captions)
        for role in self.slots:
            kind = self.review.kind_for(role)
            key = f"{role}_{kind}" if kind else None
            m = maps.get(key) if maps and key else None
            layer = (self.run.preview.layers.get(key) if self.run.preview is not None and key else None)
            self.show_on_photo(role, key, m, layer)
        self._render_score(busy)

    def _maps_shown(self, busy: str):
        if busy:
            return None, "", {}
        preview = self.run.preview
        if preview is not None:
            return preview.maps, f"live preview · iteration {preview.iteration} / {preview.total}", {}
        r = self.session.result()
        if r is None:
            return None, "", {}
        per, agreement = r.per_target(), r.measurements.get("agreement_with_reference", {})
        captions = {k: result_caption("result", v) + agreement_caption(agreement.get(k)) for k, v in per.items()}
        return {k: self.map_of(k, r) for k in r.keys}, "result", captions

    def _render_score(self, busy: str) -> None:
        a, s = self.session.analysis, self.session
        if busy:
            self.score.set_score(None, note=f"{busy}…")
        elif a is None:
            self.score.set_score(None, note="Computing the similarity…" if s.ready and self.loader.model is not None
                                 else "")
        else:
            self.score.set_score(a.summary["similarity"], self.model_name())
        self.score.set_threshold(s.threshold)
        self.score.set_likelihood_ratio(*(score_line(s) if not busy else ("", "")))
        self.export_button.setVisible(not self.reports.reportable())
        self.export_button.setEnabled(self.reports.job is None)
        self.export_button.setText("Export report…" if self.reports.job is None else "Exporting…")
        self.refine_button.update_state()
