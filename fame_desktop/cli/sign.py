"""`fame sign CASEFILE --key KEY`: check a case file completely, then sign it (a new signature)."""

from __future__ import annotations


def register(sub) -> None:
    p = sub.add_parser("sign", help="sign a case file with your examiner key",
                       description="Open the case file (every check of `fame verify`), then write it again, in "
                                   "place, signed with KEY. A signature made before is replaced; the audit log "
                                   "keeps the history.")
    p.add_argument("case", help="case file (.famecase)")
    p.add_argument("--key", required=True, help="private key file (NAME.key from `fame keygen`)")
    p.add_argument("--signer", help="the signer's name as stated in the signature (default: the case's examiner)")
    p.add_argument("--checkpoint", help="the AdaFace checkpoint of the case, when not at its recorded path")
    p.set_defaults(func=run)


def run(args) -> int:
    from ..session.signing import grouped
    from ..session.casefile import open_case, save_case
    from .keys import signing_key

    key = signing_key(args.key)
    session, _notes = open_case(args.case, checkpoint=args.checkpoint)
    info = save_case(session, args.case, signer=key, signer_name=args.signer)
    who = info.signature.signer or "signer not stated"
    print(f"signed {info.path} (SHA-256 {info.sha256}) by {who}; key fingerprint {grouped(key.fingerprint)}")
    return 0
