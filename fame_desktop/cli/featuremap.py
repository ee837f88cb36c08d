"""`fame featuremap IMAGE --out DIR`: each feature-map cell's FAME receptive field (L_a = Σ_c |a[c, k]|)."""

from __future__ import annotations

from ..core.classifier_input import PREPARATIONS
from ..core.errors import FameError
from ..core.models.imagenet_registry import DEFAULT_IMAGENET_MODEL, IMAGENET_MODELS
from ..core.models.registry import FACE_MODELS
from .outputs import inputs_of
from .runs import add_run_options, output_files, run_task, write_outputs

TASK = "feature-map"


def register(sub) -> None:
    p = sub.add_parser("featuremap", help="receptive fields of a layer's feature-map cells (FAME)",
                       description="For a model and a target layer (default: the last convolutional block), "
                                   "run FAME with L = Σ_c |a[c, k]| for every cell k (or those given with "
                                   "--cell) and compare each receptive field with the cell's nominal area.")
    p.add_argument("image", nargs="?", help="photograph (a face photograph for face models)")
    p.add_argument("--model", default=DEFAULT_IMAGENET_MODEL, choices=[*IMAGENET_MODELS, *FACE_MODELS],
                   help="ImageNet or face model (default %(default)s)")
    p.add_argument("--weights", help="weights / checkpoint file for the model (loaded weights-only)")
    p.add_argument("--layer", default="", help="target layer (module name); default: the last conv block")
    p.add_argument("--list-layers", action="store_true", help="list the model's layers and exit")
    p.add_argument("--cell", dest="cells", action="append", metavar="ROW,COL",
                   help="cell to compute (repeat); default: all cells")
    p.add_argument("--chunk", type=int, default=0, help="cells per batch; 0 = automatic (default)")
    p.add_argument("--preparation", choices=PREPARATIONS, default="full", help="ImageNet models: image preparation")
    p.add_argument("--face", type=int, default=0, help="face models: which face, 0 = largest")
    add_run_options(p)
    p.set_defaults(func=run, io=files)


def files(args):
    return inputs_of(**{"the photograph": args.image, "the weights file": args.weights}), output_files(args)


def run(args) -> int:
    from ..tasks import default_registry

    task = default_registry().get(TASK)
    if args.list_layers:
        model = task.load_model(args.model, args.weights, args.device)
        default = task.resolve_options({}, model)["layer"]
        for info in task.layers(model):
            mark = "  (default)" if info.name == default else ""
            print(f"{info.name:40s} {info.kind:24s} {'×'.join(map(str, info.shape))}{mark}")
        return 0
    if not args.image:
        raise FameError("featuremap needs an IMAGE (or --list-layers)")
    options = {"layer": args.layer, "chunk": args.chunk, "preparation": args.preparation, "image_face": args.face}
    session, result, timings = run_task(task, args, {"image": args.image}, options, args.cells, args.model,
                                        args.weights)
    lines = write_outputs(session, result, args, timings)
    rows = result.measurements.get("rows", {})
    first = rows.get("0")
    figures = (f"; first row: {first['mean_mass_outside']:.0%} of the mass outside the nominal cell, "
               f"centre {first['mean_offset_cells'][1]:+.2f} cells down" if first else "")
    print(f"{result.analysis.headline}; {len(result.targets)} cell(s){figures}; {timings[result.method.key]:.1f} s")
    for line in lines:
        print(line)
    return 0
