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
# not choices: how often FAME snapshots; a CAM's layer size, measured by the run
_REPORTING_ONLY = ("snapshot_every", "layer_output")


class StaleResultError(FameError):
    """A result whose inputs are no longer the session's (it must not be shown, exported or saved)."""


@dataclass(frozen=True)
class InputRecord:
    """One input as a run saw it.

    choice_sha256: SHA-256 of the canonical JSON of how the input was prepared from its
    photograph (the task's `details`: for a face the detected faces, the chosen one or the
    hand-placed landmarks and the alignment; for a classifier the crop region).
    input_sha256: SHA-256 of the model input's pixels, (S, S, 3) uint8 in C order.
    """

    role: str
    file_sha256: str
    choice_sha256: str
    input_sha256: str

    @classmethod
    def of(cls, prepared) -> "InputRecord":
        """The record of a prepared input (`tasks.PreparedInput` or `pipeline.FaceInput`)."""
        return cls(role=prepared.role, file_sha256=prepared.image.sha256, choice_sha256=canonical_sha256(prepared.details),
                   input_sha256=pixels_sha256(prepared.model_input))

    def differences(self, other: "InputRecord", choice_noun: str) -> list[str]:
        """What changed from `self` to `other`, in words ([] when nothing did)."""
        if self.file_sha256 != other.file_sha256:
            return [f"the {self.role} photograph"]
        if self.choice_sha256 != other.choice_sha256:
            return [f"{choice_noun} in the {self.role} photograph"]
        if self.input_sha256 != other.input_sha256:
            return [f"the {self.role} model input"]
        return []


def canonical_sha256(obj) -> str:
    """SHA-256 of JSON with sorted keys and no spaces (the same data gives the same digest)."""
    text = json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=True, default=_plain)
    return hashlib.sha256(text.encode("ascii")).hexdigest()


def _plain(o):
    if isinstance(o, np.generic):
        return o.item()
    if isinstance(o, np.ndarray):
        return o.tolist()
    raise TypeError(f"not JSON serialisable: {type(o).__name__}")


def pixels_sha256(a: np.ndarray) -> str:
    return hashlib.sha256(np.ascontiguousarray(a).tobytes()).hexdigest()


@dataclass(frozen=True)
class InputSnapshot:
    """Everything a run's result depends on, compared by value.

    task / method: keys of the task and the explanation method. inputs: one `InputRecord`
    per input, in the task's role order. model_key / checkpoint: the model as the session
    names it; weights_sha256: the loaded weights' SHA-256 (None when the model does not
    state one). parameters: the method's parameters and the task's options as sorted
    (name, value) pairs, without those that only affect progress reporting. choice_noun:
    how the task calls the choice made when preparing an input ("the face chosen").
    """

    task: str
    inputs: tuple[InputRecord, ...]
    model_key: str
    checkpoint: str | None
    weights_sha256: str | None
    parameters: tuple[tuple[str, object], ...]
    method: str = "fame"
    choice_noun: str = "the preparation"

    @classmethod
    def capture(cls, task: str, prepared_inputs, model_key: str, checkpoint: str | None, model_info: dict | None,
                params, options: dict | None = None, method: str = "fame",
                choice_noun: str = "the preparation") -> "InputSnapshot":
        """The snapshot of a run about to start on `prepared_inputs` (in role order)."""
        weights = ((model_info or {}).get("provenance") or {}).get("sha256")
        values = {k: v for k, v in params.describe().items() if k not in _REPORTING_ONLY}
        values.update({f"option.{k}": v for k, v in (options or {}).items()})
        return cls(task=task, inputs=tuple(InputRecord.of(p) for p in prepared_inputs), model_key=model_key,
                   checkpoint=checkpoint, weights_sha256=weights, parameters=tuple(sorted(values.items())),
                   method=method, choice_noun=choice_noun)

    def same_inputs(self, inputs: tuple[InputRecord, ...], model_key: str, checkpoint: str | None) -> bool:
        return self.inputs == tuple(inputs) and (self.model_key, self.checkpoint) == (model_key, checkpoint)

    def differences(self, inputs: tuple[InputRecord, ...], model_key: str, checkpoint: str | None) -> list[str]:
        """What differs between the snapshot and these current inputs, in words."""
        now = {r.role: r for r in inputs}
        out: list[str] = []
        for rec in self.inputs:
            cur = now.get(rec.role)
            out += [f"the {rec.role} photograph (removed)"] if cur is None else rec.differences(cur, self.choice_noun)
        out += [f"the {role} photograph (added)" for role in now if role not in {r.role for r in self.inputs}]
        if (self.model_key, self.checkpoint) != (model_key, checkpoint):
            out.append("the model")
        return out

    def _body(self) -> dict:
        return {"task": self.task, "method": self.method, "inputs": [asdict(r) for r in self.inputs],
                "model_key": self.model_key, "checkpoint": self.checkpoint, "weights_sha256": self.weights_sha256,
                "parameters": dict(self.parameters), "choice_noun": self.choice_noun}

    def describe(self) -> dict:
        """JSON-ready form (case files, result.json, the audit log), with its digest."""
        return {**self._body(), "sha256": self.digest()}

    @classmethod
    def from_dict(cls, d: dict) -> "InputSnapshot":
        inputs = tuple(InputRecord(**{k: str(r[k]) for k in ("role", "file_sha256", "choice_sha256", "input_sha256")})
                       for r in d["inputs"])
        snap = cls(task=str(d["task"]), inputs=inputs, model_key=str(d["model_key"]), checkpoint=d["checkpoint"],
                   weights_sha256=d["weights_sha256"], parameters=tuple(sorted(dict(d["parameters"]).items())),
                   method=str(d["method"]), choice_noun=str(d["choice_noun"]))
        if d.get("sha256") != snap.digest():
            raise ValueError("the input snapshot does not match its recorded SHA-256")
        return snap

    def digest(self) -> str:
        """SHA-256 of the snapshot's canonical JSON (a short name for it in logs and files)."""
        return canonical_sha256(self._body())
