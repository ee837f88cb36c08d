"""Keeping the complete rows of a run and adding them to earlier results (Qt-free).

The app computes a task's targets a few at a time (a class the user picks, a cell they
click, all cells in chunks) and shows them together. A cancelled chunked run still holds
rows that finished (their chunk completed, or ε stopped them); those are kept, the rows
it cut short are not: a partial map is never shown as a result.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..core.fame import FameRun
from .result import TaskResult, merge_results


def complete_keys(result: TaskResult) -> tuple[str, ...]:
    """Targets whose optimisation ended by itself (T reached or loss below ε)."""
    return tuple(k for k, why in zip(result.keys, result.run.stop_reasons) if why != "cancelled")


def select_rows(task, result: TaskResult, keys) -> TaskResult:
    """A result holding only `keys` (in the result's order), measured again."""
    rows = [i for i, k in enumerate(result.keys) if k in set(keys)]
    r = result.run
    run = FameRun(delta=r.delta[rows], iterations=r.iterations[rows], stop_reasons=[r.stop_reasons[i] for i in rows],
                  initial_loss=r.initial_loss[rows], final_loss=r.final_loss[rows],
                  initial_score=r.initial_score[rows], final_score=r.final_score[rows], elapsed=r.elapsed,
                  cancelled=any(r.stop_reasons[i] == "cancelled" for i in rows), params=r.params,
                  stop_change=r.stop_change[rows])
    out = TaskResult(task=result.task, model=result.model, inputs=result.inputs, analysis=result.analysis,
                     targets=tuple(result.targets[i] for i in rows), run=run, options=result.options,
                     method=result.method, snapshot=result.snapshot)
    out.measurements = task.measure(out)
    return out


def compatible(a: TaskResult, b: TaskResult) -> bool:
    """Whether two results can be shown (and reported) as one: same task, method, model, inputs, parameters, options."""
    return (a.task == b.task and a.method.key == b.method.key and a.model == b.model and a.run.params == b.run.params
            and a.options == b.options
            and set(a.inputs) == set(b.inputs)
            and all(a.inputs[k].input_png() == b.inputs[k].input_png() for k in a.inputs))


@dataclass
class Accumulated:
    result: TaskResult | None  # what to show now (None: nothing complete yet)
    kept: tuple[str, ...]  # targets of the new run that were kept
    replaced: bool  # the earlier result was dropped (other parameters): said to the user


def accumulate(task, previous: TaskResult | None, new: TaskResult) -> Accumulated:
    """Add the complete rows of `new` to `previous` (a target run again replaces its earlier map)."""
    kept = complete_keys(new)
    if not kept:
        return Accumulated(previous, (), False)
    part = new if len(kept) == len(new.keys) else select_rows(task, new, kept)
    if previous is None:
        return Accumulated(part, kept, False)
    if not compatible(previous, part):
        return Accumulated(part, kept, True)
    return Accumulated(merge_results(task, [previous, part]), kept, False)
