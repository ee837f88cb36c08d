"""What a result was computed from: an immutable, comparable record taken when a run starts.

A run captures an `InputSnapshot` before its first iteration (the photographs' SHA-256,
the chosen face or hand-placed landmarks, the crops FAME starts from, the model and its
weights, the parameters). The result carries it; the session accepts the result only
while the snapshot still describes the session's inputs, and reports and case files are
built only from a result whose snapshot matches the inputs they name. A result computed
for one photograph can therefore never be shown, exported or saved beside another.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass

import numpy as np

from .errors import FameError

# FAME parameters that only change how progress is reported, not the maps
_REPORTING_ONLY = ("snapshot_every",)


class StaleResultError(FameError):
    """A result whose inputs are no longer the session's (it must not be shown, exported or saved)."""


@dataclass(frozen=True)
class InputRecord:
    """One side's input as a run saw it.

    face_index: the chosen detected face (0 = largest), -1 for hand-placed landmarks.
    landmarks: the 5 points (x1, y1, …, x5, y5) in photograph pixels, rounded to 1e-4 px.
    crop_sha256: SHA-256 of the aligned crop's pixels, (S, S, 3) uint8 in C order.
    """

    role: str
    file_sha256: str
    face_index: int
    landmarks: tuple[float, ...]
    crop_sha256: str

    @classmethod
    def of(cls, face_input) -> "InputRecord":
        """The record of a `pipeline.FaceInput`."""
        pts = np.asarray(face_input.face.landmarks, np.float64).reshape(-1)
        return cls(role=face_input.role, file_sha256=face_input.image.sha256, face_index=int(face_input.face_index),
                   landmarks=tuple(round(float(v), 4) for v in pts), crop_sha256=pixels_sha256(face_input.crop))

    def differences(self, other: "InputRecord") -> list[str]:
        """What changed from `self` to `other`, in words ([] when nothing did)."""
        if self.file_sha256 != other.file_sha256:
            return [f"the {self.role} photograph"]
        if self.face_index != other.face_index or self.landmarks != other.landmarks:
            return [f"the face chosen in the {self.role} photograph"]
        if self.crop_sha256 != other.crop_sha256:
            return [f"the aligned {self.role} crop"]
        return []


def pixels_sha256(a: np.ndarray) -> str:
    return hashlib.sha256(np.ascontiguousarray(a).tobytes()).hexdigest()


@dataclass(frozen=True)
class InputSnapshot:
    """Everything a run's result depends on, compared by value.

    inputs: one `InputRecord` per side, in role order. model_key / checkpoint: the model
    as the session names it; weights_sha256: the loaded weights' SHA-256 (None when the
    model does not state one). parameters: the FAME parameters as (name, value) pairs,
    sorted, without those that only affect progress reporting.
    """

    task: str
    inputs: tuple[InputRecord, ...]
    model_key: str
    checkpoint: str | None
    weights_sha256: str | None
    parameters: tuple[tuple[str, object], ...]

    @classmethod
    def capture(cls, task: str, face_inputs, model_key: str, checkpoint: str | None, model_info: dict | None,
                params) -> "InputSnapshot":
        """The snapshot of a run about to start on `face_inputs` (FaceInputs in role order)."""
        weights = ((model_info or {}).get("provenance") or {}).get("sha256")
        values = {k: v for k, v in asdict(params).items() if k not in _REPORTING_ONLY}
        return cls(task=task, inputs=tuple(InputRecord.of(fi) for fi in face_inputs), model_key=model_key,
                   checkpoint=checkpoint, weights_sha256=weights, parameters=tuple(sorted(values.items())))

    def same_inputs(self, inputs: tuple[InputRecord, ...], model_key: str, checkpoint: str | None) -> bool:
        return self.inputs == tuple(inputs) and (self.model_key, self.checkpoint) == (model_key, checkpoint)

    def differences(self, inputs: tuple[InputRecord, ...], model_key: str, checkpoint: str | None) -> list[str]:
        """What differs between the snapshot and these current inputs, in words."""
        now = {r.role: r for r in inputs}
        out: list[str] = []
        for rec in self.inputs:
            cur = now.get(rec.role)
            out += [f"the {rec.role} photograph (removed)"] if cur is None else rec.differences(cur)
        out += [f"the {role} photograph (added)" for role in now if role not in {r.role for r in self.inputs}]
        if (self.model_key, self.checkpoint) != (model_key, checkpoint):
            out.append("the face model")
        return out

    def describe(self) -> dict:
        """JSON-ready form (case files, result.json, the audit log)."""
        return {"task": self.task, "inputs": [asdict(r) for r in self.inputs], "model_key": self.model_key,
                "checkpoint": self.checkpoint, "weights_sha256": self.weights_sha256,
                "parameters": dict(self.parameters), "sha256": self.digest()}

    @classmethod
    def from_dict(cls, d: dict) -> "InputSnapshot":
        inputs = tuple(InputRecord(role=str(r["role"]), file_sha256=str(r["file_sha256"]),
                                   face_index=int(r["face_index"]), landmarks=tuple(float(v) for v in r["landmarks"]),
                                   crop_sha256=str(r["crop_sha256"])) for r in d["inputs"])
        snap = cls(task=str(d["task"]), inputs=inputs, model_key=str(d["model_key"]), checkpoint=d["checkpoint"],
                   weights_sha256=d["weights_sha256"], parameters=tuple(sorted(dict(d["parameters"]).items())))
        if "sha256" in d and d["sha256"] != snap.digest():
            raise ValueError("the input snapshot does not match its recorded SHA-256")
        return snap

    def digest(self) -> str:
        """SHA-256 of the canonical JSON of the snapshot (a short name for it in logs and files)."""
        body = {"task": self.task, "inputs": [asdict(r) for r in self.inputs], "model_key": self.model_key,
                "checkpoint": self.checkpoint, "weights_sha256": self.weights_sha256,
                "parameters": [[k, v] for k, v in self.parameters]}
        text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
        return hashlib.sha256(text.encode("ascii")).hexdigest()
