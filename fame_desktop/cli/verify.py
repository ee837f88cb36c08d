"""`fame verify CASEFILE [--trusted-key PUB ...]`: every check of opening, and the signature's status.

Exit 0 when the case file is intact (and, with --trusted-key, signed by one of those keys);
exit 2 with the reason otherwise.
"""

from __future__ import annotations


def register(sub) -> None:
    p = sub.add_parser("verify", help="check a case file's integrity and signature",
                       description="Open the case file as the app does — manifest, photographs, crops, audit-log "
                                   "chain, signature, and the result recomputed with its model — and print what "
                                   "was found. Exit 0 if intact, 2 if refused.")
    p.add_argument("case", help="case file (.famecase)")
    p.add_argument("--trusted-key", action="append", default=[], metavar="PUB",
                   help="a public key file (NAME.pub) or fingerprint that may have signed it; repeat for more. "
                        "When given, an unsigned case or one signed by another key is refused")
    p.add_argument("--checkpoint", help="the AdaFace checkpoint of the case, when not at its recorded path")
    p.set_defaults(func=run)


def run(args) -> int:
    from ..session.signing import grouped, signature_text, trusted_fingerprint
    from ..session.casefile import case_file_status, open_case
    from ..core.errors import CaseFileError

    trusted = [trusted_fingerprint(k) for k in args.trusted_key]
    session, _notes = open_case(args.case, checkpoint=args.checkpoint)
    status = case_file_status(session)
    print(f"{args.case}: intact — members, photographs and model inputs match; audit log {status['audit_chain']}; "
          f"{recomputed_text(status['checks'])}")
    signature = status["signature"]
    print(f"signature: {signature_text(signature)}")
    if trusted:
        fingerprint = signature.get("fingerprint") if isinstance(signature, dict) else None
        if fingerprint is None:
            raise CaseFileError(f"{args.case}: unsigned, and a signature by a trusted key was required")
        if fingerprint not in trusted:
            raise CaseFileError(f"{args.case}: signed with key {grouped(fingerprint)}, which is not a trusted key")
        print("the signing key is trusted")
    return 0


def recomputed_text(checks: dict | None) -> str:
    """What opening recomputed, in words (the "checks" of the "open case file" audit entry)."""
    if not checks or "analysis" not in checks:
        return "nothing stored to recompute"
    answer = f"{checks['model']} ({checks['analysis']['headline']}"
    if "largest_score_difference" not in checks:
        return f"the model's answer recomputed with {answer}); no result stored"
    return f"result recomputed with {answer}, largest score difference {checks['largest_score_difference']:.1g})"
