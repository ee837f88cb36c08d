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
from shot_tools import screenshot_parser, save_shot, wait


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
    width, height = args.size
    w.resize(width, height)
    w.show()
    shot("00_starting")
    w.start()
    wait(lambda: w.engine.is_ready and w.engine.model is not None, what="engine and model")
    shot("01_empty")

    w.inputs.load_path("gallery", str(DATA / "obama.jpg"))
    w.inputs.load_path("probe", str(DATA / "obama2.jpg"))
    wait(lambda: w.model.session.ready and w.score.similarity is not None, what="both faces")
    w.case.set_values({"case_id": "2024-0117", "exhibit_gallery": "EX-1 passport photo",
                       "exhibit_probe": "EX-2 press photo", "examiner": "A. Examiner"})
    w.model.do("set_case", case_id="2024-0117", exhibit_gallery="EX-1 passport photo",
               exhibit_probe="EX-2 press photo", examiner="A. Examiner")
    w.apply_threshold((0.32, "EER of arcface-mbf on the lab validation set (2024-03, 6000 pairs)"))
    shot("02_both_loaded")

    w.params.iterations.setValue(args.iterations)
    w.params.epsilon.setValue(0.0)
    w.params.converge.setValue(0.0)  # no adaptive stopping: a fixed run
    previews = []
    w.run.preview_shown.connect(previews.append)
    w.run.start()
    wait(lambda: len(previews) >= 3, what="previews")
    shot("03_running_preview")
    wait(lambda: not w.run.running, timeout=600, what="the run")
    shot("04_finished_overlays")

    w.review.toggles["gallery"].set_kind("dissimilar")
    w.review.toggles["probe"].set_kind("dissimilar")
    w.review.wipe_mode.setChecked(True)
    w.review.mix.setValue(40)
    w.review.controls.cmap.setCurrentText("inferno")
    w.tabs.setCurrentIndex(2)
    shot("05_dissimilar_wipe_audit")
    w.review.controls.cmap.setCurrentText("jet")
    w.review.toggles["gallery"].set_kind("similar")
    w.review.toggles["probe"].set_kind("similar")
    w.review.blend_mode.setChecked(True)
    w.tabs.setCurrentIndex(1)
    w.act_original.trigger()
    shot("06_originals_case")
    w.act_original.trigger()
    w.tabs.setCurrentIndex(0)

    a = Image.open(DATA / "obama2.jpg").convert("RGB")
    b = Image.open(DATA / "biden.jpg").convert("RGB")
    b = b.resize((round(b.width * a.height / b.height), a.height))
    pair = Image.new("RGB", (a.width + b.width, a.height))
    pair.paste(a, (0, 0))
    pair.paste(b, (a.width, 0))
    pair.save(tmp / "two_faces.png")
    w.inputs.load_path("probe", str(tmp / "two_faces.png"))
    wait(lambda: w.model.session.probe is not None and len(w.model.session.probe.faces) == 2, what="two faces")
    wait(lambda: w.score.similarity is not None, what="similarity")
    shot("07_two_faces")
    w.inputs.choose_face("probe", 1)
    wait(lambda: w.score.similarity is not None, what="similarity")
    shot("08_second_face_chosen")

    Image.fromarray(np.asarray(Image.open(DATA / "obama.jpg").convert("RGB"))[700:1100, 0:300]).save(
        tmp / "shoulder.png")
    w.inputs.load_path("gallery", str(tmp / "shoulder.png"))
    wait(lambda: w.slots["gallery"].no_face, what="no face")
    shot("09_no_face")
    slot = w.slots["gallery"]
    slot.start_landmarks()
    for x, y in ((120, 150), (180, 150)):
        slot.view._add_point(x, y)
    shot("10_placing_landmarks")
    slot.cancel_landmarks()

    w.inputs.load_path("gallery", str(DATA / "obama.jpg"))
    w.inputs.choose_face("probe", 0)
    wait(lambda: w.model.session.ready and w.score.similarity is not None, what="the pair again")
    w.params.form.choose("fast")  # the app's default preset: adaptive stopping
    w.run.start()
    wait(lambda: not w.run.running, timeout=600, what="the fast run")
    shot("12_fast_preset_result")

    bad = tmp / "statement.jpg"
    bad.write_text("not a photograph")
    w.inputs.load_path("probe", str(bad))
    wait(lambda: w.messages.open_boxes, timeout=30, what="error box")
    shot("11_error_message", w.messages.open_boxes[0])
    shot("11_error_window")
    w.messages.close_all()
    w.cases.discard_on_close()  # no unsaved-changes question for the screenshot session
    w.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
