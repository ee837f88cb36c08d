"""How responsive the window stays while FAME runs in the task modes.

    QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/task_modes_responsiveness.py [--iterations 30] [--repeats 3]

For ImageNet classification (skimage's chelsea, EfficientNet-Lite0, one class) and for the
feature-map mode (all 49 cells of the same image in chunks), prints medians over the
repeats of: the longest main-thread stall seen by a 10 ms QTimer probe (target ≤ 50 ms),
the live-preview rate, and seconds per iteration in the app next to the same job run
headless in a plain thread (the app's overhead). Noisy on a shared CPU: the figures
are medians of interleaved repeats.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).parent))

from gui_responsiveness import StallProbe, fixed_run, last_run, wait  # noqa: E402 - after the path is set


def app_run(page, start, iterations: int) -> dict:
    fixed_run(page, iterations)
    stamps: list[float] = []
    conn = page.run.preview_shown.connect(lambda _it: stamps.append(time.perf_counter()))
    probe = StallProbe()
    probe.start()
    start()
    wait(lambda: not page.run.running, timeout=3600)
    probe.stop()
    page.run.preview_shown.disconnect(conn)
    rate = (len(stamps) - 1) / (stamps[-1] - stamps[0]) if len(stamps) > 1 else float("nan")
    steps = page.run.request.total_steps  # the run's steps: chunks × iterations for many cells
    return {"stall_ms": probe.worst_stall_ms, "previews_per_s": rate,
            "s_per_it": last_run(page.session)["seconds"] / steps}


def headless(page, targets, iterations: int) -> tuple[float, float]:
    """The same job as the page runs, in a plain thread while the GUI thread idles in its event loop.

    Returns (seconds per iteration, longest stall of the idle GUI thread): the stall the
    machine and the GIL alone cause, to compare the app's with.
    """
    from fame_desktop.methods import FameMethod
    from fame_desktop.tasks.runner import request_run
    from fame_desktop.core.fame import FameParams

    s = page.session
    request = request_run(page.task, FameMethod(), page.loader.model, s.inputs, s.analysis, targets,
                          FameParams(iterations=iterations, epsilon=0.0, snapshot_every=0), s.options)
    out = {}
    probe = StallProbe()
    probe.start()
    th = threading.Thread(target=lambda: out.setdefault("result", request.execute()))
    th.start()
    wait(lambda: not th.is_alive(), timeout=3600)
    th.join()
    probe.stop()
    return out["result"].run.elapsed / request.total_steps, probe.worst_stall_ms


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--iterations", type=int, default=30)
    ap.add_argument("--cell-iterations", type=int, default=3, help="per chunk, for all 49 cells")
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="fame-bench-"))
    import cv2
    from skimage import data

    photo = tmp / "chelsea.png"
    cv2.imwrite(str(photo), data.chelsea()[:, :, ::-1])
    from fame_desktop.gui.app import build_parser, create_window

    _app, w = create_window(build_parser().parse_args(["--config-dir", str(tmp / "config")]))
    w.resize(1440, 920)
    w.show()
    w.start()
    wait(lambda: w.engine.is_ready and w.page is not None, timeout=600)
    pages = {}
    for key in ("imagenet-classification", "feature-map"):
        w.switch(key)
        page = pages[key] = w.page
        wait(lambda: page.loader.model is not None, timeout=600)
        page.inputs.load_path("image", str(photo))
        wait(lambda: page.session.analysis is not None, timeout=600)
    cls, fm = pages["imagenet-classification"], pages["feature-map"]
    results = {"classification": [], "feature-map": []}
    base = {"classification": [], "feature-map": []}
    for _ in range(args.repeats):  # interleaved: app and headless see the same machine load
        w.switch("imagenet-classification")
        base["classification"].append(headless(cls, cls.run_targets(), args.iterations))
        results["classification"].append(app_run(cls, cls.run.start, args.iterations))
        w.switch("feature-map")
        fm.all_button.click()  # the mosaic view, updated live
        base["feature-map"].append(headless(fm, list(fm.session.analysis.targets), args.cell_iterations))
        results["feature-map"].append(app_run(fm, fm.compute_all, args.cell_iterations))
    w.discard_on_close()
    w.close()

    med = statistics.median

    def row(label: str, values: list[float], unit: str, target: str = "", fmt: str = "{:.2f}") -> None:
        every = ", ".join(fmt.format(v) for v in values)
        print(f"  {label:<34}{fmt.format(med(values)):>8} {unit:<4}{target:<18} all: {every}")

    print(f"fame-desktop task modes — {args.repeats} repeats, medians (noisy: the CPU is shared); "
          f"load average {os.getloadavg()[0]:.1f} at the end")
    for name, what in (("classification", f"{args.iterations} iterations, 1 class, 224 px"),
                       ("feature-map", f"49 cells in chunks, {args.cell_iterations} iterations per chunk, 224 px")):
        rs = results[name]
        print(f"  {name}: {what}")
        row("longest main-thread stall", [r["stall_ms"] for r in rs], "ms", "(target ≤ 50 ms)", "{:.1f}")
        row("live preview rate", [r["previews_per_s"] for r in rs], "/s")
        row("longest stall, headless run", [b[1] for b in base[name]], "ms", "(machine + GIL)", "{:.1f}")
        row("seconds per iteration, app", [r["s_per_it"] for r in rs], "s", "", "{:.3f}")
        row("seconds per iteration, headless", [b[0] for b in base[name]], "s", "", "{:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
