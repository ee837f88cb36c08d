"""`fame classify IMAGE --out DIR`: top-5 ImageNet classes and the map of a class (FAME: L = z_o)."""

from __future__ import annotations

from ..core.classification import VARIANTS
from ..core.classifier_input import PREPARATIONS
from ..core.models.imagenet_registry import DEFAULT_IMAGENET_MODEL, IMAGENET_MODELS
from .outputs import inputs_of
from .runs import add_run_options, output_files, run_task, write_outputs

TASK = "imagenet-classification"


def register(sub) -> None:
    p = sub.add_parser("classify", help="classify a photograph (ImageNet) and explain a class",
                       description="Top-5 ImageNet classes of a photograph; the map of the top-1 class "
                                   "(or of the classes given with --class).")
    p.add_argument("image", help="photograph")
    p.add_argument("--model", default=DEFAULT_IMAGENET_MODEL, choices=list(IMAGENET_MODELS),
                   help="classifier (default %(default)s, embedded and offline; the others need their "
                        "weights in the torch hub cache or --weights)")
    p.add_argument("--weights", help="weights file for the model (loaded weights-only)")
    p.add_argument("--class", dest="classes", action="append", metavar="INDEX",
                   help="ImageNet class index to explain (0–999); repeat for several; default: top-1")
    p.add_argument("--preparation", choices=PREPARATIONS, default="full",
                   help="full: whole photograph resized to 224×224 (default); centre-crop: central 87.5 %% square")
    p.add_argument("--variant", choices=VARIANTS, default="logit",
                   help="loss: logit = z_o (paper, default), abs-logit = |z_o| (original script)")
    add_run_options(p)
    p.set_defaults(func=run, io=files)


def files(args):
    return inputs_of(**{"the photograph": args.image, "the weights file": args.weights}), output_files(args)


def run(args) -> int:
    from ..tasks import default_registry

    task = default_registry().get(TASK)
    session, result, timings = run_task(task, args, {"image": args.image},
                                        {"preparation": args.preparation, "variant": args.variant}, args.classes,
                                        args.model, args.weights)
    lines = write_outputs(session, result, args, timings)
    top = result.analysis.summary["top5"][0]
    maps = ", ".join(f"{k} ({v['final_score']:.3g} after {v['iterations']} it.)"
                     for k, v in result.per_target().items())
    print(f"top-1 {top['name']} ({top['index']}) {top['probability']:.1%}; explained with {result.method.title}: "
          f"{maps}; {timings[result.method.key]:.1f} s")
    for line in lines:
        print(line)
    return 0
