"""Atomic file writes: a temporary file beside the target, then a rename.

A crash, a full disk or an unwritable folder never leaves a half-written file under
the target's name; errors become ExportError with the reason.
"""

from __future__ import annotations

import errno
import io
import json
import os
import tempfile
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from .errors import ExportError


def _current_umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


_UMASK = _current_umask()


def describe_os_error(path: Path, e: OSError) -> str:
    if e.errno == errno.ENOSPC:
        return f"{path}: the disk is full"
    if e.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return f"{path}: not allowed to write here"
    return f"{path}: cannot write ({e.strerror or e})"


def ensure_dir(path: str | Path) -> Path:
    p = Path(path)
    try:
        p.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise ExportError(describe_os_error(p, e)) from None
    if not os.access(p, os.W_OK):
        raise ExportError(f"{p}: not allowed to write here")
    return p


def target_exists(path: str | Path) -> bool:
    """Whether writing `path` would replace something (the GUI asks before it does)."""
    return Path(path).exists()


def check_target(path: str | Path, overwrite: bool = True) -> Path:
    """Raise ExportError unless a file can be written at `path` (its folder must exist)."""
    p = Path(path)
    if p.is_dir():
        raise ExportError(f"{p}: is a folder; give a file name")
    if p.exists() and not overwrite:
        raise ExportError(f"{p}: already exists (not replaced)")
    parent = p.parent if str(p.parent) else Path(".")
    if not parent.is_dir():
        raise ExportError(f"{parent}: folder does not exist")
    if not os.access(parent, os.W_OK):
        raise ExportError(f"{p}: not allowed to write here")
    return p


@contextmanager
def atomic_writer(path: str | Path, overwrite: bool = True):
    """Yield a binary file; on success it replaces `path`, on any error it vanishes.

    The temporary file sits beside the target (same file system, so the rename is
    atomic) and is fsync'ed before the rename. OSError becomes ExportError.
    """
    p = check_target(path, overwrite)
    tmp = None
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{p.name}.", suffix=".part", dir=p.parent)
        # mkstemp makes the file private (0600); give it the mode a plain open() would have,
        # or keep the mode of the file it replaces
        os.chmod(tmp, p.stat().st_mode & 0o7777 if p.exists() else 0o666 & ~_UMASK)
        with os.fdopen(fd, "wb") as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, p)
        tmp = None
    except OSError as e:
        raise ExportError(describe_os_error(p, e)) from None
    finally:
        if tmp is not None and os.path.exists(tmp):
            os.unlink(tmp)


def atomic_write_bytes(path: str | Path, data: bytes, overwrite: bool = True) -> Path:
    """Write `data` to `path` atomically; the folder must exist."""
    with atomic_writer(path, overwrite) as f:
        f.write(data)
    return Path(path)


def atomic_write_json(path: str | Path, obj) -> Path:
    text = json.dumps(obj, indent=2, ensure_ascii=False, allow_nan=False, default=json_default)
    return atomic_write_bytes(path, (text + "\n").encode("utf-8"))


def npy_bytes(array: np.ndarray) -> bytes:
    """The .npy file content of an array (no pickles)."""
    buf = io.BytesIO()
    np.save(buf, np.asarray(array), allow_pickle=False)
    return buf.getvalue()


def atomic_write_npy(path: str | Path, array: np.ndarray) -> Path:
    return atomic_write_bytes(path, npy_bytes(array))


def json_default(o):
    """json.dumps `default` for numpy scalars and arrays and paths."""
    if isinstance(o, np.generic):
        return o.item()
    if isinstance(o, np.ndarray):
        return o.tolist()
    if isinstance(o, Path):
        return str(o)
    raise TypeError(f"not JSON serialisable: {type(o).__name__}")
