"""Median timings of opening a case file, rendering its PDF report, writing report + exports and
saving the case again (interleaved repeats; the machine may be shared, so read medians).

    .venv/bin/fame explain tests/data/obama.jpg tests/data/obama2.jpg -T 3 -q --case /tmp/b.famecase
    .venv/bin/python scripts/bench_report.py /tmp/b.famecase [repeats]
"""

import statistics
import sys
import tempfile
import time
from pathlib import Path

from fame_desktop.session.casefile import open_case, save_case
from fame_desktop.report import render_pdf, report_facts, write_report


def main(case: str, n: int) -> None:
    t: dict[str, list[float]] = {"open_case": [], "render_pdf": [], "write_report+exports": [], "save_case": []}
    with tempfile.TemporaryDirectory() as d:
        for _ in range(n):
            a = time.perf_counter()
            s = open_case(case)
            t["open_case"].append(time.perf_counter() - a)
            a = time.perf_counter()
            render_pdf(s, report_facts(s))
            t["render_pdf"].append(time.perf_counter() - a)
            a = time.perf_counter()
            out = write_report(s, Path(d) / "r.pdf")
            t["write_report+exports"].append(time.perf_counter() - a)
            a = time.perf_counter()
            info = save_case(s, Path(d) / "c.famecase")
            t["save_case"].append(time.perf_counter() - a)
        print(f"PDF {out.pdf.stat().st_size / 2**20:.2f} MiB, case file {info.size / 2**20:.2f} MiB")
    for k, v in t.items():
        print(f"{k:22s} median {statistics.median(v):.2f} s  (min {min(v):.2f}, max {max(v):.2f}, n={n})")


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 5)
