"""The paper's Tab. 2 layout: methods × sets, Delete ↓ / Insert ↑ areas (in %), best of each column in bold.

    markdown_table(summary)   table.md: one table per face perturbed (probe first), then the thresholds
    latex_table(summary)      table.tex: the probe table as a LaTeX tabular (booktabs)
"""

from __future__ import annotations

from .summary import EvaluationSummary, SetSummary

ARROWS = {"delete": "↓", "insert": "↑"}
SIDE_TEXT = {"probe": "probe perturbed, gallery fixed (the paper's Tab. 2)",
             "gallery": "gallery perturbed, probe fixed (roles swapped)"}


def _cells(summary: EvaluationSummary, side: str) -> dict[tuple[str, str, str], tuple[str, bool]]:
    """(method, set, mode) → (value text, best in its column)."""
    out = {}
    for s in summary.sets:
        for mode in ("delete", "insert"):
            areas = {m: c.area for m in summary.methods if (c := s.curve(m, side, mode)) is not None}
            if not areas:
                continue
            best = min(areas.values()) if mode == "delete" else max(areas.values())
            for m, a in areas.items():
                out[(m, s.name, mode)] = (f"{100 * a:.2f}", round(a, 6) == round(best, 6))
    return out


def _threshold_line(s: SetSummary) -> str:
    pairs = f"{s.genuine} genuine / {s.impostor} impostor pairs"
    if s.threshold is None:
        return f"- {s.name}: no threshold ({s.note}); {pairs}"
    return (f"- {s.name}: θ = {s.threshold:.4f} (EER {100 * s.eer:.2f} %, clean accuracy "
            f"{100 * s.clean_accuracy:.2f} %, {pairs})")


def markdown_table(summary: EvaluationSummary, sides=("probe", "gallery")) -> str:
    lines = ["# Face deletion / insertion", "",
             "Normalised area (%) under the verification accuracy over P = "
             f"{summary.percentages[0]}…{summary.percentages[-1]} % of a face's pixels deleted (↓ better) or "
             "inserted (↑ better), at each set's clean EER threshold; best of each column in **bold**. "
             f"Pixels ranked by the map supporting each pair's truth (e+ genuine, e− impostor).", ""]
    for side in sides:
        cells = _cells(summary, side)
        lines += [f"## {SIDE_TEXT[side][0].upper()}{SIDE_TEXT[side][1:]}", ""]
        header = ["Method"] + [f"{s.name} {mode.capitalize()} {ARROWS[mode]}" for s in summary.sets
                               for mode in ("delete", "insert")]
        lines += ["| " + " | ".join(header) + " |", "|---" + "|---:" * (len(header) - 1) + "|"]
        for m in summary.methods:
            row = [summary.titles.get(m, m)]
            for s in summary.sets:
                for mode in ("delete", "insert"):
                    text, best = cells.get((m, s.name, mode), ("–", False))
                    row.append(f"**{text}**" if best else text)
            lines.append("| " + " | ".join(row) + " |")
        lines.append("")
    lines += ["## Thresholds (clean EER threshold of each set, computed on the same set)", ""]
    lines += [_threshold_line(s) for s in summary.sets]
    lines += ["", f"Pairs: {summary.pairs} listed, {summary.evaluated} evaluated, {len(summary.failures)} failed."]
    return "\n".join(lines) + "\n"


_TEX = {"&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_", "{": r"\{", "}": r"\}",
        "~": r"\textasciitilde{}", "^": r"\^{}", "\\": r"\textbackslash{}"}


def _tex(text: str) -> str:
    return "".join(_TEX.get(ch, ch) for ch in text)


def latex_table(summary: EvaluationSummary, side: str = "probe") -> str:
    cells = _cells(summary, side)
    cols = "l" + "rr" * len(summary.sets)
    sets = " & ".join(rf"\multicolumn{{2}}{{c}}{{{_tex(s.name)}}}" for s in summary.sets)
    rules = " ".join(rf"\cmidrule(lr){{{2 + 2 * i}-{3 + 2 * i}}}" for i in range(len(summary.sets)))
    modes = " & ".join(r"Delete $\downarrow$ & Insert $\uparrow$" for _ in summary.sets)
    body = []
    for m in summary.methods:
        row = [_tex(summary.titles.get(m, m))]
        for s in summary.sets:
            for mode in ("delete", "insert"):
                text, best = cells.get((m, s.name, mode), ("--", False))
                row.append(rf"\textbf{{{text}}}" if best else text)
        body.append(" & ".join(row) + r" \\")
    thresholds = "; ".join(f"{_tex(s.name)}: $\\theta = {s.threshold:.4f}$" for s in summary.sets
                           if s.threshold is not None)
    return "\n".join([
        "% fame evaluate: normalised area (%) under the accuracy over P, " + SIDE_TEXT[side],
        r"\begin{tabular}{" + cols + "}", r"\toprule", f"Method & {sets} \\\\", rules, f" & {modes} \\\\",
        r"\midrule", *body, r"\bottomrule", r"\end{tabular}",
        f"% thresholds (clean EER of each set): {thresholds}", ""])
