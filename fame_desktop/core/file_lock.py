"""One writer per output: a lock file beside the target, held with flock while it is written.

    with target_lock("out/run1"):        # .run1.lock in out/, removed again on release
        ...                              # another process (or thread) locking run1 fails at once

The kernel releases a flock when its process dies, however it dies, so a lock file left by a
killed run is simply taken over; no process IDs have to be trusted. The lock is re-entrant
within a thread: the CLI locks every target of a command before any work, and the writers it
then calls (report exports, output folders) take the same lock again without blocking.
"""

from __future__ import annotations

import fcntl
import os
import threading
from contextlib import contextmanager
from pathlib import Path

from .errors import ExportError

_held: dict[str, list] = {}  # lock path → [thread ident, depth]
_held_guard = threading.Lock()


def lock_path(target: str | Path) -> Path:
    """The lock file of `target`: a hidden file beside it."""
    p = Path(target)
    return p.parent / f".{p.name}.lock"


def _key(lock: Path) -> str:
    return os.path.join(os.path.realpath(lock.parent), lock.name)


@contextmanager
def target_lock(target: str | Path):
    """Hold the lock of `target` for the block; ExportError at once if another holder has it."""
    lock = lock_path(target)
    key, me = _key(lock), threading.get_ident()
    with _held_guard:
        held = _held.get(key)
        if held is not None and held[0] != me:
            raise ExportError(f"{target}: another task of this program is writing it")
        if held is not None:
            held[1] += 1
    if held is not None:
        try:
            yield
        finally:
            with _held_guard:
                held[1] -= 1
        return
    fd = _acquire(lock, Path(target))
    with _held_guard:
        _held[key] = [me, 1]
    try:
        yield
    finally:
        with _held_guard:
            del _held[key]
        try:
            os.unlink(lock)  # before the flock is released, so a waiting opener sees the file is gone
        except FileNotFoundError:
            pass
        os.close(fd)


def _acquire(lock: Path, target: Path) -> int:
    """An open descriptor of `lock` holding its flock; retried while a releasing holder unlinks it."""
    for _ in range(10):
        try:
            fd = os.open(lock, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        except OSError as e:
            from .io_utils import describe_os_error

            raise ExportError(describe_os_error(target, e)) from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 64).decode("ascii", "replace").strip()
            os.close(fd)
            pid = f" (PID {holder})" if holder.isdigit() else ""
            raise ExportError(f"{target}: another fame process{pid} is writing it; "
                              "try again once it has finished") from None
        # the previous holder may have unlinked the file between our open and our flock
        try:
            same = os.path.samestat(os.fstat(fd), os.stat(lock))
        except FileNotFoundError:
            same = False
        if same:
            os.ftruncate(fd, 0)
            os.write(fd, f"{os.getpid()}\n".encode())
            return fd
        os.close(fd)
    raise ExportError(f"{target}: cannot lock it (its lock file {lock.name} keeps changing)")
