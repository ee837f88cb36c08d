"""`fame explain GALLERY PROBE --out DIR [--report R.pdf] [--case C.famecase]`: a face pair → similarity,
the four FAME maps, and optionally the PDF report and a case file (the face-verification task)."""

from __future__ import annotations

from ..core.models.registry import DEFAULT_FACE_MODEL, FACE_MODELS
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
        p.add_argument(f"--{role}-face", type=int, default=0, help=f"face index in the {role}, 0 = largest")
        p.add_argument(f"--{role}-landmarks", default="", metavar="X1,Y1,…,X5,Y5",
                       help=f"the 5 points of the {role} face placed by hand, in photograph pixels (left eye, "
                            "right eye, nose tip, left and right mouth corner as seen), instead of a detected face")
        p.add_argument(f"--exhibit-{role}", default="", help=f"exhibit ID of the {role} photograph")
    add_run_options(p)
    p.set_defaults(func=run, io=files)


def files(args):
    """What explain reads and writes (checked and locked by cli.outputs before it runs)."""
    inputs = inputs_of(**{"the gallery photograph": args.gallery, "the probe photograph": args.probe,
                          "the checkpoint": args.checkpoint})
    return inputs, output_files(args)


def run(args) -> int:
    from ..tasks import default_registry

    model_key = "adaface" if args.checkpoint and args.model == DEFAULT_FACE_MODEL else args.model
    options = {"gallery_face": args.gallery_face, "probe_face": args.probe_face,
               "gallery_landmarks": args.gallery_landmarks, "probe_landmarks": args.probe_landmarks}
    task = default_registry().get(TASK)
    session, result, timings = run_task(task, args, {"gallery": args.gallery, "probe": args.probe}, options, None,
                                        model_key, args.checkpoint)
    lines = write_outputs(session, result, args, timings)
    iters = ", ".join(f"{k} {v['iterations']}" + ("" if v["stop_reason"] == "iterations" else f" ({v['stop_reason']})")
                      for k, v in result.per_target().items())
    params = result.run.params
    preset = f"preset {params.preset}; " if getattr(params, "preset", "") else ""
    print(f"similarity {result.analysis.summary['similarity']:.4f} ({result.model.get('name', model_key)}); "
          f"{result.method.title} {preset}iterations: {iters}; {timings[result.method.key]:.1f} s")
    for line in lines:
        print(line)
    return 0
