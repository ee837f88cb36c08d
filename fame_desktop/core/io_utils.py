"""Atomic writes of files and folders: a temporary name beside the target, then a rename.

    atomic_writer(path)        a file: written under a temporary name beside it, then renamed
    assembled_folder(path)     a folder: filled under a temporary name beside it, then renamed,
                               under the target's lock (file_lock); an old one with files is
                               replaced only with `overwrite`, and put back if the swap fails

A crash, a full disk, an unwritable folder or an interrupt never leaves a half-written file or
folder under the target's name, nor temporary files; errors become ExportError with the reason.
"""

from __future__ import annotations

import errno
import io
import json
import os
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from .errors import ExportError, TargetExistsError
from .file_lock import target_lock
from .regular_files import special_file_kind


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
    """Whether writing `path` would replace something: a file, or a folder that is not empty
    (the GUI asks before it does; the CLI needs --overwrite)."""
    p = Path(path)
    if not os.path.lexists(p):
        return False
    if p.is_dir():
        with os.scandir(p) as entries:
            return next(entries, None) is not None
    return True


def _check_parent(p: Path) -> Path:
    parent = p.parent if str(p.parent) else Path(".")
    if not parent.is_dir():
        raise ExportError(f"{parent}: {'is not a folder' if parent.exists() else 'folder does not exist'}")
    if not os.access(parent, os.W_OK):
        raise ExportError(f"{p}: not allowed to write here")
    return parent


def check_target(path: str | Path, overwrite: bool = True) -> Path:
    """Raise ExportError unless a file can be written at `path` (its folder must exist).

    An existing file is replaced only with `overwrite`; a folder, named pipe or device never.
    """
    p = Path(path)
    if os.path.lexists(p):
        kind = special_file_kind(os.stat(p).st_mode) if p.exists() else None
        if kind == "a folder":
            raise ExportError(f"{p}: is a folder; give a file name")
        if kind is not None:
            raise ExportError(f"{p}: is {kind}, not a regular file (not replaced)")
        if not overwrite:
            raise TargetExistsError(f"{p}: already exists (not replaced)")
    _check_parent(p)
    return p


def check_folder_target(path: str | Path, overwrite: bool = False) -> Path:
    """Raise ExportError unless `assembled_folder(path, overwrite)` can work (its parent must exist);
    return the target as an absolute path ("." has no name to put a temporary folder beside)."""
    p = Path(os.path.abspath(path))
    if p == p.parent or same_file(p, os.getcwd()) or is_inside(os.getcwd(), p):
        raise ExportError(f"{path}: is or holds the current folder; an output folder is written as a whole")
    if os.path.lexists(p) and not p.is_dir():
        raise ExportError(f"{p}: exists and is not a folder")
    if target_exists(p) and not overwrite:
        raise TargetExistsError(f"{p}: already exists (not replaced)")
    _check_parent(p)
    return p


def check_resumable_folder(path: str | Path) -> Path:
    """Raise ExportError unless `path` can be written into file by file (a command that resumes,
    e.g. `fame evaluate`): an existing folder, or a new name in an existing folder."""
    p = Path(os.path.abspath(path))
    if os.path.lexists(p) and not p.is_dir():
        raise ExportError(f"{p}: exists and is not a folder")
    if p.is_dir() and not os.access(p, os.W_OK):
        raise ExportError(f"{p}: not allowed to write here")
    _check_parent(p)
    return p


@contextmanager
def assembled_folder(path: str | Path, overwrite: bool = False):
    """Yield an empty temporary folder beside `path`; when the block ends without error it becomes
    `path` (an empty folder there is replaced, one with files only with `overwrite`).

    Held under `path`'s lock. The temporary folder vanishes on any error or interrupt; the
    previous folder is moved aside only for the swap and put back if the swap fails. OSError
    becomes ExportError.
    """
    target = check_folder_target(path, overwrite)
    with target_lock(target):
        tmp = old = None
        try:
            tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent))
            os.chmod(tmp, 0o777 & ~_UMASK)  # mkdtemp makes it private; a plain mkdir would not
            yield tmp
            check_folder_target(target, overwrite)  # the lock keeps fame out, not other programs
            if os.path.lexists(target):
                old = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".old", dir=target.parent))
                os.replace(target, old / target.name)
            os.replace(tmp, target)
            tmp = None
        except OSError as e:
            raise ExportError(describe_os_error(target, e)) from None
        except ExportError as e:  # a file inside failed: name it by where it was going to be
            if tmp is None or str(tmp) not in str(e):
                raise
            raise type(e)(str(e).replace(str(tmp), str(target))) from None
        finally:
            if tmp is not None:
                shutil.rmtree(tmp, ignore_errors=True)
                if old is not None and os.path.lexists(old / target.name) and not os.path.lexists(target):
                    os.replace(old / target.name, target)  # put the previous folder back
            if old is not None:
                shutil.rmtree(old, ignore_errors=True)


def _resolved(path: str | Path) -> Path:
    try:
        return Path(path).resolve()
    except (OSError, RuntimeError):  # a symlink loop (RuntimeError before Python 3.13)
        return Path(os.path.abspath(path))


def same_file(a: str | Path, b: str | Path) -> bool:
    """Whether two paths name one file: equal once symlinks are resolved, or the same inode (hard links)."""
    if _resolved(a) == _resolved(b):
        return True
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def is_inside(path: str | Path, folder: str | Path) -> bool:
    """Whether `path` lies somewhere below `folder` (symlinks resolved)."""
    p, f = _resolved(path), _resolved(folder)
    return p != f and p.is_relative_to(f)


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


def canonical_json(obj) -> bytes:
    """The one byte form of a JSON value that digests are taken of: keys sorted, no spaces, UTF-8, no NaN."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode("utf-8")
