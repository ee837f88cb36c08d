"""Object boxes from PASCAL VOC XML files (the format of ImageNet's bounding-box files), and their
pixels in a model input.

    <annotation><size><width>451</width><height>300</height></size>
      <object><name>n02124075</name><bndbox><xmin>18</xmin><ymin>0</ymin><xmax>385</xmax><ymax>299</ymax>
      </bndbox></object> …</annotation>

A box covers the photograph's pixels xmin..xmax and ymin..ymax, both ends included. An object's
<name> is an ImageNet WordNet ID (n02124075), a class index (285) or a class name ("Egyptian cat").
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

import numpy as np

from ..core.errors import FameError
from ..core.locations import location, read_location

MAX_XML_BYTES = 1 << 20  # an annotation is a few hundred bytes; refuse anything far larger unread


class BoxFileError(FameError):
    """A box file that cannot be read or names no usable box."""


@dataclass(frozen=True)
class Box:
    """One object: its <name> as written and its pixel extent on the photograph (ends included)."""

    label: str
    xmin: float
    ymin: float
    xmax: float
    ymax: float


@dataclass(frozen=True)
class BoxFile:
    """A parsed annotation: the photograph's size as the file states it (0 when absent) and its boxes."""

    path: Path | str
    width: int
    height: int
    boxes: tuple[Box, ...]

    def classes(self) -> list[int]:
        """ImageNet class index of every box, in file order, each once."""
        seen: list[int] = []
        for b in self.boxes:
            c = imagenet_class(b.label, self.path)
            if c not in seen:
                seen.append(c)
        return seen

    def boxes_of(self, index: int) -> tuple[Box, ...]:
        return tuple(b for b in self.boxes if imagenet_class(b.label, self.path) == index)


def _number(node, tag: str, path: Path) -> float:
    el = node.find(tag)
    try:
        return float(el.text)
    except (AttributeError, TypeError, ValueError):
        raise BoxFileError(f"{path}: <{tag}> is missing or not a number") from None


def read_voc(path: str | Path) -> BoxFile:
    """Parse a PASCAL VOC annotation; BoxFileError with the reason for anything unusable."""
    p = location(str(path))
    data = read_location(p, MAX_XML_BYTES, BoxFileError)
    try:
        root = ET.fromstring(data)
    except ET.ParseError as e:
        raise BoxFileError(f"{p}: not a valid XML file ({e})") from None
    if root.tag != "annotation":
        raise BoxFileError(f"{p}: not a PASCAL VOC annotation (root element <{root.tag}>)")
    size = root.find("size")
    width = int(_number(size, "width", p)) if size is not None else 0
    height = int(_number(size, "height", p)) if size is not None else 0
    boxes = []
    for obj in root.iter("object"):
        name = (obj.findtext("name") or "").strip()
        bb = obj.find("bndbox")
        if not name or bb is None:
            raise BoxFileError(f"{p}: an <object> without <name> or <bndbox>")
        box = Box(name, *(_number(bb, t, p) for t in ("xmin", "ymin", "xmax", "ymax")))
        if not (box.xmin <= box.xmax and box.ymin <= box.ymax):
            raise BoxFileError(f"{p}: box of {name} has xmin > xmax or ymin > ymax")
        boxes.append(box)
    if not boxes:
        raise BoxFileError(f"{p}: no <object> with a box")
    return BoxFile(p, width, height, tuple(boxes))


@lru_cache(maxsize=1)
def imagenet_wnids() -> tuple[str, ...]:
    """The WordNet ID of each ImageNet-1k class index (imagenet_wnids.txt beside this module)."""
    text = resources.files(__package__).joinpath("imagenet_wnids.txt").read_text(encoding="ascii")
    wnids = tuple(line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#"))
    if len(wnids) != 1000:
        raise RuntimeError(f"imagenet_wnids.txt lists {len(wnids)} classes, not 1000")
    return wnids


def imagenet_class(label: str, source: Path | str = "") -> int:
    """A WordNet ID, class index or class name → ImageNet class index (BoxFileError if none)."""
    from ..core.models.imagenet import imagenet_categories

    text = label.strip()
    wnids = imagenet_wnids()
    if text in wnids:
        return wnids.index(text)
    if text.isdigit() and int(text) < len(wnids):
        return int(text)
    names = [n.lower() for n in imagenet_categories()]
    if text.lower() in names:
        return names.index(text.lower())
    where = f"{source}: " if source else ""
    raise BoxFileError(f"{where}{label!r} is no ImageNet-1k class (WordNet ID, index 0–999 or class name)")


def box_mask(boxes, matrix: np.ndarray, size: int) -> np.ndarray:
    """(size, size) bool: the model-input pixels inside any of `boxes`.

    matrix (2, 3) maps photograph pixel centres to input pixel centres (PreparedInput.matrix); a box's
    outer edges (xmin − ½ … xmax + ½) are mapped and the input pixels whose centres fall inside are kept.
    """
    m = np.asarray(matrix, dtype=np.float64)
    mask = np.zeros((size, size), dtype=bool)
    centres = np.arange(size, dtype=np.float64)
    for b in boxes:
        corners = np.array([[b.xmin - 0.5, b.ymin - 0.5, 1], [b.xmax + 0.5, b.ymin - 0.5, 1],
                            [b.xmin - 0.5, b.ymax + 0.5, 1], [b.xmax + 0.5, b.ymax + 0.5, 1]]) @ m.T
        (u0, v0), (u1, v1) = corners.min(axis=0), corners.max(axis=0)
        cols = (centres >= u0) & (centres <= u1)
        rows = (centres >= v0) & (centres <= v1)
        mask |= rows[:, None] & cols[None, :]
    return mask
