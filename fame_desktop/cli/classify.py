"""`fame classify IMAGE --out DIR`: top-5 ImageNet classes and the FAME map of a class (L = z_o)."""

from __future__ import annotations

from ..core.classification import VARIANTS
from ..core.classifier_input import PREPARATIONS
from ..core.models.imagenet_registry import DEFAULT_IMAGENET_MODEL, IMAGENET_MODELS
from .options import add_device_option, add_fame_options
from .task_runner import add_output_options, add_scaled_map_options, builtin_task, run_task


def register(sub) -> None:
    p = sub.add_parser("classify", help="classify a photograph (ImageNet) and explain a class with FAME",
                       description="Top-5 ImageNet classes of a photograph; FAME map of the top-1 class "
                                   "(or of the classes given with --class).")
    p.add_argument("image", help="photograph")
    add_output_options(p, required=True)
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
    add_device_option(p)
    add_fame_options(p)
    add_scaled_map_options(p)
    p.add_argument("--quiet", "-q", action="store_true", help="no progress bar")
    p.set_defaults(func=run)


def run(args) -> int:
    task = builtin_task("imagenet-classification")
    result, doc = run_task(task, args, {"image": args.image},
                           {"preparation": args.preparation, "variant": args.variant}, args.classes)
    top = doc["analysis"]["top5"][0]
    maps = ", ".join(f"{k} ({v['final_score']:.3g} after {v['iterations']} it.)" for k, v in doc["maps"].items())
    print(f"top-1 {top['name']} ({top['index']}) {top['probability']:.1%}; explained: {maps}; "
          f"FAME {doc['timings_s']['fame']:.1f} s → {args.out}")
    return 0
