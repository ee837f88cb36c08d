"""`fame` command line: headless explanations, reports and batch jobs.

Each sub-command lives in its own module exposing `register(subparsers)`, which adds a
parser whose `func(args) -> int` runs it; one that writes files also sets `io(args)`, its
inputs and outputs, which are checked and locked before it runs (outputs.py). Exit codes:
0 success, 2 bad input (with a one-line reason on stderr), 130 interrupted (SIGINT), 143
terminated (SIGTERM); either signal first removes temporary files and locks.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from .. import __version__
from ..core.errors import FameError, TargetExistsError
from .interrupts import Terminated, signals_as_exceptions
from .outputs import guarded

SUBCOMMANDS = ("explain", "classify", "featuremap", "run", "evaluate", "evaluate_classification", "report", "calibrate",
               "verify", "sign", "keygen", "plugins")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="fame", description="FAME explanations: face comparison and task plugins.")
    parser.add_argument("--version", action="version", version=f"fame-desktop {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in SUBCOMMANDS:
        importlib.import_module(f".{name}", __name__).register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        with signals_as_exceptions(), guarded(args):
            return int(args.func(args) or 0)
    except TargetExistsError as e:
        print(f"fame: error: {e}; --overwrite replaces it", file=sys.stderr)
        return 2
    except FameError as e:
        print(f"fame: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("fame: interrupted", file=sys.stderr)
        return 130
    except Terminated:
        print("fame: terminated", file=sys.stderr)
        return 143


if __name__ == "__main__":
    sys.exit(main())
