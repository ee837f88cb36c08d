"""Case files (.famecase): a whole comparison session in one file, reopened without re-running FAME.

A case file is a ZIP archive (format 2; members and size limits in case_archive.py):

    manifest.json      format, format_version, saved (time with UTC offset), app version,
                       and the SHA-256 and size of every other member but the signature
    signature.json     optional: the examiner's Ed25519 signature of the manifest (case_signing.py)
    session.json       case details, notes, parameters, map settings, threshold, model,
                       environment, per input the detected faces, chosen face and alignment,
                       the FAME bookkeeping, and the audit log (a hash chain, session.AuditLog)
    images/<sha256>    the original photograph files, byte for byte (named by their hash)
    crops/<role>.png   the aligned crops FAME ran on
    raw/delta.npy      the raw Δx, (B, 3, 112, 112) float32

Opening refuses, with CaseFileError and its reason, any file that is not exactly that: an
archive outside the format or over its size limits (read with bounded memory, case_archive),
a member that does not match the manifest, a photograph that does not match its name, a crop
that does not match the photograph re-warped with the stored alignment, a broken audit-log
chain, a signature that does not match, or a stored result that the stored evidence does not
reproduce (similarity and per-map scores recomputed with the recorded model, Δx plausible:
case_checks). Format 1 files (no chain) still open, with a note. The opening is logged with
the file's own SHA-256, the signature status and what was recomputed.
"""

from __future__ import annotations

import hashlib
import json
import zipfile
import zlib
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from .. import __version__
from .case_archive import (CROPS, DELTA, MANIFEST, MAX_CASE_BYTES, SESSION, SIGNATURE, CaseArchive, member_kind,
                           looks_like_a_photograph, npy_header, open_regular, parse_json, png_size)
from .case_checks import check_result
from .case_signing import Signature, SigningKey, check_signature, grouped, signature_member
from .errors import CaseFileError, CaseModelUnavailable
from .faces import CROP_SIZE
from .images import sha256_bytes, sha256_file
from .io_utils import atomic_writer, json_default
from .session import AuditEntry, AuditLog, ComparisonSession, now_iso
from .session_codec import crop_member, decode_session, encode_session, image_member
from .verification import MAP_KEYS

FORMAT = "fame-desktop/case"
FORMAT_VERSION = 2  # 2: chained audit log, optional signature.json
SUFFIX = ".famecase"
UNCHAINED_NOTE = "audit log not chained (format 1)"
_HEX = set("0123456789abcdef")


@dataclass(frozen=True)
class CaseFileInfo:
    path: Path
    sha256: str
    size: int
    signature: Signature | None = None


def save_case(session: ComparisonSession, path: str | Path, overwrite: bool = True,
              signing_key: SigningKey | None = None, signer: str | None = None) -> CaseFileInfo:
    """Write the session atomically; record the save (path, file SHA-256) in its audit log.

    With `signing_key` the file is signed (`signer`: the name stated, default the case's
    examiner) and its audit log ends with the "sign case file" entry, which the session's
    log gets too once the file is written."""
    signature = sign_entry = None
    written = session
    if signing_key is not None:
        signer = session.case.examiner if signer is None else signer
        signature = Signature(fingerprint=signing_key.fingerprint, signer=signer, signed=now_iso())
        sign_entry = AuditEntry(time=signature.signed, action="sign case file",
                                details={"fingerprint": signature.fingerprint, "signer": signer})
        written = replace(session, audit=AuditLog([*session.audit.entries, sign_entry]))
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
        members[SIGNATURE] = signature_member(manifest_bytes, signing_key, signature.signer, signature.signed)
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


def _expected_members(doc: dict) -> tuple[dict[str, str], set[str], tuple[str, ...] | None]:
    """({image member: role}, crop members, map keys of the result or None) that session.json refers to."""
    inputs, explanation = doc["inputs"], doc["explanation"]
    images = {image_member(d["image"]["sha256"]): role for role, d in inputs.items()}
    crops = {crop_member(role) for role in inputs}
    if not set(crops) <= set(CROPS) or any(member_kind(m) != "image" for m in images):
        raise ValueError("an input names no valid role or photograph")
    keys = None
    if explanation is not None:
        keys = tuple(explanation["keys"])
        if not keys or len(set(keys)) != len(keys) or not set(keys) <= set(MAP_KEYS):
            raise ValueError(f"map keys {list(keys)!r}")
    return images, crops, keys


def _check_delta_header(archive: CaseArchive, n_maps: int) -> None:
    """The .npy header of the raw Δx, before its data is read: '<f4', C order, (B, 3, 112, 112), exact size."""
    label = archive.label
    try:
        descr, fortran, shape, offset = npy_header(archive.read(DELTA, head=4096))
    except (ValueError, SyntaxError, UnicodeDecodeError, MemoryError, RecursionError) as e:
        raise CaseFileError(f"{label}: the raw Δx is not a valid .npy array ({e})") from None
    try:
        dtype = np.dtype(descr).name
    except TypeError:
        dtype = repr(descr)
    if descr != "<f4":
        raise CaseFileError(f"{label}: the raw Δx has dtype {dtype}; expected float32")
    expected = (n_maps, 3, CROP_SIZE, CROP_SIZE)
    if fortran or shape != expected:
        raise CaseFileError(f"{label}: the raw Δx has shape {shape}{' (Fortran order)' if fortran else ''}; "
                            f"expected {expected}")
    if archive.infos[DELTA].file_size != offset + 4 * int(np.prod(expected)):
        raise CaseFileError(f"{label}: the raw Δx holds more or less data than its header declares")


def _read_evidence(archive: CaseArchive, manifest: dict, doc: dict) -> dict[str, bytes]:
    """Photographs, crops and Δx, each checked from its first bytes before it is read whole."""
    label = archive.label
    try:
        images, crops, keys = _expected_members(doc)
    except (KeyError, TypeError, AttributeError, ValueError) as e:
        raise CaseFileError(f"{label}: the session record is incomplete or malformed ({type(e).__name__}: {e})") \
            from None
    expected = set(images) | crops | ({DELTA} if keys else set())
    listed = set(manifest["members"]) - {SESSION}
    if unused := sorted(listed - expected):
        raise CaseFileError(f"{label}: {unused[0]} is not used by the session (refused unread)")
    if missing := sorted(expected - listed):
        raise CaseFileError(f"{label}: incomplete — {missing[0]} is missing")
    members: dict[str, bytes] = {}
    for name in sorted(crops):
        try:
            width, height, depth, colour = png_size(archive.read(name, head=33))
        except ValueError:
            raise CaseFileError(f"{label}: {name} is not a PNG image") from None
        if (width, height) != (CROP_SIZE, CROP_SIZE) or (depth, colour) != (8, 2):
            raise CaseFileError(f"{label}: {name} is {width} × {height} pixels"
                                f"{'' if (depth, colour) == (8, 2) else ', not 8-bit RGB'}; a crop is "
                                f"{CROP_SIZE} × {CROP_SIZE} 8-bit RGB")
        members[name] = _read_listed(archive, manifest, name)
    if keys:
        _check_delta_header(archive, len(keys))
        members[DELTA] = _read_listed(archive, manifest, DELTA)
    for name, role in sorted(images.items()):
        if not looks_like_a_photograph(archive.read(name, head=16)):
            raise CaseFileError(f"{label}: the {role} photograph {name} is not a JPEG, PNG, BMP, TIFF or WebP file")
        data = _read_listed(archive, manifest, name)
        if sha256_bytes(data) != name.split("/", 1)[1]:
            raise CaseFileError(f"{label}: altered — {name} does not match the hash in its name")
        members[name] = data
    return members


def _check_signing_record(session: ComparisonSession, signature: Signature | None) -> None:
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


def case_file_status(session: ComparisonSession) -> dict | None:
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


def _sha256_open_file(f) -> str:
    h = hashlib.sha256()
    while block := f.read(1 << 20):
        h.update(block)
    f.seek(0)
    return h.hexdigest()


def open_case(path: str | Path, checkpoint: str | Path | None = None) -> ComparisonSession:
    """Restore a saved session (maps, Δx, parameters, notes, audit log), checked as described above,
    and log the opening. `checkpoint`: the model checkpoint to check the result with when the one
    recorded in the case is not at its recorded path."""
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
            members = _read_evidence(archive, manifest, doc)
        except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError) as e:
            raise CaseFileError(f"{label}: not a case file or damaged ({e})") from None
        except OSError as e:
            raise CaseFileError(f"{p}: cannot read ({e.strerror or e})") from None
    version = manifest["format_version"]
    try:
        session, notes = decode_session(doc, members, chained=version >= 2)
        _check_signing_record(session, signature)
        checks = check_result(session, None if checkpoint is None else str(checkpoint))
    except CaseModelUnavailable as e:
        raise CaseModelUnavailable(f"{label}: {e}", e.model_key, e.checkpoint) from None
    except CaseFileError as e:
        raise CaseFileError(f"{label}: {e}") from None
    if version < 2:
        notes.insert(0, UNCHAINED_NOTE)
    if checks and checks.get("checkpoint") and checks["checkpoint"] != session.checkpoint:
        notes.append(f"the checkpoint {checks['checkpoint']} (same SHA-256 as recorded) is used from now on")
        session.checkpoint = checks["checkpoint"]
    session.audit.record("open case file", path=str(p), sha256=file_sha, saved=manifest.get("saved"),
                         format_version=version, **({"notes": notes} if notes else {}),
                         signature=signature.describe() if signature else "unsigned",
                         audit_chain="intact" if version >= 2 else UNCHAINED_NOTE,
                         **({"checks": checks} if checks else {}))
    return session
