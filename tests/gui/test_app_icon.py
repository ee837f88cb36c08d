"""The application icon: committed PNG renders of the SVG, on every window and in the About box."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import QSize

from fame_desktop import resources
from fame_desktop.gui.app import build_parser, create_window


@pytest.mark.parametrize("size", resources.ICON_SIZES)
def test_icon_png_is_a_square_render_with_transparent_corners(size):
    with Image.open(resources.icon_png(size)) as im:
        assert im.format == "PNG" and im.size == (size, size) and im.mode == "RGBA"
        alpha = np.asarray(im.getchannel("A"))
    assert alpha[0, 0] == 0 and alpha[-1, -1] == 0  # rounded corners
    assert alpha[size // 2, size // 2] == 255


def test_committed_pngs_are_renders_of_the_current_svg(qapp):
    """Editing the SVG without re-running scripts/render_icons.py fails here."""
    import importlib.util
    from pathlib import Path

    from PySide6.QtSvg import QSvgRenderer

    path = Path(__file__).resolve().parents[2] / "scripts" / "render_icons.py"
    spec = importlib.util.spec_from_file_location("render_icons", path)
    render_icons = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(render_icons)
    renderer = QSvgRenderer(str(resources.ICON_SVG))
    assert renderer.isValid()
    for size in (16, 256):
        image = render_icons.render(renderer, size).convertToFormat(render_icons.QImage.Format.Format_RGBA8888)
        fresh = np.frombuffer(image.constBits(), np.uint8).reshape(size, image.bytesPerLine() // 4, 4)[:, :size]
        with Image.open(resources.icon_png(size)) as im:
            committed = np.asarray(im.convert("RGBA"))
        # anti-aliasing may differ by a level or two between Qt versions, the drawing may not
        assert np.abs(fresh.astype(int) - committed).mean() < 2.0, size


def test_windows_and_about_box_carry_the_app_icon(qtbot, tmp_path):
    app, w = create_window(build_parser().parse_args(["--config-dir", str(tmp_path)]))
    qtbot.addWidget(w)
    try:
        sizes = app.windowIcon().availableSizes()
        assert {QSize(s, s) for s in resources.ICON_SIZES} <= set(sizes)
        assert w.windowIcon().cacheKey() == app.windowIcon().cacheKey()  # inherited by every window
        assert app.desktopFileName() == "fame-desktop"
        w.show()
        about = w.act["about"]  # Help ▸ About
        about.trigger()
        pixmap = w.about_box.iconPixmap()
        assert not pixmap.isNull() and pixmap.width() >= 64
        w.about_box.close()
    finally:
        w.messages.uninstall_hooks()
        w.close()
