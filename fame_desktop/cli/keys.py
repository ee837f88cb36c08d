"""Signing keys on the command line: passphrases from FAME_KEY_PASSPHRASE or asked in the terminal."""

from __future__ import annotations

import getpass
import os
import sys
from pathlib import Path

PASSPHRASE_ENV = "FAME_KEY_PASSPHRASE"


def passphrase(prompt: str, confirm: bool = False) -> bytes:
    """The passphrase from $FAME_KEY_PASSPHRASE, else typed (unechoed) in a terminal."""
    from ..core.errors import SigningError

    given = os.environ.get(PASSPHRASE_ENV)
    if given is not None:
        return given.encode("utf-8")
    if not sys.stdin.isatty():
        raise SigningError(f"a passphrase is needed: set {PASSPHRASE_ENV} or run in a terminal")
    first = getpass.getpass(prompt)
    if confirm and getpass.getpass("The same passphrase again: ") != first:
        raise SigningError("the two passphrases differ")
    if not first:
        raise SigningError("an empty passphrase protects nothing")
    return first.encode("utf-8")


def signing_key(path: str):
    """The private key of `path`, unlocked with the passphrase when it has one (asked before any work)."""
    from ..session.signing import key_is_encrypted, load_signing_key

    if key_is_encrypted(path):
        return load_signing_key(path, passphrase(f"Passphrase of {Path(path).name}: "))
    return load_signing_key(path)
