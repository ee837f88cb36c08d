"""`fame evaluate PAIRS --methods fame,corrrise,fggb --out DIR`: explanation methods compared by face
deletion / insertion over a list of pairs (the paper's Tab. 2), resumable.

The work is in fame_desktop.evaluation; this module turns the command line into an
EvaluationConfig, draws the progress bar and prints the table.
"""

from __future__ import annotations

import sys
from contextlib import contextmanager
from pathlib import Path

from ..core.attribution import GREYSCALES
from ..core.locations import is_url
from ..core.models.registry import DEFAULT_FACE_MODEL, FACE_MODELS
from ..core.pair_lists import FORMATS
from ..evaluation.progress import Progress
from .options import add_device_option, add_fame_options, add_map_options, fraction, usage_error
from .outputs import Input, Output, add_overwrite_option, inputs_of


def register(sub) -> None:
    p = sub.add_parser(
        "evaluate", help="compare explanation methods by face deletion / insertion over a list of pairs",
        description="For every pair of the list, run each method, delete / insert the top-P % pixels of each "
                    "face by its maps (P = 0, 10, …, 100) and record the similarity; per set, the verification "
                    "accuracy over P at the set's clean EER threshold and its normalised area (Delete ↓, "
                    "Insert ↑). Results are written per pair as they come: a rerun into the same folder skips "
                    "the pairs done and refuses a changed configuration.")
    p.add_argument("pairs", help="pair list: a CSV with gallery,probe,same[,protocol], an LFW pairs.txt, or a "
                                 "CFP protocol folder")
    p.add_argument("--format", choices=("auto", *FORMATS), default="auto", help="pair-list format (default: guessed)")
    p.add_argument("--methods", help="comma-separated method keys in table order (default: every installed method "
                                     "that explains face verification; `fame plugins` lists them)")
    p.add_argument("--out", "-o", required=True,
                   help="results folder: created if new (its parent must exist), resumed if it holds this "
                        "evaluation")
    add_overwrite_option(p)
    p.epilog = ("Outputs: DIR is written into pair by pair (pairs.jsonl), then summary.json, auc.csv, accuracy.csv, "
                "pair_areas.csv, curves.png, table.md and table.tex. A folder holding another configuration is "
                "refused with the differences; --overwrite removes an earlier evaluation's files first; a folder "
                "holding other files is always refused. A second run into DIR fails at once. Exit codes: 0 done "
                "(failed pairs are counted, not fatal), 2 bad input, 130 interrupted, 143 terminated; an "
                "interrupted run resumes where it stopped.")
    p.add_argument("--retry-failed", action="store_true", help="evaluate pairs that failed in an earlier run again")
    p.add_argument("--model", default=DEFAULT_FACE_MODEL, choices=sorted(FACE_MODELS),
                   help="face model (default %(default)s, embedded and offline)")
    p.add_argument("--checkpoint", help="AdaFace checkpoint (.ckpt or state dict); implies --model adaface")
    add_device_option(p)
    add_fame_options(p)
    add_map_options(p)
    p.add_argument("--greyscale", choices=("auto", *GREYSCALES), default="auto",
                   help="grey of FAME's Δx: photograph = luma of the photograph; reference = the luma weights in "
                        "the model's channel order, as the reference implementation (differs for BGR models such "
                        "as AdaFace); auto = reference for a BGR model with --preset reference, else photograph")
    g = p.add_argument_group("CorrRISE")
    g.add_argument("--corrrise-masks", type=int, default=500, help="masks per face (default %(default)s)")
    g.add_argument("--corrrise-seed", type=int, default=0, help="seed of the masks (default %(default)s)")
    g.add_argument("--corrrise-correlation", choices=("spearman", "pearson"), default="spearman",
                   help="per-pixel correlation (default %(default)s, the reference's)")
    g = p.add_argument_group("FGGB (needs a decision threshold)")
    g.add_argument("--threshold", type=fraction, help="decision threshold θ on the cosine for FGGB's weights "
                                                      "(default: each set's clean EER threshold)")
    g.add_argument("--threshold-source", default="", help="where --threshold comes from (required with it)")
    add_engine_options(p, "pairs")
    p.add_argument("--quiet", "-q", action="store_true", help="no progress bar")
    p.set_defaults(func=run, io=files)


def add_engine_options(p, items: str) -> None:
    """--engine, --address, --workers (check_engine_options refuses the Ray ones without --engine ray)."""
    g = p.add_argument_group("engine (docs/scaling.md)")
    g.add_argument("--engine", choices=("local", "ray"), default="local",
                   help=f"local: every one of the {items} in this process (default); ray: a pool of Ray actors, each "
                        "loading the model once (needs `pip install 'fame-desktop[ray]'`)")
    g.add_argument("--address", help="Ray cluster to join (e.g. auto, HOST:6379, ray://HOST:10001; default: a "
                                     "local Ray started for this run); only with --engine ray")
    g.add_argument("--workers", type=int, help=f"Ray actors evaluating {items}, one GPU each when the cluster has "
                                               "GPUs (default 1); only with --engine ray")


def check_engine_options(args) -> None:
    if args.engine == "local" and (args.address or args.workers is not None):
        usage_error("--address and --workers need --engine ray")


def ray_engine(args, methods: dict, unit: str = "pairs"):
    """The Ray engine `--engine ray` asks for (Ray imported only then); None for the local engine."""
    if args.engine != "ray":
        return None
    from ..evaluation.ray_engine import RayEngine

    return RayEngine(args.address, 1 if args.workers is None else args.workers, args.device, methods, unit=unit)


@contextmanager
def closing_run(bar, engine):
    """The bar and the engine closed whatever happens; after a run, the engine's report (retries, workers)."""
    try:
        yield
    finally:
        bar.close()
        if engine is not None:
            engine.close()
    if engine is not None:
        print(engine.report(), file=sys.stderr)


def files(args):
    inputs = inputs_of(**{"the checkpoint": args.checkpoint})
    if not is_url(args.pairs) and Path(args.pairs).is_file():
        inputs.append(Input("the pair list", Path(args.pairs)))
    return inputs, [Output("--out", Path(args.out), folder=True, resumable=True)]


def _method_keys(args, registry, task) -> list[str]:
    offered = list(registry.methods_for(task))
    if not args.methods:
        return offered
    keys = [k.strip() for k in args.methods.split(",") if k.strip()]
    for k in keys:
        if k not in registry.methods:
            usage_error(f"--methods: no method {k!r}; installed: {', '.join(registry.methods)}")
        if k not in offered:
            usage_error(f"--methods: {k!r} does not explain face verification; choose from {', '.join(offered)}")
    if len(set(keys)) != len(keys):
        usage_error("--methods: a method is named twice")
    return keys


def _method_params(key: str, args, method, task):
    from ..methods.corrrise import CorrRiseParams
    from .options import fame_params

    try:
        if key == "fame":
            return fame_params(args, task.default_preset)
        if key == "corrrise":
            return CorrRiseParams(masks=args.corrrise_masks, seed=args.corrrise_seed,
                                  correlation=args.corrrise_correlation)
    except ValueError as e:
        usage_error(str(e))
    return method.default_params(task)


def build_config(args, pairs, registry):
    from ..core.attribution import for_model_input
    from ..core.locations import location
    from ..core.models.checkpoints import checkpoint_sha256
    from ..core.models.registry import get_face_model_spec
    from ..evaluation.config import TASK, EvaluationConfig, FixedThreshold, pairs_digest
    from .options import map_settings

    task = registry.get(TASK)
    keys = _method_keys(args, registry, task)
    params = {k: _method_params(k, args, registry.method(k), task) for k in keys}
    if args.threshold is None and args.threshold_source:
        usage_error("--threshold-source needs --threshold")
    if args.threshold is not None and not args.threshold_source:
        usage_error("--threshold needs --threshold-source (where the threshold comes from)")
    if args.threshold is not None and not -1 <= args.threshold <= 1:
        usage_error(f"--threshold must be a cosine in [-1, 1], got {args.threshold:g}")
    model_key = "adaface" if args.checkpoint and args.model == DEFAULT_FACE_MODEL else args.model
    order = get_face_model_spec(model_key).convention.channel_order
    fame = params.get("fame")
    settings = for_model_input(map_settings(args, task), order, fame.preset if fame is not None else "",
                               None if args.greyscale == "auto" else args.greyscale)
    return EvaluationConfig(
        pair_list=str(args.pairs), pair_list_sha256=pairs_digest(pairs, location(args.pairs)),
        model=model_key, checkpoint=args.checkpoint,
        checkpoint_sha256=checkpoint_sha256(args.checkpoint) if args.checkpoint else None,
        methods=tuple(keys), params=params, map_settings=settings,
        fixed_threshold=None if args.threshold is None else FixedThreshold(args.threshold, args.threshold_source))


class Bar(Progress):
    """tqdm bars for an evaluation's phases (pairs or maps, time left, failures so far, the method running)."""

    def __init__(self, quiet: bool, unit: str = "pair"):
        self.quiet, self.unit, self.bar, self.failed, self.current = quiet, unit, None, 0, None

    def phase(self, name, total, done):
        self.close()
        if done:
            print(f"{name}: {done} of {total} {self.unit}s already in the folder, {total - done} to go",
                  file=sys.stderr)
        if self.quiet:
            return
        from tqdm import tqdm

        self.bar = tqdm(total=total, initial=done, desc=name, unit=self.unit, file=sys.stderr, dynamic_ncols=True,
                        disable=None, bar_format="{l_bar}{bar}| {n_fmt}/{total_fmt} [{elapsed}<{remaining} left] "
                                                 "{postfix}")

    def pair(self, row):
        self.failed += row["status"] == "failed"
        if self.bar is not None:
            self.bar.update(1)
            self.bar.set_postfix_str(f"failed {self.failed}")

    def method(self, pair_id, key, event):
        if self.bar is not None and (pair_id, key) != self.current:
            self.current = (pair_id, key)
            self.bar.set_postfix_str(f"failed {self.failed}; {pair_id}: {key}")

    def close(self):
        if self.bar is not None:
            self.bar.close()
            self.bar = None


def run(args) -> int:
    from ..core.device import select_device
    from ..core.pair_lists import read_pairs
    from ..evaluation.pair import load_models
    from ..evaluation.run import check_folder, run_evaluation
    from ..evaluation.tables import markdown_table
    from ..tasks.registry import default_registry

    check_engine_options(args)
    pairs = read_pairs(args.pairs, args.format)
    registry = default_registry()
    config = build_config(args, pairs, registry)
    state = check_folder(args.out, config, args.overwrite)
    engine = models = ray_engine(args, {k: registry.method(k) for k in config.methods})
    if engine is not None:
        device = args.device
    else:
        device = select_device(args.device)
        models = load_models(config, device, registry)
    bar = Bar(args.quiet)
    with closing_run(bar, engine):
        summary, config = run_evaluation(pairs, config, state, models, args.retry_failed, bar, str(device), engine)
    print(markdown_table(summary, sides=("probe",)).rstrip())
    print(f"\n{summary.evaluated} of {summary.pairs} pairs evaluated, {len(summary.failures)} failed "
          f"(reasons in {Path(args.out) / 'summary.json'}) → {args.out}")
    return 0
