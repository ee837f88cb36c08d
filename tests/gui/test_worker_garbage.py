"""Qt objects in reference cycles must never be destroyed in a worker thread.

Python's cycle collector runs in whichever thread allocates when a threshold is crossed: a worker
doing heavy allocation (ROAD's sparse system, a mask batch) used to collect the closed panels of
an earlier window there — Qt warned "QBasicTimer::stop: Failed. Possibly trying to stop from a
different thread", the process crashed, and in one test run a class-metrics job deadlocked inside
scipy. Run in a subprocess so that a crash or a hang fails this test, not the suite."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = textwrap.dedent("""
    import gc
    import threading
    import pyqtgraph as pg
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QWidget
    from fame_desktop.gui.jobs import JobRunner

    app = QApplication([])
    runner = JobRunner()
    gui_thread = threading.get_ident()
    destroyed_in = []

    class Panel(QWidget):
        def event(self, e):  # a Python override, as every panel of the app has
            return super().event(e)

    for _ in range(3):  # closed panels left in reference cycles, as closed windows leave them
        w = Panel()
        w.plot = pg.PlotWidget(parent=w)
        w.plot.plot([1, 2, 3])
        w.me = w
        w.destroyed.connect(lambda *_: destroyed_in.append(threading.get_ident()))
        w.show()
        w.close()
        del w

    def work(job):
        junk = [[i] for i in range(300_000)]  # allocations that set off the collector
        return len(junk)

    done = []
    runner.start("allocate", work, on_success=lambda n: done.append(n))
    QTimer.singleShot(2500, app.quit)  # past the collector's one-second tick
    app.exec()
    runner.shutdown()
    assert gc.isenabled()  # automatic collection again once no runner is left
    assert done == [300_000], done
    assert destroyed_in and set(destroyed_in) == {gui_thread}, "a panel was destroyed in the worker"
    print("ok")
""")


def test_closed_panels_in_reference_cycles_are_collected_in_the_gui_thread_not_in_a_worker():
    proc = subprocess.run([sys.executable, "-c", SCRIPT], cwd=ROOT, capture_output=True, text=True, timeout=120,
                          env={**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(ROOT)})
    assert proc.returncode == 0 and proc.stdout.strip().endswith("ok"), (proc.returncode, proc.stderr[-2000:])
    assert "different thread" not in proc.stderr, proc.stderr[-2000:]
