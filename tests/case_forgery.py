"""Making altered case files the way a careful forger would: edit members, then re-hash the manifest.

Used by the case-file tests (core, CLI, GUI). Only plain zipfile and json: no project code, so a
test cannot be fooled by the code it tests.
"""

from __future__ import annotations

import hashlib
import json
import zipfile
from pathlib import Path

MANIFEST = "manifest.json"
SIGNATURE = "signature.json"


def members_of(path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist()}


def write_zip(path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return Path(path)


def rehash(members: dict[str, bytes]) -> None:
    """Make the manifest list every member (but itself and the signature) with its true SHA-256."""
    manifest = json.loads(members[MANIFEST])
    manifest["members"] = {n: {"sha256": hashlib.sha256(d).hexdigest(), "size": len(d)}
                           for n, d in sorted(members.items()) if n not in (MANIFEST, SIGNATURE)}
    members[MANIFEST] = (json.dumps(manifest, indent=1) + "\n").encode()


def forge(src, dst, edit) -> Path:
    """Copy a case file; `edit(members)` changes the {name: bytes} dict in place; the manifest is re-hashed."""
    members = members_of(src)
    edit(members)
    rehash(members)
    return write_zip(dst, members)


def edit_session(change):
    """An `edit` for `forge`: `change(doc)` edits the parsed session.json in place."""
    def edit(members):
        doc = json.loads(members["session.json"])
        change(doc)
        members["session.json"] = (json.dumps(doc, indent=1, ensure_ascii=False) + "\n").encode()
    return edit


def rechain(doc: dict) -> None:
    """Recompute the audit log's hash chain after editing entries (a forger who read the format)."""
    prev = "0" * 64
    for entry in doc["audit"]:
        entry["prev"] = prev
        plain = json.loads(json.dumps(entry))
        prev = hashlib.sha256(json.dumps(plain, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                                         allow_nan=False).encode()).hexdigest()
