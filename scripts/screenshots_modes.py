"""Save screenshots of the task modes (offscreen) to a folder; the sibling of screenshots.py.

    QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/screenshots_modes.py OUT_DIR [--iterations 60]

States: the mode selector, ImageNet classification running (live preview) and finished
(overlays on the input and the photograph, top-5), another class chosen through the
searchable list, the feature-map grid with a selected cell's receptive field, all cells
as a mosaic, the feature-map view of a face, and the Plugins dialog with a broken
plugin (a temporary entry point, as in the tests). Uses a temporary settings folder.
"""

from __future__ import annotations

import importlib
import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data"
sys.path.insert(0, str(ROOT))
from shot_tools import fixed_run, idle, screenshot_parser, pump, save_shot, wait as wait_for

BROKEN_PLUGIN = '''
def setup(registry):
    import fame_face_morphing_backend  # a dependency the user has not installed
'''


def add_broken_plugin(folder: Path) -> None:
    """A plugin whose import fails, declared through a dist-info folder on sys.path."""
    (folder / "fame_morphing_plugin.py").write_text(BROKEN_PLUGIN)
    info = folder / "fame_morphing_plugin-0.3.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: fame-morphing-plugin\nVersion: 0.3\n")
    (info / "entry_points.txt").write_text("[fame_desktop.plugins]\nmorph-detection = fame_morphing_plugin:setup\n")
    sys.path.insert(0, str(folder))
    importlib.invalidate_caches()


def main() -> int:
    ap = screenshot_parser(__doc__, "the classification run")
    ap.add_argument("--cell-iterations", type=int, default=15, help="FAME iterations per feature-map cell")
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="fame-shots-"))
    add_broken_plugin(tmp)

    import cv2
    from skimage import data

    from fame_desktop.gui.app import build_parser, create_window

    def wait(cond, timeout: float = 600.0, what: str = "") -> None:
        wait_for(cond, timeout, what)

    def shot(name: str, widget=None) -> None:
        save_shot(args.out, name, widget or w, 0.3)

    photo = tmp / "chelsea.png"
    cv2.imwrite(str(photo), data.chelsea()[:, :, ::-1])
    _app, w = create_window(build_parser().parse_args(["--config-dir", str(tmp / "config")]))
    w.resize(*args.size)
    w.show()
    w.start()
    wait(lambda: w.engine.is_ready and w.page is not None, what="plugins")
    sel = w.selector
    sel.showPopup()
    pump(0.3)
    shot("20_mode_selector_list", sel.view().window())
    sel.hidePopup()

    # ImageNet classification ------------------------------------------------------------
    w.switch("imagenet-classification")
    cls = w.page
    wait(lambda: cls.loader.model is not None, what="the classifier")
    fixed_run(cls, args.iterations)
    cls.inputs.load_path("image", str(photo))
    wait(lambda: cls.session.analysis is not None, what="top-5")
    previews = []
    cls.run.preview_shown.connect(previews.append)
    cls.run.start()
    wait(lambda: len(previews) >= 2 or not cls.run.running, what="previews")
    shot("21_classification_running")
    wait(lambda: not cls.run.running, timeout=3600, what="the run")
    wait(lambda: cls.slots["image"].view.overlay_item.isVisible(), what="the photo layer")
    idle(w)
    shot("22_classification_finished")
    cls.chooser.lineEdit().setText("tiger cat")
    cls.chooser.lineEdit().returnPressed.emit()
    cls.run.start()
    wait(lambda: not cls.run.running, timeout=3600, what="the second class")
    cls.controls.cmap.setCurrentText("inferno")
    wait(lambda: cls.slots["image"].view.overlay_item.isVisible(), what="the photo layer")
    idle(w)
    shot("23_classification_second_class_inferno")
    cls.controls.cmap.setCurrentText("jet")

    # Feature maps (ImageNet model) ----------------------------------------------------------
    w.switch("feature-map")
    fm = w.page
    wait(lambda: fm.loader.model is not None, what="the feature-map model")
    fixed_run(fm, args.cell_iterations)
    fm.inputs.load_path("image", str(photo))
    wait(lambda: fm.session.analysis is not None and fm.layer.count() > 1, what="the grid")
    fm.select_cell(0, 3)
    wait(lambda: not fm.run.running, timeout=3600, what="cell (0, 3)")
    wait(lambda: fm.slots["image"].view.overlay_item.isVisible(), what="the photo layer")
    idle(w)
    shot("24_featuremap_cell")
    fm.all_button.click()
    fm.compute_all()
    wait(lambda: fm.run.preview is not None and fm.run.preview.extra.get("mosaic") is not None, timeout=3600,
         what="a live mosaic")
    shot("25_featuremap_all_cells_running")
    wait(lambda: not fm.run.running, timeout=7200, what="all cells")
    wait(lambda: fm.mosaic_view.has_image and "cells ·" in fm.mosaic_view.badge.text(), what="the mosaic")
    idle(w)
    shot("26_featuremap_all_cells")
    fm.cell_button.click()
    fm.select_cell(6, 0)
    idle(w)
    shot("27_featuremap_corner_cell")

    # Feature maps of a face -----------------------------------------------------------------
    fm.params.model.setCurrentIndex(fm.params.model.findData("arcface-mbf"))
    wait(lambda: fm.loader.model is not None and fm.loader.model.describe()["key"] == "arcface-mbf",
         what="the face model")
    fm.inputs.load_path("image", str(DATA / "obama.jpg"))
    wait(lambda: fm.session.analysis is not None and fm.session.inputs["image"].image.name == "obama.jpg",
         what="the face grid")
    fm.select_cell(2, 2)
    wait(lambda: not fm.run.running, timeout=3600, what="a face cell")
    wait(lambda: fm.slots["image"].view.overlay_item.isVisible(), what="the photo layer")
    idle(w)
    shot("28_featuremap_face")

    # Plugins ----------------------------------------------------------------------------------
    w.show_plugins()
    dlg = w.plugins_dialog
    broken = [dlg.tree.topLevelItem(i) for i in range(dlg.tree.topLevelItemCount())
              if dlg.tree.topLevelItem(i).text(2) == "BROKEN"]
    if broken:
        dlg.tree.expandItem(broken[0])
    shot("29_plugins_dialog", dlg)
    dlg.close()
    w.discard_on_close()  # no unsaved-changes question for the screenshot session
    w.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
