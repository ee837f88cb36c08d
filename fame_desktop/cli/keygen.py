"""`fame keygen --out NAME [--passphrase]`: an examiner's Ed25519 key pair for signing case files."""

from __future__ import annotations


def register(sub) -> None:
    p = sub.add_parser("keygen", help="make an examiner key pair for signing case files",
                       description="Write NAME.key (the private key, readable by you only; keep it secret) and "
                                   "NAME.pub (the public key, for whoever checks your case files), and print the "
                                   "key's fingerprint. Existing files are never replaced.")
    p.add_argument("--out", "-o", required=True, metavar="NAME", help="path and name of the key pair, without suffix")
    p.add_argument("--passphrase", action="store_true",
                   help="protect the private key with a passphrase (asked twice, or $FAME_KEY_PASSPHRASE)")
    p.set_defaults(func=run)


def run(args) -> int:
    from ..session.signing import generate_key_pair, grouped
    from .keys import passphrase

    secret = passphrase("Passphrase for the new key: ", confirm=True) if args.passphrase else None
    files = generate_key_pair(args.out, secret)
    print(f"private key → {files.private} (keep it secret{'; passphrase-protected' if secret else ''})")
    print(f"public key  → {files.public} (give it to whoever checks your case files)")
    print(f"fingerprint   {grouped(files.fingerprint)}")
    return 0
