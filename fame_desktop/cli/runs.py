"""Running a task from the command line: what `fame run`, `explain`, `classify` and `featuremap` share.

One path, as in the window: a `Session` of the task records every step; the model is
loaded, each photograph read and prepared, the model's answer computed, the run requested
(its input snapshot taken) and executed through `tasks.runner`, and its result accepted.
The outputs asked for are then written from the session: the task's `--out` folder, the
case file (`--case`) and the PDF report (`--report`).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from .options import (add_case_options, add_device_option, add_display_options, add_fame_options, add_map_options,
                      case_details, map_settings, method_params, threshold, usage_error)
from .outputs import Output, add_overwrite_option, inputs_of, report_outputs


def add_run_options(p: argparse.ArgumentParser, out_help: str = "output folder") -> None:
    """Outputs, method, FAME, maps, case details and report display: the options every run command takes."""
    g = p.add_argument_group("outputs (at least one)")
    g.add_argument("--out", "-o", help=f"{out_help}, created when the run has succeeded (its parent must exist)")
    g.add_argument("--report", metavar="PDF", help="also write the PDF report (and its -exports folder)")
    g.add_argument("--case", metavar="FILE", help="also save the session as a case file (.famecase)")
    g.add_argument("--sign-key", metavar="KEY", help="sign the case file with this private key (`fame keygen`)")
    add_overwrite_option(p)
    p.add_argument("--method", default="fame", help="explanation method (default fame; `fame plugins` lists them)")
    add_device_option(p)
    add_fame_options(p)
    add_map_options(p)
    add_case_options(p)
    add_display_options(p)
    p.add_argument("--quiet", "-q", action="store_true", help="no progress bar")
    p.set_defaults(signer=None)  # the unlocked --sign-key


def output_files(args) -> list[Output]:
    """The outputs a run command writes (for cli.outputs' checks and locks)."""
    outputs = [Output("--out", Path(args.out), folder=True)] if args.out else []
    outputs += report_outputs(args.report, exports=not args.no_exports)
    return outputs + ([Output("--case", Path(args.case))] if args.case else [])


def photograph_files(args):
    """What a one-photograph command (classify, featuremap) reads and writes, for cli.outputs."""
    return inputs_of(**{"the photograph": args.image, "the weights file": args.weights}), output_files(args)


def run_task(task, args, images: dict[str, str], option_values: dict, target_keys: list[str] | None,
             model_key: str, weights: str | None = None, with_model=None):
    """Everything after argument parsing: (session, accepted result, timings in seconds).

    images: {role: photograph path}; option_values: the task's options as given; target_keys:
    what to explain (None: the task's defaults); with_model(session, model): called once the model
    is loaded, before any photograph is read (e.g. to refuse a calibration of another model)."""
    from ..core.device import model_device
    from ..core.environment import versions
    from ..core.images import load_image
    from ..session.model import Session
    from ..tasks import default_registry

    if not (args.out or args.report or args.case):
        usage_error("nothing to write: give --out, --report and/or --case")
    if args.sign_key and not args.case:
        usage_error("--sign-key signs the case file: give --case too")
    if args.sign_key:  # unlocked now: a wrong passphrase must not cost a run
        from .keys import signing_key

        args.signer = signing_key(args.sign_key)
    registry = default_registry()
    method = registry.method(args.method)
    why = method.applies_to(task)
    if why:
        usage_error(f"--method {args.method}: {why}; for {task.title}: {', '.join(registry.methods_for(task))}")
    params = method_params(args, method, task)
    caveat = task.preset_caveats.get(params.preset.split(" ")[0]) if method.key == "fame" else None
    if caveat:  # said even with --quiet: it bears on what the map can be used for
        print(f"note: {caveat}", file=sys.stderr)
    # the session records each step as it happens, so the audit log's times are true
    session = Session(task, model_key=model_key, weights=weights, device=args.device)
    session.record("session started", task=task.key, via="fame command line")
    session.set_case(**case_details(args, session.roles))
    limit = threshold(args)
    if limit is not None:
        session.set_threshold(limit)
    session.set_method(method.key)
    session.set_params(method.key, params)
    timings: dict[str, float] = {}
    t = time.perf_counter()
    model = task.load_model(model_key, weights, args.device)
    timings["model_load"] = time.perf_counter() - t
    if with_model is not None:
        with_model(session, model)
    session.set_map_settings(map_settings(args, task, model))
    options = task.resolve_options(option_values, model)
    session.set_options(options)
    t = time.perf_counter()
    for role, path in images.items():
        image = load_image(path)
        session.set_photo(role, image)
        session.set_input(task.prepare(model, role, image, options))
    analysis = task.analyse(model, session.inputs, options)
    session.set_analysis(analysis, session.input_records())
    targets = [task.target(analysis, k) for k in target_keys] if target_keys else analysis.defaults()
    timings["prepare_analyse"] = time.perf_counter() - t
    for note in task.input_notes(session.inputs):
        print(f"note: {note}", file=sys.stderr)
    request = session.request_run(method, model, targets)
    if not args.quiet:
        print(analysis.headline, file=sys.stderr)
    t = time.perf_counter()
    result = request.execute(on_progress=_progress_bar(args, request.total_steps, method.title))
    timings[method.key] = time.perf_counter() - t
    session.accept_result(result, versions(str(model_device(model))))
    return session, session.result(), timings


def _progress_bar(args, total: int, title: str):
    if args.quiet:
        return None
    from tqdm import tqdm

    bar = tqdm(total=total, desc=title, unit="it", file=sys.stderr, disable=None, dynamic_ncols=True)

    def progress(p):
        bar.update(p.iteration - bar.n)
        if p.iteration >= p.total:
            bar.close()

    return progress


def write_outputs(session, result, args, timings: dict) -> list[str]:
    """--out, --case, --report from the session, in that order; returns a line per output written."""
    lines = []
    display = {"colour_map": args.colour_map or "jet", "opacity": 0.5 if args.opacity is None else args.opacity}
    session.set_view(**display)
    if args.out:
        t = time.perf_counter()
        session.task.write_output(args.out, result, session.map_settings, timings, display, overwrite=args.overwrite)
        timings["write"] = time.perf_counter() - t
        lines.append(f"→ {args.out}")
    if args.case:  # before the report, so the report's audit log names the case file and its SHA-256
        from ..session.casefile import save_case

        info = save_case(session, args.case, overwrite=args.overwrite, signer=args.signer)
        lines.append(f"case file → {info.path} (SHA-256 {info.sha256})"
                     + (f", signed with key {info.signature.fingerprint[:16]}…" if info.signature else ""))
    if args.report:
        from ..report import write_report

        out = write_report(session, args.report, exports=not args.no_exports, overwrite=args.overwrite)
        lines.append(f"report {out.report_id} → {out.pdf}" + (f"; exports → {out.exports}" if out.exports else ""))
    return lines
