"""The app's resource files (icons, report fonts), installed as the package `fame_desktop.resources`.

The folder lives at the top of the repository (resources/); pyproject.toml maps it to
`fame_desktop.resources` (setuptools package-dir), so a wheel, an editable install and the
PyInstaller bundle all find the files next to this module. No Qt here: the report uses
the fonts without a GUI.
"""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent
ICON_DIR = ROOT / "icons"
FONT_DIR = ROOT / "fonts"
ICON_NAME = "fame-desktop"  # also the desktop entry's Icon= and the installed theme icon's name
ICON_SVG = ICON_DIR / f"{ICON_NAME}.svg"
ICON_SIZES = (16, 32, 48, 128, 256)


def icon_png(size: int) -> Path:
    """The committed (size × size) PNG render of the app icon (scripts/render_icons.py)."""
    if size not in ICON_SIZES:
        raise ValueError(f"no {size} px icon; sizes are {ICON_SIZES}")
    return ICON_DIR / f"{ICON_NAME}-{size}.png"


def icon_pngs() -> list[Path]:
    """Every PNG render, smallest first (a QIcon built from all picks the sharpest per size)."""
    return [icon_png(s) for s in ICON_SIZES]
