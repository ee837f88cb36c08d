"""`fame evaluate-classification IMAGES --out DIR`: explanation methods compared on a folder of
photographs by localisation (IoU, pointing game) and faithfulness (ROAD-Delete, deletion /
insertion), as the FAME paper's Tab. 1.

For each image (sorted by name) the class explained is the one its --classes CSV row names, else
the first class of its box file (--boxes DIR/<stem>.xml, ImageNet's PASCAL VOC files), else the
model's top-1; IoU and the pointing game need a box of that class and are skipped without one.
Every method's map of that class is measured (metrics.classification) and its row appended to
DIR/rows.jsonl as soon as it is done, so an interrupted run resumes where it stopped (the same
configuration only: evaluation/folder.py). A failure is recorded in its row and never stops the run.
With --engine ray the images are evaluated by Ray actors and their rows land in one shard per worker.

    DIR/config.json      model, methods and their parameters, map settings, metric settings, inputs
    DIR/rows.jsonl       one row per (image, method): class, status, metrics or the error, seconds
    DIR/per_image.csv    the rows as a table
    DIR/table.csv        means per method (the Tab. 1 layout), DIR/table.md the same, best in bold
    DIR/summary.json     the table, the mean curves, counts and failures
    DIR/figure.png       mean deletion and insertion curves and ROAD-Delete over P per method

The work is in fame_desktop.evaluation.classification; this module turns the command line into an
ImageJob, draws the progress bar and prints the table.
"""

from __future__ import annotations

import csv
import io
import sys
from pathlib import Path

from ..core.attribution import NORMALISATIONS
from ..core.errors import ExportError, FameError
from ..core.io_utils import is_inside, same_file
from ..core.locations import is_url
from ..core.models.imagenet_registry import DEFAULT_IMAGENET_MODEL, IMAGENET_MODELS
from ..evaluation.classification import TASK
from .evaluate import add_engine_options, check_engine_options, closing_run, ray_engine
from .options import add_device_option, add_fame_options, fame_params, map_settings
from .outputs import Output, add_overwrite_option, inputs_of

TABLE_METHODS = ("fame", "gradcam", "gradcam-ew", "hirescam", "fullgrad", "fd-cam")  # Tab. 1 and FD-CAM


def register(sub) -> None:
    p = sub.add_parser("evaluate-classification", help="compare explanation methods on a folder of photographs "
                                                       "(IoU, pointing game, ROAD-Delete, deletion / insertion)",
                       description=__doc__.split("\n\n")[1].replace("\n", " "))
    p.add_argument("images", help="folder of photographs (its files, sorted by name; not its sub-folders): a path "
                                  "or a URL (file://…, s3://… with s3fs installed: any fsspec protocol)")
    p.add_argument("--out", "-o", required=True,
                   help="results folder: created, or resumed when it holds an earlier run of the same configuration")
    add_overwrite_option(p)
    p.add_argument("--boxes", help="folder (path or URL) of PASCAL VOC box files named <image stem>.xml (ImageNet's "
                                   "format)")
    p.add_argument("--classes", help="CSV with a header 'image,class': file name and class (index 0–999, WordNet "
                                     "ID or class name); overrides a box file's class")
    p.add_argument("--methods", default=",".join(TABLE_METHODS),
                   help="comma-separated methods, or 'all' for every method of the task (default %(default)s)")
    p.add_argument("--model", default=DEFAULT_IMAGENET_MODEL, choices=list(IMAGENET_MODELS),
                   help="classifier (default %(default)s)")
    p.add_argument("--weights", help="weights file for the model (loaded weights-only)")
    p.add_argument("--preparation", choices=("full", "centre-crop"), default="full",
                   help="full: whole photograph resized to 224×224 (default); centre-crop: central 87.5 %% square")
    p.add_argument("--variant", choices=("logit", "abs-logit"), default="logit",
                   help="loss every method explains: logit = z_o (default), abs-logit = |z_o|")
    g = p.add_argument_group("CAM methods")
    g.add_argument("--layer", default="", help="target layer of the CAMs and FD-CAM (default: the model's last "
                                               "convolutional block)")
    g.add_argument("--cam-batch-size", type=int, default=16,
                   help="Score-CAM / Ablation-CAM inputs per forward pass (default %(default)s)")
    g.add_argument("--seed", type=int, default=0, help="seed of ROAD's imputation noise (default %(default)s)")
    add_device_option(p)
    add_fame_options(p)
    m = p.add_argument_group("maps", "FAME's blur (the paper's, scaled to the 224-px input); CAM maps are never blurred")
    m.add_argument("--blur-kernel", type=int, default=None, help="Gaussian kernel size (default 97 at 224 px)")
    m.add_argument("--blur-sigma", type=float, default=None, help="Gaussian σ (default 15.4 at 224 px)")
    m.add_argument("--no-blur", action="store_true", help="no Gaussian blur")
    m.add_argument("--normalisation", choices=NORMALISATIONS, default="minmax",
                   help="map normalisation (default %(default)s)")
    add_engine_options(p, "images")
    p.add_argument("--quiet", "-q", action="store_true", help="no progress bar")
    p.set_defaults(func=run, io=files)


def files(args):
    inputs = inputs_of(**{"the classes CSV": None if is_url(args.classes or "") else args.classes,
                          "the weights file": args.weights})
    return inputs, [Output("--out", Path(args.out), folder=True, resumable=True)]


def check_folders(out: Path, images: str, boxes: str | None) -> None:
    """The results folder is neither an input folder nor one that holds one (URLs are elsewhere)."""
    from ..core.locations import is_folder

    for label, folder in (("the images folder", images), ("the boxes folder", boxes)):
        local = folder is not None and not is_url(folder)
        if local and (same_file(out, Path(folder)) or is_inside(Path(folder), out)):
            raise ExportError(f"--out {out}: is or holds {label} ({folder})")
    if boxes is not None and not is_folder(boxes):
        raise FameError(f"--boxes {boxes}: not a folder")


def read_classes(path: str | None) -> dict[str, int]:
    """{image file name: class index} from a CSV with the header 'image,class'."""
    from ..metrics.boxes import imagenet_class

    if not path:
        return {}
    from ..core.locations import read_location

    text = read_location(path, 16 << 20, FameError).decode("utf-8-sig", errors="replace")
    reader = csv.DictReader(io.StringIO(text))
    if not reader.fieldnames or not {"image", "class"} <= {f.strip() for f in reader.fieldnames}:
        raise FameError(f"{path}: needs a header 'image,class'")
    out = {}
    for n, row in enumerate(reader, start=2):
        name, label = (row.get("image") or "").strip(), (row.get("class") or "").strip()
        if not name or not label:
            raise FameError(f"{path}, line {n}: an image and a class are needed")
        out[name] = imagenet_class(label, f"{path}, line {n}")
    return out


def chosen_methods(registry, task, spec: str) -> list:
    """The methods named in --methods, among those that explain the task."""
    available = registry.methods_for(task)
    keys = list(available) if spec.strip() == "all" else [k.strip() for k in spec.split(",") if k.strip()]
    unknown = [k for k in keys if k not in available]
    if unknown or not keys:
        raise FameError(f"--methods: {', '.join(unknown) or 'none given'}; choose from {', '.join(available)} or all")
    return [available[k] for k in dict.fromkeys(keys)]


def method_params(method, task, args):
    """FAME's from its options; a CAM's from --layer and --cam-batch-size (where it takes them)."""
    if method.key == "fame":
        return fame_params(args, task.default_preset)
    values = {"layer": args.layer} if any(s.key == "layer" for s in method.param_specs(task)) else {}
    if method.key in ("scorecam", "ablationcam"):
        values["batch_size"] = args.cam_batch_size
    try:
        return method.params_from(task, values)
    except ValueError as e:
        raise FameError(f"{method.title}: {e}") from None


def run(args) -> int:
    from ..evaluation.classification import COMMAND, ImageJob, latest, list_images, run_classification
    from ..evaluation.classification_outputs import SUMMARIES, text_table, write_summaries
    from ..evaluation.folder import EvaluationFolder
    from ..metrics.classification import MetricSettings
    from ..tasks import default_registry
    from .evaluate import Bar

    check_engine_options(args)
    out = Path(args.out)
    images_dir = args.images if is_url(args.images) else str(Path(args.images).resolve())
    boxes = None if not args.boxes else args.boxes if is_url(args.boxes) else str(Path(args.boxes).resolve())
    check_folders(out, images_dir, boxes)
    images = list_images(images_dir)
    classes = read_classes(args.classes)
    registry = default_registry()
    task = registry.get(TASK)
    methods = chosen_methods(registry, task, args.methods)
    params = {m.key: method_params(m, task, args) for m in methods}
    caveat = task.preset_caveats.get(getattr(args, "preset", None) or "")
    if caveat and "fame" in params:
        print(f"note: {caveat}", file=sys.stderr)
    # On the driver of a Ray run the model only describes the configuration (weights, options, maps): CPU
    model = task.load_model(args.model, args.weights, "cpu" if args.engine == "ray" else args.device)
    job = ImageJob(args.model, args.weights, tuple(params), params,
                   task.resolve_options({"preparation": args.preparation, "variant": args.variant}, model),
                   map_settings(args, task, model), MetricSettings(road_seed=args.seed), boxes, classes)
    config = job.describe(images_dir, model.describe()["provenance"]["sha256"])
    folder = EvaluationFolder(out, config, COMMAND, args.overwrite, SUMMARIES)
    engine = ray_engine(args, {m.key: m for m in methods}, unit="images")
    models = None if engine is not None else job.load(args.device, model)
    bar = Bar(args.quiet, unit="map")
    with closing_run(bar, engine):
        rows = run_classification(images, job, folder, models, engine, bar)
    table = write_summaries(out, rows, list(job.methods), job.metric_settings, config)
    print(text_table(table, job.metric_settings))
    failures = sum(1 for r in latest(rows).values() if r["status"] == "failed")
    print(f"{len(images)} image(s), {len(methods)} method(s); {failures} failure(s) → {out}"
          + (" (resumed)" if folder.resumed else ""))
    return 0
