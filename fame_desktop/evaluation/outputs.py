"""The finished evaluation's files, each written atomically when the rows are complete.

    summary.json     configuration, thresholds, accuracy over P and areas per set / method / face / mode,
                     failures with reasons
    auc.csv          set, method, face_perturbed, mode, area, pairs, threshold
    accuracy.csv     set, method, face_perturbed, mode, percent, accuracy
    pair_areas.csv   pair_id, set, same, method, target, mode, area (per pair: similarity over P)
    curves.png       accuracy over P (figure.py)
    table.md         the Tab. 2 layout in markdown, both faces, with the thresholds (tables.py)
    table.tex        the probe table as a LaTeX tabular
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from ..core.environment import versions
from ..tasks.face_output import now_iso
from ..core.io_utils import atomic_write_bytes, atomic_write_json
from .config import EvaluationConfig
from .figure import curves_png
from .summary import EvaluationSummary
from .tables import latex_table, markdown_table

OUTPUT_FILES = ("summary.json", "auc.csv", "accuracy.csv", "pair_areas.csv", "curves.png", "table.md", "table.tex")


def _csv(header: list[str], rows) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue().encode("utf-8")


def write_outputs(out: Path, summary: EvaluationSummary, config: EvaluationConfig, rows: dict[str, dict],
                  device: str = "-") -> None:
    atomic_write_json(out / "summary.json", {"format": "fame-desktop/evaluate-summary", "created": now_iso(),
                                             "configuration": config.describe(), **summary.describe(),
                                             "versions": versions(device)})
    auc, acc = [], []
    for s in summary.sets:
        for c in s.curves:
            auc.append([s.name, c.method, c.side, c.mode, f"{c.area:.6f}", c.pairs, f"{s.threshold:.6f}"])
            acc += [[s.name, c.method, c.side, c.mode, p, f"{a:.6f}"] for p, a in zip(summary.percentages, c.accuracy)]
    atomic_write_bytes(out / "auc.csv", _csv(["set", "method", "face_perturbed", "mode", "area", "pairs",
                                              "threshold"], auc))
    atomic_write_bytes(out / "accuracy.csv", _csv(["set", "method", "face_perturbed", "mode", "percent",
                                                   "accuracy"], acc))
    per_pair = []
    for pid, row in rows.items():
        for key, m in row.get("methods", {}).items():
            for c in (m.get("faithfulness") or {}).get("curves", []):
                per_pair.append([pid, row["set"], int(row["same"]), key, c["target"], c["mode"], f"{c['area']:.6f}"])
    atomic_write_bytes(out / "pair_areas.csv", _csv(["pair_id", "set", "same", "method", "target", "mode", "area"],
                                                    per_pair))
    atomic_write_bytes(out / "curves.png", curves_png(summary))
    atomic_write_bytes(out / "table.md", markdown_table(summary).encode("utf-8"))
    atomic_write_bytes(out / "table.tex", latex_table(summary).encode("utf-8"))
