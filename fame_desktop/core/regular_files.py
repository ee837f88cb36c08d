"""Reading user files safely: regular files only, of bounded size.

A named pipe blocks a reader forever and a device such as /dev/zero never ends. Photographs
are read with `read_regular_file` (images.load_image); the CLI checks every file it is given
with `check_regular_file` before it runs (cli.outputs).
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from .errors import FameError


def special_file_kind(mode: int) -> str | None:
    """What a file of this st_mode is when it is not a regular file ('a named pipe', ...); else None."""
    for test, kind in ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a named pipe"), (stat.S_ISCHR, "a device"),
                       (stat.S_ISBLK, "a device"), (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return kind
    return None if stat.S_ISREG(mode) else "a special file"


def _not_regular(p: Path, mode: int) -> str | None:
    kind = special_file_kind(mode)
    if kind is None:
        return None
    return f"{p}: is a folder, not a file" if kind == "a folder" else f"{p}: not a regular file ({kind})"


def _cannot_open(p: Path, e: OSError) -> str:
    reason = {errno.ENOENT: "file not found", errno.EACCES: "permission denied", errno.EPERM: "permission denied",
              errno.ELOOP: "a loop of symbolic links", errno.ENXIO: "not a regular file (a socket)",
              errno.ENOTDIR: "file not found"}.get(e.errno, f"cannot read the file ({e.strerror or e})")
    return f"{p}: {reason}"


def check_regular_file(path: str | Path, error: type[FameError] = FameError) -> None:
    """Raise `error` with the reason unless `path` is a regular file (symlinks followed); nothing is opened."""
    p = Path(path)
    try:
        mode = os.stat(p).st_mode
    except OSError as e:
        raise error(_cannot_open(p, e)) from None
    if problem := _not_regular(p, mode):
        raise error(problem)


def read_regular_file(path: str | Path, limit: int, error: type[FameError] = FameError) -> bytes:
    """All bytes of the regular file `path` (symlinks followed); `error` with the reason otherwise.

    The file is opened non-blocking (opening a named pipe would wait for a writer) and its type
    checked on the open descriptor, so a file swapped for a pipe after a check is still refused.
    """
    p = Path(path)
    try:
        fd = os.open(p, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    except OSError as e:
        raise error(_cannot_open(p, e)) from None
    try:
        st = os.fstat(fd)
        if problem := _not_regular(p, st.st_mode):
            raise error(problem)
        if st.st_size > limit:
            raise error(f"{p.name}: file is {st.st_size / 2**20:.0f} MB; the limit is {limit // 2**20} MB")
        with open(fd, "rb", closefd=False) as f:
            data = f.read(limit + 1)  # bounded even when the file grows meanwhile
    except OSError as e:
        raise error(f"{p}: cannot read the file ({e.strerror or e})") from None
    finally:
        os.close(fd)
    if len(data) > limit:
        raise error(f"{p.name}: file is larger than the limit of {limit // 2**20} MB")
    return data
