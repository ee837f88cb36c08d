"""Shared helpers of the benchmark scripts: machine description, the test pairs, tables, JSON.

Benchmarks are plain scripts (python benchmarks/bench_*.py --help); they print a table and,
with --json, one JSON object on stdout instead. Timings on a shared machine are noisy:
variants are interleaved within each repeat and medians are reported.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"
if str(ROOT) not in sys.path:  # run from a checkout without installing
    sys.path.insert(0, str(ROOT))

PAIRS = {  # name: (gallery, probe) — the real photographs the tests use
    "genuine": ("obama.jpg", "obama2.jpg"),
    "impostor": ("obama.jpg", "biden.jpg"),
    "impostor2": ("obama2.jpg", "biden.jpg"),
}


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine(device=None) -> dict:
    import torch

    from fame_desktop.core.device import describe_device

    info = {
        "cpu": cpu_model(),
        "cpu_count": os.cpu_count(),
        "torch": torch.__version__,
        "torch_threads": torch.get_num_threads(),
        "python": platform.python_version(),
        "platform": platform.platform(),
    }
    if device is not None:
        info["device"] = describe_device(torch.device(device))
    try:
        info["load_average"] = [round(v, 2) for v in os.getloadavg()]
    except OSError:
        pass
    return info


def median(values) -> float:
    return float(statistics.median(values))


def load_crops(names=("obama", "obama2", "biden")) -> dict:
    """{name: (112, 112, 3) uint8 aligned crop} of the test photographs."""
    from fame_desktop.core.faces import FaceDetector
    from fame_desktop.core.pipeline import prepare_face

    detector = FaceDetector()
    return {n: prepare_face(DATA / f"{n}.jpg", detector, "gallery").crop for n in names}


def pearson(a, b) -> float:
    import numpy as np

    a, b = np.ravel(a).astype(np.float64), np.ravel(b).astype(np.float64)
    if a.std() == 0 or b.std() == 0:
        return float("nan")
    return float(np.corrcoef(a, b)[0, 1])


def table(rows: list[dict], columns: list[str]) -> str:
    """A plain-text table of `rows` with these columns (missing cells blank)."""
    def cell(v):
        if isinstance(v, float):
            return f"{v:.4g}" if abs(v) < 1000 else f"{v:.0f}"
        return "" if v is None else str(v)

    cells = [[cell(r.get(c)) for c in columns] for r in rows]
    widths = [max(len(c), *(len(row[i]) for row in cells)) for i, c in enumerate(columns)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(columns, widths)),
             "  ".join("-" * w for w in widths)]
    lines += ["  ".join(v.ljust(w) for v, w in zip(row, widths)) for row in cells]
    return "\n".join(lines)


def emit(result: dict, as_json: bool, text: str) -> None:
    if as_json:
        print(json.dumps(result, indent=None, default=float))
    else:
        print(text)


def progress(msg: str, quiet: bool) -> None:
    if not quiet:
        print(msg, file=sys.stderr, flush=True)
