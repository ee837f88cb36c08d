"""Face verification, registered like any plugin: a face pair, four FAME maps (core.verification).

For one side, s = cos(φ_ref, φ(x̄)) with the other face's embedding frozen;
L+ = s → similar map e+, L− = 1 − s → dissimilar map e−.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import torch

from ..core.attribution import MapSettings
from ..core.errors import FaceNotFoundError
from ..core.faces import LANDMARK_PROMPTS, FaceDetector
from ..core.images import LoadedImage
from ..core.models.registry import DEFAULT_FACE_MODEL
from ..core.pipeline import FaceInput, prepare_face
from ..core.verification import MAP_KEYS, VerificationObjective, cosine, split_key
from .base import DISPLAY, Task
from .models import face_model_choices, load_model_by_key
from .report_section import ReportSection
from .result import TaskResult, input_tensor
from .types import Analysis, InputSlot, OptionSpec, PreparedInput, Target, TaskOptionError

KIND_TEXT = {"similar": "similar (e+)", "dissimilar": "dissimilar (e−)"}
FACE_OPTIONS = {"gallery_face": 0, "probe_face": 0, "gallery_landmarks": "", "probe_landmarks": ""}  # defaults


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
    evidence = True  # calibrated LR, quality, regions, checklist and sign-off (session/evidence.py)
    choice_noun = "the face chosen"
    fame_detach_norms = True
    # CAMs explain L = s (one map per face, e+ only; docs/methods.md). Not offered: Score-CAM (its
    # softmax over the cosines of 512 masked faces, all within a few tenths, gives near-uniform
    # weights: the map is the mean activation), Ablation-CAM (weights divided by s, which is near 0
    # or negative for different people: unstable, sign-flipped) and FullGrad (the embedded model
    # runs its 1×1 convolutions as matrix products, which FullGrad's per-layer bias hooks never see).
    # CorrRISE and FGGB (issue 15) give e+ and e− per face; FGGB needs the decision threshold in force.
    methods = ("fame", "gradcam", "gradcam-ew", "hirescam", "gradcam++", "xgradcam", "layercam", "fd-cam",
               "corrrise", "fggb")

    def __init__(self):
        self._detector: FaceDetector | None = None

    def use_detector(self, detector: FaceDetector) -> None:
        """Share a detector already made (tests and benchmarks keep one per process)."""
        self._detector = detector

    def detector(self, model=None) -> FaceDetector:
        """One MTCNN per task; on CUDA when the model is (MPS lacks ops MTCNN needs)."""
        if self._detector is None:
            from ..core.device import select_device

            dev = getattr(model, "device", None) or select_device("auto")
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
        faces = [OptionSpec(f"{r}_face", f"{r.title()} face", "int", 0,
                            help="which face when the photograph holds several (0 = largest)", minimum=0)
                 for r in ("gallery", "probe")]
        hands = [OptionSpec(f"{r}_landmarks", f"{r.title()} landmarks", "text", "",
                            help="5 points placed by hand instead of a detected face: x1,y1,…,x5,y5 in photograph "
                                 f"pixels ({', '.join(LANDMARK_PROMPTS)}, as seen)")
                 for r in ("gallery", "probe")]
        return faces + hands

    def resolve_options(self, values: dict | None = None, model=None) -> dict:
        """As Task's, and hand-placed landmarks checked for form before any photograph is read."""
        options = super().resolve_options(values, model)
        for role in ("gallery", "probe"):
            parse_landmarks(options[f"{role}_landmarks"], f"{role} landmarks")
        return options

    def prepare(self, model, role: str, image: LoadedImage, options: dict) -> PreparedInput:
        what = f"{role} landmarks"
        points = parse_landmarks(options.get(f"{role}_landmarks", ""), what, (image.width, image.height))
        try:
            face = prepare_face(image, self.detector(model), role, options[f"{role}_face"], points)
        except FaceNotFoundError as e:
            raise (TaskOptionError(f"{what}: {e}") if points is not None else e) from None
        return face_prepared_input(face)

    def describe_choice(self, prepared: PreparedInput):
        face: FaceInput = prepared.payload
        if face.face.manual:
            return "place landmarks by hand", {"landmarks": face.face.describe()["landmarks"]}
        f = face.face.describe()
        return "use face", {"face": face.face_index + 1, "faces_found": len(face.faces), "box": f["box"],
                            "probability": f["probability"]}

    def input_record(self, prepared: PreparedInput) -> dict:
        """Every detected face, the one used (or the hand-placed landmarks) and the alignment, exactly."""
        face: FaceInput = prepared.payload
        return {"faces": [f.to_record() for f in face.faces], "face_index": face.face_index,
                "face": face.face.to_record(),
                "alignment": {"matrix": face.aligned.matrix.tolist(), "landmarks": face.aligned.landmarks.tolist()}}

    def restore_input(self, model, role: str, image: LoadedImage, record: dict, stored, options: dict):
        """No detection: the recorded face and alignment, the crop re-warped from the photograph and checked."""
        from dataclasses import replace

        from ..core.faces import DetectedFace, aligned_from_matrix
        from .types import stored_model_input

        faces = tuple(DetectedFace.from_record(f) for f in record["faces"])
        index = int(record["face_index"])
        if not -1 <= index < len(faces):
            raise TaskOptionError(f"{role}: face {index + 1} is recorded, {len(faces)} were detected")
        face = faces[index] if index >= 0 else DetectedFace.from_record(record["face"])
        a = record["alignment"]
        aligned = aligned_from_matrix(image.rgb, np.asarray(a["matrix"], np.float64),
                                      np.asarray(a["landmarks"], np.float64))
        crop, notes = stored_model_input(role, aligned.crop, stored)
        fi = FaceInput(role=role, image=image, faces=faces, face=face, face_index=index,
                       aligned=replace(aligned, crop=crop))
        return face_prepared_input(fi), notes

    def input_notes(self, inputs: dict[str, PreparedInput]) -> list[str]:
        notes = super().input_notes(inputs)
        for role, inp in inputs.items():
            face: FaceInput = inp.payload
            n = len(face.faces)
            if face.face.manual:
                found = "no face detected" if n == 0 else f"{n} face{'s' if n > 1 else ''} detected, not used"
                notes.append(f"{role}: landmarks placed by hand ({found})")
            elif n > 1:
                notes.append(f"{role}: {n} faces found; face {face.face_index + 1} used "
                             f"(1 = the largest; --{role}-face chooses another)")
        return notes

    def write_output(self, out, result: TaskResult, settings: MapSettings, timings: dict,
                     display: dict = DISPLAY, overwrite: bool = False) -> dict:
        """The `fame explain` folder (tasks/face_output.py: a stable contract)."""
        from .face_output import write_explain_dir

        return write_explain_dir(out, result, settings, timings, display["colour_map"], overwrite)

    @torch.no_grad()
    def analyse(self, model, inputs: dict[str, PreparedInput], options: dict) -> Analysis:
        from ..core.evidence.quality import measure_quality

        e = model(torch.cat([input_tensor(model, inputs["gallery"]), input_tensor(model, inputs["probe"])]))
        s = float(cosine(e[:1], e[1:], False).item())
        # image quality beside the score (core.evidence.quality), AdaFace's feature norm from these embeddings
        quality = {r: measure_quality(inputs[r].payload, model, e[i]).describe()
                   for i, r in enumerate(("gallery", "probe"))}
        targets = tuple(Target(k, f"{split_key(k)[0]}: {KIND_TEXT[split_key(k)[1]]}", split_key(k)[0],
                               data={"side": split_key(k)[0], "kind": split_key(k)[1], "group": split_key(k)[1]})
                        for k in MAP_KEYS)
        return Analysis(headline=f"cosine similarity {s:.4f}", summary={"similarity": s, "quality": quality},
                        targets=targets)

    def objective(self, model, inputs, analysis, targets: Sequence[Target], options: dict, params):
        with torch.no_grad():  # one batch of both faces, as core.verification.explain_pair does
            e = model(torch.cat([input_tensor(model, inputs[r]) for r in ("gallery", "probe")]))
        emb = {"gallery": e[:1], "probe": e[1:]}
        other = {"gallery": "probe", "probe": "gallery"}
        references = torch.cat([emb[other[t.role]] for t in targets])
        similar = torch.tensor([t.data["kind"] == "similar" for t in targets], device=references.device)
        # only FAME's parameters choose detach_norms; the score of other methods does not depend on it
        return VerificationObjective(model, references, similar, getattr(params, "detach_norms", False))

    def measure(self, result: TaskResult) -> dict:
        """Each map's estimated agreement with the Reference preset's map (core.agreement), where calibrated."""
        from ..core.agreement import estimate_agreement

        if result.method.key != "fame":
            return {}
        found = estimate_agreement(result.run, str(result.model.get("key", "")))
        return {"agreement_with_reference": {k: None if a is None else a.describe()
                                             for k, a in zip(result.keys, found)}}

    def report_section(self, result: TaskResult, settings: MapSettings, display: dict = DISPLAY) -> ReportSection:
        section = super().report_section(result, settings, display)
        section.caveats.insert(0, "A raw cosine score is not a measure of evidence strength; any decision "
                                  "threshold must state where it comes from.")
        return section


def parse_landmarks(text: str, what: str, size: tuple[int, int] | None = None) -> np.ndarray | None:
    """'x1,y1,…,x5,y5' → (5, 2) float64 (None for an empty text); TaskOptionError when malformed or,
    with the photograph's (width, height) given, when a point lies outside it."""
    if not text.strip():
        return None
    try:
        values = [float(v) for v in text.replace(";", ",").split(",")]
    except ValueError:
        values = []
    if len(values) != 10 or not all(np.isfinite(values)):
        raise TaskOptionError(f"{what}: give ten numbers x1,y1,…,x5,y5 in photograph pixels "
                              f"({', '.join(LANDMARK_PROMPTS)}), got {text!r}")
    points = np.asarray(values, np.float64).reshape(5, 2)
    if size is not None:
        w, h = size
        for name, (x, y) in zip(LANDMARK_PROMPTS, points):
            if not (0 <= x <= w and 0 <= y <= h):
                raise TaskOptionError(f"{what}: the {name} ({x:g}, {y:g}) lies outside the {w}×{h} photograph")
    return points


def setup(registry) -> None:
    """Entry point of the built-in plugin (group fame_desktop.plugins): the task and its window page."""
    registry.add(FaceVerificationTask())
    registry.add_page("face-verification", "fame_desktop.gui.pages.face:FacePage")
