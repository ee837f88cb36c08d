"""Run a task headless, through the same plugin interface the GUI uses, and write its folder.

Shared by `fame classify` and `fame featuremap`: load model → prepare inputs → analyse →
choose targets → one batched FAME job with a progress bar → `tasks.output.write_task_dir`.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from ..core.attribution import MapSettings
from .options import fame_params
from .outputs import Output, add_overwrite_option, inputs_of

_MAP = MapSettings()


def add_scaled_map_options(p: argparse.ArgumentParser) -> None:
    """Like options.add_map_options, but the blur defaults to the paper's, scaled to the input size."""
    from ..core.attribution import NORMALISATIONS

    g = p.add_argument_group("maps")
    g.add_argument("--blur-kernel", type=int, default=None,
                   help=f"Gaussian kernel size (default {_MAP.blur_kernel} at 112 px, scaled: 97 at 224 px)")
    g.add_argument("--blur-sigma", type=float, default=None,
                   help=f"Gaussian σ (default {_MAP.blur_sigma:g} at 112 px, scaled: 15.4 at 224 px)")
    g.add_argument("--no-blur", action="store_true", help="no Gaussian blur")
    g.add_argument("--normalisation", choices=NORMALISATIONS, default=_MAP.normalisation,
                   help="map normalisation (default %(default)s)")


def add_output_options(p: argparse.ArgumentParser, required: bool = False) -> None:
    """--out DIR and --overwrite, and the files the command reads and writes (see cli.outputs)."""
    p.add_argument("--out", "-o", required=required,
                   help="output folder, created when the run has succeeded (its parent must exist)")
    add_overwrite_option(p)
    p.set_defaults(io=files)


def files(args):
    inputs = inputs_of(**{"the photograph": args.image, "the weights file": args.weights})
    return inputs, [Output("--out", Path(args.out), folder=True)] if args.out else []


def resolved_map_settings(args, task, model) -> MapSettings:
    base = task.default_map_settings(model)
    try:
        return MapSettings(blur_kernel=0 if args.no_blur else (args.blur_kernel or base.blur_kernel),
                           blur_sigma=base.blur_sigma if args.blur_sigma is None else args.blur_sigma,
                           normalisation=args.normalisation)
    except ValueError as e:
        raise SystemExit(f"fame: error: {e}") from None


def run_task(task, args, images: dict[str, str], options: dict, target_keys: list[str] | None,
             model=None) -> tuple[object, dict]:
    """Everything after argument parsing; returns (TaskResult, result.json content)."""
    from ..core.images import load_image
    from ..tasks.output import write_task_dir

    params = fame_params(args)
    caveat = task.preset_caveats.get(getattr(args, "preset", None) or "")
    if caveat:  # said even with --quiet: it bears on what the map can be used for
        print(f"note: {caveat}", file=sys.stderr)
    timings: dict[str, float] = {}
    t = time.perf_counter()
    if model is None:
        model = task.load_model(args.model, args.weights, args.device)
    timings["model_load"] = time.perf_counter() - t
    settings = resolved_map_settings(args, task, model)
    options = task.resolve_options(options, model)
    t = time.perf_counter()
    inputs = {role: task.prepare(model, role, load_image(path), options) for role, path in images.items()}
    analysis = task.analyse(model, inputs, options)
    targets = [task.target(analysis, k) for k in target_keys] if target_keys else analysis.defaults()
    timings["prepare_analyse"] = time.perf_counter() - t
    from ..methods import FameMethod
    from ..tasks.runner import request_run

    job = request_run(task, FameMethod(), model, inputs, analysis, targets, params, options, args.model, args.weights)
    if not args.quiet:
        print(analysis.headline, file=sys.stderr)
    bar = None
    if not args.quiet:
        from tqdm import tqdm

        bar = tqdm(total=job.total_steps, desc="FAME", unit="it", file=sys.stderr, disable=None,
                   dynamic_ncols=True)

    def progress(p):
        if bar is not None:
            bar.update(p.iteration - bar.n)

    t = time.perf_counter()
    try:
        result = job.execute(on_progress=progress)
    finally:
        if bar is not None:
            bar.close()
    timings["fame"] = time.perf_counter() - t
    t = time.perf_counter()
    doc = write_task_dir(args.out, task, result, settings, timings, model.device, overwrite=args.overwrite)
    timings["write"] = time.perf_counter() - t
    return result, doc


def builtin_task(key: str):
    """A built-in task straight from its module: the CLI does not import third-party plugins."""
    from ..tasks import feature_map, imagenet

    return {"imagenet-classification": imagenet.ImageNetClassificationTask,
            "feature-map": feature_map.FeatureMapTask}[key]()
