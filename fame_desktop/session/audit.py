"""The append-only audit log (a hash chain once written), and the case details and threshold a session holds."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from datetime import datetime

from ..core.io_utils import canonical_json, json_default


def now_iso() -> str:
    """Local time with its UTC offset, to the second."""
    return datetime.now().astimezone().isoformat(timespec="seconds")


@dataclass
class CaseInfo:
    """Case details stated in reports and case files; exhibits: {input role: exhibit ID}."""

    case_id: str = ""
    examiner: str = ""
    notes: str = ""
    exhibits: dict[str, str] = field(default_factory=dict)


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
    return hashlib.sha256(canonical_json(plain)).hexdigest()


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
        self.listeners: list = []  # called with each new entry (the session's audit event)

    def record(self, action: str, **details) -> AuditEntry:
        entry = AuditEntry(time=now_iso(), action=action, details=details)
        self._entries.append(entry)
        for listener in self.listeners:
            listener(entry)
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
