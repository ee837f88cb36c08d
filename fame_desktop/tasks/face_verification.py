"""Face verification, registered like any plugin: a face pair, four FAME maps (core.verification).

For one side, s = cos(φ_ref, φ(x̄)) with the other face's embedding frozen;
L+ = s → similar map e+, L− = 1 − s → dissimilar map e−.
"""

from __future__ import annotations

from typing import Sequence

import torch

from ..core.attribution import MapSettings
from ..core.faces import FaceDetector
from ..core.images import LoadedImage
from ..core.models.registry import DEFAULT_FACE_MODEL
from ..core.pipeline import FaceInput, prepare_face
from ..core.verification import MAP_KEYS, PairExplanation, VerificationObjective, cosine, split_key
from .base import Task
from .models import face_model_choices, load_model_by_key
from .report_section import ReportSection
from .result import TaskResult, input_tensor
from .types import Analysis, InputSlot, OptionSpec, PreparedInput, Target

KIND_TEXT = {"similar": "similar (e+)", "dissimilar": "dissimilar (e−)"}


def face_prepared_input(face: FaceInput) -> PreparedInput:
    """A `FaceInput` (detected or hand-placed landmarks) as a task input; role = face.role."""
    return PreparedInput(role=face.role, image=face.image, model_input=face.crop, matrix=face.aligned.matrix,
                         details=face.details, payload=face)


class FaceVerificationTask(Task):
    key = "face-verification"
    title = "Face verification"
    description = ("Gallery and probe photographs: MTCNN alignment, cosine similarity of the embeddings, "
                   "and the similar (e+) and dissimilar (e−) FAME maps of both faces.")
    inputs = (InputSlot("gallery", "Gallery", "reference photograph with a face"),
              InputSlot("probe", "Probe", "questioned photograph with a face"))
    score_label = "cosine similarity"
    order = 0
    choice_noun = "the face chosen"
    methods = ("fame", "corrrise", "fggb")

    def __init__(self):
        self._detector: FaceDetector | None = None

    def detector(self, model=None) -> FaceDetector:
        """One MTCNN per task; on CUDA when the model is (MPS lacks ops MTCNN needs)."""
        if self._detector is None:
            dev = getattr(model, "device", torch.device("cpu"))
            self._detector = FaceDetector(device="cuda" if dev.type == "cuda" else "cpu")
        return self._detector

    def models(self):
        return face_model_choices()

    @property
    def default_model(self) -> str:
        return DEFAULT_FACE_MODEL

    def load_model(self, key: str, weights: str | None = None, device: str = "auto"):
        return load_model_by_key(key, weights, device)

    def options(self, model=None) -> list[OptionSpec]:
        return [OptionSpec(f"{r}_face", f"{r.title()} face", "int", 0,
                           help="which face when the photograph holds several (0 = largest)", minimum=0)
                for r in ("gallery", "probe")]

    def prepare(self, model, role: str, image: LoadedImage, options: dict) -> PreparedInput:
        return face_prepared_input(prepare_face(image, self.detector(model), role, options[f"{role}_face"]))

    @torch.no_grad()
    def analyse(self, model, inputs: dict[str, PreparedInput], options: dict) -> Analysis:
        e = model(torch.cat([input_tensor(model, inputs["gallery"]), input_tensor(model, inputs["probe"])]))
        s = float(cosine(e[:1], e[1:], False).item())
        targets = tuple(Target(k, f"{split_key(k)[0]}: {KIND_TEXT[split_key(k)[1]]}", split_key(k)[0],
                               data={"side": split_key(k)[0], "kind": split_key(k)[1], "group": split_key(k)[1]})
                        for k in MAP_KEYS)
        return Analysis(headline=f"cosine similarity {s:.4f}", summary={"similarity": s}, targets=targets)

    def objective(self, model, inputs, analysis, targets: Sequence[Target], options: dict, params):
        with torch.no_grad():  # one batch of both faces, as core.verification.explain_pair does
            e = model(torch.cat([input_tensor(model, inputs[r]) for r in ("gallery", "probe")]))
        emb = {"gallery": e[:1], "probe": e[1:]}
        other = {"gallery": "probe", "probe": "gallery"}
        references = torch.cat([emb[other[t.role]] for t in targets])
        similar = torch.tensor([t.data["kind"] == "similar" for t in targets], device=references.device)
        # only FAME's parameters choose detach_norms; the score of other methods does not depend on it
        return VerificationObjective(model, references, similar, getattr(params, "detach_norms", False))

    def report_section(self, result: TaskResult, settings: MapSettings) -> ReportSection:
        section = super().report_section(result, settings)
        section.caveats.insert(0, "A raw cosine score is not a measure of evidence strength; any decision "
                                  "threshold must state where it comes from.")
        return section


def to_pair_explanation(result: TaskResult) -> PairExplanation:
    """The result as core.verification's PairExplanation (for the session, `fame explain` output, report)."""
    return PairExplanation(similarity=result.analysis.summary["similarity"], keys=result.keys, run=result.run)


def setup(registry) -> None:
    """Entry point of the built-in plugin (group fame_desktop.plugins)."""
    registry.add(FaceVerificationTask())
