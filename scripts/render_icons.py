"""Render resources/icons/fame-desktop.svg to the committed PNG sizes with Qt's SVG renderer.

    python scripts/render_icons.py            # rewrite resources/icons/fame-desktop-<N>.png
    python scripts/render_icons.py --sheet F  # also save a contact sheet (each size, and ×8 nearest)

Run it after editing the SVG and commit the PNGs: the app, the desktop entry and the
PyInstaller bundle use the PNGs, so none of them needs QtSvg at run time.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QRectF, Qt  # noqa: E402
from PySide6.QtGui import QGuiApplication, QImage, QPainter  # noqa: E402
from PySide6.QtSvg import QSvgRenderer  # noqa: E402

from resources import ICON_SIZES, ICON_SVG, icon_png  # noqa: E402  (the package's own locator)


def render(renderer: QSvgRenderer, size: int) -> QImage:
    """(size, size) ARGB image of the SVG on a transparent background."""
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
    renderer.render(painter, QRectF(0, 0, size, size))
    painter.end()
    return image


def contact_sheet(images: dict[int, QImage]) -> QImage:
    """Each size at 1:1 on grey, then each scaled ×8 (nearest) to judge the small ones."""
    zoom = 8
    width = sum(s for s in images) + sum(s * zoom if s <= 48 else s for s in images) + 20 * 2 * len(images)
    height = max(images) + 40 + max(max(images), 48 * zoom)
    sheet = QImage(width, height, QImage.Format.Format_ARGB32)
    sheet.fill(Qt.GlobalColor.lightGray)
    p = QPainter(sheet)
    x = 10
    for s, img in images.items():
        p.drawImage(x, 10, img)
        x += s + 20
    x = 10
    for s, img in images.items():
        big = img.scaled(s * zoom, s * zoom, Qt.AspectRatioMode.KeepAspectRatio,
                         Qt.TransformationMode.FastTransformation) if s <= 48 else img
        p.drawImage(x, max(images) + 30, big)
        x += big.width() + 20
    p.end()
    return sheet


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sheet", type=Path, help="also save a contact sheet PNG here")
    args = ap.parse_args()
    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])  # noqa: F841  (fonts, platform)
    renderer = QSvgRenderer(str(ICON_SVG))
    if not renderer.isValid():
        print(f"cannot read {ICON_SVG}", file=sys.stderr)
        return 1
    images = {}
    for size in ICON_SIZES:
        images[size] = render(renderer, size)
        if not images[size].save(str(icon_png(size))):
            print(f"cannot write {icon_png(size)}", file=sys.stderr)
            return 1
        print(icon_png(size).relative_to(ROOT))
    if args.sheet:
        contact_sheet(images).save(str(args.sheet))
        print(args.sheet)
    return 0


if __name__ == "__main__":
    sys.exit(main())
