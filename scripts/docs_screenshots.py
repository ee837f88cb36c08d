"""Copy the documentation's screenshots (docs/screenshots/*.jpg) from the screenshot scripts' output.

    QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/screenshots.py /tmp/shots/main
    QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/screenshots_modes.py /tmp/shots/modes
    .venv/bin/python scripts/docs_screenshots.py /tmp/shots/main /tmp/shots/modes [--to docs/screenshots]

Each PNG named below becomes its JPEG (quality 85) under the same name the README and docs use.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MAIN = {  # scripts/screenshots.py
    "03_running_preview": "running-live-preview",
    "04_finished_overlays": "finished-overlays",
    "07_two_faces": "several-faces",
    "09_no_face": "no-face",
    "12_fast_preset_result": "fast-preset",
}
MODES = {  # scripts/screenshots_modes.py
    "22_classification_finished": "classification",
    "24_featuremap_cell": "featuremap-cell",
    "26_featuremap_all_cells": "featuremap-all-cells",
    "28_featuremap_face": "featuremap-face",
    "29_plugins_dialog": "plugins-dialog",
}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("main", type=Path, help="output folder of scripts/screenshots.py")
    ap.add_argument("modes", type=Path, help="output folder of scripts/screenshots_modes.py")
    ap.add_argument("--to", type=Path, default=ROOT / "docs" / "screenshots")
    args = ap.parse_args()
    from PIL import Image

    missing = [str(folder / f"{png}.png") for folder, names in ((args.main, MAIN), (args.modes, MODES))
               for png in names if not (folder / f"{png}.png").is_file()]
    if missing:
        print("missing screenshots: " + ", ".join(missing), file=sys.stderr)
        return 2
    for folder, names in ((args.main, MAIN), (args.modes, MODES)):
        for png, jpg in names.items():
            out = args.to / f"{jpg}.jpg"
            Image.open(folder / f"{png}.png").convert("RGB").save(out, quality=85, optimize=True)
            print(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
