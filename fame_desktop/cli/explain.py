"""`fame explain GALLERY PROBE --out DIR [--report R.pdf] [--case C.famecase]`: a face pair → similarity,
the four FAME maps, and optionally the PDF report and a case file (the face-verification task)."""

from __future__ import annotations

from ..core.faces import LANDMARK_PROMPTS
from ..core.models.registry import DEFAULT_FACE_MODEL, FACE_MODELS
from .options import face_number, usage_error
from .outputs import inputs_of
from .runs import add_run_options, output_files, run_task, write_outputs

TASK = "face-verification"


def register(sub) -> None:
    p = sub.add_parser("explain", help="explain the similarity of a face pair with FAME",
                       description="Detect, align and compare two faces; explain the similarity (FAME by default: "
                                   "the similar and dissimilar maps of both faces).")
    p.add_argument("gallery", help="gallery (reference) photograph")
    p.add_argument("probe", help="probe (questioned) photograph")
    p.add_argument("--model", default=DEFAULT_FACE_MODEL, choices=sorted(FACE_MODELS),
                   help="face model (default %(default)s, embedded and offline)")
    p.add_argument("--checkpoint", help="AdaFace checkpoint (.ckpt or state dict); implies --model adaface")
    for role in ("gallery", "probe"):
        p.add_argument(f"--{role}-face", type=face_number, default=1, metavar="N",
                       help=f"which face of the {role} photograph when it holds several: 1 = the largest "
                            "(default), 2 = the next, … (the console says how many were found)")
        p.add_argument(f"--{role}-landmarks", default="", metavar="X1,Y1,…,X5,Y5",
                       help=f"the 5 points of the {role} face placed by hand instead of a detected face, in "
                            f"photograph pixels: {', '.join(LANDMARK_PROMPTS)}, as seen (e.g. for a masked face "
                            "MTCNN misses); recorded as manual landmarks")
        p.add_argument(f"--exhibit-{role}", default="", help=f"exhibit ID of the {role} photograph")
    add_run_options(p)
    p.add_argument("--calibration", metavar="CAL.famecal",
                   help="also state the score as a likelihood ratio with its ENFSI verbal equivalent, from a "
                        "calibration made by `fame calibrate` with the same model (refused otherwise)")
    p.add_argument("--threshold-from-calibration", metavar="eer|FMR",
                   help="take the decision threshold from --calibration: at its equal error rate (eer) or at the "
                        "lowest threshold whose false match rate on its impostor pairs is at most FMR (e.g. 0.001); "
                        "the threshold's source names the rule and the calibration")
    p.set_defaults(func=run, io=files)


def files(args):
    """What explain reads and writes (checked and locked by cli.outputs before it runs)."""
    inputs = inputs_of(**{"the gallery photograph": args.gallery, "the probe photograph": args.probe,
                          "the checkpoint": args.checkpoint, "the calibration file": args.calibration})
    return inputs, output_files(args)


def run(args) -> int:
    from ..tasks import default_registry
    from ..tasks.result import describe_model

    model_key = "adaface" if args.checkpoint and args.model == DEFAULT_FACE_MODEL else args.model
    options = {"gallery_face": args.gallery_face - 1, "probe_face": args.probe_face - 1,  # the task counts from 0
               "gallery_landmarks": args.gallery_landmarks, "probe_landmarks": args.probe_landmarks}
    task = default_registry().get(TASK)
    calibration = _load_calibration(args.calibration)
    fmr = _threshold_rule(args, calibration)

    def use_calibration(session, model):  # refused now when of another model: it would state a wrong LR
        if calibration is not None:
            session.set_calibration(calibration, describe_model(model))
            if fmr is not False:
                session.set_threshold(calibration.threshold(fmr))

    session, result, timings = run_task(task, args, {"gallery": args.gallery, "probe": args.probe}, options, None,
                                        model_key, args.checkpoint, use_calibration)
    lines = write_outputs(session, result, args, timings)
    iters = ", ".join(f"{k} {v['iterations']}" + ("" if v["stop_reason"] == "iterations" else f" ({v['stop_reason']})")
                      for k, v in result.per_target().items())
    params = result.run.params
    preset = f"preset {params.preset}; " if getattr(params, "preset", "") else ""
    print(f"similarity {result.analysis.summary['similarity']:.4f} ({result.model.get('name', model_key)}); "
          f"{result.method.title} {preset}iterations: {iters}; {timings[result.method.key]:.1f} s")
    if calibration is not None:
        from ..core.evidence.evidence_facts import score_lines

        print("\n".join(score_lines(calibration, result.analysis.summary["similarity"])))
    for line in lines:
        print(line)
    return 0


def _threshold_rule(args, calibration):
    """The FMR of --threshold-from-calibration (None: the EER), or False when it is not given."""
    rule = args.threshold_from_calibration
    if rule is None:
        return False
    if calibration is None:
        usage_error("--threshold-from-calibration needs --calibration")
    if args.threshold is not None:
        usage_error("give either --threshold or --threshold-from-calibration")
    if rule.lower() == "eer":
        return None
    try:
        fmr = float(rule)
    except ValueError:
        fmr = -1.0
    if not 0 < fmr < 1:
        usage_error(f"--threshold-from-calibration: give eer or a false match rate between 0 and 1, not {rule!r}")
    calibration.operating_point(fmr)  # CalibrationError now when the calibration cannot measure it
    return fmr


def _load_calibration(path):
    """The verified calibration file of --calibration, or None (damaged or unknown files are refused now)."""
    if not path:
        return None
    from ..core.evidence.calibration import load_calibration

    return load_calibration(path)
