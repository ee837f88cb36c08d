"""`fame run TASK INPUT… [--method M] --out DIR`: any installed task, a third-party plugin's too, headless.

INPUTs are photographs in the order of the task's inputs (`fame plugins` lists them);
`--option KEY=VALUE` sets a task option, `--target KEY` chooses what to explain (default:
the task's defaults). The friendly forms `fame explain`, `classify` and `featuremap` run the
built-in tasks through the same path.
"""

from __future__ import annotations

from pathlib import Path

from ..core.errors import FameError
from .options import usage_error
from .outputs import Input
from .runs import add_run_options, output_files, run_task, write_outputs


def register(sub) -> None:
    p = sub.add_parser("run", help="run any installed task (plugins included) on its inputs",
                       description="Run a task of the plugin registry headless: load its model, prepare the "
                                   "inputs, explain the targets with a method, write the outputs.")
    p.add_argument("task", help="task key (see `fame plugins`)")
    p.add_argument("inputs", nargs="+", metavar="INPUT", help="photographs, in the order of the task's inputs")
    p.add_argument("--model", default="", help="model key (default: the task's default model)")
    p.add_argument("--weights", help="weights / checkpoint file for the model (loaded weights-only)")
    p.add_argument("--option", action="append", default=[], metavar="KEY=VALUE", help="a task option (repeat)")
    p.add_argument("--target", dest="targets", action="append", metavar="KEY",
                   help="what to explain (repeat); default: the task's defaults")
    add_run_options(p)
    p.set_defaults(func=run, io=files)


def files(args):
    inputs = [Input(f"input {i + 1}", Path(path)) for i, path in enumerate(args.inputs)]
    return inputs + ([Input("the weights file", Path(args.weights))] if args.weights else []), output_files(args)


def run(args) -> int:
    from ..tasks import default_registry

    task = default_registry().get(args.task)
    roles = [s.role for s in task.inputs]
    if len(args.inputs) != len(roles):
        raise FameError(f"{task.title} takes {len(roles)} input(s) ({', '.join(roles)}), got {len(args.inputs)}")
    options = {}
    for item in args.option:
        key, sep, value = item.partition("=")
        if not sep:
            usage_error(f"--option {item!r}: give KEY=VALUE")
        options[key.strip()] = value
    session, result, timings = run_task(task, args, dict(zip(roles, args.inputs)), options, args.targets,
                                        args.model or task.default_model, args.weights)
    lines = write_outputs(session, result, args, timings)
    stops = ", ".join(f"{k} {v['iterations']} ({v['stop_reason']})" for k, v in result.per_target().items())
    print(f"{result.analysis.headline}; {result.method.title}: {stops}; {timings[result.method.key]:.1f} s")
    for line in lines:
        print(line)
    return 0
