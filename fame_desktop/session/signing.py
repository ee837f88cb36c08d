"""Examiner signatures on case files (Ed25519, the `cryptography` package).

A key pair is two files: NAME.key, the private key (PKCS #8 PEM, optionally encrypted with a
passphrase, readable by its owner only) and NAME.pub, the public key (SubjectPublicKeyInfo PEM)
to hand to whoever checks. A key is known by its fingerprint: the SHA-256 of the raw 32-byte
public key, shown to people in groups of four hex digits (`grouped`).

The signature is the case file member `signature.json`:

    {"format": "fame-desktop/case-signature", "algorithm": "Ed25519",
     "manifest_sha256": <SHA-256 of manifest.json, which lists every other member's SHA-256>,
     "public_key": <raw public key, base64>, "fingerprint": <hex>,
     "signer": <name as stated when signing>, "signed": <time with UTC offset>,
     "signature": <64 bytes, base64>}

The signed message is `SIGNED_PREFIX` followed by the canonical JSON (keys sorted, no spaces,
UTF-8) of every field but "signature": so signer and time are covered as well as the content.
A valid signature proves the content is what the key's holder signed; whether that key belongs
to the right person is for the reader to check against the fingerprint (`fame verify
--trusted-key`).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from .archive import read_regular_file
from ..core.errors import CaseFileError, PassphraseNeeded, SigningError

FORMAT = "fame-desktop/case-signature"
ALGORITHM = "Ed25519"
SIGNED_PREFIX = b"fame-desktop case signature\n"
KEY_FILE_BYTES = 16 * 1024
_HEX64 = re.compile(r"[0-9a-f]{64}")


def fingerprint_of(public_raw: bytes) -> str:
    return hashlib.sha256(public_raw).hexdigest()


def grouped(fingerprint: str) -> str:
    """'3f2a9c1b…' → '3f2a 9c1b …' (16 groups of 4 hex digits), for reading aloud and comparing by eye."""
    return " ".join(fingerprint[i:i + 4] for i in range(0, len(fingerprint), 4))


def _raw(public: Ed25519PublicKey) -> bytes:
    return public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


@dataclass(frozen=True)
class SigningKey:
    private: Ed25519PrivateKey
    public_raw: bytes
    fingerprint: str
    path: str


@dataclass(frozen=True)
class KeyPairFiles:
    private: Path
    public: Path
    fingerprint: str


@dataclass(frozen=True)
class Signature:
    """A checked signature: who signed (as stated), when, with which key."""

    fingerprint: str
    signer: str
    signed: str

    def describe(self) -> dict:
        return {"status": "signed", "algorithm": ALGORITHM, "fingerprint": self.fingerprint,
                "signer": self.signer, "signed": self.signed}


def signature_text(record) -> str:
    """One line for people: a Signature.describe() record, or "unsigned"."""
    if not isinstance(record, dict) or record.get("status") != "signed":
        return "unsigned (no examiner signature: the file's integrity rests on its SHA-256 alone)"
    who = record.get("signer") or "signer not stated"
    return (f"signed ({record.get('algorithm', ALGORITHM)}) by {who}, {str(record.get('signed')).replace('T', ' ')}; "
            f"key fingerprint {grouped(str(record.get('fingerprint')))}")


# --- keys ------------------------------------------------------------------------------------------------

def key_pair_paths(name: str | Path) -> tuple[Path, Path]:
    """NAME → (NAME.key, NAME.pub); a .key or .pub ending of NAME is dropped first."""
    p = Path(name)
    if p.suffix in (".key", ".pub"):
        p = p.with_suffix("")
    return p.with_name(p.name + ".key"), p.with_name(p.name + ".pub")


def _write_new(path: Path, data: bytes, mode: int) -> None:
    """Write a file that must not exist yet, complete or not at all (a key is never replaced)."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.link(tmp, path)  # fails if the target exists, unlike a rename
    finally:
        os.unlink(tmp)


def generate_key_pair(name: str | Path, passphrase: bytes | None = None) -> KeyPairFiles:
    """A new Ed25519 key pair in NAME.key (mode 0600, encrypted when `passphrase`) and NAME.pub."""
    private_path, public_path = key_pair_paths(name)
    for p in (private_path, public_path):
        if p.exists() or p.is_symlink():
            raise SigningError(f"{p}: already exists (a key file is never replaced)")
    if not private_path.parent.is_dir():
        raise SigningError(f"{private_path.parent}: folder does not exist")
    key = Ed25519PrivateKey.generate()
    encryption = (serialization.BestAvailableEncryption(passphrase) if passphrase
                  else serialization.NoEncryption())
    private_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption)
    public_pem = key.public_key().public_bytes(serialization.Encoding.PEM,
                                               serialization.PublicFormat.SubjectPublicKeyInfo)
    try:
        _write_new(private_path, private_pem, 0o600)
        try:
            _write_new(public_path, public_pem, 0o644)
        except OSError:
            private_path.unlink()
            raise
    except OSError as e:
        raise SigningError(f"{private_path}: cannot write the key pair ({e.strerror or e})") from None
    return KeyPairFiles(private_path, public_path, fingerprint_of(_raw(key.public_key())))


def _key_bytes(path: str | Path, what: str) -> bytes:
    try:
        return read_regular_file(path, KEY_FILE_BYTES, what)
    except CaseFileError as e:
        raise SigningError(str(e)) from None


def key_is_encrypted(path: str | Path) -> bool:
    return b"-----BEGIN ENCRYPTED PRIVATE KEY-----" in _key_bytes(path, "key file")


def load_signing_key(path: str | Path, passphrase: bytes | None = None) -> SigningKey:
    """The private key of NAME.key; PassphraseNeeded when it is encrypted and the passphrase is missing or wrong."""
    p = Path(path)
    data = _key_bytes(p, "key file")
    if b"PRIVATE KEY-----" not in data:
        raise SigningError(f"{p.name}: not a private key file (a PEM private key, as `fame keygen` writes)")
    encrypted = b"-----BEGIN ENCRYPTED PRIVATE KEY-----" in data
    if encrypted and not passphrase:
        raise PassphraseNeeded(f"{p.name}: the key is protected by a passphrase")
    try:
        key = serialization.load_pem_private_key(data, passphrase if encrypted else None)
    except (ValueError, TypeError) as e:
        if encrypted and "password" in str(e).lower():
            raise PassphraseNeeded(f"{p.name}: wrong passphrase") from None
        raise SigningError(f"{p.name}: not a readable private key") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise SigningError(f"{p.name}: not an Ed25519 key (make one with `fame keygen`)")
    raw = _raw(key.public_key())
    return SigningKey(private=key, public_raw=raw, fingerprint=fingerprint_of(raw), path=str(p))


def trusted_fingerprint(spec: str) -> str:
    """The fingerprint a --trusted-key names: a public key file (NAME.pub) or the fingerprint itself
    (64 hex digits; spaces and colons allowed)."""
    text = re.sub(r"[\s:]", "", spec).lower()
    if _HEX64.fullmatch(text) and not Path(spec).exists():
        return text
    data = _key_bytes(spec, "public key file")
    try:
        key = serialization.load_pem_public_key(data)
    except ValueError:
        raise SigningError(f"{Path(spec).name}: not a public key file (NAME.pub from `fame keygen`)") from None
    if not isinstance(key, Ed25519PublicKey):
        raise SigningError(f"{Path(spec).name}: not an Ed25519 public key")
    return fingerprint_of(_raw(key))


# --- signatures ------------------------------------------------------------------------------------------

def _message(fields: dict) -> bytes:
    return SIGNED_PREFIX + json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def signature_member(manifest: bytes, key: SigningKey, signer: str, signed: str) -> bytes:
    """The signature.json bytes for a case whose manifest.json is `manifest`."""
    fields = {"format": FORMAT, "algorithm": ALGORITHM, "manifest_sha256": hashlib.sha256(manifest).hexdigest(),
              "public_key": base64.b64encode(key.public_raw).decode(), "fingerprint": key.fingerprint,
              "signer": signer, "signed": signed}
    signature = key.private.sign(_message(fields))
    return (json.dumps({**fields, "signature": base64.b64encode(signature).decode()}, indent=1) + "\n").encode()


def check_signature(doc, manifest: bytes, label: str) -> Signature:
    """The signature of signature.json's parsed `doc` over `manifest`; CaseFileError when it does not hold."""
    fields_needed = ("format", "algorithm", "manifest_sha256", "public_key", "fingerprint", "signer", "signed",
                     "signature")
    if not isinstance(doc, dict) or any(not isinstance(doc.get(k), str) for k in fields_needed) \
            or set(doc) != set(fields_needed):
        raise CaseFileError(f"{label}: signature.json: damaged (not a signature record)")
    if doc["format"] != FORMAT or doc["algorithm"] != ALGORITHM:
        raise CaseFileError(f"{label}: signature.json: unknown signature format {doc['algorithm']!r}")
    try:
        raw = base64.b64decode(doc["public_key"], validate=True)
        signature = base64.b64decode(doc["signature"], validate=True)
        public = Ed25519PublicKey.from_public_bytes(raw)
    except (binascii.Error, ValueError):
        raise CaseFileError(f"{label}: signature.json: damaged (public key or signature unreadable)") from None
    if fingerprint_of(raw) != doc["fingerprint"]:
        raise CaseFileError(f"{label}: signature.json: the fingerprint is not that of the public key stored")
    fields = {k: doc[k] for k in fields_needed if k != "signature"}
    try:
        public.verify(signature, _message(fields))
    except InvalidSignature:
        raise CaseFileError(f"{label}: the signature does not match its record (signature.json was altered)") from None
    if hashlib.sha256(manifest).hexdigest() != doc["manifest_sha256"]:
        raise CaseFileError(f"{label}: changed after it was signed (key {grouped(doc['fingerprint'])[:19]} …): "
                            "the content no longer matches the signature")
    return Signature(fingerprint=doc["fingerprint"], signer=doc["signer"], signed=doc["signed"])
