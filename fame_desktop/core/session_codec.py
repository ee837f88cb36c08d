"""ComparisonSession ↔ (JSON document, binary members): what a case file holds.

Members: `images/<sha256>` the original photograph bytes (content-addressed),
`crops/<role>.png` the aligned crops FAME ran on, `raw/delta.npy` the raw Δx
(B, 3, 112, 112) float32 in the order of `explanation.keys`. Everything else is JSON.
Decoding rebuilds FaceInput and PairExplanation objects without running detection or
FAME: the photograph is decoded from the stored bytes, the crop re-warped with the
stored matrix and checked against the stored crop.
"""

from __future__ import annotations

import io
import math
from dataclasses import asdict, fields

import numpy as np

from .attribution import MapSettings
from .errors import CaseFileError, ImageLoadError
from .faces import AlignedFace, DetectedFace, aligned_from_matrix
from .fame import FameParams, FameRun
from .images import LoadedImage, decode_png, encode_png, load_image_bytes, sha256_bytes
from .io_utils import npy_bytes
from .pipeline import FaceInput
from .session import ROLES, AuditChainError, AuditLog, CaseInfo, ComparisonSession, Threshold
from .snapshot import InputSnapshot, StaleResultError
from .verification import PairExplanation

DELTA_MEMBER = "raw/delta.npy"


def image_member(sha256: str) -> str:
    return f"images/{sha256}"


def crop_member(role: str) -> str:
    return f"crops/{role}.png"


def _num(x: float):
    """JSON has no NaN (a manual face has no detection probability)."""
    x = float(x)
    return None if math.isnan(x) else x


def _face_to_dict(f: DetectedFace) -> dict:
    return {"box": [float(v) for v in f.box], "probability": _num(f.probability),
            "landmarks": np.asarray(f.landmarks, np.float64).tolist(), "manual": bool(f.manual)}


def _face_from_dict(d: dict) -> DetectedFace:
    p, manual = d.get("probability"), d["manual"]
    box = tuple(float(v) for v in d["box"])
    if len(box) != 4 or not isinstance(manual, bool) or (p is None) != manual:
        raise CaseFileError("a face record is malformed (box, probability or manual flag)")
    return DetectedFace(box=box, probability=float("nan") if p is None else float(p),
                        landmarks=np.asarray(d["landmarks"], np.float64).reshape(5, 2), manual=manual)


def original_bytes(image: LoadedImage) -> bytes:
    """The photograph's file bytes, from memory or re-read from its path and checked against its hash."""
    data = image.data
    if data is None:
        try:
            with open(image.source, "rb") as f:
                data = f.read()
        except OSError as e:
            raise CaseFileError(f"{image.name}: the original file is needed for the case file but cannot "
                                f"be read ({e.strerror or e})") from None
    if sha256_bytes(data) != image.sha256:
        raise CaseFileError(f"{image.name}: the file changed since it was loaded (SHA-256 differs)")
    return data


def encode_session(s: ComparisonSession) -> tuple[dict, dict[str, bytes]]:
    """(session.json document, {member name: bytes})."""
    members: dict[str, bytes] = {}
    inputs = {}
    for role, fi in s.inputs.items():
        members[image_member(fi.image.sha256)] = original_bytes(fi.image)
        crop_png = encode_png(fi.crop)
        members[crop_member(role)] = crop_png
        inputs[role] = {
            "image": fi.image.describe(),
            "faces": [_face_to_dict(f) for f in fi.faces],
            "face_index": fi.face_index,
            "face": _face_to_dict(fi.face),
            "alignment": {"matrix": fi.aligned.matrix.tolist(), "landmarks": fi.aligned.landmarks.tolist()},
            "crop_png_sha256": sha256_bytes(crop_png),
        }
    explanation = None
    if s.explanation is not None:
        try:
            s.check_result_current()
        except StaleResultError as err:
            raise CaseFileError(f"the session cannot be saved: {err}") from None
        e, r = s.explanation, s.explanation.run
        members[DELTA_MEMBER] = npy_bytes(np.asarray(r.delta, np.float32))
        explanation = {
            "similarity": float(e.similarity), "keys": list(e.keys),
            "iterations": [int(i) for i in r.iterations], "stop_reasons": list(r.stop_reasons),
            **{k: [_num(v) for v in getattr(r, k)]  # a diverged run may hold NaN
               for k in ("initial_loss", "final_loss", "initial_score", "final_score")},
            "elapsed": float(r.elapsed), "cancelled": bool(r.cancelled), "params": asdict(r.params),
            "snapshot": e.snapshot.describe(),
        }
    doc = {
        "created": s.created,
        "case": asdict(s.case),
        "model_key": s.model_key, "checkpoint": s.checkpoint, "device": s.device,
        "params": asdict(s.params), "map_settings": asdict(s.map_settings),
        "threshold": None if s.threshold is None else {"value": s.threshold.value, "source": s.threshold.source},
        "model_info": s.model_info, "environment": s.environment, "view": s.view,
        "inputs": inputs, "explanation": explanation,
        "audit": s.audit.to_list(),
    }
    return doc, members


def _known(cls, d: dict) -> dict:
    names = {f.name for f in fields(cls)}
    return {k: v for k, v in d.items() if k in names}


def _decode_input(role: str, d: dict, members: dict[str, bytes], notes: list[str]) -> FaceInput:
    sha = d["image"]["sha256"]
    data = members[image_member(sha)]
    try:
        image = load_image_bytes(data, d["image"]["path"])
    except ImageLoadError as e:
        raise CaseFileError(f"{role} photograph cannot be decoded: {e}") from None
    if image.sha256 != sha:
        raise CaseFileError(f"{role} photograph does not match its recorded SHA-256")
    faces = tuple(_face_from_dict(f) for f in d["faces"])
    index = int(d["face_index"])
    face = faces[index] if index >= 0 else _face_from_dict(d["face"])
    a = d["alignment"]
    rewarped = aligned_from_matrix(image.rgb, np.asarray(a["matrix"]), np.asarray(a["landmarks"]))
    stored = decode_png(members[crop_member(role)])
    if stored.shape != rewarped.crop.shape:
        raise CaseFileError(f"{role}: the stored crop has the wrong size {stored.shape}")
    diff = np.abs(stored.astype(np.int16) - rewarped.crop.astype(np.int16))
    if diff.max() > 1:
        raise CaseFileError(f"{role}: the stored crop does not match the photograph and its alignment")
    if diff.max() == 1:  # interpolation rounding of another OpenCV build; FAME ran on the stored crop
        notes.append(f"{role}: re-warped crop differs by 1 grey level in {int((diff > 0).any(axis=2).sum())} "
                     "pixels (interpolation rounding); the stored crop is used")
        stored.flags.writeable = False
        rewarped = AlignedFace(crop=stored, matrix=rewarped.matrix, inverse=rewarped.inverse,
                               landmarks=rewarped.landmarks)
    return FaceInput(role=role, image=image, faces=faces, face=face, face_index=index, aligned=rewarped)


def _decode_explanation(d: dict, members: dict[str, bytes], s: ComparisonSession,
                        notes: list[str]) -> PairExplanation:
    try:
        delta = np.load(io.BytesIO(members[DELTA_MEMBER]), allow_pickle=False)
    except (ValueError, OSError) as e:
        raise CaseFileError(f"the raw Δx cannot be read ({e})") from None
    keys = tuple(d["keys"])
    if delta.dtype != np.float32 or delta.ndim != 4 or delta.shape[:2] != (len(keys), 3):
        raise CaseFileError(f"the raw Δx has shape {delta.shape} {delta.dtype}, expected ({len(keys)}, 3, H, W) float32")
    per_map = ("iterations", "stop_reasons", "initial_loss", "final_loss", "initial_score", "final_score")
    if any(not isinstance(d[k], list) or len(d[k]) != len(keys) for k in per_map):
        raise CaseFileError(f"the FAME bookkeeping does not list every one of the {len(keys)} maps")
    f32 = {k: np.asarray([np.nan if v is None else v for v in d[k]], np.float32)
           for k in ("initial_loss", "final_loss", "initial_score", "final_score")}
    run = FameRun(delta=delta, iterations=np.asarray(d["iterations"], np.int64), stop_reasons=list(d["stop_reasons"]),
                  elapsed=float(d["elapsed"]), cancelled=bool(d["cancelled"]),
                  params=FameParams(**_known(FameParams, d["params"])), **f32)
    try:
        if "snapshot" in d:
            snapshot = InputSnapshot.from_dict(d["snapshot"])
        else:  # saved before results recorded their inputs: the stored crops are what FAME ran on
            snapshot = s.run_snapshot(s.model_info, run.params)
            notes.append("the FAME result does not record its input snapshot (saved by an earlier version); "
                         "it is taken to belong to the stored crops")
    except ValueError as e:
        raise CaseFileError(f"the FAME result's input record is damaged ({e})") from None
    return PairExplanation(similarity=float(d["similarity"]), keys=keys, run=run, snapshot=snapshot)


# the display settings a case file stores, by type; an unknown value of the right type (a colour map of a
# newer version) is only noted (view_state), a value of another type means the file is damaged
_VIEW_TYPES = {"colour_map": str, "opacity": (int, float), "on_photo": bool, "maps": dict, "show_original": bool,
               "compare_mode": str, "compare_mix": (int, float)}


def _check_view(view) -> dict:
    if view is None:
        return {}
    if not isinstance(view, dict):
        raise CaseFileError("the view settings are not a record")
    for name, kind in _VIEW_TYPES.items():
        if name in view and (not isinstance(view[name], kind) or (kind != bool and isinstance(view[name], bool))):
            what = "a number" if kind == (int, float) else "a record" if kind is dict else \
                "true or false" if kind is bool else "text"
            raise CaseFileError(f"view setting {name}={view[name]!r} is not {what}")
    return dict(view)


def _typed(value, kind, what: str, optional: bool = False):
    """`value` when it is of `kind` (str or dict here; None too when optional); CaseFileError otherwise."""
    if (value is None and optional) or isinstance(value, kind):
        return value
    raise CaseFileError(f"{what} is not {'text' if kind is str else 'a record'}: {type(value).__name__}")


def decode_session(doc: dict, members: dict[str, bytes], chained: bool = True) -> tuple[ComparisonSession, list[str]]:
    """Rebuild the session; returns it with notes on anything that needed a remark.

    chained: the audit log must be an intact hash chain (format 2 and later)."""
    notes: list[str] = []
    try:
        t = doc["threshold"]
        case = {k: _typed(v, str, f"the case detail {k}") for k, v in _known(CaseInfo, doc["case"]).items()}
        s = ComparisonSession(
            case=CaseInfo(**case),
            audit=AuditLog.from_list(doc["audit"], chained=chained),
            model_key=_typed(doc["model_key"], str, "the model"),
            checkpoint=_typed(doc["checkpoint"], str, "the checkpoint", optional=True),
            device=_typed(doc["device"], str, "the device"),
            params=FameParams(**_known(FameParams, doc["params"])),
            map_settings=MapSettings(**_known(MapSettings, doc["map_settings"])),
            threshold=None if t is None else Threshold(float(t["value"]), _typed(t["source"], str, "the threshold's source")),
            model_info=_typed(doc["model_info"], dict, "the model record", optional=True),
            environment=_typed(doc["environment"], dict, "the environment record", optional=True),
            view=_check_view(doc.get("view")), created=_typed(doc["created"], str, "the session's start time"),
        )
        for role, d in doc["inputs"].items():
            if role not in ROLES:
                raise CaseFileError(f"unknown input role {role!r}")
            s.inputs[role] = _decode_input(role, d, members, notes)
            s.photos[role] = s.inputs[role].image
        if doc["explanation"] is not None:
            if not s.ready:
                raise CaseFileError("holds a FAME result without both photographs")
            s.explanation = _decode_explanation(doc["explanation"], members, s, notes)
            why = s.stale_reasons(s.explanation.snapshot)
            if why:
                raise CaseFileError(f"the FAME result was computed for other inputs than the case holds "
                                    f"(differing: {', '.join(why)})")
    except (CaseFileError, AuditChainError) as e:
        raise CaseFileError(str(e)) from None
    except (KeyError, IndexError, TypeError, ValueError, AttributeError) as e:
        raise CaseFileError(f"the session record is incomplete or malformed ({type(e).__name__}: {e})") from None
    return s, notes
