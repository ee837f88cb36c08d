"""Case files (.famecase): a whole session of any task in one file, reopened without running anything again.

A case file is a ZIP archive (format 3; members and size limits in archive.py):

    manifest.json      format, format_version, saved (time with UTC offset), app version,
                       and the SHA-256 and size of every other member but the signature
    signature.json     optional: the examiner's Ed25519 signature of the manifest (signing.py)
    session.json       the task, case details, notes, model, method and parameters, options, map
                       settings, view, threshold, per input how it was prepared, the model's answer,
                       every result's bookkeeping, and the audit log (a hash chain, audit.py)
    images/<sha256>    the original photograph files, byte for byte (named by their hash)
    inputs/<role>.png  the model inputs the runs started from
    raw/<n>.npy        result n's raw output (FAME: Δx), float32

Opening refuses, with CaseFileError and its reason, any file that is not exactly that: an
archive outside the format or over its size limits (read with bounded memory, archive.py),
a member that does not match the manifest, a photograph that does not match its name, an
input the task does not rebuild from its photograph, a broken audit-log chain, a signature
that does not match, or an answer or result that the stored evidence does not reproduce
(restore.py and checks.py: recomputed with the recorded model). Formats 1 and 2 (face verification) still
open; format 1 (no chain) with a note. The opening is logged with the file's own SHA-256,
the signature status and what was recomputed.
"""

from __future__ import annotations

import hashlib
import json
import math
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

from .. import __version__
from ..core.errors import CaseFileError, CaseModelUnavailable
from ..core.images import sha256_bytes, sha256_file
from ..core.io_utils import atomic_writer, json_default
from .archive import (LEGACY, LIMITS, MANIFEST, MAX_CASE_BYTES, SESSION, SIGNATURE, CaseArchive,
                      looks_like_a_photograph, member_kind, npy_header, open_regular, parse_json, png_size, size_text)
from .audit import AuditChainError, AuditEntry, AuditLog, now_iso
from .codec import FORMAT_VERSION, encode_session, image_member, input_member, raw_member, typed, upgrade_legacy
from .restore import restore_session
from .signing import Signature, SigningKey, check_signature, grouped, signature_member

FORMAT = "fame-desktop/case"
SUFFIX = ".famecase"
UNCHAINED_NOTE = "audit log not chained (format 1)"
_HEX = set("0123456789abcdef")


@dataclass(frozen=True)
class CaseFileInfo:
    path: Path
    sha256: str
    size: int
    signature: Signature | None = None

    def saved_text(self) -> str:
        """One line for the window's status bar: the file written, its SHA-256, size and signature."""
        fp = self.signature.fingerprint if self.signature else ""
        signed = f"signed, key {fp[:4]} {fp[4:8]} …" if fp else "unsigned"
        return f"Saved {self.path.name} (SHA-256 {self.sha256[:16]}…, {self.size / 1e6:.1f} MB, {signed})"


def save_case(session, path: str | Path, overwrite: bool = True, signer: SigningKey | None = None,
              signer_name: str | None = None) -> CaseFileInfo:
    """Write the session (a Session or its frozen copy) atomically; record the save in its audit log.

    With `signer` (a SigningKey) the file is signed (`signer_name`: the name stated, default the
    case's examiner) and its audit log ends with the "sign case file" entry, which the session's
    log gets too once the file is written."""
    from dataclasses import replace

    signature = sign_entry = None
    written = session
    if signer is not None:
        name = session.case.examiner if signer_name is None else signer_name
        signature = Signature(fingerprint=signer.fingerprint, signer=name, signed=now_iso())
        sign_entry = AuditEntry(time=signature.signed, action="sign case file",
                                details={"fingerprint": signature.fingerprint, "signer": name})
        written = replace(session.frozen_copy(), audit=AuditLog([*session.audit.entries, sign_entry]))
    doc, members = encode_session(written)
    try:
        text = json.dumps(doc, indent=1, ensure_ascii=False, allow_nan=False, default=json_default)
    except (TypeError, ValueError) as e:  # e.g. an audit detail that is not plain data: a bug, said plainly
        raise CaseFileError(f"the session cannot be saved: {e}") from None
    members[SESSION] = (text + "\n").encode("utf-8")
    manifest = {
        "format": FORMAT, "format_version": FORMAT_VERSION, "saved": now_iso(), "app_version": __version__,
        "members": {name: {"sha256": sha256_bytes(data), "size": len(data)} for name, data in sorted(members.items())},
    }
    manifest_bytes = (json.dumps(manifest, indent=1) + "\n").encode("utf-8")
    if signature is not None:
        members[SIGNATURE] = signature_member(manifest_bytes, signer, signature.signer, signature.signed)
    p = Path(path)
    with atomic_writer(p, overwrite) as f:
        with zipfile.ZipFile(f, "w") as z:
            z.writestr(MANIFEST, manifest_bytes, compress_type=zipfile.ZIP_DEFLATED)
            for name, data in sorted(members.items()):
                # photographs are compressed already; JSON and arrays shrink well
                kind = zipfile.ZIP_STORED if name.startswith("images/") else zipfile.ZIP_DEFLATED
                z.writestr(name, data, compress_type=kind)
    info = CaseFileInfo(path=p, sha256=sha256_file(p), size=p.stat().st_size, signature=signature)
    if sign_entry is not None:
        session.audit.append(sign_entry)
    session.audit.record("save case file", path=str(p), sha256=info.sha256, format_version=FORMAT_VERSION,
                         signature=signature.describe() if signature else "unsigned")
    return info


# --- reading -----------------------------------------------------------------------------------------------

def _read_manifest(archive: CaseArchive) -> tuple[bytes, dict]:
    label = archive.label
    if MANIFEST not in archive.names:
        raise CaseFileError(f"{label}: not a fame-desktop case file (no {MANIFEST})")
    data = archive.read(MANIFEST)
    manifest = parse_json(data, label, MANIFEST)
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise CaseFileError(f"{label}: not a fame-desktop case file")
    version = manifest.get("format_version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise CaseFileError(f"{label}: damaged (format version {version!r})")
    if version > FORMAT_VERSION:
        raise CaseFileError(f"{label}: written by a newer fame-desktop (case format {version}; "
                            f"this version reads up to {FORMAT_VERSION})")
    listed = manifest.get("members")
    if not isinstance(listed, dict):
        raise CaseFileError(f"{label}: damaged (no member list)")
    for name, rec in listed.items():
        if member_kind(name) in (None, "manifest", "signature"):
            raise CaseFileError(f"{label}: {MANIFEST} lists {name}, which is not part of the case format")
        if not (isinstance(rec, dict) and isinstance(rec.get("sha256"), str) and len(rec["sha256"]) == 64
                and set(rec["sha256"]) <= _HEX and isinstance(rec.get("size"), int) and rec["size"] >= 0):
            raise CaseFileError(f"{label}: {MANIFEST}: damaged (the entry of {name} is not a SHA-256 and a size)")
    extra = sorted(archive.names - set(listed) - {MANIFEST, SIGNATURE})
    if extra:
        raise CaseFileError(f"{label}: altered — {extra[0]} is not in the manifest")
    missing = sorted(set(listed) - archive.names)
    if missing:
        raise CaseFileError(f"{label}: incomplete — {missing[0]} is missing")
    return data, manifest


def _read_listed(archive: CaseArchive, manifest: dict, name: str) -> bytes:
    """A member's bytes, after its declared size is checked against the manifest; then its SHA-256."""
    rec = manifest["members"][name]
    if archive.infos[name].file_size != rec["size"]:
        raise CaseFileError(f"{archive.label}: altered or damaged — {name} does not match its recorded SHA-256 "
                            "(its size differs)")
    data = archive.read(name)
    if len(data) != rec["size"] or sha256_bytes(data) != rec["sha256"]:
        raise CaseFileError(f"{archive.label}: altered or damaged — {name} does not match its recorded SHA-256")
    return data


def _expected_members(doc: dict) -> tuple[dict[str, str], set[str], dict[str, int]]:
    """({image member: role}, input members, {raw member: targets}) that a format 3 session.json refers to."""
    images = {image_member(d["image"]["sha256"]): role for role, d in typed(doc["inputs"], dict, "the inputs").items()}
    inputs = {input_member(role) for role in doc["inputs"]}
    raws = {raw_member(n): len(typed(r["targets"], list, "the result's targets"))
            for n, r in enumerate(typed(doc["results"], list, "the results"))}
    if any(member_kind(m) != kind for kind, names in (("image", images), ("input", inputs), ("raw", raws))
           for m in names):
        raise ValueError("an input names no valid role or photograph, or too many results")
    return images, inputs, raws


def _check_raw_header(archive: CaseArchive, name: str, stored_as: str, rows: int) -> None:
    """A raw output's .npy header, before its data is read: '<f4', C order, (rows, …), exact size."""
    label = archive.label
    try:
        descr, fortran, shape, offset = npy_header(archive.read(stored_as, head=4096))
    except (ValueError, SyntaxError, UnicodeDecodeError, MemoryError, RecursionError) as e:
        raise CaseFileError(f"{label}: {name} is not a valid .npy array ({e})") from None
    if descr != "<f4":
        raise CaseFileError(f"{label}: {name} has dtype {descr!r}; expected float32")
    if fortran or not 2 <= len(shape) <= 4 or shape[0] != rows or any(int(d) < 1 for d in shape):
        raise CaseFileError(f"{label}: {name} has shape {shape}{' (Fortran order)' if fortran else ''}; expected "
                            f"({rows}, …) for its {rows} target(s)")
    size = 4 * math.prod(shape)
    if size > LIMITS["raw"]:
        raise CaseFileError(f"{label}: {name} declares shape {shape} ({size_text(size)}); the limit for a raw "
                            f"output is {size_text(LIMITS['raw'])}")
    if archive.infos[stored_as].file_size != offset + size:
        raise CaseFileError(f"{label}: {name} holds more or less data than its header declares")


def _read_evidence(archive: CaseArchive, manifest: dict, doc: dict, legacy: bool) -> dict[str, bytes]:
    """Photographs, model inputs and raw outputs (format 3 names), each checked from its first bytes first."""
    label = archive.label
    stored_name = {new: old for old, new in LEGACY.items()} if legacy else {}
    try:
        images, inputs, raws = _expected_members(doc)
    except (KeyError, TypeError, AttributeError, ValueError, CaseFileError) as e:
        raise CaseFileError(f"{label}: the session record is incomplete or malformed ({type(e).__name__}: {e})") \
            from None
    expected = {stored_name.get(m, m) for m in (*images, *inputs, *raws)}
    listed = set(manifest["members"]) - {SESSION}
    if unused := sorted(listed - expected):
        raise CaseFileError(f"{label}: {unused[0]} is not used by the session (refused unread)")
    if missing := sorted(expected - listed):
        raise CaseFileError(f"{label}: incomplete — {missing[0]} is missing")
    members: dict[str, bytes] = {}
    for name in sorted(inputs):
        where = stored_name.get(name, name)
        try:
            width, height, depth, colour = png_size(archive.read(where, head=33))
        except ValueError:
            raise CaseFileError(f"{label}: {where} is not a PNG image") from None
        if width != height or width > 1024 or (depth, colour) != (8, 2):
            raise CaseFileError(f"{label}: {where} is {width} × {height} pixels"
                                f"{'' if (depth, colour) == (8, 2) else ', not 8-bit RGB'}; a model input is a "
                                "square 8-bit RGB image of at most 1024 × 1024")
        members[name] = _read_listed(archive, manifest, where)
    for name, rows in sorted(raws.items()):
        where = stored_name.get(name, name)
        _check_raw_header(archive, where, where, rows)
        members[name] = _read_listed(archive, manifest, where)
    for name, role in sorted(images.items()):
        if not looks_like_a_photograph(archive.read(name, head=16)):
            raise CaseFileError(f"{label}: the {role} photograph {name} is not a JPEG, PNG, BMP, TIFF or WebP file")
        data = _read_listed(archive, manifest, name)
        if sha256_bytes(data) != name.split("/", 1)[1]:
            raise CaseFileError(f"{label}: altered — {name} does not match the hash in its name")
        members[name] = data
    return members


def _check_signing_record(session, signature: Signature | None) -> None:
    """A file whose audit log ends with its signing must carry that signature (not removed, not replaced)."""
    entries = session.audit.entries
    if not entries or entries[-1].action != "sign case file":
        return
    recorded = str(entries[-1].details.get("fingerprint"))
    if signature is None:
        raise CaseFileError(f"its audit log ends with its signing (key {grouped(recorded)[:19]} …), but the "
                            "signature is missing: it was removed")
    if signature.fingerprint != recorded:
        raise CaseFileError(f"signed with key {grouped(signature.fingerprint)[:19]} …, but its audit log records "
                            f"the signing with key {grouped(recorded)[:19]} …")


def case_file_status(session) -> dict | None:
    """The case file this session was last opened from or saved to, as its audit log records it:
    {"action": "open case file" | "save case file", "path", "sha256", "signature": Signature.describe()
    or "unsigned", "audit_chain", "checks" (opening only)}; None when it never was."""
    for entry in reversed(session.audit.entries):
        if entry.action in ("open case file", "save case file"):
            d = entry.details
            return {"action": entry.action, "time": entry.time, "path": d.get("path"), "sha256": d.get("sha256"),
                    "signature": d.get("signature", "unsigned"),
                    "audit_chain": d.get("audit_chain", "intact" if entry.action == "save case file" else None),
                    "checks": d.get("checks")}
    return None


def opened_text(session, name: str) -> str:
    """One line for the window's status bar on a case just opened: when it was saved, whether it is signed."""
    opening = next((e.details for e in reversed(session.audit.entries) if e.action == "open case file"), {})
    saved = f" (saved {opening['saved'].replace('T', ' ')})" if opening.get("saved") else ""
    signed = "signed" if isinstance(opening.get("signature"), dict) else "unsigned"
    return f"Opened {name}{saved} — {signed} — results restored without running again"


def _sha256_open_file(f) -> str:
    h = hashlib.sha256()
    while block := f.read(1 << 20):
        h.update(block)
    f.seek(0)
    return h.hexdigest()


def open_case(path: str | Path, registry=None, checkpoint: str | Path | None = None):
    """(Session, notes): a saved session restored (inputs, the model's answer, results, parameters, notes,
    audit log), checked as described above, with the opening logged. `registry`: the plugin registry
    (default: the app's); `checkpoint`: the weights file to check the results with when the one recorded
    in the case is not at its recorded path."""
    from ..core.errors import ModelError
    from ..tasks import default_registry

    p = Path(path)
    label = p.name
    with open_regular(p, MAX_CASE_BYTES, "case file") as f:
        try:
            file_sha = _sha256_open_file(f)
            archive = CaseArchive(f, label)
            manifest_bytes, manifest = _read_manifest(archive)
            signature = None
            if SIGNATURE in archive.names:
                signature = check_signature(parse_json(archive.read(SIGNATURE), label, SIGNATURE), manifest_bytes,
                                            label)
            if SESSION not in manifest["members"]:
                raise CaseFileError(f"{label}: incomplete — {SESSION} is missing")
            doc = parse_json(_read_listed(archive, manifest, SESSION), label, SESSION)
            if not isinstance(doc, dict):
                raise CaseFileError(f"{label}: {SESSION}: damaged (not a session record)")
            legacy = manifest["format_version"] < 3
            if legacy:
                doc, _ = upgrade_legacy(doc, {})
            doc["legacy"] = legacy  # said by the manifest, not by the session record
            members = _read_evidence(archive, manifest, doc, legacy)
        except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError) as e:
            raise CaseFileError(f"{label}: not a case file or damaged ({e})") from None
        except (KeyError, TypeError, AttributeError) as e:
            raise CaseFileError(f"{label}: the session record is incomplete or malformed ({type(e).__name__}: {e})") \
                from None
        except OSError as e:
            raise CaseFileError(f"{p}: cannot read ({e.strerror or e})") from None
    version = manifest["format_version"]
    notes: list[str] = []
    try:
        session, checks = restore_session(doc, members, registry or default_registry(),
                                          None if checkpoint is None else str(checkpoint), version >= 2, notes)
        _check_signing_record(session, signature)
    except CaseModelUnavailable as e:
        raise CaseModelUnavailable(f"{label}: {e}", e.model_key, e.checkpoint) from None
    except (CaseFileError, ModelError, AuditChainError) as e:
        raise CaseFileError(f"{label}: {e}") from None
    except (KeyError, IndexError, TypeError, ValueError, AttributeError) as e:
        raise CaseFileError(f"{label}: the session record is incomplete or malformed ({type(e).__name__}: {e})") \
            from None
    if version < 2:
        notes.insert(0, UNCHAINED_NOTE)
    session.audit.record("open case file", path=str(p), sha256=file_sha, saved=manifest.get("saved"),
                         format_version=version, **({"notes": notes} if notes else {}),
                         signature=signature.describe() if signature else "unsigned",
                         audit_chain="intact" if version >= 2 else UNCHAINED_NOTE,
                         **({"checks": checks} if checks else {}))
    return session, notes
