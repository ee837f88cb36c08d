"""The resumable evaluation loop `fame evaluate` drives.

    state = check_folder(out, config, overwrite)       # before the model loads: resume, new, or refused
    summary, config = run_evaluation(pairs, config, state, models, progress=...)

1. When a method needs the decision threshold in force (FGGB) and none was given, every pair's
   clean score comes first (scores.jsonl) and each set's EER threshold becomes part of the
   configuration.
2. Each pair not done yet is evaluated (`evaluate_pair`) and its row appended to pairs.jsonl at
   once; a pair that failed stays failed on a rerun unless `retry_failed`. With an `engine`
   (ray_engine.RayEngine) the pairs are evaluated elsewhere and each row lands in its worker's
   shard, pairs-<worker>.jsonl, as it comes back (scores still go to scores.jsonl).
3. The summary files are written from all rows (outputs.py).

A rerun into the same folder skips the pairs it holds rows for; a different configuration
is refused with the list of differences (evaluation.json keeps the configuration). The folder
is never replaced as a whole: with `overwrite` the files of an earlier evaluation in it are
removed when the new one starts; a folder holding anything else is refused.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from pathlib import Path

from ..core.errors import FameError
from ..core.io_utils import atomic_write_json, ensure_dir
from ..core.pair_lists import Pair
from ..metrics.set_accuracy import NotEnoughPairs, eer_threshold
from .config import FORMAT, EvaluationConfig, difference, set_name
from .outputs import OUTPUT_FILES, write_outputs
from .pair import EvaluationModels, evaluate_pair, score_pair
from .progress import Progress
from .rows import ROWS, SCORES, RowWriter, ShardWriters, latest_rows, row_files
from .summary import EvaluationSummary, summarise

CONFIG_FILE = "evaluation.json"


class ConfigurationChanged(FameError):
    """The output folder holds an evaluation made with other settings."""


@dataclass(frozen=True)
class FolderState:
    """The output folder: `stored` is the configuration of the evaluation in it (None: none to resume);
    `discard`: an earlier evaluation's files are removed when the run starts (--overwrite)."""

    out: Path
    stored: dict | None
    discard: bool = False


def _ours(out: Path) -> list[Path]:
    names = {CONFIG_FILE, SCORES, ROWS, *OUTPUT_FILES}
    return [p for p in out.iterdir() if p.name in names or p in row_files(out)]


def check_folder(out: str | Path, config: EvaluationConfig, overwrite: bool = False) -> FolderState:
    """Decide what happens to `out` (nothing is written yet); FameError when it cannot be used."""
    out = Path(out)
    if not out.exists():
        return FolderState(out, None)
    stored = _stored(out)
    if stored is None:
        if any(out.iterdir()):
            raise FameError(f"{out}: holds files but no evaluation ({CONFIG_FILE}); give a new or empty folder")
        return FolderState(out, None)
    if overwrite:
        return FolderState(out, None, discard=True)
    changes = _changes(stored, config.describe())
    if changes:
        raise ConfigurationChanged(
            f"{out}: holds an evaluation with another configuration — "
            + "; ".join(changes[:12]) + (f"; and {len(changes) - 12} more" if len(changes) > 12 else "")
            + ". Use another --out, or --overwrite to discard its results")
    return FolderState(out, stored)


def _stored(out: Path) -> dict | None:
    p = out / CONFIG_FILE
    if not p.is_file():
        return None
    try:
        doc = json.loads(p.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as e:
        raise FameError(f"{p}: cannot be read ({e})") from None
    if doc.get("format") != FORMAT:
        raise FameError(f"{p}: not a fame evaluate configuration")
    return doc


def _changes(stored: dict, new: dict) -> list[str]:
    """Differences that matter now: the sets' thresholds only once both sides know them."""
    if stored.get("thresholds") is None or new.get("thresholds") is None:
        stored, new = {**stored, "thresholds": None}, {**new, "thresholds": None}
    return difference(stored, new)


def run_evaluation(pairs: list[Pair], config: EvaluationConfig, state: FolderState, models: EvaluationModels,
                   retry_failed: bool = False, progress: Progress | None = None,
                   device: str = "-", engine=None) -> tuple[EvaluationSummary, EvaluationConfig]:
    """Evaluate every pair not done yet, then write the summary; returns it and the final configuration.

    engine: None evaluates here with `models`; an engine with `rows(phase, pairs, config)` evaluates
    elsewhere, and `models` then only needs `.methods` (titles, which method needs a threshold)."""
    progress = progress or Progress()
    out = state.out
    if state.discard:
        for p in _ours(out):
            p.unlink()
    ensure_dir(out)
    atomic_write_json(out / CONFIG_FILE, config.describe() if state.stored is None else
                      {**config.describe(), "thresholds": state.stored.get("thresholds")})
    failures: list[dict] = []
    scores: dict[str, float] = {}
    needs_threshold = config.fixed_threshold is None and any(
        getattr(m, "needs_threshold", False) for m in models.methods.values())
    if needs_threshold:
        scored = _run_phase("scoring", pairs, config, out / SCORES, lambda p: score_pair(p, config, models),
                            retry_failed, progress, engine=engine)
        scores = {k: r["similarity"] for k, r in scored.items() if r["status"] == "ok"}
        failures += [{"pair_id": k, "stage": "scoring", "error": r["error"]} for k, r in scored.items()
                     if r["status"] != "ok"]
        config = replace(config, thresholds=_set_thresholds(pairs, scores))
        changes = _changes(_stored(out), config.describe())
        if changes:
            raise ConfigurationChanged(f"{out}: the sets' thresholds differ from the stored ones — {'; '.join(changes)}")
        atomic_write_json(out / CONFIG_FILE, config.describe())
    todo = [p for p in pairs if not needs_threshold or p.pair_id in scores]

    def evaluate(p: Pair) -> dict:
        return evaluate_pair(p, config, models, lambda key, ev: progress.method(p.pair_id, key, ev))

    rows = _run_phase("evaluation", todo, config, out / ROWS, evaluate, retry_failed, progress, shards=True,
                      engine=engine)
    failures += [{"pair_id": k, "stage": "evaluation", "error": r["error"],
                  "methods": {m: v["error"] for m, v in r.get("methods", {}).items() if v["status"] != "ok"}}
                 for k, r in rows.items() if r["status"] != "ok"]
    if not needs_threshold:
        scores = {k: r["similarity"] for k, r in rows.items() if r.get("similarity") is not None}
    titles = {k: m.title for k, m in models.methods.items()}
    summary = summarise(pairs, config, scores, rows, titles, failures)
    write_outputs(out, summary, config, rows, device)
    return summary, config


def _run_phase(name, pairs, config, path, work, retry_failed, progress, shards=False, engine=None) -> dict[str, dict]:
    files = row_files(path.parent) if shards else [path]
    done = latest_rows(files, config.config_id)
    wanted = {p.pair_id for p in pairs}
    done = {k: r for k, r in done.items() if k in wanted}
    todo = [p for p in pairs if p.pair_id not in done or (retry_failed and done[p.pair_id]["status"] != "ok")]
    progress.phase(name, len(pairs), len(pairs) - len(todo))
    rows = (work(p) for p in todo) if engine is None else engine.rows(name, todo, config)
    with ShardWriters(path.parent) if engine is not None and shards else RowWriter(path) as writer:
        for row in rows:
            writer.write(row)
            done[row["pair_id"]] = row
            progress.pair(row)
    return done


def _set_thresholds(pairs: list[Pair], scores: dict[str, float]) -> dict[str, float]:
    """Each set's clean EER threshold; a set without genuine or impostor scores cannot give one."""
    out = {}
    for name in dict.fromkeys(set_name(p) for p in pairs):
        members = [p for p in pairs if set_name(p) == name and p.pair_id in scores]
        try:
            out[name] = eer_threshold([scores[p.pair_id] for p in members], [p.same for p in members])[0]
        except NotEnoughPairs as e:
            raise FameError(f"set {name!r}: {e}; give the decision threshold with --threshold") from None
    return out
