"""Page furniture and building blocks of the PDF: fonts, styles, tables, images, header and footer.

Fonts are the DejaVu TrueType files shipped in resources/fonts (Greek letters, minus signs and
arrows need more than the PDF base fonts; shipping them makes every machine render the
report alike). Every page carries the case ID, report ID, generation time and
"page n of N" (drawn once the page count is known).
"""

from __future__ import annotations

import io
from functools import lru_cache
from xml.sax.saxutils import escape

import numpy as np
from PIL import Image as PILImage
from reportlab import rl_config
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_LEFT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas
from reportlab.platypus import Image, Paragraph, Table, TableStyle, XPreformatted

from .. import resources

FONT_DIR = resources.FONT_DIR  # resources/fonts, installed as fame_desktop.resources
SANS, BOLD, MONO = "DejaVuSans", "DejaVuSans-Bold", "DejaVuSansMono"
PAGE = A4
MARGIN = 16 * mm
FRAME_WIDTH = PAGE[0] - 2 * MARGIN
GRID = colors.HexColor("#b8b8b8")
SHADE = colors.HexColor("#eef1f5")
INK = colors.HexColor("#1a1a1a")
MUTED = colors.HexColor("#555555")


@lru_cache(maxsize=1)
def register_fonts() -> None:
    rl_config.useA85 = 0  # binary streams: ASCII85 would make every image 25 % larger
    for name, file in ((SANS, "DejaVuSans.ttf"), (BOLD, "DejaVuSans-Bold.ttf"), (MONO, "DejaVuSansMono.ttf")):
        pdfmetrics.registerFont(TTFont(name, str(FONT_DIR / file)))
    pdfmetrics.registerFontFamily(SANS, normal=SANS, bold=BOLD, italic=SANS, boldItalic=BOLD)


def _style(name: str, **kw) -> ParagraphStyle:
    base = dict(fontName=SANS, fontSize=9.5, leading=12.5, textColor=INK, alignment=TA_LEFT)
    return ParagraphStyle(name, **{**base, **kw})


@lru_cache(maxsize=1)
def styles() -> dict[str, ParagraphStyle]:
    register_fonts()
    return {
        "title": _style("title", fontName=BOLD, fontSize=17, leading=21, spaceAfter=2 * mm),
        "subtitle": _style("subtitle", fontSize=10, leading=13, textColor=MUTED, spaceAfter=3 * mm),
        "h1": _style("h1", fontName=BOLD, fontSize=13.5, leading=17, spaceBefore=3 * mm, spaceAfter=2 * mm),
        "h2": _style("h2", fontName=BOLD, fontSize=11, leading=14, spaceBefore=2.5 * mm, spaceAfter=1.5 * mm),
        "body": _style("body", spaceAfter=1.5 * mm),
        "small": _style("small", fontSize=8.5, leading=10.5),
        "caption": _style("caption", fontSize=8.5, leading=10.5, textColor=MUTED),
        "centre": _style("centre", fontSize=8.5, leading=10.5, textColor=MUTED, alignment=TA_CENTER),
        "colhead": _style("colhead", fontName=BOLD, fontSize=9, leading=11, alignment=TA_CENTER),
        "cell": _style("cell", fontSize=9, leading=11),
        "cellb": _style("cellb", fontName=BOLD, fontSize=9, leading=11),
        "mono": _style("mono", fontName=MONO, fontSize=8, leading=10),
        "score": _style("score", fontName=BOLD, fontSize=20, leading=24),
    }


def para(text: str, style: str = "body") -> Paragraph:
    """A paragraph of plain text (escaped; line breaks kept)."""
    return Paragraph(escape(str(text)).replace("\n", "<br/>"), styles()[style])


def markup(text: str, style: str = "body") -> Paragraph:
    """A paragraph of reportlab mark-up (<b>, <br/>); the caller escapes any user text."""
    return Paragraph(text, styles()[style])


def mono(text: str) -> Paragraph:
    """Monospaced text that wraps (hashes, command lines)."""
    return para(text, "mono")


def mono_block(text: str) -> XPreformatted:
    """Monospaced lines exactly as given: spaces kept, no wrapping (matrices, coordinate lists)."""
    return XPreformatted(escape(str(text)), styles()["mono"])


def cell(value, style: str = "cell"):
    """Table cell content: flowables pass through, anything else becomes an escaped paragraph."""
    if hasattr(value, "wrapOn"):
        return value
    return para("–" if value is None or value == "" else value, style)


def _base_style(header: bool) -> list:
    cmds = [
        ("GRID", (0, 0), (-1, -1), 0.4, GRID),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
    ]
    if header:
        cmds.append(("BACKGROUND", (0, 0), (-1, 0), SHADE))
    return cmds


def kv_table(rows: list[tuple[str, object]], label_width: float = 38 * mm,
             width: float = FRAME_WIDTH) -> Table:
    """Two columns: bold label, value (text or flowable)."""
    data = [[cell(k, "cellb"), cell(v)] for k, v in rows]
    t = Table(data, colWidths=[label_width, width - label_width], hAlign="LEFT")
    t.setStyle(TableStyle(_base_style(False) + [("BACKGROUND", (0, 0), (0, -1), SHADE)]))
    return t


def grid_table(header: list[str], rows: list[list], col_widths: list[float], repeat: bool = True) -> Table:
    """A table with a shaded header row repeated on every page it spans."""
    data = [[para(h, "cellb") for h in header]] + [[cell(v) for v in r] for r in rows]
    t = Table(data, colWidths=col_widths, repeatRows=1 if repeat else 0, hAlign="LEFT")
    t.setStyle(TableStyle(_base_style(True)))
    return t


def layout_table(cells: list[list], col_widths: list[float], pad: float = 2) -> Table:
    """An invisible grid for placing pictures and captions."""
    t = Table(cells, colWidths=col_widths, hAlign="LEFT")
    t.setStyle(TableStyle([
        ("VALIGN", (0, 0), (-1, -1), "TOP"), ("ALIGN", (0, 0), (-1, -1), "CENTER"),
        *[(p, (0, 0), (-1, -1), pad) for p in ("LEFTPADDING", "RIGHTPADDING", "TOPPADDING", "BOTTOMPADDING")],
    ]))
    return t


def picture(rgb: np.ndarray, width: float | None = None, height: float | None = None,
            jpeg: bool = False) -> Image:
    """An RGB array as a PDF image scaled to `width` or `height` (points), aspect kept.

    Photographs go in as JPEG (quality 92) to keep the file small; crops, maps and
    colour bars as lossless PNG.
    """
    a = np.ascontiguousarray(np.asarray(rgb, np.uint8))
    h, w = a.shape[:2]
    if width is not None and height is not None:
        s = min(width / w, height / h)
    else:
        s = width / w if width is not None else height / h
    buf = io.BytesIO()
    if jpeg:  # embedded as is (DCTDecode)
        PILImage.fromarray(a).save(buf, format="JPEG", quality=92, optimize=True)
    else:  # reportlab decodes and re-deflates PNGs itself: fast, light compression here
        PILImage.fromarray(a).save(buf, format="PNG", compress_level=1)
    buf.seek(0)
    return Image(buf, width=w * s, height=h * s)


def page_canvas(header_left: str, header_right: str, footer_left: str):
    """A canvas class drawing header, footer and 'page n of N' on every page once all are laid out."""

    class ReportCanvas(canvas.Canvas):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._pages: list[dict] = []

        def showPage(self):
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self):
            total = len(self._pages)
            for n, state in enumerate(self._pages, 1):
                self.__dict__.update(state)
                self._furniture(n, total)
                super().showPage()
            super().save()

        def _furniture(self, n: int, total: int) -> None:
            w, h = PAGE
            self.saveState()
            self.setStrokeColor(GRID)
            self.setLineWidth(0.5)
            self.line(MARGIN, h - MARGIN + 3 * mm, w - MARGIN, h - MARGIN + 3 * mm)
            self.line(MARGIN, MARGIN - 4 * mm, w - MARGIN, MARGIN - 4 * mm)
            self.setFillColor(MUTED)
            self.setFont(SANS, 7.5)
            self.drawString(MARGIN, h - MARGIN + 4.5 * mm, header_left)
            self.drawRightString(w - MARGIN, h - MARGIN + 4.5 * mm, header_right)
            self.drawString(MARGIN, MARGIN - 7.5 * mm, footer_left)
            self.setFont(BOLD, 7.5)
            self.drawRightString(w - MARGIN, MARGIN - 7.5 * mm, f"page {n} of {total}")
            self.restoreState()

    return ReportCanvas
