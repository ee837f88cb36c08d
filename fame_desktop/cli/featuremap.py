"""`fame featuremap IMAGE --out DIR`: each feature-map cell's FAME receptive field (L_a = Σ_c |a[c, k]|)."""

from __future__ import annotations

from ..core.classifier_input import PREPARATIONS
from ..core.errors import FameError
from ..core.models.imagenet_registry import DEFAULT_IMAGENET_MODEL, IMAGENET_MODELS
from ..core.models.registry import FACE_MODELS
from .options import add_device_option, add_fame_options
from .task_runner import add_output_options, add_scaled_map_options, builtin_task, run_task


def register(sub) -> None:
    p = sub.add_parser("featuremap", help="receptive fields of a layer's feature-map cells (FAME)",
                       description="For a model and a target layer (default: the last convolutional block), "
                                   "run FAME with L = Σ_c |a[c, k]| for every cell k (or those given with "
                                   "--cell) and compare each receptive field with the cell's nominal area.")
    p.add_argument("image", nargs="?", help="photograph (a face photograph for face models)")
    add_output_options(p)
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
    add_device_option(p)
    add_fame_options(p)
    add_scaled_map_options(p)
    p.add_argument("--quiet", "-q", action="store_true", help="no progress bar")
    p.set_defaults(func=run)


def run(args) -> int:
    task = builtin_task("feature-map")
    if args.list_layers:
        model = task.load_model(args.model, args.weights, args.device)
        default = task.resolve_options({}, model)["layer"]
        for info in task.layers(model):
            mark = "  (default)" if info.name == default else ""
            print(f"{info.name:40s} {info.kind:24s} {'×'.join(map(str, info.shape))}{mark}")
        return 0
    if not args.image or not args.out:
        raise FameError("featuremap needs an IMAGE and --out DIR (or --list-layers)")
    options = {"layer": args.layer, "chunk": args.chunk, "preparation": args.preparation, "image_face": args.face}
    result, doc = run_task(task, args, {"image": args.image}, options, args.cells)
    rows = doc["measurements"]["rows"]
    first = rows.get("0")
    figures = (f"; first row: {first['mean_mass_outside']:.0%} of the mass outside the nominal cell, "
               f"centre {first['mean_offset_cells'][1]:+.2f} cells down" if first else "")
    print(f"{result.analysis.headline}; {len(result.targets)} cell(s){figures}; "
          f"FAME {doc['timings_s']['fame']:.1f} s → {args.out}")
    return 0
