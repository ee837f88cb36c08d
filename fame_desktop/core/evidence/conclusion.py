"""The examiner's conclusion and its sign-off (ACE-V), as a plain immutable record with a JSON form.

    rec = ConclusionRecord().edit(conclusion=Conclusion("…", "moderate:Hp"), examiner="A. Examiner",
                                  examiner_date="2025-03-01", checklist=checklist)
    rec = rec.sign_off(case_sha256)                       # revision 1: frozen
    rec = rec.verify("B. Reviewer", "2025-03-02", agrees=True)   # ACE-V verification of revision 1
    rec = rec.edit(conclusion=...)                        # status "revised": the draft of revision 2
    rec = rec.sign_off(new_case_sha256)                   # revision 2; revision 1 stays as it was

The record holds the current draft (conclusion, checklist, examiner, date) and every signed
revision. A sign-off freezes a copy of the draft together with the digest of the case content
it signs (`case_sha256`, given by the caller: the case file's or session's content digest) and
the time; each revision carries the SHA-256 of its own content, checked when a record is read
back. Later edits never change a revision: they make the draft of the next one, and all stay
visible. Verification (the V of ACE-V: a second examiner checks the analysis, comparison and
evaluation) attaches to the latest revision, by someone other than its examiner, and only while
the draft is unchanged since that sign-off.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field, replace
from datetime import date, datetime

from ..errors import FameError
from .fiswg import ChecklistError, FiswgChecklist
from .verbal_scale import VERBAL_CHOICES

FORMAT = "fame-desktop/conclusion"
FORMAT_VERSION = 1


class ConclusionError(FameError):
    """A conclusion record that is not valid, or a sign-off / verification not allowed in its state."""


def _check_date(value, what: str) -> str:
    if not isinstance(value, str):
        raise ConclusionError(f"{what} must be a date (YYYY-MM-DD)")
    try:
        date.fromisoformat(value)
    except ValueError:
        raise ConclusionError(f"{what} {value!r} is not a date (YYYY-MM-DD)") from None
    return value


def _check_text(value, what: str) -> str:
    if not isinstance(value, str):
        raise ConclusionError(f"{what} must be text")
    return value


def now_iso() -> str:
    return datetime.now().astimezone().isoformat(timespec="seconds")


@dataclass(frozen=True)
class Conclusion:
    """The examiner's words, and optionally a point on the ENFSI verbal scale (verbal_scale.VERBAL_CHOICES)."""

    text: str = ""
    verbal: str | None = None

    def __post_init__(self):
        _check_text(self.text, "the conclusion")
        if self.verbal is not None and self.verbal not in VERBAL_CHOICES:
            raise ConclusionError(f"unknown verbal-scale choice {self.verbal!r}; choose one of "
                                  f"{', '.join(VERBAL_CHOICES)}")

    @property
    def empty(self) -> bool:
        return not self.text.strip() and self.verbal is None


@dataclass(frozen=True)
class Verification:
    reviewer: str
    date: str
    agrees: bool
    notes: str = ""

    def __post_init__(self):
        if not _check_text(self.reviewer, "the reviewer's name").strip():
            raise ConclusionError("a verification needs the reviewer's name")
        _check_date(self.date, "the verification date")
        if not isinstance(self.agrees, bool):
            raise ConclusionError("a verification either agrees or does not")
        _check_text(self.notes, "the verification notes")


@dataclass(frozen=True)
class Revision:
    """A signed, frozen state. `sha256` covers everything but the verification (added later)."""

    number: int
    conclusion: Conclusion
    checklist: FiswgChecklist
    examiner: str
    examiner_date: str
    signed_at: str
    case_sha256: str
    verification: Verification | None = None

    def content(self) -> dict:
        return {"number": self.number, "conclusion": asdict(self.conclusion), "checklist": self.checklist.to_json(),
                "examiner": self.examiner, "examiner_date": self.examiner_date, "signed_at": self.signed_at,
                "case_sha256": self.case_sha256}

    @property
    def sha256(self) -> str:
        text = json.dumps(self.content(), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class ConclusionRecord:
    conclusion: Conclusion = field(default_factory=Conclusion)
    checklist: FiswgChecklist = field(default_factory=FiswgChecklist)
    examiner: str = ""
    examiner_date: str = ""
    revisions: tuple[Revision, ...] = ()

    @property
    def latest(self) -> Revision | None:
        return self.revisions[-1] if self.revisions else None

    @property
    def status(self) -> str:
        """"draft" (never signed), "signed" (the draft is the latest revision) or "revised" (edited since)."""
        if not self.revisions:
            return "draft"
        r = self.revisions[-1]
        same = (r.conclusion, r.checklist, r.examiner, r.examiner_date) == \
            (self.conclusion, self.checklist, self.examiner, self.examiner_date)
        return "signed" if same else "revised"

    def edit(self, **changes) -> "ConclusionRecord":
        """A new record with the draft's conclusion, checklist, examiner or examiner_date changed."""
        unknown = set(changes) - {"conclusion", "checklist", "examiner", "examiner_date"}
        if unknown:
            raise ConclusionError(f"cannot edit {', '.join(sorted(unknown))}: signed revisions never change")
        if "conclusion" in changes and not isinstance(changes["conclusion"], Conclusion):
            raise ConclusionError("the conclusion must be a Conclusion")
        if "checklist" in changes and not isinstance(changes["checklist"], FiswgChecklist):
            raise ConclusionError("the checklist must be a FiswgChecklist")
        for key in ("examiner", "examiner_date"):
            if key in changes:
                _check_text(changes[key], key.replace("_", " "))
        return replace(self, **changes)

    def sign_off(self, case_sha256: str, signed_at: str | None = None) -> "ConclusionRecord":
        """Freeze the draft as the next revision, signing the case content `case_sha256`."""
        if self.status == "signed":
            raise ConclusionError(f"revision {self.latest.number} is already signed and nothing changed since")
        if not self.examiner.strip():
            raise ConclusionError("a sign-off needs the examiner's name")
        _check_date(self.examiner_date, "the examiner's date")
        if self.conclusion.empty:
            raise ConclusionError("a sign-off needs a conclusion (text or a verbal-scale choice)")
        if not (isinstance(case_sha256, str) and len(case_sha256) == 64
                and all(c in "0123456789abcdef" for c in case_sha256)):
            raise ConclusionError("a sign-off needs the SHA-256 of the case content it signs")
        rev = Revision(len(self.revisions) + 1, self.conclusion, self.checklist, self.examiner.strip(),
                       self.examiner_date, signed_at or now_iso(), case_sha256)
        return replace(self, examiner=rev.examiner, revisions=self.revisions + (rev,))

    def verify(self, reviewer: str, on: str, agrees: bool, notes: str = "") -> "ConclusionRecord":
        """The second examiner's verification of the latest revision (ACE-V)."""
        r = self.latest
        if r is None:
            raise ConclusionError("nothing to verify: no revision has been signed")
        if self.status != "signed":
            raise ConclusionError(f"the draft changed after revision {r.number} was signed: sign the new "
                                  "revision before it is verified")
        if r.verification is not None:
            raise ConclusionError(f"revision {r.number} is verified already")
        v = Verification(reviewer.strip() if isinstance(reviewer, str) else reviewer, on, agrees, notes)
        if v.reviewer.casefold() == r.examiner.casefold():
            raise ConclusionError("verification is by a second examiner, not the one who signed")
        if v.date < r.examiner_date:
            raise ConclusionError(f"the verification date {v.date} is before the examiner's {r.examiner_date}")
        return replace(self, revisions=self.revisions[:-1] + (replace(r, verification=v),))

    # JSON -----------------------------------------------------------------------------------------
    def to_json(self) -> dict:
        return {"format": FORMAT, "format_version": FORMAT_VERSION, "status": self.status,
                "draft": {"conclusion": asdict(self.conclusion), "checklist": self.checklist.to_json(),
                          "examiner": self.examiner, "examiner_date": self.examiner_date},
                "revisions": [{**r.content(), "sha256": r.sha256,
                               "verification": None if r.verification is None else asdict(r.verification)}
                              for r in self.revisions]}

    @classmethod
    def from_json(cls, d) -> "ConclusionRecord":
        """The record back from `to_json`; ConclusionError when malformed or a revision was altered."""
        if not isinstance(d, dict) or d.get("format") != FORMAT:
            raise ConclusionError("not a conclusion record")
        if d.get("format_version") != FORMAT_VERSION:
            raise ConclusionError(f"conclusion record version {d.get('format_version')!r} is not supported")
        try:
            draft = d["draft"]
            revisions = []
            for n, r in enumerate(d["revisions"], 1):
                v = r.get("verification")
                rev = Revision(r["number"], Conclusion(**r["conclusion"]), FiswgChecklist.from_json(r["checklist"]),
                               _check_text(r["examiner"], "the examiner's name"),
                               _check_date(r["examiner_date"], "the examiner's date"),
                               _check_text(r["signed_at"], "the signing time"), _check_text(r["case_sha256"], "case"),
                               None if v is None else Verification(**v))
                if rev.number != n:
                    raise ConclusionError(f"revision {rev.number} is out of order (expected {n})")
                if rev.sha256 != r.get("sha256"):
                    raise ConclusionError(f"revision {n} was altered after it was signed (its SHA-256 differs)")
                revisions.append(rev)
            return cls(Conclusion(**draft["conclusion"]), FiswgChecklist.from_json(draft["checklist"]),
                       _check_text(draft["examiner"], "the examiner's name"),
                       _check_text(draft["examiner_date"], "the examiner's date"), tuple(revisions))
        except ChecklistError as e:
            raise ConclusionError(str(e)) from None
        except (KeyError, TypeError, AttributeError) as e:
            raise ConclusionError(f"conclusion record is malformed ({type(e).__name__}: {e})") from None
