"""A results folder that grows one row at a time and is resumed by a rerun of the same configuration.

    DIR/config.json          what the rows were computed with (written once, when the folder starts)
    DIR/rows.jsonl           one JSON object per line, appended and fsync'ed as each row finishes
    DIR/rows-<worker>.jsonl  the same, one shard per Ray worker (--engine ray; rows.py)

A rerun with the same configuration skips the rows that are done; with another configuration it
is refused, naming every value that differs (--overwrite starts the folder again). A folder with
other files and no config.json is not taken over. A line cut short by a crash is dropped when the
folder is read again (rows.py). Summaries (tables, figures) are written beside the rows, atomically.
"""

from __future__ import annotations

import json
from pathlib import Path

from ..core.errors import ExportError, FameError
from ..core.io_utils import atomic_write_json, describe_os_error, ensure_dir, json_default
from .rows import RowWriter, ShardWriters, read_row_file, row_files

CONFIG = "config.json"
ROWS = "rows.jsonl"
SHARDS = "rows-*.jsonl"


class ConfigurationChanged(FameError):
    """A rerun into a folder whose rows were computed with other settings."""


def flatten(d: dict, prefix: str = "") -> dict:
    """{"a": {"b": 1}} → {"a.b": 1} (lists stay values)."""
    out = {}
    for k, v in d.items():
        key = f"{prefix}{k}"
        if isinstance(v, dict):
            out.update(flatten(v, f"{key}."))
        else:
            out[key] = v
    return out


def differences(old: dict, new: dict) -> list[str]:
    """'name: old → new' for every value that differs between two configurations."""
    a, b = flatten(old), flatten(new)
    return [f"{k}: {json.dumps(a.get(k, '(none)'), ensure_ascii=False)} → {json.dumps(b.get(k, '(none)'), ensure_ascii=False)}"
            for k in sorted(set(a) | set(b)) if a.get(k, "(none)") != b.get(k, "(none)")]


class EvaluationFolder:
    """Open (create or resume) `path` for `config`; `owned_files`: what --overwrite may remove."""

    def __init__(self, path: str | Path, config: dict, command: str, overwrite: bool = False,
                 owned_files: tuple[str, ...] = ()):
        self.path = Path(path)
        self.config = json.loads(json.dumps(config, default=json_default))  # as it reads back
        self.resumed = False
        config_file = self.path / CONFIG
        if config_file.is_file():
            try:
                old = json.loads(config_file.read_text(encoding="utf-8"))
            except (OSError, ValueError) as e:
                raise ExportError(f"{config_file}: cannot be read ({e})") from None
            changed = differences(old, self.config)
            if changed and not overwrite:
                raise ConfigurationChanged(
                    f"{self.path} holds rows computed with another configuration ({'; '.join(changed)}); "
                    "use another --out, or --overwrite to start again")
            if changed:
                for p in (self.path / CONFIG, *self.files(), *(self.path / name for name in owned_files)):
                    self._remove(p)
            else:
                self.resumed = True
        elif self.path.is_dir() and any(self.path.iterdir()):
            raise ExportError(f"{self.path}: has files but no {CONFIG}; it is not a folder of `{command}` "
                              "(give an empty or new folder)")
        ensure_dir(self.path)
        if not self.resumed:
            atomic_write_json(config_file, self.config)

    @staticmethod
    def _remove(p: Path) -> None:
        try:
            p.unlink(missing_ok=True)
        except OSError as e:
            raise ExportError(describe_os_error(p, e)) from None

    def files(self) -> list[Path]:
        """rows.jsonl and the workers' shards, the main file first."""
        return row_files(self.path, ROWS, SHARDS)

    def rows(self) -> list[dict]:
        """Every complete row, file by file (a last line cut short by a crash is left out)."""
        return [row for p in self.files() for row in read_row_file(p)]

    def writer(self, sharded: bool):
        """Where new rows go: rows.jsonl, or (sharded) each worker's rows-<worker>.jsonl."""
        return ShardWriters(self.path, SHARDS) if sharded else RowWriter(self.path / ROWS)
