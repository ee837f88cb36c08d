"""Shared helpers of the screenshot scripts: wait in the Qt event loop and save a widget's picture.

Waiting pumps the event loop idly (a busy loop on the GUI thread would slow the FAME worker).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path


def screenshot_parser(doc: str, run_what: str = "the screenshot run") -> argparse.ArgumentParser:
    """The options every screenshot script takes: output folder, FAME iterations, window size."""
    ap = argparse.ArgumentParser(description=doc.splitlines()[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--iterations", type=int, default=60, help=f"FAME iterations of {run_what}")
    ap.add_argument("--size", default="1440x920", type=lambda v: tuple(int(n) for n in v.split("x")),
                    help="window size WxH")
    return ap


def pump(seconds: float = 0.05) -> None:
    """Let the event loop run for `seconds`."""
    from PySide6.QtCore import QEventLoop, QTimer

    loop = QEventLoop()
    QTimer.singleShot(int(seconds * 1000), loop.quit)
    loop.exec()


def wait(cond, timeout: float = 120.0, what: str = "") -> None:
    """Pump the event loop until `cond()` holds; TimeoutError naming `what` after `timeout` seconds."""
    end = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > end:
            raise TimeoutError(f"timed out waiting for {what}")
        pump(0.05)
    pump(0.15)


def save_shot(out: Path, name: str, widget, settle: float = 0.2) -> Path:
    """Let the widget repaint, then save it as OUT/NAME.png; prints and returns the path."""
    pump(settle)
    path = Path(out) / f"{name}.png"
    widget.grab().save(str(path))
    print(path, "·", widget.windowTitle() if widget.isWindow() else "", flush=True)
    return path
