"""How responsive the desktop app stays while FAME runs, and how fast it starts.

    QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/gui_responsiveness.py [--iterations 40] [--repeats 3]
        [--preset fixed|fast|reference]

Prints, as medians over the repeats (each figure is noisy on a shared machine):
  - cold start: process launch → main window visible (target ≤ 3 s), and → engine ready
    (torch, face detector) and → face model loaded;
  - during a FAME run in the app: the longest main-thread stall, seen by a 10 ms QTimer
    probe (target ≤ 50 ms), the live-preview rate (target ≥ 2 per second on a laptop CPU),
    and the seconds per iteration, next to a headless run of the same pair
    (explain_pair in a plain worker thread) for the app's overhead.
Runs offscreen with a temporary settings folder.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data"
sys.path.insert(0, str(ROOT))

CHILD = r"""
import sys, time
from PySide6.QtCore import QTimer
from fame_desktop.gui.app import build_parser, create_window
app, w = create_window(build_parser().parse_args(["--config-dir", sys.argv[1]]))
w.show()
def visible():
    print("visible", time.time(), flush=True)
    w.start()
def loaded(_model=None):
    print("model", time.time(), flush=True)
    w.discard_on_close()
    w.close()
    app.quit()
def engine(_catalogue):  # the shell has shown its first page by now: its model loads in a worker
    print("engine", time.time(), flush=True)
    loaded() if w.page.loader.model is not None else w.page.loader.ready.connect(loaded)
QTimer.singleShot(0, visible)
w.engine.ready.connect(engine)
sys.exit(app.exec())
"""


def cold_start(config: Path) -> dict[str, float]:
    t0 = time.time()
    proc = subprocess.Popen([sys.executable, "-c", CHILD, str(config)], stdout=subprocess.PIPE, text=True,
                            stderr=subprocess.DEVNULL, env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    out = {}
    for line in proc.stdout:
        name, stamp = line.split()
        out[name] = float(stamp) - t0
    proc.wait(timeout=300)
    return out


class StallProbe:
    """A 10 ms QTimer in the GUI thread; the longest gap between its ticks is the worst stall."""

    def __init__(self, interval_ms: int = 10):
        from PySide6.QtCore import QTimer

        self.interval = interval_ms / 1000
        self.timer = QTimer()
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self._tick)
        self.gaps: list[float] = []
        self._last = None

    def start(self) -> None:
        self._last = time.perf_counter()
        self.timer.start()

    def stop(self) -> None:
        self.timer.stop()

    def _tick(self) -> None:
        now = time.perf_counter()
        self.gaps.append(now - self._last)
        self._last = now

    @property
    def worst_stall_ms(self) -> float:
        return max(0.0, (max(self.gaps) - self.interval) * 1000) if self.gaps else float("nan")


def wait(cond, timeout: float) -> None:
    """Run the Qt event loop (not a busy loop) until cond() holds."""
    from PySide6.QtCore import QEventLoop, QTimer

    loop = QEventLoop()
    poll = QTimer()
    poll.timeout.connect(lambda: cond() and loop.quit())
    poll.start(20)
    QTimer.singleShot(int(timeout * 1000), loop.quit)
    if not cond():
        loop.exec()
    poll.stop()
    if not cond():
        raise TimeoutError("timed out")


def fixed_run(page, iterations: int) -> None:
    """The page's next run: `iterations` FAME steps for every target (no ε, no adaptive stopping)."""
    f = page.params.form
    f.field("iterations").setValue(iterations)
    f.field("epsilon").setValue(0.0)
    f.field("converge_tolerance").setValue(0.0)


def last_run(session) -> dict:
    """The audit details of the session's last finished run: iterations per target, seconds."""
    return next(e.details for e in reversed(session.audit.entries) if e.action == "run finished")


def app_run(page, iterations: int, preset: str) -> dict[str, float]:
    if preset in ("fast", "reference"):
        page.params.form.choose(preset)
    else:  # a fixed number of iterations for every map
        page.params.form.choose("reference")
        fixed_run(page, iterations)
    stamps: list[float] = []
    conn = page.run.preview_shown.connect(lambda _it: stamps.append(time.perf_counter()))
    probe = StallProbe()
    probe.start()
    t0 = time.perf_counter()
    page.run.start()
    wait(lambda: not page.run.running, timeout=3600)
    elapsed = time.perf_counter() - t0
    probe.stop()
    page.run.preview_shown.disconnect(conn)
    run = last_run(page.session)
    rate = (len(stamps) - 1) / (stamps[-1] - stamps[0]) if len(stamps) > 1 else float("nan")
    return {"stall_ms": probe.worst_stall_ms, "previews_per_s": rate, "previews": len(stamps),
            "s_per_it": run["seconds"] / max(run["iterations"]), "wall_s": elapsed, "fame_s": run["seconds"],
            "iterations": "/".join(str(int(n)) for n in run["iterations"])}


def headless_run(model, g, p, iterations: int) -> float:
    """explain_pair in a worker thread while the GUI thread waits in its event loop."""
    from fame_desktop.core.fame import FameParams
    from fame_desktop.core.verification import explain_pair

    result = {}
    th = threading.Thread(target=lambda: result.setdefault("run", explain_pair(
        model, g, p, FameParams(iterations=iterations, epsilon=0.0, snapshot_every=0)).run))
    th.start()
    wait(lambda: not th.is_alive(), timeout=3600)
    th.join()
    return result["run"].elapsed / iterations


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--iterations", type=int, default=40)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--skip-cold-start", action="store_true")
    ap.add_argument("--preset", choices=("fixed", "fast", "reference"), default="fixed",
                    help="fixed: --iterations for every map (default); fast / reference: the app's presets")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="fame-bench-"))

    starts = [] if args.skip_cold_start else [cold_start(tmp / f"cold{i}") for i in range(args.repeats)]

    from fame_desktop.gui.app import build_parser, create_window

    _app, w = create_window(build_parser().parse_args(["--config-dir", str(tmp / "config")]))
    w.show()
    w.start(str(DATA / "obama.jpg"), str(DATA / "obama2.jpg"))
    wait(lambda: w.page is not None and w.page.loader.model is not None and w.page.session.ready
         and w.page.score.similarity is not None, timeout=600)
    page = w.page  # face verification
    s = page.session
    crops = s.inputs["gallery"].payload.crop, s.inputs["probe"].payload.crop
    app_runs, headless = [], []
    for _ in range(args.repeats):  # interleaved, so both see the same machine load
        headless.append(headless_run(page.loader.model, *crops, args.iterations))
        app_runs.append(app_run(page, args.iterations, args.preset))
    w.discard_on_close()  # the benchmark's session is not worth a case file
    w.close()

    med = statistics.median

    def row(label: str, values: list[float], unit: str, target: str = "", fmt: str = "{:.2f}") -> None:
        every = ", ".join(fmt.format(v) for v in values)
        print(f"  {label:<34}{fmt.format(med(values)):>8} {unit:<4}{target:<18} all: {every}")

    print(f"fame-desktop GUI responsiveness — {args.repeats} repeats, medians (noisy: the CPU is shared); "
          f"load average {os.getloadavg()[0]:.1f} at the end")
    if starts:
        row("cold start → window visible", [x["visible"] for x in starts], "s", "(target ≤ 3 s)")
        row("cold start → engine ready", [x["engine"] for x in starts], "s")
        row("cold start → face model loaded", [x["model"] for x in starts], "s")
    what = f"{args.iterations} iterations" if args.preset == "fixed" else f"preset {args.preset}"
    print(f"  FAME, {what}, batch of 4 maps, default preview cadence (snapshot every iteration, drawn ≤ 3.3 /s):")
    row("longest main-thread stall", [r["stall_ms"] for r in app_runs], "ms", "(target ≤ 50 ms)", "{:.1f}")
    row("live preview rate", [r["previews_per_s"] for r in app_runs], "/s", "(target ≥ 2 /s)")
    row("seconds per iteration, app", [r["s_per_it"] for r in app_runs], "s", "", "{:.3f}")
    row("seconds per iteration, headless", headless, "s", "", "{:.3f}")
    row("FAME time in the app", [r["fame_s"] for r in app_runs], "s", "", "{:.1f}")
    print(f"  iterations per map (G+/G−/P+/P−): {', '.join(r['iterations'] for r in app_runs)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
