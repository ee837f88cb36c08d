"""What a task adds to the report: a Qt-free structure any renderer (PDF, HTML) can lay out.

A section is a title, a one-line headline, facts (label → value), paragraphs, tables,
figures (RGB images with captions) and caveats. No widget, no reportlab object: the
report package decides how it looks.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class Table:
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    caption: str = ""

    def __post_init__(self):
        bad = [r for r in self.rows if len(r) != len(self.columns)]
        if bad:
            raise ValueError(f"table row {bad[0]!r} does not have {len(self.columns)} cells")


@dataclass(frozen=True)
class Figure:
    """image: (H, W, 3) uint8 RGB; caption says what it shows."""

    image: np.ndarray
    caption: str

    def __post_init__(self):
        a = np.asarray(self.image)
        if a.dtype != np.uint8 or a.ndim != 3 or a.shape[2] != 3:
            raise ValueError(f"a figure is an (H, W, 3) uint8 RGB image, got {a.dtype} {a.shape}")


@dataclass
class ReportSection:
    title: str
    headline: str = ""
    facts: list[tuple[str, str]] = field(default_factory=list)
    paragraphs: list[str] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)
    caveats: list[str] = field(default_factory=list)

    def to_text(self) -> str:
        """Plain-text rendering (logs, tests, a fallback for renderers without figures)."""
        lines = [self.title, "=" * len(self.title)]
        if self.headline:
            lines.append(self.headline)
        lines += [f"{k}: {v}" for k, v in self.facts]
        lines += self.paragraphs
        for t in self.tables:
            lines += [t.caption, " | ".join(t.columns)] + [" | ".join(r) for r in t.rows]
        lines += [f"[figure] {f.caption}" for f in self.figures]
        lines += [f"Note: {c}" for c in self.caveats]
        return "\n".join(x for x in lines if x)
