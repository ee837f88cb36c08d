"""Case files (.famecase): a whole comparison session in one file, reopened without re-running FAME.

A case file is a ZIP archive:

    manifest.json      format, format_version, saved (time with UTC offset), app version,
                       and the SHA-256 and size of every other member
    session.json       case details, notes, parameters, map settings, threshold, model,
                       environment, per input the detected faces, chosen face and alignment,
                       the FAME bookkeeping, and the audit log
    images/<sha256>    the original photograph files, byte for byte (named by their hash)
    crops/<role>.png   the aligned crops FAME ran on
    raw/delta.npy      the raw Δx, (B, 3, 112, 112) float32

Opening checks every member against the manifest, every photograph against its name,
and each crop against the photograph re-warped with the stored alignment; any mismatch,
an unknown member or a damaged archive is refused with CaseFileError. The manifest
catches damage and edits that leave it untouched; to prove that a file is the one saved,
compare its own SHA-256 (returned by `save_case` and recorded in the audit log).
"""

from __future__ import annotations

import json
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

from .. import __version__
from .errors import CaseFileError
from .images import sha256_bytes, sha256_file
from .io_utils import atomic_writer, json_default
from .session import ComparisonSession, now_iso
from .session_codec import decode_session, encode_session

FORMAT = "fame-desktop/case"
FORMAT_VERSION = 1
SUFFIX = ".famecase"
MANIFEST = "manifest.json"
SESSION = "session.json"
MAX_MEMBER_BYTES = 1 << 30  # an original photograph is at most 512 MB (images.MAX_FILE_BYTES)


@dataclass(frozen=True)
class CaseFileInfo:
    path: Path
    sha256: str
    size: int


def save_case(session: ComparisonSession, path: str | Path, overwrite: bool = True) -> CaseFileInfo:
    """Write the session atomically; record the save (path, file SHA-256) in its audit log."""
    doc, members = encode_session(session)
    try:
        text = json.dumps(doc, indent=1, ensure_ascii=False, allow_nan=False, default=json_default)
    except (TypeError, ValueError) as e:  # e.g. an audit detail that is not plain data: a bug, said plainly
        raise CaseFileError(f"the session cannot be saved: {e}") from None
    members[SESSION] = (text + "\n").encode("utf-8")
    manifest = {
        "format": FORMAT, "format_version": FORMAT_VERSION, "saved": now_iso(), "app_version": __version__,
        "members": {name: {"sha256": sha256_bytes(data), "size": len(data)} for name, data in sorted(members.items())},
    }
    p = Path(path)
    with atomic_writer(p, overwrite) as f:
        with zipfile.ZipFile(f, "w") as z:
            z.writestr(MANIFEST, json.dumps(manifest, indent=1) + "\n", compress_type=zipfile.ZIP_DEFLATED)
            for name, data in sorted(members.items()):
                # photographs are compressed already; JSON and arrays shrink well
                kind = zipfile.ZIP_STORED if name.startswith("images/") else zipfile.ZIP_DEFLATED
                z.writestr(name, data, compress_type=kind)
    info = CaseFileInfo(path=p, sha256=sha256_file(p), size=p.stat().st_size)
    session.audit.record("save case file", path=str(p), sha256=info.sha256, format_version=FORMAT_VERSION)
    return info


def _read_members(z: zipfile.ZipFile, name: str) -> tuple[dict, dict[str, bytes]]:
    names = set(z.namelist())
    if MANIFEST not in names:
        raise CaseFileError(f"{name}: not a fame-desktop case file (no {MANIFEST})")
    try:
        manifest = json.loads(z.read(MANIFEST))
    except (ValueError, UnicodeDecodeError):
        raise CaseFileError(f"{name}: damaged ({MANIFEST} is not valid JSON)") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise CaseFileError(f"{name}: not a fame-desktop case file")
    version = manifest.get("format_version")
    if not isinstance(version, int) or version < 1:
        raise CaseFileError(f"{name}: damaged (format version {version!r})")
    if version > FORMAT_VERSION:
        raise CaseFileError(f"{name}: written by a newer fame-desktop (case format {version}; "
                            f"this version reads up to {FORMAT_VERSION})")
    listed = manifest.get("members")
    if not isinstance(listed, dict):
        raise CaseFileError(f"{name}: damaged (no member list)")
    extra = sorted(names - set(listed) - {MANIFEST})
    if extra:
        raise CaseFileError(f"{name}: altered — {extra[0]} is not in the manifest")
    members = {}
    for member, rec in listed.items():
        if member not in names:
            raise CaseFileError(f"{name}: incomplete — {member} is missing")
        if z.getinfo(member).file_size > MAX_MEMBER_BYTES:
            raise CaseFileError(f"{name}: {member} is implausibly large")
        data = z.read(member)
        if sha256_bytes(data) != rec.get("sha256") or len(data) != rec.get("size"):
            raise CaseFileError(f"{name}: altered or damaged — {member} does not match its recorded SHA-256")
        members[member] = data
    for member in members:
        if member.startswith("images/") and sha256_bytes(members[member]) != member.split("/", 1)[1]:
            raise CaseFileError(f"{name}: altered — {member} does not match the hash in its name")
    return manifest, members


def open_case(path: str | Path) -> ComparisonSession:
    """Restore a saved session (maps, Δx, parameters, notes, audit log) and log the opening."""
    p = Path(path)
    if not p.is_file():
        raise CaseFileError(f"{p}: {'is a folder' if p.is_dir() else 'file not found'}")
    try:
        file_sha = sha256_file(p)
        with zipfile.ZipFile(p) as z:
            manifest, members = _read_members(z, p.name)
    except (zipfile.BadZipFile, zlib.error, EOFError) as e:
        raise CaseFileError(f"{p.name}: not a case file or damaged ({e})") from None
    except OSError as e:
        raise CaseFileError(f"{p}: cannot read ({e.strerror or e})") from None
    if SESSION not in members:
        raise CaseFileError(f"{p.name}: incomplete — {SESSION} is missing")
    try:
        doc = json.loads(members.pop(SESSION))
    except (ValueError, UnicodeDecodeError):
        raise CaseFileError(f"{p.name}: damaged ({SESSION} is not valid JSON)") from None
    try:
        session, notes = decode_session(doc, members)
    except CaseFileError as e:
        raise CaseFileError(f"{p.name}: {e}") from None
    session.audit.record("open case file", path=str(p), sha256=file_sha, saved=manifest.get("saved"),
                         format_version=manifest["format_version"], **({"notes": notes} if notes else {}))
    return session
