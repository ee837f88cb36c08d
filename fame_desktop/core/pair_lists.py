"""Lists of face pairs for batch jobs (`fame evaluate`, `fame calibrate`): three formats, one record.

    CSV         a header with gallery,probe,same (and optionally protocol); paths absolute or
                relative to the CSV's folder, or URLs; same is 1/0 (also true/false, yes/no)
    LFW         pairs.txt: a first line "folds pairs", then "name i j" (same person) or
                "name1 i name2 j" (different people); images <root>/<name>/<name>_<i:04d>.jpg,
                root the file's folder or its lfw/ subfolder
    CFP-FP      the CFP protocol folder (Protocol/Pair_list_F.txt, Pair_list_P.txt and
                Split/FP/<fold>/same.txt, diff.txt): frontal gallery, profile probe

A CSV or pairs.txt may itself be a URL (`file://…`, `s3://…`: core.locations), its relative
entries then relative to the URL's folder. Every pair gets a stable id (protocol, index), so a
rerun can skip the pairs it has done.
Nothing is read beyond the list itself: a missing photograph is the batch job's problem,
recorded per pair.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from .errors import FameError
from .locations import exists_location, is_folder, is_url, join_location, location, name_of, parent_location, \
    read_location

FORMATS = ("csv", "lfw", "cfp-fp")
_TRUE = {"1", "true", "yes", "same", "genuine"}
_FALSE = {"0", "false", "no", "different", "impostor"}
MAX_LIST_BYTES = 256 * 1024 * 1024


class PairListError(FameError):
    """A pair list that cannot be read (unknown format, bad header, malformed line)."""


@dataclass(frozen=True)
class Pair:
    """One comparison: gallery and probe photographs (a Path, or a URL as text: core.locations), same
    identity or not, where it comes from."""

    pair_id: str
    gallery: Path | str
    probe: Path | str
    same: bool
    protocol: str = ""


def read_pairs(source: str | Path, fmt: str = "auto") -> list[Pair]:
    """The pairs of a list file (a path or a URL: core.locations) or protocol folder; `fmt` one of FORMATS
    or "auto" (by name and content)."""
    p = location(str(source))
    if not exists_location(p):
        raise PairListError(f"{p}: not found")
    fmt = _guess(p) if fmt == "auto" else fmt
    if fmt not in FORMATS:
        raise PairListError(f"{p}: unknown pair-list format {fmt!r}; choose {', '.join(FORMATS)}")
    if fmt == "cfp-fp":
        if is_url(p):
            raise PairListError(f"{p}: a CFP protocol folder is read from a path (a shared folder), not a URL")
        pairs = _read_cfp(p)
    else:
        text = read_location(p, MAX_LIST_BYTES, PairListError).decode("utf-8-sig", errors="replace")
        pairs = (_read_csv if fmt == "csv" else _read_lfw)(text, name_of(p), parent_location(p))
    if not pairs:
        raise PairListError(f"{p}: holds no pairs")
    return pairs


def _guess(p: str | Path) -> str:
    if is_folder(p):
        return "cfp-fp"
    if name_of(p).lower().endswith(".csv"):
        return "csv"
    first = read_location(p, MAX_LIST_BYTES, PairListError).decode("utf-8", errors="replace").split("\n", 1)[0]
    return "csv" if "," in first and "gallery" in first.lower() else "lfw"


def _same(text: str, where: str) -> bool:
    t = text.strip().lower()
    if t in _TRUE:
        return True
    if t in _FALSE:
        return False
    raise PairListError(f"{where}: 'same' must be 1 or 0, got {text!r}")


def _read_csv(text: str, name: str, base: str | Path) -> list[Pair]:
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    header = set(rows[0]) if rows else set()
    missing = {"gallery", "probe", "same"} - header
    if rows and missing:
        raise PairListError(f"{name}: the header needs gallery,probe,same (missing {', '.join(sorted(missing))})")
    out = []
    for n, r in enumerate(rows, 2):
        where = f"{name} line {n}"
        if not (r.get("gallery") or "").strip() or not (r.get("probe") or "").strip():
            raise PairListError(f"{where}: a gallery and a probe path are needed")
        protocol = (r.get("protocol") or "").strip()
        out.append(Pair(f"{protocol or 'pairs'}/{n - 1}", join_location(base, r["gallery"].strip()),
                        join_location(base, r["probe"].strip()), _same(r["same"], where), protocol))
    return out


def _read_lfw(text: str, name: str, base: str | Path) -> list[Pair]:
    lines = [ln.split() for ln in text.splitlines() if ln.strip()]
    if lines and len(lines[0]) == 2 and all(x.isdigit() for x in lines[0]):
        lines = lines[1:]  # "folds pairs-per-fold"
    root = join_location(base, "lfw") if is_folder(join_location(base, "lfw")) else base

    def image(person: str, i: str, where: str) -> str | Path:
        if not i.isdigit():
            raise PairListError(f"{where}: image number {i!r} is not a number")
        return join_location(root, f"{person}/{person}_{int(i):04d}.jpg")

    out = []
    for n, f in enumerate(lines, 1):
        where = f"{name} pair {n}"
        if len(f) == 3:
            out.append(Pair(f"lfw/{n}", image(f[0], f[1], where), image(f[0], f[2], where), True, "lfw"))
        elif len(f) == 4:
            out.append(Pair(f"lfw/{n}", image(f[0], f[1], where), image(f[2], f[3], where), False, "lfw"))
        else:
            raise PairListError(f"{where}: expected 'name i j' or 'name1 i name2 j', got {' '.join(f)!r}")
    return out


def _read_cfp(folder: Path) -> list[Pair]:
    proto = folder / "Protocol" if (folder / "Protocol").is_dir() else folder
    frontal = _cfp_index(proto / "Pair_list_F.txt")
    profile = _cfp_index(proto / "Pair_list_P.txt")
    split = proto / "Split" / "FP"
    if not split.is_dir():
        raise PairListError(f"{folder}: no Split/FP folder (a CFP protocol folder holds Protocol/Split/FP/01…10)")
    out = []
    for fold in sorted(d for d in split.iterdir() if d.is_dir()):
        for name, same in (("same.txt", True), ("diff.txt", False)):
            f = fold / name
            if not f.is_file():
                raise PairListError(f"{f}: missing")
            for n, line in enumerate(f.read_text().splitlines(), 1):
                if not line.strip():
                    continue
                a, _, b = line.replace(" ", "").partition(",")
                if not (a.isdigit() and b.isdigit()) or int(a) not in frontal or int(b) not in profile:
                    raise PairListError(f"{f.name} in fold {fold.name} line {n}: {line.strip()!r} names no listed image")
                kind = "same" if same else "diff"
                out.append(Pair(f"FP/{fold.name}/{kind}/{n}", frontal[int(a)], profile[int(b)], same, f"FP/{fold.name}"))
    return out


def _cfp_index(path: Path) -> dict[int, Path]:
    if not path.is_file():
        raise PairListError(f"{path}: missing (a CFP protocol folder lists its images there)")
    index = {}
    for n, line in enumerate(path.read_text().splitlines(), 1):
        parts = line.split()
        if not parts:
            continue
        if len(parts) != 2 or not parts[0].isdigit():
            raise PairListError(f"{path.name} line {n}: expected 'number path', got {line.strip()!r}")
        index[int(parts[0])] = (path.parent / parts[1]).resolve()
    return index
