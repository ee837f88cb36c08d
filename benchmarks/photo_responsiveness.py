"""How long the GUI thread stalls on big photographs, on opening a case and on the cell mosaic.

    QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/photo_responsiveness.py [--repeats 3] [--scale 3.3]

Actions, each watched by a 10 ms QTimer probe (target: longest stall ≤ 50 ms), repeated
(interleaved) and printed as medians with all values:
  - nothing for 2 s: the stall the machine alone causes (scheduling on a shared CPU);
  - load a 1 MP photograph (tests/data/obama.jpg, 910×1137) into the gallery slot, until
    its face is in use and the similarity is shown (and 0.5 s more, for the paints);
  - load an ~11 MP photograph (obama.jpg upscaled by --scale, JPEG in a temp folder);
  - zoom in on the 11 MP photograph: 6 mouse-wheel steps towards the face, 150 ms apart;
  - change opacity (3×), colour map (2×) and blur σ (2×), 100 ms apart, with the map
    drawn on the 11 MP photograph;
  - open a case file (11 MP gallery, a stored 2-iteration FAME result) until `opened`
    and 1 s more (the similarity, the model, the paints);
  - feature-map mode: switch to "All cells" with all 49 cells computed.
Offscreen, temporary folders; big photographs are made in a temp dir, never committed.
Run it on another checkout for a "before" figure, e.g. main exported to /tmp/before:
    git archive main | tar -x -C /tmp/before
    .venv/bin/python benchmarks/photo_responsiveness.py --root /tmp/before
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
HERE = Path(__file__).resolve().parent
DATA = HERE.parent / "tests" / "data"


def settle(seconds: float) -> None:
    """Run the event loop for `seconds` (the probe keeps ticking)."""
    from PySide6.QtCore import QEventLoop, QTimer

    loop = QEventLoop()
    QTimer.singleShot(int(seconds * 1000), loop.quit)
    loop.exec()


def probed(action, done, wait, timeout: float = 600, after: float = 0.5) -> float:
    """Longest stall (ms) from `action()` (run from the event loop) until `done()` holds, plus `after` s."""
    from gui_responsiveness import StallProbe
    from PySide6.QtCore import QTimer

    probe = StallProbe()
    probe.start()
    settle(0.05)
    QTimer.singleShot(0, action)
    settle(0.02)
    wait(done, timeout=timeout)
    settle(after)
    probe.stop()
    return probe.worst_stall_ms


def wheel(view, steps: int) -> None:
    """Post `steps` zoom-in wheel events over the middle of the view's face (as a user would scroll)."""
    from PySide6.QtCore import QPoint, QPointF, Qt
    from PySide6.QtGui import QWheelEvent
    from PySide6.QtWidgets import QApplication

    vp = view.viewport()
    faces = view._faces
    if faces:
        x1, y1, x2, y2 = faces[0].box
        scene = view.vb.mapViewToScene(QPointF((x1 + x2) / 2, (y1 + y2) / 2))
        pos = QPointF(view.mapFromScene(scene))
    else:
        pos = QPointF(vp.width() / 2, vp.height() / 2)
    for _ in range(steps):
        ev = QWheelEvent(pos, QPointF(vp.mapToGlobal(pos.toPoint())), QPoint(0, 0), QPoint(0, 120),
                         Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase, False)
        QApplication.sendEvent(vp, ev)
        settle(0.15)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--scale", type=float, default=3.3, help="upscaling of obama.jpg for the big photograph")
    ap.add_argument("--root", default=str(HERE.parent), help="the checkout whose fame_desktop is measured")
    args = ap.parse_args()
    sys.path.insert(0, str(HERE))
    from gui_responsiveness import fixed_run, wait  # it puts this checkout on sys.path: --root goes before it

    sys.path.insert(0, str(Path(args.root).resolve()))

    import cv2
    from skimage import data

    tmp = Path(tempfile.mkdtemp(prefix="fame-bench-photo-"))
    small = DATA / "obama.jpg"
    src = cv2.imread(str(small))
    big = tmp / "obama_big.jpg"
    cv2.imwrite(str(big), cv2.resize(src, None, fx=args.scale, fy=args.scale, interpolation=cv2.INTER_CUBIC),
                [cv2.IMWRITE_JPEG_QUALITY, 92])
    bh, bw = cv2.imread(str(big)).shape[:2]
    chelsea = tmp / "chelsea.png"
    cv2.imwrite(str(chelsea), data.chelsea()[:, :, ::-1])

    import fame_desktop
    from fame_desktop.gui.app import build_parser, create_window

    _app, w = create_window(build_parser().parse_args(["--config-dir", str(tmp / "config")]))
    w.resize(1440, 920)
    w.show()
    w.start()
    wait(lambda: w.page is not None and w.page.loader.model is not None, timeout=600)
    page = w.page  # face verification
    page.inputs.load_path("probe", str(DATA / "obama2.jpg"))
    wait(lambda: "probe" in page.session.inputs, timeout=600)
    page.params.form.choose("reference")
    fixed_run(page, 2)
    slot = page.slots["gallery"]

    def gallery_in_use(path: Path):
        def done():
            fi = page.session.inputs.get("gallery")
            return (fi is not None and fi.image.source == str(path) and page.score.similarity is not None
                    and not w.runner.running)
        return done

    def load(path: Path) -> float:
        page.score.set_score(None)
        return probed(lambda: page.inputs.load_path("gallery", str(path)), gallery_in_use(path), wait)

    rows: dict[str, list[float]] = {k: [] for k in (
        "idle 2 s (the machine's floor)", "load 1 MP photo", f"load {bw * bh / 1e6:.0f} MP photo", "zoom (wheel) on it",
        "display controls, on photo", "open case", "feature map: all cells")}
    names = list(rows)
    for i in range(args.repeats):  # interleaved: every action sees the same machine load
        rows[names[0]].append(probed(lambda: None, lambda: True, wait, after=2.0))
        rows[names[1]].append(load(small))
        rows[names[2]].append(load(big))
        rows[names[3]].append(probed(lambda: wheel(slot.view, 6), lambda: True, wait, after=0.3))
        page.run.start()  # a result (2 iterations): maps on the photograph, stored in the case file
        wait(lambda: not page.run.running and page.session.result() is not None, timeout=600)
        settle(0.5)
        c = page.controls

        def display():  # what an examiner does while looking at the map on the photograph
            for v in (20, 60, 50):
                c.opacity.setValue(v)
                settle(0.1)
            for cmap in (c.cmap.itemText(1), c.cmap.itemText(0)):
                c.cmap.setCurrentText(cmap)
                settle(0.1)
            for sigma in (5.0, 7.7):
                c.sigma.setValue(sigma)
                settle(0.1)
        rows[names[4]].append(probed(display, lambda: True, wait, after=0.3))
        case = tmp / f"case{i}.famecase"
        saved = []
        conn = page.cases.saved.connect(lambda p: saved.append(p))
        page.cases.write(case)
        wait(lambda: bool(saved), timeout=600)
        page.cases.saved.disconnect(conn)
        opened = []
        conn = w.case_opened.connect(lambda p: opened.append(p))
        rows[names[5]].append(probed(lambda: w.open_case_path(str(case)), lambda: bool(opened), wait, after=1.0))
        w.case_opened.disconnect(conn)

    # feature-map mode last: it stays in the window
    w.switch("feature-map")
    fm = w.page
    wait(lambda: fm.loader.model is not None, timeout=600)
    fm.inputs.load_path("image", str(chelsea))
    wait(lambda: fm.session.analysis is not None, timeout=600)
    fixed_run(fm, 1)
    fm.compute_all()
    wait(lambda: not fm.run.running and fm.session.result() is not None, timeout=600)
    for _ in range(args.repeats):
        fm.cell_button.click()
        settle(0.5)
        fm.mosaic_for = None  # the mosaic is drawn again, as after a new result
        rows[names[6]].append(probed(fm.all_button.click,
                                     lambda: "cells" in fm.mosaic_view.badge.text() and not w.runner.running,
                                     wait, after=0.5))
    w.discard_on_close()
    w.close()

    med = statistics.median
    print(f"fame-desktop photo / case responsiveness — {fame_desktop.__file__.rsplit('/fame_desktop', 1)[0]}")
    print(f"  {args.repeats} repeats, big photo {bw}×{bh}; load average {os.getloadavg()[0]:.1f} at the end")
    print(f"  {'action':<28}{'longest stall (ms), median':>28}   all")
    for name, v in rows.items():
        print(f"  {name:<28}{med(v):>28.1f}   {', '.join(f'{x:.1f}' for x in v)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
