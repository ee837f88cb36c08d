"""`fame report CASEFILE --out out.pdf`: the PDF report (and exports) of a saved case, without re-running FAME."""

from __future__ import annotations

from .options import add_display_options
from .outputs import add_overwrite_option, inputs_of, report_outputs


def register(sub) -> None:
    p = sub.add_parser("report", help="write the PDF report of a saved case file",
                       description="Reopen a .famecase file (checking its integrity) and write its PDF "
                                   "report and the <name>-exports folder beside it.")
    p.add_argument("case", help="case file (.famecase) saved by fame-desktop or `fame explain --case`")
    p.add_argument("--out", "-o", required=True, help="PDF file to write (with its <name>-exports folder)")
    add_overwrite_option(p)
    p.add_argument("--checkpoint", help="the AdaFace checkpoint the case's result was computed with, when it is "
                                        "not at the path the case records (needed to check the result)")
    add_display_options(p)
    p.set_defaults(func=run, io=files)


def files(args):
    """What report reads and writes (checked and locked by cli.outputs before it runs)."""
    return inputs_of(**{"the case file": args.case}), report_outputs(args.out, not args.no_exports, "--out")


def run(args) -> int:
    from ..session.signing import signature_text
    from ..session.casefile import case_file_status, open_case
    from ..report import check_report_target, write_report

    check_report_target(args.out, not args.no_exports, args.overwrite)  # fail before the work, with the reason
    session, _notes = open_case(args.case, checkpoint=args.checkpoint)
    out = write_report(session, args.out, exports=not args.no_exports, colour_map=args.colour_map,
                       opacity=args.opacity, overwrite=args.overwrite)
    print(f"report {out.report_id} → {out.pdf} (SHA-256 {out.sha256})"
          + (f"; exports → {out.exports}" if out.exports else ""))
    print(f"case file checked; {signature_text(case_file_status(session)['signature'])}")
    return 0
