"""`fame explain GALLERY PROBE --out DIR [--report R.pdf] [--case C.famecase]`: a face pair → similarity,
the four FAME maps, and optionally the PDF report and a case file."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from ..core.models.registry import DEFAULT_FACE_MODEL, FACE_MODELS
from .options import (add_case_options, add_device_option, add_display_options, add_fame_options, add_map_options,
                      case_details, fame_params, map_settings, threshold, usage_error)
from .outputs import Output, add_overwrite_option, inputs_of, report_outputs


def register(sub) -> None:
    p = sub.add_parser("explain", help="explain the similarity of a face pair with FAME",
                       description="Detect, align and compare two faces; write the FAME maps.")
    p.add_argument("gallery", help="gallery (reference) photograph")
    p.add_argument("probe", help="probe (questioned) photograph")
    p.add_argument("--out", "-o", help="output folder, created when the run has succeeded (its parent must exist)")
    p.add_argument("--report", metavar="PDF", help="also write the PDF report (and its -exports folder)")
    p.add_argument("--case", metavar="FILE", help="also save the session as a case file (.famecase)")
    add_overwrite_option(p)
    p.add_argument("--model", default=DEFAULT_FACE_MODEL, choices=sorted(FACE_MODELS),
                   help="face model (default %(default)s, embedded and offline)")
    p.add_argument("--checkpoint", help="AdaFace checkpoint (.ckpt or state dict); implies --model adaface")
    add_device_option(p)
    p.add_argument("--gallery-face", type=int, default=0, help="face index in the gallery, 0 = largest")
    p.add_argument("--probe-face", type=int, default=0, help="face index in the probe, 0 = largest")
    add_fame_options(p)
    add_map_options(p)
    add_case_options(p)
    add_display_options(p)
    p.add_argument("--calibration", metavar="CAL.famecal",
                   help="also state the score as a likelihood ratio with its ENFSI verbal equivalent, from a "
                        "calibration made by `fame calibrate` with the same model (refused otherwise)")
    p.add_argument("--quiet", "-q", action="store_true", help="no progress bar")
    p.set_defaults(func=run, io=files)


def files(args):
    """What explain reads and writes (checked and locked by cli.outputs before it runs)."""
    inputs = inputs_of(**{"the gallery photograph": args.gallery, "the probe photograph": args.probe,
                          "the checkpoint": args.checkpoint, "the calibration file": args.calibration})
    outputs = [Output("--out", Path(args.out), folder=True)] if args.out else []
    outputs += report_outputs(args.report, exports=not args.no_exports)
    outputs += [Output("--case", Path(args.case))] if args.case else []
    return inputs, outputs


def run(args) -> int:
    # heavy imports only once the command line is known to be valid
    from ..core.device import select_device
    from ..core.explain_output import write_explain_dir
    from ..core.faces import FaceDetector
    from ..core.models import load_face_model
    from ..core.pipeline import prepare_face
    from ..core.session import ComparisonSession
    from ..core.verification import explain_pair
    from ..report import check_report_target

    if not (args.out or args.report or args.case):
        usage_error("nothing to write: give --out, --report and/or --case")
    params = fame_params(args)
    settings = map_settings(args)
    limit = threshold(args)
    # an unwritable or existing path fails now, not after the run (cli.outputs checked the rest)
    if args.report:
        check_report_target(args.report, exports=not args.no_exports, overwrite=args.overwrite)
    calibration = _load_calibration(args.calibration)
    model_key = "adaface" if args.checkpoint and args.model == DEFAULT_FACE_MODEL else args.model
    # the session records each step as it happens, so the audit log's times are true
    session = ComparisonSession()
    session.set_case(**case_details(args))
    session.set_model(model_key, args.checkpoint, args.device)
    session.set_parameters(params, settings)
    if limit is not None:
        session.set_threshold(limit)
    timings: dict[str, float] = {}
    t = time.perf_counter()
    device = select_device(args.device)
    detector = FaceDetector(device="cpu" if device.type == "mps" else str(device))
    gallery = prepare_face(args.gallery, detector, "gallery", args.gallery_face)
    session.set_input(gallery)
    probe = prepare_face(args.probe, detector, "probe", args.probe_face)
    session.set_input(probe)
    timings["load_detect_align"] = time.perf_counter() - t
    t = time.perf_counter()
    model = load_face_model(model_key, args.checkpoint, device)
    timings["model_load"] = time.perf_counter() - t
    if calibration is not None:  # a calibration of another model would state a wrong LR: refuse before the run
        calibration.check_model(model.describe())

    bar = None
    if not args.quiet:
        from tqdm import tqdm

        bar = tqdm(total=params.iterations, desc="FAME", unit="it", file=sys.stderr, disable=None,
                   dynamic_ncols=True)

    def progress(p):
        if bar is not None:
            bar.update(p.iteration - bar.n)
            if p.iteration % 10 == 0:  # reading the scores copies them from the device
                bar.set_postfix(s=" ".join(f"{v:+.3f}" for v in p.score), refresh=False)

    snapshot = session.run_snapshot(model.describe(), params)
    session.record_run_started(snapshot, str(model.device))
    t = time.perf_counter()
    try:
        explanation = explain_pair(model, gallery.crop, probe.crop, params, on_progress=progress)
    finally:
        if bar is not None:
            bar.close()
    timings["fame"] = time.perf_counter() - t
    session.set_explanation(explanation, model.describe(), snapshot)
    explanation = session.explanation  # now carrying the snapshot of its inputs
    if args.out:
        t = time.perf_counter()
        write_explain_dir(args.out, gallery, probe, model, explanation, settings, timings,
                          cmap=args.colour_map or "jet", overwrite=args.overwrite)
        timings["write"] = time.perf_counter() - t
    iters = ", ".join(f"{k} {v['iterations']}" + ("" if v["stop_reason"] == "iterations" else f" ({v['stop_reason']})")
                      for k, v in explanation.per_map().items())
    preset = f"preset {params.preset}; " if params.preset else ""
    print(f"similarity {explanation.similarity:.4f} ({model.spec.display_name}); {preset}"
          f"iterations: {iters}; FAME {timings['fame']:.1f} s" + (f" → {args.out}" if args.out else ""))
    if calibration is not None:
        from ..core.evidence.evidence_facts import score_lines

        print("\n".join(score_lines(calibration, explanation.similarity)))
    _write_session_files(args, session)
    return 0


def _load_calibration(path):
    """The verified calibration file of --calibration, or None (damaged or unknown files are refused now)."""
    if not path:
        return None
    from ..core.evidence.calibration import load_calibration

    return load_calibration(path)


def _write_session_files(args, session) -> None:
    if args.case:  # first, so the report's audit log names the case file and its SHA-256
        from ..core.casefile import save_case

        info = save_case(session, args.case, overwrite=args.overwrite)
        print(f"case file → {info.path} (SHA-256 {info.sha256})")
    if args.report:
        from ..report import write_report

        out = write_report(session, args.report, exports=not args.no_exports, colour_map=args.colour_map,
                           opacity=args.opacity, overwrite=args.overwrite)
        print(f"report {out.report_id} → {out.pdf}" + (f"; exports → {out.exports}" if out.exports else ""))
