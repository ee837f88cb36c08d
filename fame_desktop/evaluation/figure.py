"""The accuracy curves of an evaluation as a PNG: one row per set, Delete and Insert side by side.

Drawn with matplotlib's Agg canvas directly (no pyplot: no GUI backend is ever chosen). Each
panel shows the accuracy over P of every method with the probe perturbed (the paper's Tab. 2)
and the clean accuracy at the set's EER threshold as a dotted line.
"""

from __future__ import annotations

import io

from .summary import EvaluationSummary

LINE_STYLES = ("-", "--", "-.", ":")


def curves_png(summary: EvaluationSummary, side: str = "probe", dpi: int = 110) -> bytes:
    """PNG bytes of the figure (a set without a threshold gets a panel saying why)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    rows = max(1, len(summary.sets))
    fig = Figure(figsize=(10, 3.4 * rows), dpi=dpi, layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(rows, 2, squeeze=False)
    pct = list(summary.percentages)
    for r, s in enumerate(summary.sets):
        for c, mode in enumerate(("delete", "insert")):
            ax = axes[r][c]
            ax.set_title(f"{s.name} — {mode.capitalize()} {'↓' if mode == 'delete' else '↑'}", fontsize=10)
            ax.set_xlabel(f"% of the {side}'s pixels {'deleted' if mode == 'delete' else 'inserted'}")
            ax.set_ylabel("verification accuracy")
            ax.set_xlim(pct[0], pct[-1])
            ax.set_ylim(0, 1.02)
            ax.grid(alpha=0.3)
            if s.threshold is None:
                ax.text(0.5, 0.5, "no EER threshold:\n" + s.note, ha="center", va="center", wrap=True,
                        transform=ax.transAxes, fontsize=8)
                continue
            for i, m in enumerate(summary.methods):
                curve = s.curve(m, side, mode)
                if curve is not None:
                    ax.plot(pct, curve.accuracy, LINE_STYLES[i // 10 % len(LINE_STYLES)], marker="o", markersize=3,
                            label=f"{summary.titles.get(m, m)} ({100 * curve.area:.1f})")
            ax.axhline(s.clean_accuracy, color="grey", linestyle=":", linewidth=1,
                       label=f"clean, θ = {s.threshold:.3f}")
            ax.legend(fontsize=7, loc="lower right" if mode == "insert" else "upper right")
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()
