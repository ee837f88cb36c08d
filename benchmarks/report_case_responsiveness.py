"""How long exporting the report and saving / opening a case take from the window, and whether it stays responsive.

    QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/report_case_responsiveness.py [--iterations 20] [--repeats 3]

After one FAME run of obama / obama2 in the app, repeats (interleaved): File ▸ Export
report (PDF + exports), Save case, Open case (in the same window). Prints per action the
wall time from the request to the finished signal and the longest main-thread stall
seen by a 10 ms QTimer probe (target ≤ 50 ms for work done in a worker; opening ends
with the restore in the GUI thread, which is part of its stall), as medians with all
values (noisy on a shared machine). Offscreen, temporary folders.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data"
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from gui_responsiveness import StallProbe, fixed_run, wait  # noqa: E402


def timed(start, signal) -> dict[str, float]:
    done = []
    signal.connect(lambda *a: done.append(time.perf_counter()))
    probe = StallProbe()
    probe.start()
    t0 = time.perf_counter()
    start()
    wait(lambda: bool(done), timeout=600)
    probe.stop()
    return {"wall_s": done[0] - t0, "stall_ms": probe.worst_stall_ms}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--iterations", type=int, default=20)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="fame-bench-case-"))

    from fame_desktop.gui.app import build_parser, create_window

    _app, w = create_window(build_parser().parse_args(["--config-dir", str(tmp / "config")]))
    w.show()
    w.start(str(DATA / "obama.jpg"), str(DATA / "obama2.jpg"))
    wait(lambda: w.page is not None and w.page.loader.model is not None and w.page.session.ready
         and w.page.score.similarity is not None, timeout=600)
    page = w.page  # face verification
    fixed_run(page, args.iterations)
    page.run.start()
    wait(lambda: not page.run.running and page.session.result() is not None, timeout=3600)
    page.reports._show_done = lambda *a: None  # no message box between repeats

    rows: dict[str, list[dict]] = {"export report": [], "save case": [], "open case": []}
    for i in range(args.repeats):
        pdf, case = tmp / f"r{i}.pdf", tmp / f"c{i}.famecase"
        rows["export report"].append(timed(lambda: page.reports.export(pdf), page.reports.exported))
        rows["save case"].append(timed(lambda: page.cases.write(case), page.cases.saved))
        rows["open case"].append(timed(lambda: w.open_case_path(str(case)), w.case_opened))
    sizes = f"PDF {pdf.stat().st_size / 1e6:.2f} MB, case file {case.stat().st_size / 1e6:.2f} MB"
    w.discard_on_close()
    w.close()

    med = statistics.median
    print(f"fame-desktop report / case responsiveness ({args.repeats} repeats, {sizes})")
    for name, values in rows.items():
        for key, unit in (("wall_s", "s"), ("stall_ms", "ms")):
            v = [r[key] for r in values]
            print(f"  {name:14s} {key:9s} median {med(v):8.2f} {unit}  ({', '.join(f'{x:.2f}' for x in v)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
