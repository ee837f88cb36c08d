"""`fame evaluate-classification`: explanation methods compared on photographs by localisation (IoU,
pointing game) and faithfulness (ROAD-Delete, deletion / insertion), one image at a time (Qt-free).

    job = ImageJob(model, weights, methods, params, options, settings, metric_settings, boxes, classes)
    folder = EvaluationFolder(out, job.describe(images, weights_sha256), COMMAND, overwrite, SUMMARIES)
    rows = run_classification(list_images(images), job, folder, models=job.load(device))   # local
    rows = run_classification(images, job, folder, engine=RayEngine(..., unit="images"))    # Ray

`evaluate_image` is the one per-image function both engines run: the class explained is the one
the classes CSV names, else the first class of the image's box file (<boxes>/<stem>.xml, ImageNet's
PASCAL VOC files), else the model's top-1; every pending method's map of that class is measured
(metrics.classification), one row per (image, method). A failure is recorded in its row and never
stops the run. `run_classification` skips the (image, SHA-256, method) rows done, writes each row
as it comes (rows.jsonl, or one shard per Ray worker: folder.py) and reports progress.
Images, their folder and the boxes folder may be paths or URLs (core.locations).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from ..core.attribution import MapSettings
from ..core.errors import FameError
from ..core.locations import exists_location, is_folder, join_location, list_location, location, name_of
from .folder import EvaluationFolder
from .progress import Progress

TASK = "imagenet-classification"
COMMAND = "fame evaluate-classification"
FORMAT = "fame-desktop/evaluate-classification"
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp")


def list_images(folder) -> list:
    """The photographs directly in `folder` (a path or URL), sorted by name."""
    if not exists_location(folder) or not is_folder(folder):
        raise FameError(f"{folder}: not a folder of photographs")
    images = [p for p in list_location(folder) if name_of(p).lower().endswith(IMAGE_SUFFIXES)]
    if not images:
        raise FameError(f"{folder}: no photographs ({', '.join(IMAGE_SUFFIXES)})")
    return images


@dataclass
class ClassificationModels:
    """What a process needs to evaluate images: the task, the loaded classifier and the methods by key."""

    task: object
    model: object
    methods: dict


@dataclass(frozen=True)
class ImageJob:
    """What every image is evaluated with (sent to each Ray actor as it is); params: key → parameters;
    options: the task's resolved options; boxes: the box files' folder (path or URL) or None;
    classes: image file name → class index."""

    model: str
    weights: str | None
    methods: tuple[str, ...]
    params: dict = field(hash=False)
    options: dict = field(hash=False)
    settings: MapSettings
    metric_settings: object  # metrics.classification.MetricSettings
    boxes: str | None = None
    classes: dict | None = field(default=None, hash=False)

    def describe(self, images: str, weights_sha256: str | None) -> dict:
        """config.json: what a rerun must match to resume."""
        return {"format": FORMAT, "format_version": 1, "images": images, "boxes": self.boxes,
                "classes": dict(sorted((self.classes or {}).items())),
                "model": {"key": self.model, "weights_sha256": weights_sha256},
                "options": self.options, "methods": {k: self.params[k].describe() for k in self.methods},
                "maps": self.settings.describe(), "metrics": self.metric_settings.describe()}

    def load(self, device, model=None) -> ClassificationModels:
        """The task, the classifier (loaded here unless given) and the methods."""
        from ..tasks import default_registry

        registry = default_registry()
        task = registry.get(TASK)
        model = model if model is not None else task.load_model(self.model, self.weights, device)
        return ClassificationModels(task, model, {k: registry.method(k) for k in self.methods})

    def records(self, items: list[tuple]) -> list[dict]:
        """(image, sha256, pending method keys) → Arrow-friendly records."""
        return [{"id": name_of(image), "image": str(image), "sha256": sha, "methods": ",".join(keys)}
                for image, sha, keys in items]

    def run(self, record: dict, models: ClassificationModels) -> list[dict]:
        return evaluate_image(location(str(record["image"])), str(record["sha256"]),
                              str(record["methods"]).split(","), self, models)


def image_class(image, boxes, classes: dict[str, int], analysis):
    """(class index, where it came from, the boxes of that class, the box file's name or None)."""
    from ..metrics.boxes import read_voc

    name = name_of(image)
    box_file = join_location(boxes, f"{name.rsplit('.', 1)[0]}.xml") if boxes else None
    voc = read_voc(box_file) if box_file is not None and exists_location(box_file) else None
    if name in classes:
        index, source = classes[name], "classes CSV"
    elif voc is not None:
        index, source = voc.classes()[0], "box file"
    else:
        index, source = analysis.summary["top5"][0]["index"], "top-1"
    return index, source, (voc.boxes_of(index) if voc is not None else ()), (name_of(box_file) if voc else None)


def evaluate_image(image, sha: str, pending: list[str], job: ImageJob, models: ClassificationModels) -> list[dict]:
    """One row per pending method of `image` (a path or URL whose bytes hash to `sha`); never raises for a
    problem of the image or a method: the row says what went wrong."""
    from ..core.images import load_image
    from ..metrics.classification import measure
    from ..tasks.runner import request_run

    task, model = models.task, models.model
    base = {"image": name_of(image), "sha256": sha}
    try:
        inputs = {"image": task.prepare(model, "image", load_image(image), job.options)}
        analysis = task.analyse(model, inputs, job.options)
        index, source, boxes, box_file = image_class(image, job.boxes, job.classes or {}, analysis)
        target = task.target(analysis, f"class_{index}")
    except Exception as e:  # a bad photograph or box file fails its rows, never the run
        return [{**base, "method": k, "status": "failed", "error": _reason(e)} for k in pending]
    base.update({"class": index, "class_name": target.data["class_name"], "class_source": source,
                 "box_file": box_file, "boxes": len(boxes), "top1": analysis.summary["top5"][0]["index"]})
    rows = []
    for key in pending:
        row = {**base, "method": key}
        t0 = time.perf_counter()
        try:
            result = request_run(task, models.methods[key], model, inputs, analysis, [target], job.params[key],
                                 job.options, job.model, job.weights).execute()
            row["run_seconds"] = round(result.run.elapsed, 4)
            row["probability"] = float(result.run.initial_score[0])
            row["metrics"] = measure(model, inputs["image"], index, {key: result.maps(job.settings)[target.key]},
                                     boxes, job.metric_settings)[key]
            row["status"] = "done"
        except Exception as e:  # recorded with its reason; the next method and image go on
            row.update(status="failed", error=_reason(e))
        row["seconds"] = round(time.perf_counter() - t0, 4)
        rows.append(row)
    return rows


def _reason(e: Exception) -> str:
    first = (str(e).strip().splitlines() or [""])[0]
    return first if isinstance(e, FameError) else f"{type(e).__name__}: {first}"


def latest(rows: list[dict]) -> dict[tuple, dict]:
    """The row of every (image, sha256, method) that counts: the last one, a done row over a failed one
    (a rerun redoes failures; shards are read in name order, not in time order)."""
    out = {}
    for r in rows:
        key = (r["image"], r["sha256"], r["method"])
        if r["status"] == "done" or out.get(key, {}).get("status") != "done":
            out[key] = r
    return out


def run_classification(images: list, job: ImageJob, folder: EvaluationFolder,
                       models: ClassificationModels | None = None, engine=None,
                       progress: Progress | None = None) -> list[dict]:
    """Evaluate every (image, method) not done yet; returns all the folder's rows.

    models: evaluate here; engine (ray_engine.RayEngine): evaluate there, rows into per-worker shards.
    progress: phase("evaluation", maps, maps done), then pair(row) per row."""
    from ..core.images import sha256_file

    progress = progress or Progress()
    rows = folder.rows()
    done = {k for k, r in latest(rows).items() if r["status"] == "done"}
    todo = []
    for image in images:  # hashed on the driver: a changed photograph is evaluated again
        try:
            sha = sha256_file(image)
        except Exception:  # unreadable (OSError, fsspec back-ends' own errors): its rows fail with the reason
            sha = "unreadable"
        pending = [k for k in job.methods if (name_of(image), sha, k) not in done]
        if pending:
            todo.append((image, sha, pending))
    total = len(images) * len(job.methods)
    progress.phase("evaluation", total, total - sum(len(t[2]) for t in todo))
    results = (job.run(r, models) for r in job.records(todo)) if engine is None else engine.run(job, todo)
    with folder.writer(sharded=engine is not None) as writer:
        for item in results:
            for row in item:
                writer.write(row)
                rows.append(row)
                progress.pair(row)
    return rows
