"""One pair of an evaluation: its clean score (`score_pair`) or every method's curves (`evaluate_pair`).

Both return a JSON-ready row and never raise for a problem of the pair (a photograph that
cannot be read, no face, a method that fails): the row says what went wrong, so a batch job
counts it and goes on. Only an interrupt (KeyboardInterrupt) or a cancel (`PairCancelled`)
stops them.

    models = load_models(config, device)                  # once per process / worker
    row = evaluate_pair(pair, config, models)             # {"pair_id", "status", "methods": {...}, ...}
"""

from __future__ import annotations

import os
import socket
import time
import traceback
from dataclasses import dataclass
from typing import Callable, Optional

import torch

from ..core.errors import FameError
from ..core.images import load_image
from ..tasks.face_output import now_iso
from ..core.pair_lists import Pair
from ..metrics.face_deletion import pair_faithfulness, truth_targets
from ..methods.base import Method
from ..tasks.base import Task
from ..tasks.registry import default_registry
from ..tasks.runner import request_run
from .config import TASK, EvaluationConfig, set_name

ROW_FORMAT = "fame-desktop/evaluate-row"
SCORE_FORMAT = "fame-desktop/evaluate-score"


@dataclass
class EvaluationModels:
    """What a process needs to evaluate pairs: the task, the loaded model and the methods by key."""

    task: Task
    model: torch.nn.Module
    methods: dict[str, Method]


def load_models(config: EvaluationConfig, device: str = "auto", registry=None) -> EvaluationModels:
    """The face-verification task, its model and the configured methods (FameError if one is missing
    or does not apply)."""
    reg = registry or default_registry()
    task = reg.get(TASK)
    methods = {}
    for key in config.methods:
        method = reg.method(key)
        why = method.applies_to(task)
        if why:
            raise FameError(f"{method.title}: {why}")
        methods[key] = method
    return EvaluationModels(task, task.load_model(config.model, config.checkpoint, device), methods)


def _row(pair: Pair, config: EvaluationConfig, fmt: str) -> dict:
    return {"format": fmt, "config": config.config_id, "pair_id": pair.pair_id, "set": set_name(pair),
            "same": pair.same, "gallery": str(pair.gallery), "probe": str(pair.probe), "status": "ok",
            "error": None}


def _failure(e: BaseException) -> str:
    return str(e) if isinstance(e, FameError) else f"{type(e).__name__}: {e}"


def _prepare(pair: Pair, config: EvaluationConfig, models: EvaluationModels):
    task, model = models.task, models.model
    options = task.resolve_options(config.task_options, model)
    inputs = {role: task.prepare(model, role, load_image(path), options)
              for role, path in (("gallery", pair.gallery), ("probe", pair.probe))}
    return options, inputs, task.analyse(model, inputs, options)


def score_pair(pair: Pair, config: EvaluationConfig, models: EvaluationModels) -> dict:
    """The clean similarity of a pair (for its set's EER threshold); status "failed" with the reason if none."""
    row = _row(pair, config, SCORE_FORMAT)
    try:
        _, _, analysis = _prepare(pair, config, models)
        row["similarity"] = analysis.summary["similarity"]
    except Exception as e:  # any problem of this pair is recorded, never fatal for the set
        row.update(status="failed", error=_failure(e), similarity=None)
    return row


def evaluate_pair(pair: Pair, config: EvaluationConfig, models: EvaluationModels,
                  on_progress: Optional[Callable[[str, object], None]] = None,
                  should_cancel: Optional[Callable[[], bool]] = None) -> dict:
    """Every configured method on one pair, with its deletion / insertion curves; a JSON-ready row.

    Per method, 4 curves: each face perturbed by its map that supports the pair's truth (e+ genuine,
    e− impostor; `truth_targets`), deleted and inserted — the curves the set's figures use.

    on_progress(method_key, event) relays each method's progress; status "failed" when the pair
    could not be prepared or any method failed (each method's entry says which and why).
    """
    t0 = time.perf_counter()
    row = _row(pair, config, ROW_FORMAT)
    row.update(similarity=None, crops={}, methods={})
    try:
        options, inputs, analysis = _prepare(pair, config, models)
    except Exception as e:  # unreadable photograph, no face, …: recorded, never fatal for the set
        row.update(status="failed", error=_failure(e))
        return _finish(row, t0)
    row["similarity"] = analysis.summary["similarity"]
    row["crops"] = {role: inp.describe()["input_png_sha256"] for role, inp in inputs.items()}
    for key, method in models.methods.items():
        relay = None if on_progress is None else (lambda event, key=key: on_progress(key, event))
        row["methods"][key] = _run_method(method, pair, config, models, inputs, analysis, options, relay,
                                          should_cancel)
    failed = [k for k, m in row["methods"].items() if m["status"] != "ok"]
    if failed:
        row.update(status="failed", error=f"{len(failed)} method(s) failed: {', '.join(failed)}")
    return _finish(row, t0)


class PairCancelled(Exception):
    """`should_cancel` stopped a method on this pair: there is no row (the pair is done again next time)."""


def _run_method(method, pair, config, models, inputs, analysis, options, on_progress, should_cancel) -> dict:
    t0 = time.perf_counter()
    result = None
    try:
        req = request_run(models.task, method, models.model, inputs, analysis, analysis.defaults(),
                          config.params_for(method, pair), options, model_key=config.model)
        result = req.execute(on_progress, should_cancel)
        if not result.run.cancelled:
            curves = pair_faithfulness(models.task, models.model, result, config.map_settings, config.percentages,
                                       targets=truth_targets(result.keys, pair.same))
    except FameError as e:
        return {"status": "failed", "error": str(e), "seconds": round(time.perf_counter() - t0, 3)}
    except Exception as e:  # a bug in a (third-party) method must not end a run of thousands of pairs
        return {"status": "failed", "error": _failure(e), "seconds": round(time.perf_counter() - t0, 3),
                "traceback": traceback.format_exc(limit=8)}
    if result.run.cancelled:
        raise PairCancelled(f"{pair.pair_id}: {method.title} cancelled")
    threshold = getattr(req.job.params, "threshold", None)
    return {"status": "ok", "error": None, "seconds": round(time.perf_counter() - t0, 3),
            "run_seconds": round(result.run.elapsed, 3),
            **({"threshold": threshold} if threshold is not None else {}),
            "targets": {k: {n: v[n] for n in ("iterations", "stop_reason", "initial_score")}
                        for k, v in result.per_target().items()},
            "faithfulness": curves.describe()}


def _finish(row: dict, t0: float) -> dict:
    row.update(seconds=round(time.perf_counter() - t0, 3), finished=now_iso(),
               worker=f"{socket.gethostname()}:{os.getpid()}")
    return row
