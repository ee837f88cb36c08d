"""Save screenshots of the desktop app's main states (offscreen) to a folder.

    QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/screenshots.py OUT_DIR [--iterations 60]

States: start-up, empty, both photographs loaded, running with the live preview,
finished with overlays, e− maps with the wipe view, several faces to pick from,
no face found, landmarks being placed by hand, an error message, the side panels.
Uses a temporary settings folder, never the user's.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data"
sys.path.insert(0, str(ROOT))
from shot_tools import fill_case, fixed_run, idle, screenshot_parser, save_shot, wait

PARAMETERS, CASE, AUDIT = range(3)  # the side panel's tabs


def main() -> int:
    ap = screenshot_parser(__doc__)
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)

    import numpy as np
    from PIL import Image

    from fame_desktop.gui.app import build_parser, create_window

    def shot(name: str, widget=None) -> None:
        save_shot(args.out, name, widget or w, 0.2)

    tmp = Path(tempfile.mkdtemp(prefix="fame-shots-"))
    _app, w = create_window(build_parser().parse_args(["--config-dir", str(tmp / "config")]))
    w.resize(*args.size)
    w.show()
    shot("00_starting")
    w.start()
    wait(lambda: w.page is not None and w.page.loader.model is not None, timeout=600, what="engine and model")
    page = w.page  # face verification
    shot("01_empty")

    page.inputs.load_path("gallery", str(DATA / "obama.jpg"))
    page.inputs.load_path("probe", str(DATA / "obama2.jpg"))
    wait(lambda: page.session.ready and page.score.similarity is not None, what="both faces")
    fill_case(page, "2024-0117", {"gallery": "EX-1 passport photo", "probe": "EX-2 press photo"}, "A. Examiner")
    page.apply_threshold((0.32, "EER of arcface-mbf on the lab validation set (2024-03, 6000 pairs)"))
    idle(w)
    shot("02_both_loaded")

    fixed_run(page, args.iterations)
    previews = []
    page.run.preview_shown.connect(previews.append)
    page.run.start()
    wait(lambda: len(previews) >= 3, what="previews")
    shot("03_running_preview")
    wait(lambda: not page.run.running, timeout=600, what="the run")
    idle(w)  # the maps warped onto the photographs are drawn in workers
    shot("04_finished_overlays")

    r = page.review
    r.toggles["gallery"].set_kind("dissimilar")
    r.toggles["probe"].set_kind("dissimilar")
    r.wipe_mode.setChecked(True)
    r.mix.setValue(40)
    page.controls.cmap.setCurrentText("inferno")
    page.side.setCurrentIndex(AUDIT)
    idle(w)
    shot("05_dissimilar_wipe_audit")
    page.controls.cmap.setCurrentText("jet")
    r.toggles["gallery"].set_kind("similar")
    r.toggles["probe"].set_kind("similar")
    r.blend_mode.setChecked(True)
    page.side.setCurrentIndex(CASE)
    w.act_original.trigger()
    shot("06_originals_case")
    w.act_original.trigger()
    page.side.setCurrentIndex(PARAMETERS)

    a = Image.open(DATA / "obama2.jpg").convert("RGB")
    b = Image.open(DATA / "biden.jpg").convert("RGB")
    b = b.resize((round(b.width * a.height / b.height), a.height))
    pair = Image.new("RGB", (a.width + b.width, a.height))
    pair.paste(a, (0, 0))
    pair.paste(b, (a.width, 0))
    pair.save(tmp / "two_faces.png")
    page.inputs.load_path("probe", str(tmp / "two_faces.png"))
    wait(lambda: len(page.inputs.state["probe"].faces or ()) == 2 and "probe" in page.session.inputs
         and page.session.inputs["probe"].image.name == "two_faces.png", what="two faces")
    wait(lambda: page.score.similarity is not None, what="similarity")
    shot("07_two_faces")
    page.choose_face("probe", 1)
    wait(lambda: page.session.inputs["probe"].payload.face_index == 1 and page.score.similarity is not None,
         what="similarity")
    shot("08_second_face_chosen")

    Image.fromarray(np.asarray(Image.open(DATA / "obama.jpg").convert("RGB"))[700:1100, 0:300]).save(
        tmp / "shoulder.png")
    page.inputs.load_path("gallery", str(tmp / "shoulder.png"))
    wait(lambda: page.slots["gallery"].no_face, what="no face")
    shot("09_no_face")
    slot = page.slots["gallery"]
    slot.start_landmarks()
    for x, y in ((120, 150), (180, 150)):
        slot.view._add_point(x, y)
    shot("10_placing_landmarks")
    w.act["escape"].trigger()  # Esc leaves landmark placing

    page.inputs.load_path("gallery", str(DATA / "obama.jpg"))
    page.choose_face("probe", 0)
    wait(lambda: page.session.ready and page.session.inputs["gallery"].image.name == "obama.jpg"
         and page.score.similarity is not None, what="the pair again")
    page.params.form.choose("fast")  # the app's default preset: adaptive stopping
    page.run.start()
    wait(lambda: not page.run.running, timeout=600, what="the fast run")
    idle(w)
    shot("12_fast_preset_result")

    bad = tmp / "statement.jpg"
    bad.write_text("not a photograph")
    page.inputs.load_path("probe", str(bad))
    wait(lambda: w.messages.open_boxes, timeout=30, what="error box")
    shot("11_error_message", w.messages.open_boxes[0])
    shot("11_error_window")
    w.messages.close_all()
    w.discard_on_close()  # no unsaved-changes question for the screenshot session
    w.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
