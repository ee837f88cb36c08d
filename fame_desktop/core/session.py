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
from .io_utils import json_default
from .models.registry import DEFAULT_FACE_MODEL
from .pipeline import FaceInput
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
    case: CaseInfo = field(default_factory=CaseInfo)
    audit: AuditLog = field(default_factory=AuditLog)
    model_key: str = DEFAULT_FACE_MODEL
    checkpoint: Optional[str] = None
    device: str = "auto"
    params: FameParams = field(default_factory=FameParams)
    map_settings: MapSettings = field(default_factory=MapSettings)
    threshold: Optional[Threshold] = None
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

    def snapshot(self) -> "ComparisonSession":
        """A copy that later changes of this session leave alone, e.g. to write it in another thread.

        The setters replace inputs, results and case details rather than change them in place,
        so those are shared; the containers that grow or change (inputs, audit log, view, the
        model and environment records) are copied.
        """
        return replace(self, inputs=dict(self.inputs), audit=AuditLog(self.audit.entries), case=replace(self.case),
                       view=deepcopy(self.view), model_info=deepcopy(self.model_info),
                       environment=deepcopy(self.environment))

    def set_input(self, face_input: FaceInput) -> None:
        """Put a prepared photograph in its slot; any previous result no longer applies."""
        if face_input.role not in ROLES:
            raise ValueError(f"role must be one of {ROLES}, got {face_input.role!r}")
        self.inputs[face_input.role] = face_input
        self.explanation = None
        self.model_info = None
        self.environment = None
        self.audit.record(
            f"load {face_input.role}", file=face_input.image.source, sha256=face_input.image.sha256,
            faces_found=len(face_input.faces), face_index=face_input.face_index,
            manual_landmarks=face_input.face.manual,
        )

    def clear_input(self, role: str, reason: str, **details) -> None:
        """Empty a slot (e.g. its new photograph holds no usable face); its result no longer applies."""
        if role not in ROLES:
            raise ValueError(f"role must be one of {ROLES}, got {role!r}")
        removed = self.inputs.pop(role, None)
        self.explanation = None
        self.model_info = None
        self.audit.record(f"clear {role}", reason=reason,
                          previous_sha256=removed.image.sha256 if removed else None, **details)

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
            self.explanation = None
            self.model_info = None
            self.environment = None
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

    def set_explanation(self, explanation: PairExplanation, model_info: dict,
                        environment: dict | None = None) -> None:
        """Store a FAME result; `environment` defaults to this process's versions and the model's device."""
        self.explanation = explanation
        self.model_info = model_info
        self.environment = environment or versions(model_info.get("device") or self.device)
        run = explanation.run
        self.audit.record(
            "FAME run finished" if not run.cancelled else "FAME run cancelled",
            similarity=round(explanation.similarity, 6), model=model_info.get("key"),
            checkpoint_sha256=model_info.get("provenance", {}).get("sha256"),
            gallery_sha256=self.gallery.image.sha256 if self.gallery else None,
            probe_sha256=self.probe.image.sha256 if self.probe else None,
            parameters=run.params.describe(), iterations=[int(i) for i in run.iterations],
            seconds=round(run.elapsed, 3),
        )
