"""What a sub-command reads and writes, checked before any work, and its outputs locked while it runs.

A writing sub-command sets `io(args) -> (inputs, outputs)` as a parser default; `cli.main` runs
the command inside `guarded(args)`, which

- refuses an output that is an input (the same file: symlinks resolved, hard links by inode)
  or a folder holding one (an output folder is written, and replaced, as a whole), and two
  outputs that are one path or one inside the other;
- refuses inputs that are not regular files (a named pipe would hang, /dev/zero never ends);
- checks that every output can be written and that an existing one may be replaced
  (`--overwrite`), so nothing is computed for a path that will be refused; a resumable folder
  (`fame evaluate`) is written into file by file, and the command itself decides whether an
  existing one is resumed, replaced or refused;
- locks every output (core.file_lock) until the command ends: a second run into the same
  target fails at once instead of mixing its files with this one's.
"""

from __future__ import annotations

import os
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

from ..core.errors import ExportError, FameError
from ..core.file_lock import target_lock
from ..core.io_utils import check_folder_target, check_resumable_folder, check_target, is_inside, same_file
from ..core.regular_files import check_regular_file


@dataclass(frozen=True)
class Input:
    label: str  # as a message names it: "the gallery photograph"
    path: Path


@dataclass(frozen=True)
class Output:
    option: str  # as the user named it: "--out", or "the report's exports folder"
    path: Path
    folder: bool = False
    resumable: bool = False  # a folder written in place, row by row, and resumed by a rerun


def inputs_of(**labelled: str | None) -> list[Input]:
    """Input(label, path) for each path given; inputs_of(**{"the photograph": args.image})."""
    return [Input(label, Path(path)) for label, path in labelled.items() if path]


def report_outputs(pdf: str | None, exports: bool, option: str = "--report") -> list[Output]:
    """The report PDF and, unless `exports` is off, the <stem>-exports folder beside it."""
    if not pdf:
        return []
    from ..report.exports import exports_dir_for  # only when a report is asked for: it imports reportlab

    pdf_out = Output(option, Path(pdf))
    return [pdf_out, Output("the report's exports folder", exports_dir_for(pdf), folder=True)] if exports \
        else [pdf_out]


def check_io(inputs: list[Input], outputs: list[Output], overwrite: bool) -> None:
    """FameError with the reason for the first problem found (see the module docstring)."""
    for i, out in enumerate(outputs):
        for inp in inputs:
            if same_file(out.path, inp.path):
                raise ExportError(f"{out.option} {out.path}: is {inp.label}; an output never replaces an input")
            if out.folder and is_inside(inp.path, out.path):
                raise ExportError(f"{out.option} {out.path}: holds {inp.label} ({inp.path}); "
                                  "an output folder is written as a whole")
        for other in outputs[i + 1:]:
            if same_file(out.path, other.path):
                raise ExportError(f"{out.option} and {other.option} name the same path {out.path}")
            for inner, outer in ((out, other), (other, out)):
                if outer.folder and is_inside(inner.path, outer.path):
                    raise ExportError(f"{inner.option} {inner.path}: inside {outer.option} {outer.path}, "
                                      "which is written as a whole")
    for inp in inputs:
        check_regular_file(inp.path, FameError)
    for out in outputs:
        if out.resumable:
            check_resumable(out)
        else:
            (check_folder_target if out.folder else check_target)(out.path, overwrite)


def check_resumable(out: Output) -> None:
    """A resumable folder may exist, as a folder (core.io_utils.check_resumable_folder), but never be the
    current folder or one holding it."""
    p = check_resumable_folder(out.path)
    if p == p.parent or same_file(p, os.getcwd()) or is_inside(os.getcwd(), p):
        raise ExportError(f"{out.option} {out.path}: is or holds the current folder")


@contextmanager
def guarded(args):
    """Check the command's inputs and outputs, then hold the outputs' locks while it runs."""
    declare = getattr(args, "io", None)
    if declare is None:
        yield
        return
    inputs, outputs = declare(args)
    check_io(inputs, outputs, getattr(args, "overwrite", False))
    with ExitStack() as locks:
        for out in outputs:
            locks.enter_context(target_lock(out.path))
        yield


OUTPUTS_HELP = ("Outputs: an output that is an input (also through a link), two outputs that clash, and an "
                "existing output without --overwrite are refused before any work. Folders are assembled "
                "beside their target and renamed into place when complete; nothing is created when the "
                "command fails. A second run into a target being written fails at once. Exit codes: 0 done, "
                "2 bad input (one-line reason), 130 interrupted, 143 terminated; both remove temporary files.")


def add_overwrite_option(p) -> None:
    """--overwrite, and the rules above as the sub-command's help epilog."""
    p.add_argument("--overwrite", action="store_true",
                   help="replace outputs that exist already (without it an existing file, or a folder "
                        "with files in it, is refused before any work)")
    p.epilog = OUTPUTS_HELP
