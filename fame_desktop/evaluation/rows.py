"""Rows as JSON lines: one line per pair, appended as each pair ends, read back from every file.

    scores.jsonl           clean scores (only when a method needs each set's EER threshold first)
    pairs.jsonl            this machine's rows
    pairs-<name>.jsonl     shards written by other workers or engines, same format (the Ray engine:
                           one per worker, named after the row's "worker", host:pid)

(`fame evaluate-classification` keeps rows.jsonl and rows-<worker>.jsonl the same way: folder.py.)

A line is written whole, flushed and fsync'ed, so a killed run loses at most the pair it was
on; a torn last line is cut off before the next append. A later row of a pair replaces an
earlier one (a retried failure). Rows of another configuration are refused, not mixed in.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

from ..core.errors import ExportError, FameError
from ..core.io_utils import describe_os_error, json_default

SCORES = "scores.jsonl"
ROWS = "pairs.jsonl"
SHARD_PATTERN = "pairs-*.jsonl"


class RowFileError(FameError):
    """A rows file that cannot be read (a line that is not JSON, rows of another configuration)."""


def _cut_torn_tail(path: Path) -> None:
    """Drop a last line without its newline (a run killed while writing it)."""
    if not path.is_file() or path.stat().st_size == 0:
        return
    with open(path, "rb+") as f:
        f.seek(-1, os.SEEK_END)
        if f.read(1) == b"\n":
            return
        f.seek(0)
        data = f.read()
        f.truncate(data.rfind(b"\n") + 1)


class RowWriter:
    """Append rows to one JSON-lines file (context manager)."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        try:
            _cut_torn_tail(self.path)
            self._f = open(self.path, "a", encoding="utf-8")
        except OSError as e:
            raise ExportError(describe_os_error(self.path, e)) from None

    def write(self, row: dict) -> None:
        line = json.dumps(row, ensure_ascii=False, allow_nan=False, default=json_default)
        try:
            self._f.write(line + "\n")
            self._f.flush()
            os.fsync(self._f.fileno())
        except OSError as e:
            raise ExportError(describe_os_error(self.path, e)) from None

    def close(self) -> None:
        self._f.close()

    def __enter__(self) -> "RowWriter":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class ShardWriters:
    """Append each row to its worker's shard, `pattern` with the worker's name for * (pairs-<worker>.jsonl),
    opened when the worker's first row comes."""

    def __init__(self, folder: str | Path, pattern: str = SHARD_PATTERN):
        self.folder, self.pattern, self._writers = Path(folder), pattern, {}

    def write(self, row: dict) -> None:
        name = re.sub(r"[^A-Za-z0-9._-]+", "-", str(row.get("worker") or "unknown"))
        if name not in self._writers:
            self._writers[name] = RowWriter(self.folder / self.pattern.replace("*", name))
        self._writers[name].write(row)

    def close(self) -> None:
        for w in self._writers.values():
            w.close()

    def __enter__(self) -> "ShardWriters":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def read_row_file(path: str | Path) -> list[dict]:
    """The rows of one file; a torn last line is ignored, a bad line elsewhere is a RowFileError."""
    p = Path(path)
    if not p.is_file():
        return []
    lines = p.read_text(encoding="utf-8", errors="replace").split("\n")
    rows = []
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            rows.append(json.loads(line))
        except json.JSONDecodeError:
            if n == len(lines):  # no newline after it: a run was killed while writing this line
                continue
            raise RowFileError(f"{p.name} line {n}: not a JSON row (was the file edited?)") from None
    return rows


def row_files(folder: str | Path, main: str = ROWS, pattern: str = SHARD_PATTERN) -> list[Path]:
    """pairs.jsonl (`main`) and its shards, in a stable order (the main file first)."""
    f = Path(folder)
    return [p for p in [f / main, *sorted(f.glob(pattern))] if p.is_file()]


def latest_rows(paths: list[Path], config_id: str) -> dict[str, dict]:
    """pair id → its last row over `paths`; a row of another configuration is a RowFileError."""
    out: dict[str, dict] = {}
    for p in paths:
        for row in read_row_file(p):
            if row.get("config") != config_id:
                raise RowFileError(f"{p.name}: holds rows of another configuration ({row.get('config')}, this "
                                   f"evaluation is {config_id}); move it out of the folder")
            out[row["pair_id"]] = row
    return out
