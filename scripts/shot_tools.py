"""Shared helpers of the screenshot scripts: wait in the Qt event loop, drive a page, save a widget's picture.

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


def open_window(config: Path, size: tuple[int, int]):
    """The main window (temporary settings folder `config`), shown at `size` and started; returns it once
    the engine is up and the first page's model is loaded."""
    from fame_desktop.gui.app import build_parser, create_window

    _app, w = create_window(build_parser().parse_args(["--config-dir", str(config)]))
    w.resize(*size)
    w.show()
    w.start()
    wait(lambda: w.page is not None and w.page.loader.model is not None, timeout=600, what="engine and model")
    return w


def fixed_run(page, iterations: int) -> None:
    """The page's next run: `iterations` FAME steps for every target (no ε, no adaptive stopping)."""
    f = page.params.form
    f.field("iterations").setValue(iterations)
    f.field("epsilon").setValue(0.0)
    f.field("converge_tolerance").setValue(0.0)


def fill_case(page, case_id: str, exhibits: dict[str, str], examiner: str, notes: str = "") -> None:
    """Type the case details into the page's Case panel, as an examiner would."""
    cp = page.case_panel
    for edit, value in ((cp.case_id, case_id), (cp.examiner, examiner),
                        *((cp.exhibits[role], text) for role, text in exhibits.items())):
        edit.setText(value)
        edit.editingFinished.emit()
    if notes:
        cp.notes.setPlainText(notes)
        cp.flush()


def menu(window, title: str):
    """The menu-bar menu called `title` (without the & of its shortcut)."""
    return next(a.menu() for a in window.menuBar().actions() if a.text().replace("&", "") == title)


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


def idle(window, timeout: float = 120.0) -> None:
    """Wait until no worker job of the window runs (maps drawn on photographs, mosaics, analyses)."""
    wait(lambda: not window.runner.running, timeout, "the window's workers")


def save_shot(out: Path, name: str, widget, settle: float = 0.2) -> Path:
    """Let the widget repaint, then save it as OUT/NAME.png; prints and returns the path."""
    pump(settle)
    path = Path(out) / f"{name}.png"
    widget.grab().save(str(path))
    print(path, "·", widget.windowTitle() if widget.isWindow() else "", flush=True)
    return path
