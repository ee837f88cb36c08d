"""`fame calibrate PAIRS --out CAL.famecal`: score genuine and impostor pairs with a face model and fit a
score → likelihood-ratio calibration (lir), stored as a verified calibration file (core.evidence)."""

from __future__ import annotations

import sys
from pathlib import Path

from ..core.errors import ExportError
from ..core.models.registry import DEFAULT_FACE_MODEL, FACE_MODELS
from ..core.pair_lists import FORMATS
from .options import add_device_option, usage_error
from .outputs import Output, add_overwrite_option, inputs_of

DEFAULT_FMR = "0.001,0.01"


def register(sub) -> None:
    p = sub.add_parser(
        "calibrate", help="calibrate a face model's scores into likelihood ratios on genuine and impostor pairs",
        description="Score every pair of a list with the face model, fit a calibrator with lir and write a "
                    "calibration file (.famecal) that `fame explain --calibration` uses to state a likelihood "
                    "ratio. The per-pair scores are kept beside the output (<out>.scores.jsonl): a rerun skips "
                    "the pairs already scored; pairs whose photographs cannot be read or hold no face are "
                    "recorded and counted, never fatal.")
    p.add_argument("pairs", help="pair list: CSV with header gallery,probe,same; LFW pairs.txt; or a CFP-FP "
                                 "protocol folder")
    p.add_argument("--format", default="auto", choices=("auto", *FORMATS), help="pair-list format (default auto)")
    p.add_argument("--out", "-o", required=True, metavar="CAL.famecal", help="calibration file to write")
    add_overwrite_option(p)
    p.add_argument("--model", default=DEFAULT_FACE_MODEL, choices=sorted(FACE_MODELS),
                   help="face model (default %(default)s, embedded and offline)")
    p.add_argument("--checkpoint", help="AdaFace checkpoint (.ckpt or state dict); implies --model adaface")
    add_device_option(p)
    p.add_argument("--calibrator", choices=("logistic", "isotonic"), default="logistic",
                   help="logistic regression (default) or PAV / isotonic regression, both fitted with lir")
    p.add_argument("--description", default="",
                   help="what the pairs are (source, population, image conditions); stated wherever the "
                        "calibration is used (default: the pair list's name)")
    p.add_argument("--fmr", default=DEFAULT_FMR, metavar="LIST",
                   help="false match rates at which thresholds and FNMR are recorded (default %(default)s)")
    p.add_argument("--quiet", "-q", action="store_true", help="no progress bar")
    p.set_defaults(func=run, io=files)


def files(args):
    """What calibrate reads and writes (checked and locked by cli.outputs before it runs); a CFP-FP
    folder is read file by file, like the photographs."""
    if Path(args.out).suffix.lower() != ".famecal":
        raise ExportError(f"--out {args.out}: a calibration file name must end in .famecal")
    listed = None if Path(args.pairs).is_dir() else args.pairs
    return inputs_of(**{"the pair list": listed, "the checkpoint": args.checkpoint}), [Output("--out", Path(args.out))]


def fmr_targets(text: str) -> tuple[float, ...]:
    try:
        values = tuple(float(v) for v in text.split(",") if v.strip())
    except ValueError:
        usage_error(f"--fmr {text!r}: give false match rates such as 0.001,0.01")
    if not values or not all(0 < v < 1 for v in values):
        usage_error(f"--fmr {text!r}: each false match rate lies between 0 and 1")
    return values


def run(args) -> int:
    from ..core.device import select_device
    from ..core.evidence.calibration import CalibrationError, calibration_bytes, parse_calibration
    from ..core.evidence.calibration_fit import calibration_document, fit_calibration, require_lir
    from ..core.evidence.pair_scoring import (ScoreCache, cache_path_for, pairs_sha256, photo_measures, score_pairs,
                                              scoring_header, summarise_outcomes)
    from ..core.evidence.quality import quality_ranges
    from ..core.faces import FaceDetector
    from ..core.io_utils import atomic_write_bytes
    from ..core.models import load_face_model
    from ..core.pair_lists import read_pairs
    from ..session.audit import now_iso

    targets = fmr_targets(args.fmr)
    require_lir()  # before hours of scoring, not after
    pairs = read_pairs(args.pairs, args.format)
    model_key = "adaface" if args.checkpoint and args.model == DEFAULT_FACE_MODEL else args.model
    device = select_device(args.device)
    detector = FaceDetector(device="cpu" if device.type == "mps" else str(device))
    model = load_face_model(model_key, args.checkpoint, device)
    info = model.describe()
    cache = ScoreCache(cache_path_for(args.out), scoring_header(info, detector))

    bar = None
    if not args.quiet:
        from tqdm import tqdm

        bar = tqdm(total=len(pairs), desc="pairs", unit="pair", file=sys.stderr, disable=None, dynamic_ncols=True)

    def progress(done: int, total: int, failed: int) -> None:
        if bar is not None:
            bar.update(done - bar.n)
            bar.set_postfix(failed=failed, refresh=False)

    try:
        outcomes = score_pairs(pairs, model, detector, cache, progress)
    finally:
        if bar is not None:
            bar.close()
    genuine = [o.score for o in outcomes if o.score is not None and o.same]
    impostor = [o.score for o in outcomes if o.score is not None and not o.same]
    summary = summarise_outcomes(outcomes)
    if min(len(genuine), len(impostor)) < 2:
        kinds = ", ".join(f"{k} {n}" for k, n in sorted(summary["failures_by_kind"].items())) or "none"
        raise CalibrationError(f"only {len(genuine)} genuine and {len(impostor)} impostor pairs could be scored "
                               f"(failed: {kinds}; reasons in {cache.path}); a calibration needs at least 2 of each")
    fitted = fit_calibration(genuine, impostor, args.calibrator, targets)
    doc = calibration_document(
        fitted, created=now_iso(),
        model={"key": info["key"], "name": info["name"], "weights_sha256": info["provenance"]["sha256"],
               "input_convention": info["input_convention"], "provenance": info["provenance"]},
        alignment=cache.header["alignment"],
        dataset={"description": args.description.strip() or f"pairs of {Path(args.pairs).name}",
                 "source": str(args.pairs), "pairs_sha256": pairs_sha256(outcomes)},
        pairs=summary, quality_ranges=quality_ranges(photo_measures(outcomes)))
    data = calibration_bytes(doc)
    cal = parse_calibration(data, args.out)  # written only if a case can read it back
    atomic_write_bytes(args.out, data, overwrite=args.overwrite)
    for line in _summary(cal, cache.path):
        print(line)
    return 0


def _summary(cal, cache_path: Path) -> list[str]:
    p, m = cal.doc["pairs"], cal.metrics
    kinds = ", ".join(f"{k} {n}" for k, n in sorted(p["failures_by_kind"].items()))
    lo, hi = cal.elub
    cv = f" (cross-validated {m['cllr_cv']:.3f}, {m['cv_folds']} folds)" if m["cllr_cv"] is not None else ""
    lines = [f"calibration → {cal.path} (SHA-256 {cal.sha256}); per-pair scores in {cache_path}",
             f"pairs: {p['genuine']} genuine, {p['impostor']} impostor scored of {p['listed']}; "
             f"{p['failed']} failed" + (f" ({kinds})" if kinds else ""),
             f"{cal.kind}: Cllr {m['cllr']:.3f}{cv}, Cllr_min {m['cllr_min']:.3f}; "
             f"EER {m['eer']:.2%} at {m['eer_threshold']:.4f}; LR bounded by ELUB to "
             f"[{10 ** lo:.3g}, {10 ** hi:.3g}] (log10 {lo:+.2f} … {hi:+.2f})"]
    for op in m["operating_points"]:
        note = "" if op["measurable"] else f" (not measurable with {p['impostor']} impostor pairs)"
        lines.append(f"FMR ≤ {op['target_fmr']:g}: threshold {op['threshold']:.4f}, FMR {op['fmr']:.2%}, "
                     f"FNMR {op['fnmr']:.2%}{note}")
    return lines
