"""How a run's progress and outcome are told in a line (Qt-free): times, iterations, why maps stopped.

The window's run bar, its map badges and its run summary use these; they hold no state.
"""

from __future__ import annotations

from ..core.fame import STOP_TEXT

STOP_CAPTIONS = {"epsilon": "ε reached", "converged": "settled", "cancelled": "cancelled"}  # a badge's words


def format_seconds(s: float) -> str:
    """130.4 → '2:10'; an hour or more as '1:02:03'."""
    s = max(0, int(round(s)))
    return f"{s // 3600}:{s // 60 % 60:02d}:{s % 60:02d}" if s >= 3600 else f"{s // 60}:{s % 60:02d}"


def progress_text(iteration: int, total: int, elapsed: float) -> str:
    """'Iteration 12 / 500 · ≤ 1:20 left'; the time left assumes every remaining iteration
    runs (early stopping can only shorten it)."""
    left = elapsed / max(iteration, 1) * (total - iteration)
    return f"Iteration {iteration} / {total} · ≤ {format_seconds(left)} left"


def estimate_text(iterations: int, rows: int, measured: float, answer_seconds: float) -> tuple[str, str]:
    """How long a run of `iterations` on `rows` maps takes at most, short and in full ('run ≤ 2:10',
    '500 iterations ≈ 2:10 at most (measured: …)'), or ('', '') when unknown: from the seconds per iteration
    `measured` on an earlier run, else roughly from the model's first answer (one iteration ≈ a forward and
    a backward pass per map, ~3 forward passes)."""
    if measured > 0:
        per, how = measured, f"measured: {measured:.2f} s per iteration"
    elif answer_seconds:
        per, how = 3 * rows * answer_seconds, "rough: from the model's first answer"
    else:
        return "", ""
    t = format_seconds(per * iterations)
    return f"run ≤ {t}", f"{iterations} iterations ≈ {t} at most ({how})"


def result_caption(title: str, row: dict) -> str:
    """'FAME · 12 it. (settled)': a map's badge from its row of `TaskResult.per_target()`."""
    why = STOP_CAPTIONS.get(row["stop_reason"], "")
    return f"{title} · {row['iterations']} it." + (f" ({why})" if why else "")


def iteration_summary(per_target: dict, short: dict | None = None) -> tuple[str, str]:
    """(one short line, a line per target) on how many steps each target ran and why it stopped."""
    detail = "\n".join(f"{v['label']}: {v['iterations']} iterations, stopped: "
                       f"{STOP_TEXT.get(v['stop_reason'], v['stop_reason'])}" for v in per_target.values())
    runs = {(v["iterations"], v["stop_reason"]) for v in per_target.values()}
    if len(runs) == 1:
        n, why = runs.pop()
        what = f"All {len(per_target)} maps" if len(per_target) > 1 else next(iter(per_target.values()))["label"]
        return f"{what}: {n} iterations ({STOP_TEXT.get(why, why)}).", detail
    marks = {"epsilon": " ε", "converged": " δ"}
    parts = [f"{(short or {}).get(k, v['label'])} {v['iterations']}" + marks.get(v["stop_reason"], "")
             for k, v in per_target.items()]
    used = sorted({v["stop_reason"] for v in per_target.values()} & set(marks))
    legend = {"epsilon": "ε: loss < ε", "converged": "δ: settled"}
    return "Iterations: " + " · ".join(parts) + (f" ({', '.join(legend[u] for u in used)})" if used else ""), detail
