"""Inputs named by a path or by a URL (`file://…`, `s3://…`: any protocol fsspec has installed).

Batch jobs on a cluster read their pair lists, image folders and photographs where every node
sees them: a shared folder, or an object store by URL. A path is read as before (regular files
only, bounded: regular_files); a URL is read with fsspec, imported only when a URL is given.

    is_url("s3://bucket/a.jpg")            → True ("C:\\photos" and "photos/a.jpg" are paths)
    location("file:///data/a.jpg")         → the URL as a str; a path → Path
    read_location(loc, limit, error)       → bytes, or `error` with a one-line reason
    join_location(base, "a.jpg")           → base folder + name (a URL stays a URL)
    list_location(folder)                  → the files of a folder (names sorted)
    open_location(loc)                     → a binary file object (streamed hashing)
"""

from __future__ import annotations

import posixpath
import re
from pathlib import Path

from .errors import FameError
from .regular_files import read_regular_file

_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]+://")  # two letters at least: "C:\…" is a Windows path


class LocationError(FameError):
    """A URL that cannot be read: no fsspec, a protocol fsspec does not know, a missing or unreadable file."""


def is_url(text: str | Path) -> bool:
    return isinstance(text, str) and bool(_URL.match(text))


def location(text: str) -> str | Path:
    """A URL stays text (Path would fold its '//'); anything else is a Path."""
    return text if is_url(text) else Path(text)


def name_of(loc: str | Path) -> str:
    """The file name at the end of a path or URL."""
    return posixpath.basename(loc.rstrip("/")) if is_url(loc) else Path(loc).name


def join_location(base: str | Path, name: str) -> str | Path:
    """`name` (a URL, an absolute path, or relative to the folder `base`) as a location."""
    if is_url(name):
        return name
    q = Path(name)
    if q.is_absolute():
        return q
    return base.rstrip("/") + "/" + name.replace("\\", "/") if is_url(base) else Path(base) / q


def parent_location(loc: str | Path) -> str | Path:
    return loc.rstrip("/").rsplit("/", 1)[0] if is_url(loc) else Path(loc).parent


def _filesystem(url: str):
    try:
        import fsspec
    except ImportError:
        raise LocationError(f"{url}: reading URLs needs fsspec (pip install fsspec, or 'fame-desktop[ray]')") \
            from None
    protocol = url.split("://", 1)[0].lower()
    try:
        fs, path = fsspec.core.url_to_fs(url)
    except (ImportError, ValueError) as e:  # an unknown protocol, or one whose package is not installed
        reason = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise LocationError(f"{url}: cannot read {protocol}:// URLs ({reason})") from None
    return fs, path


def _reason(e: Exception) -> str:
    if isinstance(e, FileNotFoundError):
        return "not found"
    if isinstance(e, IsADirectoryError):
        return "is a folder, not a file"
    if isinstance(e, PermissionError):
        return "permission denied"
    first = (str(e).strip().splitlines() or [""])[0]
    return f"cannot be read ({type(e).__name__}{': ' + first if first else ''})"


def read_location(loc: str | Path, limit: int, error: type[FameError] = FameError) -> bytes:
    """All bytes of the file at `loc`, at most `limit` of them; `error` with the reason otherwise."""
    if not is_url(loc):
        return read_regular_file(loc, limit, error)
    fs, path = _filesystem(loc)
    try:
        if fs.isdir(path):
            raise error(f"{loc}: is a folder, not a file")
        with fs.open(path, "rb") as f:
            data = f.read(limit + 1)  # bounded even when the size is not known beforehand
    except FameError:
        raise
    except Exception as e:  # fsspec back-ends raise their own errors (OSError, botocore's, aiohttp's…)
        raise error(f"{loc}: {_reason(e)}") from None
    if len(data) > limit:
        raise error(f"{name_of(loc)}: file is larger than the limit of {limit // 2**20} MB")
    return data


def open_location(loc: str | Path):
    """A binary file object to read (a context manager); OSError or LocationError when it cannot be opened."""
    if not is_url(loc):
        return open(loc, "rb")
    fs, path = _filesystem(loc)
    return fs.open(path, "rb")


def exists_location(loc: str | Path) -> bool:
    return Path(loc).exists() if not is_url(loc) else _ask(loc, "exists")


def is_folder(loc: str | Path) -> bool:
    return Path(loc).is_dir() if not is_url(loc) else _ask(loc, "isdir")


def _ask(url: str, question: str) -> bool:
    """fs.exists / fs.isdir of a URL; an unreachable store is not "missing": LocationError says why."""
    fs, path = _filesystem(url)
    try:
        return bool(getattr(fs, question)(path))
    except Exception as e:  # fsspec back-ends raise their own errors
        raise LocationError(f"{url}: {_reason(e)}") from None


def list_location(folder: str | Path) -> list[str | Path]:
    """The files directly in `folder` (not its sub-folders), sorted by name."""
    if not is_url(folder):
        return sorted((p for p in Path(folder).iterdir() if p.is_file()), key=lambda p: p.name)
    fs, path = _filesystem(folder)
    try:
        entries = fs.ls(path, detail=True)
    except Exception as e:
        raise LocationError(f"{folder}: {_reason(e)}") from None
    names = sorted(posixpath.basename(e["name"].rstrip("/")) for e in entries if e.get("type") == "file")
    return [join_location(folder, n) for n in names]
