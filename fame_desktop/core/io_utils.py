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
from pathlib import Path

import numpy as np

from .errors import ExportError


def _describe_os_error(path: Path, e: OSError) -> str:
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
        raise ExportError(_describe_os_error(p, e)) from None
    if not os.access(p, os.W_OK):
        raise ExportError(f"{p}: not allowed to write here")
    return p


def atomic_write_bytes(path: str | Path, data: bytes) -> Path:
    """Write `data` to `path` atomically; the folder must exist."""
    p = Path(path)
    tmp = None
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{p.name}.", suffix=".part", dir=p.parent)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, p)
        tmp = None
    except OSError as e:
        raise ExportError(_describe_os_error(p, e)) from None
    finally:
        if tmp is not None and os.path.exists(tmp):
            os.unlink(tmp)
    return p


def atomic_write_json(path: str | Path, obj) -> Path:
    text = json.dumps(obj, indent=2, ensure_ascii=False, allow_nan=False, default=_json_default)
    return atomic_write_bytes(path, (text + "\n").encode("utf-8"))


def atomic_write_npy(path: str | Path, array: np.ndarray) -> Path:
    buf = io.BytesIO()
    np.save(buf, np.asarray(array), allow_pickle=False)
    return atomic_write_bytes(path, buf.getvalue())


def _json_default(o):
    if isinstance(o, np.generic):
        return o.item()
    if isinstance(o, np.ndarray):
        return o.tolist()
    if isinstance(o, Path):
        return str(o)
    raise TypeError(f"not JSON serialisable: {type(o).__name__}")
