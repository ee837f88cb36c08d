"""The files of a finished `fame evaluate-classification`, written atomically from its rows.

    per_image.csv    the rows as a table (one line per image and method)
    table.csv        means per method (the Tab. 1 layout); table.md the same, best in bold
    summary.json     the table, the mean curves, counts and failures
    figure.png       mean deletion and insertion curves and ROAD-Delete over P per method
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from ..core.io_utils import atomic_write_bytes, atomic_write_json
from .classification import latest

SUMMARIES = ("per_image.csv", "table.csv", "table.md", "summary.json", "figure.png")


def write_summaries(out: Path, rows: list[dict], methods: list[str], settings, config: dict) -> dict:
    from ..metrics.classification import best_per_column, summarise, table_values

    current = [r for r in latest(rows).values() if r["method"] in methods]
    table = summarise(current, methods, settings)
    columns = settings.columns()
    best = best_per_column(table, settings)

    def fmt(v):
        return "" if v is None else f"{v:.4f}"

    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["method", "images", "with_box", *[c[0] for c in columns]])
    for m in methods:
        w.writerow([m, table[m]["images"], table[m]["with_box"], *[fmt(table[m][c[0]]) for c in columns]])
    atomic_write_bytes(out / "table.csv", buf.getvalue().encode())

    md = ["| method | images | " + " | ".join(c[1] for c in columns) + " |",
          "|---|---:|" + "---:|" * len(columns)]
    for m in methods:
        cells = [(f"**{fmt(table[m][k])}**" if m in best.get(k, ()) else fmt(table[m][k])) for k, _h, _b in columns]
        md.append(f"| {m} | {table[m]['images']} | " + " | ".join(cells) + " |")
    atomic_write_bytes(out / "table.md", ("\n".join(md) + "\n").encode())

    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["image", "method", "status", "class", "class_name", "class_source", "boxes", "probability",
                *[c[0] for c in columns], "run_seconds", "error"])
    for r in sorted(current, key=lambda r: (r["image"], methods.index(r["method"]))):
        values = table_values(r["metrics"], settings) if r["status"] == "done" else {}
        w.writerow([r["image"], r["method"], r["status"], r.get("class", ""), r.get("class_name", ""),
                    r.get("class_source", ""), r.get("boxes", ""), fmt(r.get("probability")),
                    *[fmt(values.get(c[0])) for c in columns], r.get("run_seconds", ""), r.get("error", "")])
    atomic_write_bytes(out / "per_image.csv", buf.getvalue().encode())

    failures = [{k: r.get(k) for k in ("image", "method", "error")} for r in current if r["status"] == "failed"]
    atomic_write_json(out / "summary.json", {"configuration": config, "table": table,
                                             "best": {k: sorted(v) for k, v in best.items()},
                                             "columns": [{"key": k, "heading": h, "higher_is_better": b}
                                                         for k, h, b in columns],
                                             "failures": failures})
    atomic_write_bytes(out / "figure.png", figure_png(table, methods, settings))
    return table


def text_table(table: dict, settings) -> str:
    columns = settings.columns()
    head = ["method", "n", *[h for _k, h, _b in columns]]
    rows = [[m, str(e["images"]), *["–" if e[k] is None else f"{e[k]:.3f}" for k, _h, _b in columns]]
            for m, e in table.items()]
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(len(head))]
    return "\n".join("  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths)))
                     for r in [head, *rows])


def figure_png(table: dict, methods: list[str], settings) -> bytes:
    """Mean deletion and insertion curves and ROAD-Delete over P, one line per method (matplotlib, Agg)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from matplotlib import colormaps

    fig = Figure(figsize=(13, 4), dpi=100)
    FigureCanvasAgg(fig)
    axes = fig.subplots(1, 3)
    colours = colormaps["tab20"]  # 20 distinct colours: every method its own (the default cycle has 10)
    for i, m in enumerate(methods):
        e = table[m]
        if not e["images"]:
            continue
        style = {"color": colours(2 * i % 20 + (2 * i // 20) % 2), "linestyle": "-" if i < 10 else "--"}
        for ax, name in zip(axes[:2], ("deletion", "insertion")):
            ax.plot(settings.curve_percents, e["curves"][name], marker="o", ms=3,
                    label=f"{m} (AUC {e[f'{name}_auc']:.3f})", **style)
        axes[2].plot(settings.road_percents, [e[f"road_{p}"] for p in settings.road_percents], marker="o", label=m,
                     **style)
    for ax, title in zip(axes, ("Deletion (lower is better)", "Insertion (higher is better)",
                                "ROAD-Delete (lower is better)")):
        ax.set_title(title)
        ax.set_xlabel("pixels removed, %" if "Insertion" not in title else "pixels inserted, %")
        ax.set_ylabel("class probability")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()
