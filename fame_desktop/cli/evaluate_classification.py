"""`fame evaluate-classification IMAGES --out DIR`: explanation methods compared on a folder of
photographs by localisation (IoU, pointing game) and faithfulness (ROAD-Delete, deletion /
insertion), as the FAME paper's Tab. 1.

For each image (sorted by name) the class explained is the one its --classes CSV row names, else
the first class of its box file (--boxes DIR/<stem>.xml, ImageNet's PASCAL VOC files), else the
model's top-1; IoU and the pointing game need a box of that class and are skipped without one.
Every method's map of that class is measured (metrics.classification) and its row appended to
DIR/rows.jsonl as soon as it is done, so an interrupted run resumes where it stopped (the same
configuration only: evaluation_folder). A failure is recorded in its row and never stops the run.

    DIR/config.json      model, methods and their parameters, map settings, metric settings, inputs
    DIR/rows.jsonl       one row per (image, method): class, status, metrics or the error, seconds
    DIR/per_image.csv    the rows as a table
    DIR/table.csv        means per method (the Tab. 1 layout), DIR/table.md the same, best in bold
    DIR/summary.json     the table, the mean curves, counts and failures
    DIR/figure.png       mean deletion and insertion curves and ROAD-Delete over P per method
"""

from __future__ import annotations

import csv
import io
import sys
import time
from pathlib import Path

from ..core.attribution import NORMALISATIONS
from ..core.errors import ExportError, FameError
from ..core.io_utils import atomic_write_bytes, atomic_write_json, is_inside, same_file
from ..core.models.imagenet_registry import DEFAULT_IMAGENET_MODEL, IMAGENET_MODELS
from .evaluation_folder import EvaluationFolder
from .options import add_device_option, add_fame_options, fame_params, map_settings
from .outputs import Output, add_overwrite_option, inputs_of

TASK = "imagenet-classification"

COMMAND = "fame evaluate-classification"
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp")
TABLE_METHODS = ("fame", "gradcam", "gradcam-ew", "hirescam", "fullgrad", "fd-cam")  # Tab. 1 and FD-CAM
SUMMARIES = ("per_image.csv", "table.csv", "table.md", "summary.json", "figure.png")


def register(sub) -> None:
    p = sub.add_parser("evaluate-classification", help="compare explanation methods on a folder of photographs "
                                                       "(IoU, pointing game, ROAD-Delete, deletion / insertion)",
                       description=__doc__.split("\n\n")[1].replace("\n", " "))
    p.add_argument("images", help="folder of photographs (its files, sorted by name; not its sub-folders)")
    p.add_argument("--out", "-o", required=True,
                   help="results folder: created, or resumed when it holds an earlier run of the same configuration")
    add_overwrite_option(p)
    p.add_argument("--boxes", help="folder of PASCAL VOC box files named <image stem>.xml (ImageNet's format)")
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
    p.add_argument("--quiet", "-q", action="store_true", help="no progress bar")
    p.set_defaults(func=run, io=files)


def files(args):
    inputs = inputs_of(**{"the classes CSV": args.classes, "the weights file": args.weights})
    return inputs, [Output("--out", Path(args.out), folder=True, resumable=True)]


def list_images(folder: Path) -> list[Path]:
    if not folder.is_dir():
        raise FameError(f"{folder}: not a folder of photographs")
    images = sorted(p for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES and p.is_file())
    if not images:
        raise FameError(f"{folder}: no photographs ({', '.join(IMAGE_SUFFIXES)})")
    return images


def check_folders(out: Path, images: Path, boxes: Path | None) -> None:
    """The results folder is neither an input folder nor one that holds one."""
    for label, folder in (("the images folder", images), ("the boxes folder", boxes)):
        if folder is not None and (same_file(out, folder) or is_inside(folder, out)):
            raise ExportError(f"--out {out}: is or holds {label} ({folder})")
    if boxes is not None and not boxes.is_dir():
        raise FameError(f"--boxes {boxes}: not a folder")


def read_classes(path: str | None) -> dict[str, int]:
    """{image file name: class index} from a CSV with the header 'image,class'."""
    from ..metrics.boxes import imagenet_class

    if not path:
        return {}
    from ..core.regular_files import read_regular_file

    text = read_regular_file(path, 16 << 20, FameError).decode("utf-8-sig", errors="replace")
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


def image_class(image: Path, boxes_dir: Path | None, classes: dict[str, int], analysis):
    """(class index, where it came from, the boxes of that class, the box file's name or None)."""
    from ..metrics.boxes import read_voc

    box_file = boxes_dir / f"{image.stem}.xml" if boxes_dir is not None else None
    voc = read_voc(box_file) if box_file is not None and box_file.is_file() else None
    if image.name in classes:
        index, source = classes[image.name], "classes CSV"
    elif voc is not None:
        index, source = voc.classes()[0], "box file"
    else:
        index, source = analysis.summary["top5"][0]["index"], "top-1"
    return index, source, (voc.boxes_of(index) if voc is not None else ()), (box_file.name if voc else None)


def run(args) -> int:
    from ..core.images import load_image, sha256_file
    from ..metrics.classification import MetricSettings, measure
    from ..tasks.runner import request_run

    images_dir, out = Path(args.images), Path(args.out)
    boxes_dir = Path(args.boxes) if args.boxes else None
    check_folders(out, images_dir, boxes_dir)
    images = list_images(images_dir)
    classes = read_classes(args.classes)
    from ..tasks import default_registry

    registry = default_registry()
    task = registry.get(TASK)
    methods = chosen_methods(registry, task, args.methods)
    params = {m.key: method_params(m, task, args) for m in methods}
    caveat = task.preset_caveats.get(getattr(args, "preset", None) or "")
    if caveat and "fame" in params:
        print(f"note: {caveat}", file=sys.stderr)
    model = task.load_model(args.model, args.weights, args.device)
    options = task.resolve_options({"preparation": args.preparation, "variant": args.variant}, model)
    settings = map_settings(args, task, model)
    metric_settings = MetricSettings(road_seed=args.seed)
    config = {
        "format": "fame-desktop/evaluate-classification", "format_version": 1,
        "images": str(images_dir.resolve()), "boxes": str(boxes_dir.resolve()) if boxes_dir else None,
        "classes": dict(sorted(classes.items())),
        "model": {"key": args.model, "weights_sha256": model.describe()["provenance"]["sha256"]},
        "options": options, "methods": {k: p.describe() for k, p in params.items()},
        "maps": settings.describe(), "metrics": metric_settings.describe(),
    }
    folder = EvaluationFolder(out, config, COMMAND, args.overwrite, SUMMARIES)
    rows = folder.rows()
    done = {(r["image"], r["sha256"], r["method"]) for r in rows if r["status"] == "done"}

    bar = None
    if not args.quiet:
        from tqdm import tqdm

        bar = tqdm(total=len(images) * len(methods), desc="evaluate", unit="map", file=sys.stderr, disable=None,
                   dynamic_ncols=True)
    try:
        for image in images:
            sha = sha256_file(image)
            pending = [m for m in methods if (image.name, sha, m.key) not in done]
            if bar is not None:
                bar.update(len(methods) - len(pending))
            if not pending:
                continue
            base = {"image": image.name, "sha256": sha}
            try:
                inputs = {"image": task.prepare(model, "image", load_image(image), options)}
                analysis = task.analyse(model, inputs, options)
                index, source, boxes, box_file = image_class(image, boxes_dir, classes, analysis)
                target = task.target(analysis, f"class_{index}")
            except Exception as e:  # a bad photograph or box file fails its rows, never the run
                for m in pending:
                    _record(folder, rows, {**base, "method": m.key, "status": "failed", "error": _reason(e)}, bar)
                continue
            base.update({"class": index, "class_name": target.data["class_name"], "class_source": source,
                         "box_file": box_file, "boxes": len(boxes),
                         "top1": analysis.summary["top5"][0]["index"]})
            for m in pending:
                row = {**base, "method": m.key}
                t0 = time.perf_counter()
                try:
                    result = request_run(task, m, model, inputs, analysis, [target], params[m.key], options,
                                         args.model, args.weights).execute()
                    row["run_seconds"] = round(result.run.elapsed, 4)
                    row["probability"] = float(result.run.initial_score[0])
                    row["metrics"] = measure(model, inputs["image"], index, {m.key: result.maps(settings)[target.key]},
                                             boxes, metric_settings)[m.key]
                    row["status"] = "done"
                except Exception as e:  # recorded with its reason; the next method and image go on
                    row.update(status="failed", error=_reason(e))
                row["seconds"] = round(time.perf_counter() - t0, 4)
                _record(folder, rows, row, bar)
    finally:
        if bar is not None:
            bar.close()
    table = write_summaries(out, rows, [m.key for m in methods], metric_settings, config)
    print(text_table(table, metric_settings))
    failures = sum(1 for r in latest(rows).values() if r["status"] == "failed")
    print(f"{len(images)} image(s), {len(methods)} method(s); {failures} failure(s) → {out}"
          + (" (resumed)" if folder.resumed else ""))
    return 0


def _reason(e: Exception) -> str:
    first = (str(e).strip().splitlines() or [""])[0]
    return first if isinstance(e, FameError) else f"{type(e).__name__}: {first}"


def _record(folder: EvaluationFolder, rows: list, row: dict, bar) -> None:
    folder.append(row)
    rows.append(row)
    if bar is not None:
        bar.update(1)


def latest(rows: list[dict]) -> dict[tuple, dict]:
    """The last row of every (image, sha256, method): a rerun's row replaces a failed one."""
    return {(r["image"], r["sha256"], r["method"]): r for r in rows}


def write_summaries(out: Path, rows: list[dict], methods: list[str], settings, config: dict) -> dict:
    from ..metrics.classification import best_per_column, summarise, table_values

    current = [r for r in latest(rows).values() if r["method"] in methods]
    table = summarise(current, methods, settings)
    columns = settings.columns()
    best = best_per_column(table, settings)

    def fmt(v):
        return "" if v is None else f"{v:.4f}"

    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["method", "images", "with_box", *[c[0] for c in columns]])
    for m in methods:
        w.writerow([m, table[m]["images"], table[m]["with_box"], *[fmt(table[m][c[0]]) for c in columns]])
    atomic_write_bytes(out / "table.csv", buf.getvalue().encode())

    md = ["| method | images | " + " | ".join(c[1] for c in columns) + " |",
          "|---|---:|" + "---:|" * len(columns)]
    for m in methods:
        cells = [(f"**{fmt(table[m][k])}**" if m in best.get(k, ()) else fmt(table[m][k])) for k, _h, _b in columns]
        md.append(f"| {m} | {table[m]['images']} | " + " | ".join(cells) + " |")
    atomic_write_bytes(out / "table.md", ("\n".join(md) + "\n").encode())

    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["image", "method", "status", "class", "class_name", "class_source", "boxes", "probability",
                *[c[0] for c in columns], "run_seconds", "error"])
    for r in sorted(current, key=lambda r: (r["image"], methods.index(r["method"]))):
        values = table_values(r["metrics"], settings) if r["status"] == "done" else {}
        w.writerow([r["image"], r["method"], r["status"], r.get("class", ""), r.get("class_name", ""),
                    r.get("class_source", ""), r.get("boxes", ""), fmt(r.get("probability")),
                    *[fmt(values.get(c[0])) for c in columns], r.get("run_seconds", ""), r.get("error", "")])
    atomic_write_bytes(out / "per_image.csv", buf.getvalue().encode())

    failures = [{k: r.get(k) for k in ("image", "method", "error")} for r in current if r["status"] == "failed"]
    atomic_write_json(out / "summary.json", {"configuration": config, "table": table,
                                             "best": {k: sorted(v) for k, v in best.items()},
                                             "columns": [{"key": k, "heading": h, "higher_is_better": b}
                                                         for k, h, b in columns],
                                             "failures": failures})
    atomic_write_bytes(out / "figure.png", figure_png(table, methods, settings))
    return table


def text_table(table: dict, settings) -> str:
    columns = settings.columns()
    head = ["method", "n", *[h for _k, h, _b in columns]]
    rows = [[m, str(e["images"]), *["–" if e[k] is None else f"{e[k]:.3f}" for k, _h, _b in columns]]
            for m, e in table.items()]
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(len(head))]
    return "\n".join("  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths)))
                     for r in [head, *rows])


def figure_png(table: dict, methods: list[str], settings) -> bytes:
    """Mean deletion and insertion curves and ROAD-Delete over P, one line per method (matplotlib, Agg)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from matplotlib import colormaps

    fig = Figure(figsize=(13, 4), dpi=100)
    FigureCanvasAgg(fig)
    axes = fig.subplots(1, 3)
    colours = colormaps["tab20"]  # 20 distinct colours: every method its own (the default cycle has 10)
    for i, m in enumerate(methods):
        e = table[m]
        if not e["images"]:
            continue
        style = {"color": colours(2 * i % 20 + (2 * i // 20) % 2), "linestyle": "-" if i < 10 else "--"}
        for ax, name in zip(axes[:2], ("deletion", "insertion")):
            ax.plot(settings.curve_percents, e["curves"][name], marker="o", ms=3,
                    label=f"{m} (AUC {e[f'{name}_auc']:.3f})", **style)
        axes[2].plot(settings.road_percents, [e[f"road_{p}"] for p in settings.road_percents], marker="o", label=m,
                     **style)
    for ax, title in zip(axes, ("Deletion (lower is better)", "Insertion (higher is better)",
                                "ROAD-Delete (lower is better)")):
        ax.set_title(title)
        ax.set_xlabel("pixels removed, %" if "Insertion" not in title else "pixels inserted, %")
        ax.set_ylabel("class probability")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()
