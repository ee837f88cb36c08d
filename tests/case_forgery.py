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


def resnapshot(doc: dict, change) -> None:
    """Re-bind the first result to other inputs consistently: `change(snapshot)` edits its input snapshot, whose
    digest is then recomputed and replaced in the audit log's run records, and the log re-chained."""
    snap = doc["results"][0]["snapshot"]
    old = snap.pop("sha256")
    change(snap)
    text = json.dumps(snap, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    snap["sha256"] = hashlib.sha256(text.encode("ascii")).hexdigest()
    for entry in doc["audit"]:
        if entry["details"].get("snapshot") == old:
            entry["details"]["snapshot"] = snap["sha256"]
    rechain(doc)


def legacy_layout(version: int = 2):
    """An `edit` for `forge`: a format 3 face-verification case rewritten as fame-desktop wrote formats 1 and 2 —
    crops/<role>.png, raw/delta.npy, one "explanation", model_key / checkpoint / model_info at the top, exhibits
    as case fields, run entries named "FAME run …" — with the audit log re-chained (format 1: no chain)."""
    def edit(members):
        doc = json.loads(members.pop("session.json"))
        (result,) = doc["results"]
        case = dict(doc["case"])
        exhibits = case.pop("exhibits")
        case.update({f"exhibit_{r}": exhibits.get(r, "") for r in ("gallery", "probe")})
        for entry in doc["audit"]:
            if entry["action"] in ("run started", "run finished", "run cancelled"):
                entry["action"] = "FAME " + entry["action"]
        old = {
            "created": doc["created"], "case": case, "model_key": doc["model"]["key"],
            "checkpoint": doc["model"]["weights"], "device": doc["model"]["device"], "params": doc["params"]["fame"],
            "map_settings": doc["map_settings"], "threshold": doc["threshold"], "model_info": result["model"],
            "environment": result["environment"], "view": doc["view"],
            "inputs": {role: {"image": d["image"], **d["record"], "crop_png_sha256": d["input_png_sha256"]}
                       for role, d in doc["inputs"].items()},
            "explanation": {"similarity": doc["analysis"]["summary"]["similarity"], "keys": result["targets"],
                            **{k: result[k] for k in ("iterations", "stop_reasons", "initial_loss", "final_loss",
                                                      "initial_score", "final_score", "elapsed", "cancelled",
                                                      "params")}},
            "audit": doc["audit"],
        }
        if version >= 2:
            rechain(old)
        else:
            for entry in old["audit"]:
                entry.pop("prev")
        members["session.json"] = (json.dumps(old, indent=1, ensure_ascii=False) + "\n").encode()
        for role in ("gallery", "probe"):
            members[f"crops/{role}.png"] = members.pop(f"inputs/{role}.png")
        members["raw/delta.npy"] = members.pop("raw/0.npy")
        manifest = json.loads(members[MANIFEST])
        manifest["format_version"] = version
        members[MANIFEST] = json.dumps(manifest).encode()
    return edit
