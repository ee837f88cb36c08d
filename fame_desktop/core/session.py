"""A comparison case: the two inputs, the model, parameters, results, notes and audit log.

The GUI shows a session and the report writes one; both change it only through these
methods, so every step that matters lands in the append-only audit log.
"""

from __future__ import annotations

import hashlib
import json
from copy import deepcopy
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime
from typing import Optional

from .attribution import MapSettings
from .environment import versions
from .fame import FameParams
from .images import LoadedImage
from .io_utils import json_default
from .models.registry import DEFAULT_FACE_MODEL
from .pipeline import FaceInput
from .snapshot import InputRecord, InputSnapshot, StaleResultError
from .verification import PairExplanation

ROLES = ("gallery", "probe")


def now_iso() -> str:
    """Local time with its UTC offset, to the second."""
    return datetime.now().astimezone().isoformat(timespec="seconds")


@dataclass
class CaseInfo:
    case_id: str = ""
    exhibit_gallery: str = ""
    exhibit_probe: str = ""
    examiner: str = ""
    notes: str = ""


@dataclass(frozen=True)
class Threshold:
    """A decision threshold and where it comes from (a cosine score is not evidence strength)."""

    value: float
    source: str

    def __post_init__(self):
        if not -1.0 <= self.value <= 1.0:
            raise ValueError(f"a cosine threshold lies in [-1, 1], got {self.value}")
        if not self.source.strip():
            raise ValueError("a threshold needs its source (data set, procedure, who set it)")


@dataclass(frozen=True)
class AuditEntry:
    time: str
    action: str
    details: dict = field(default_factory=dict)


GENESIS = "0" * 64  # the `prev` of the first entry


def entry_hash(item: dict) -> str:
    """SHA-256 of an audit entry's canonical JSON (keys sorted, no spaces, UTF-8), `prev` included.

    The entry is first brought to plain JSON values, so the hash is the same before saving
    (numpy numbers, tuples, paths) and after reading the case file back.
    """
    plain = json.loads(json.dumps(item, default=json_default))
    text = json.dumps(plain, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class AuditChainError(ValueError):
    """A chained audit log whose entry does not carry the hash of the one before it."""


class AuditLog:
    """Append-only record of what was done, when, with which files and parameters.

    Written out (`to_list`) as a hash chain: each entry holds `prev`, the SHA-256 of the
    previous entry (`entry_hash`), so an entry edited, removed or inserted later breaks
    the chain at the next one (`from_list(..., chained=True)` says where).
    """

    def __init__(self, entries: tuple[AuditEntry, ...] | list[AuditEntry] = ()):
        self._entries: list[AuditEntry] = list(entries)

    def record(self, action: str, **details) -> AuditEntry:
        entry = AuditEntry(time=now_iso(), action=action, details=details)
        self._entries.append(entry)
        return entry

    def append(self, entry: AuditEntry) -> None:
        """Add an entry recorded in a copy of this log (e.g. the snapshot a case file was written from)."""
        self._entries.append(entry)

    @property
    def entries(self) -> tuple[AuditEntry, ...]:
        return tuple(self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    def to_list(self) -> list[dict]:
        """[{time, action, details, prev}]: the entries as plain data, chained."""
        out, prev = [], GENESIS
        for e in self._entries:
            item = {**asdict(e), "prev": prev}
            prev = entry_hash(item)
            out.append(item)
        return out

    @classmethod
    def from_list(cls, items: list[dict], chained: bool = False) -> "AuditLog":
        """The log of `to_list`; with `chained`, AuditChainError names the first entry (from 1) that does not
        hold the hash of the one before it."""
        if chained:
            prev = GENESIS
            for n, item in enumerate(items, 1):
                if item.get("prev") != prev:
                    where = f"entry {n} does not follow entry {n - 1}" if n > 1 else "entry 1 is not the first"
                    raise AuditChainError(f"audit log {where} (the chain of hashes is broken: the log was altered)")
                prev = entry_hash(item)
        return cls([AuditEntry(time=i["time"], action=i["action"], details=dict(i.get("details", {})))
                    for i in items])


@dataclass
class ComparisonSession:
    """One comparison: what the user chose, what was computed from it, and the audit log.

    photos: the photograph in each slot (it may not have a usable face yet); inputs: the
    prepared face of each slot. A FAME result (`explanation`) is accepted only together
    with the snapshot of the inputs it was computed from, and only while that snapshot
    still describes `inputs` and the model (`set_explanation`); any change of an input
    or of the model drops it.
    """

    case: CaseInfo = field(default_factory=CaseInfo)
    audit: AuditLog = field(default_factory=AuditLog)
    model_key: str = DEFAULT_FACE_MODEL
    checkpoint: Optional[str] = None
    device: str = "auto"
    params: FameParams = field(default_factory=FameParams)
    map_settings: MapSettings = field(default_factory=MapSettings)
    threshold: Optional[Threshold] = None
    photos: dict[str, LoadedImage] = field(default_factory=dict)
    inputs: dict[str, FaceInput] = field(default_factory=dict)
    explanation: Optional[PairExplanation] = None
    model_info: Optional[dict] = None  # FaceModel.describe() of the model that produced `explanation`
    environment: Optional[dict] = None  # software and device that produced `explanation` (environment.versions)
    view: dict = field(default_factory=dict)  # display state kept in case files (colour map, opacity, ...)
    created: str = field(default_factory=now_iso)

    @property
    def gallery(self) -> Optional[FaceInput]:
        return self.inputs.get("gallery")

    @property
    def probe(self) -> Optional[FaceInput]:
        return self.inputs.get("probe")

    @property
    def ready(self) -> bool:
        return all(r in self.inputs for r in ROLES)

    def frozen_copy(self) -> "ComparisonSession":
        """A copy that later changes of this session leave alone, e.g. to write it in another thread.

        The setters replace inputs, results and case details rather than change them in place,
        so those are shared; the containers that grow or change (photos, inputs, audit log, view,
        the model and environment records) are copied.
        """
        return replace(self, photos=dict(self.photos), inputs=dict(self.inputs), audit=AuditLog(self.audit.entries),
                       case=replace(self.case), view=deepcopy(self.view), model_info=deepcopy(self.model_info),
                       environment=deepcopy(self.environment))

    # inputs -------------------------------------------------------------------------------
    def set_photo(self, role: str, image: LoadedImage) -> None:
        """A photograph was read into slot `role`: its previous face and any result no longer apply.

        Recorded when the file is read, before faces are found, so the log shows the load
        before anything that follows it.
        """
        _check_role(role)
        dropped = self._drop_result()
        self.photos[role] = image
        self.inputs.pop(role, None)
        self.audit.record(f"load {role}", file=image.source, sha256=image.sha256, file_size=image.file_size,
                          format=image.format, pixels=f"{image.width}×{image.height}",
                          **({"conversions": list(image.conversions)} if image.conversions else {}),
                          **({"result_dropped": True} if dropped else {}))

    def set_input(self, face_input: FaceInput) -> None:
        """Use a prepared face in its slot (its photograph is loaded first if it is new there)."""
        role = face_input.role
        _check_role(role)
        photo = self.photos.get(role)
        if photo is None or photo.sha256 != face_input.image.sha256:
            self.set_photo(role, face_input.image)
        dropped = self._drop_result()
        self.inputs[role] = face_input
        extra = {"result_dropped": True} if dropped else {}
        if face_input.face.manual:
            self.audit.record("place landmarks by hand", role=role, landmarks=face_input.face.describe()["landmarks"],
                              **extra)
        else:
            f = face_input.face.describe()
            self.audit.record("use face", role=role, face=face_input.face_index + 1, faces_found=len(face_input.faces),
                              box=f["box"], probability=f["probability"], **extra)

    def clear_input(self, role: str, reason: str, **details) -> None:
        """Empty a slot's face (e.g. its photograph holds no usable face); its result no longer applies."""
        _check_role(role)
        removed = self.inputs.pop(role, None)
        self._drop_result()
        self.audit.record(f"clear {role}", reason=reason,
                          previous_sha256=removed.image.sha256 if removed else None, **details)

    def _drop_result(self) -> bool:
        had = self.explanation is not None
        self.explanation = None
        self.model_info = None
        self.environment = None
        return had

    # results ------------------------------------------------------------------------------
    def input_records(self) -> tuple[InputRecord, ...]:
        """The current inputs as a run would record them, in role order."""
        return tuple(InputRecord.of(self.inputs[r]) for r in ROLES if r in self.inputs)

    def run_snapshot(self, model_info: dict, params: FameParams) -> InputSnapshot:
        """What a run starting now computes from; record it with `record_run_started`."""
        if not self.ready:
            raise ValueError("a run needs a face in both slots")
        return InputSnapshot.capture("face-verification", [self.inputs[r] for r in ROLES], self.model_key,
                                     self.checkpoint, model_info, params)

    def record_run_started(self, snapshot: InputSnapshot, device: str) -> None:
        files = {f"{r.role}_sha256": r.file_sha256 for r in snapshot.inputs}
        self.audit.record("FAME run started", model=snapshot.model_key, device=device,
                          parameters=dict(snapshot.parameters), snapshot=snapshot.digest(), **files)

    def stale_reasons(self, snapshot: InputSnapshot | None) -> list[str]:
        """Why a result computed from `snapshot` does not belong to the current inputs ([] if it does)."""
        if snapshot is None:
            return ["the result does not record the inputs it was computed from"]
        return snapshot.differences(self.input_records(), self.model_key, self.checkpoint)

    def check_result_current(self) -> None:
        """StaleResultError unless the stored result was computed from the current inputs and model."""
        if self.explanation is not None:
            why = self.stale_reasons(self.explanation.snapshot)
            if why:
                raise StaleResultError(f"the FAME result was computed for other inputs ({', '.join(why)} changed)")

    def set_parameters(self, params: FameParams | None = None, map_settings: MapSettings | None = None) -> None:
        if params is not None and params != self.params:
            self.params = params
            self.audit.record("set FAME parameters", **params.describe())
        if map_settings is not None and map_settings != self.map_settings:
            self.map_settings = map_settings
            self.audit.record("set map settings", **map_settings.describe())

    def set_model(self, key: str, checkpoint: str | None = None, device: str = "auto") -> None:
        if (key, checkpoint, device) != (self.model_key, self.checkpoint, self.device):
            self.model_key, self.checkpoint, self.device = key, checkpoint, device
            self._drop_result()
            self.audit.record("choose model", model=key, checkpoint=checkpoint, device=device)

    def set_threshold(self, threshold: Threshold | None) -> None:
        self.threshold = threshold
        self.audit.record("set threshold", value=None if threshold is None else threshold.value,
                          source=None if threshold is None else threshold.source)

    def set_case(self, **fields) -> None:
        changed = {k: v for k, v in fields.items() if getattr(self.case, k) != v}
        if changed:
            self.case = replace(self.case, **changed)
            self.audit.record("edit case details", **{k: v for k, v in changed.items() if k != "notes"},
                              **({"notes_changed": True} if "notes" in changed else {}))

    def set_explanation(self, explanation: PairExplanation, model_info: dict, snapshot: InputSnapshot,
                        environment: dict | None = None) -> bool:
        """Store a FAME result computed from `snapshot` (taken when its run started) — if it still applies.

        A result whose snapshot no longer describes the current inputs and model is
        discarded, and the log says so (False). `environment` defaults to this process's
        versions and the model's device.
        """
        run = explanation.run
        why = self.stale_reasons(snapshot)
        if why:
            self.audit.record("FAME result discarded", reason=f"{', '.join(why)} changed since the run started",
                              snapshot=snapshot.digest(), iterations=[int(i) for i in run.iterations])
            return False
        self.explanation = replace(explanation, snapshot=snapshot)
        self.model_info = model_info
        self.environment = environment or versions(model_info.get("device") or self.device)
        files = {f"{r.role}_sha256": r.file_sha256 for r in snapshot.inputs}
        self.audit.record(
            "FAME run finished" if not run.cancelled else "FAME run cancelled",
            similarity=round(explanation.similarity, 6), model=model_info.get("key"),
            checkpoint_sha256=model_info.get("provenance", {}).get("sha256"), **files,
            parameters=run.params.describe(), iterations=[int(i) for i in run.iterations],
            seconds=round(run.elapsed, 3), snapshot=snapshot.digest(),
        )
        return True


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise ValueError(f"role must be one of {ROLES}, got {role!r}")
