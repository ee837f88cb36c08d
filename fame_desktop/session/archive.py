"""Reading a case file's ZIP with bounded resources: a hostile file is refused before it costs much.

Only a regular file is opened (a FIFO would block, /dev/zero never ends). Before any member
is read, the archive's directory is checked: at most `MAX_ENTRIES` members, each a name of
the format (below), none twice, not encrypted, stored or deflated, and each within the size
limit of its kind. Reading stops past that limit whatever the ZIP headers declare. Header
checks of the contents (PNG size, .npy dtype and shape) come before decoding: see
`png_size` and `npy_header`. Every problem is a CaseFileError with a one-line reason.

Members of the format (3; formats 1 and 2, face verification only, had crops/<role>.png and
raw/delta.npy, read as inputs/<role>.png and raw/0.npy):

    manifest.json      the member list with SHA-256 and size          ≤ 64 KB
    signature.json     optional Ed25519 signature (signing.py)         ≤ 16 KB
    session.json       the session document                           ≤ 32 MB
    images/<64 hex>    an original photograph, named by its hash       ≤ images.MAX_FILE_BYTES
    inputs/<role>.png  a model input, 8-bit RGB                        ≤ 4 MB
    raw/<n>.npy        result n's raw output (float32)                 ≤ 256 MB
"""

from __future__ import annotations

import ast
import json
import math
import os
import re
import stat
import struct
import zipfile
from pathlib import Path

from ..core.errors import CaseFileError
from ..core.images import MAX_FILE_BYTES

MANIFEST = "manifest.json"
SIGNATURE = "signature.json"
SESSION = "session.json"
LEGACY = {"crops/gallery.png": "inputs/gallery.png", "crops/probe.png": "inputs/probe.png",
          "raw/delta.npy": "raw/0.npy"}  # format 1 and 2 names → format 3
_IMAGE = re.compile(r"images/[0-9a-f]{64}")
_INPUT = re.compile(r"inputs/[a-z][a-z0-9_-]{0,31}\.png")
_RAW = re.compile(r"raw/(0|[1-9][0-9]?)\.npy")
MAX_INPUTS = 4  # roles of a task
MAX_RESULTS = 32  # results kept per case (methods × option sets)

KB, MB, GB = 1 << 10, 1 << 20, 1 << 30
LIMITS = {"manifest": 64 * KB, "signature": 16 * KB, "session": 32 * MB, "image": MAX_FILE_BYTES,
          "input": 4 * MB, "raw": 256 * MB}
MAX_ENTRIES = 3 + 2 * MAX_INPUTS + MAX_RESULTS
MAX_DIRECTORY = 64  # more entries are refused before zipfile reads the directory (~0.5 KB of memory each)
MAX_CASE_BYTES = MAX_INPUTS * MAX_FILE_BYTES + 2 * 1024 * MB
_CHUNK = 1 * MB
_ENCRYPTED_OR_PATCHED = 0x1 | 0x20 | 0x40  # ZIP flag bits: encrypted, patch data, strong encryption


def member_kind(name: str) -> str | None:
    """The kind of a member name of the format, or None for any other name."""
    if name == MANIFEST:
        return "manifest"
    if name == SIGNATURE:
        return "signature"
    if name == SESSION:
        return "session"
    if _INPUT.fullmatch(LEGACY.get(name, name)):
        return "input"
    if _RAW.fullmatch(LEGACY.get(name, name)):
        return "raw"
    if _IMAGE.fullmatch(name):
        return "image"
    return None


def size_text(n: int) -> str:
    return (f"{n / GB:.0f} GB" if n >= 10 * GB else f"{n / MB:.0f} MB" if n >= MB else f"{n / KB:.0f} KB" if n >= KB
            else f"{n} bytes")


def open_regular(path: str | Path, max_bytes: int, what: str = "file"):
    """Open a regular file for binary reading without blocking; CaseFileError for anything else or too large."""
    p = Path(path)
    try:
        fd = os.open(p, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))  # a FIFO must not block the open
    except FileNotFoundError:
        raise CaseFileError(f"{p}: file not found") from None
    except IsADirectoryError:
        raise CaseFileError(f"{p}: is a folder") from None
    except OSError as e:
        raise CaseFileError(f"{p}: cannot read ({e.strerror or e})") from None
    st = os.fstat(fd)
    if not stat.S_ISREG(st.st_mode):
        os.close(fd)
        kind = ("a folder" if stat.S_ISDIR(st.st_mode) else "a FIFO" if stat.S_ISFIFO(st.st_mode)
                else "a device" if stat.S_ISCHR(st.st_mode) or stat.S_ISBLK(st.st_mode)
                else "a socket" if stat.S_ISSOCK(st.st_mode) else "not a file")
        raise CaseFileError(f"{p.name}: not a regular file ({kind}); only a {what} on disk can be read")
    if st.st_size > max_bytes:
        os.close(fd)
        raise CaseFileError(f"{p.name}: {size_text(st.st_size)} is too large for a {what} "
                            f"(at most {size_text(max_bytes)})")
    if hasattr(os, "set_blocking"):
        os.set_blocking(fd, True)
    return os.fdopen(fd, "rb")


def read_regular_file(path: str | Path, max_bytes: int, what: str) -> bytes:
    """The bytes of a small regular file (a key file), never more than `max_bytes`."""
    with open_regular(path, max_bytes, what) as f:
        data = f.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise CaseFileError(f"{Path(path).name}: grew past {size_text(max_bytes)} while being read")
    return data


def _entry_count(f) -> int:
    # zipfile reads the whole central directory into ZipInfo objects (~0.5 KB each): count first
    end = zipfile._EndRecData(f)  # the end-of-central-directory record (also ZIP64); None if not a ZIP
    if end is None:
        raise zipfile.BadZipFile("File is not a zip file")
    return int(end[zipfile._ECD_ENTRIES_TOTAL])


class CaseArchive:
    """The members of a case file's ZIP, checked against the format before any is read.

    `label` names the file in messages. Raises CaseFileError; zipfile's own errors
    (a damaged archive) pass through for the caller to word.
    """

    def __init__(self, f, label: str):
        self.label = label
        n = _entry_count(f)
        if n > MAX_DIRECTORY:
            raise CaseFileError(f"{label}: holds {n:,} members; a case file has at most {MAX_ENTRIES}")
        self.zip = zipfile.ZipFile(f)
        self.infos: dict[str, zipfile.ZipInfo] = {}
        for info in self.zip.infolist():
            name = info.filename
            kind = member_kind(name)
            if kind is None:
                raise CaseFileError(f"{label}: {name} is not part of the case format (refused unread)")
            if name in self.infos:
                raise CaseFileError(f"{label}: {name} appears twice in the archive")
            if info.flag_bits & _ENCRYPTED_OR_PATCHED:
                raise CaseFileError(f"{label}: {name} is encrypted; case files are never encrypted")
            if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
                raise CaseFileError(f"{label}: {name} uses an unsupported compression (method {info.compress_type})")
            limit = LIMITS[kind]
            if info.file_size > limit:
                what = "a photograph" if kind == "image" else name
                raise CaseFileError(f"{label}: {name} is {size_text(info.file_size)}; the limit for {what} "
                                    f"is {size_text(limit)}")
            self.infos[name] = info
        if len(self.infos) > MAX_ENTRIES:
            raise CaseFileError(f"{label}: holds {len(self.infos)} members; a case file has at most {MAX_ENTRIES}")

    @property
    def names(self) -> set[str]:
        return set(self.infos)

    def read(self, name: str, head: int | None = None) -> bytes:
        """The member's bytes (or its first `head` bytes), read in chunks and never past its kind's limit."""
        info = self.infos[name]
        limit = LIMITS[member_kind(name)]
        want = limit + 1 if head is None else min(head, limit)
        chunks, total = [], 0
        with self.zip.open(info) as f:
            while total < want and (chunk := f.read(min(_CHUNK, want - total))):
                chunks.append(chunk)
                total += len(chunk)
        if total > limit:
            raise CaseFileError(f"{self.label}: {name} holds more than {size_text(limit)} (refused)")
        return b"".join(chunks)


MAX_JSON_DEPTH = 32  # the format nests ~5 deep (audit details); deeper values would strain later copies


def _depth(value) -> int:
    """How deeply lists and dicts nest in a parsed JSON value (iteratively: no recursion limit)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        v, d = stack.pop()
        if isinstance(v, (dict, list)):
            deepest = max(deepest, d)
            stack.extend((c, d + 1) for c in (v.values() if isinstance(v, dict) else v))
    return deepest


def parse_json(data: bytes, label: str, name: str):
    """JSON as the format writes it: UTF-8, no NaN or Infinity, at most MAX_JSON_DEPTH levels deep;
    CaseFileError for anything else."""
    def no_constant(word):
        raise ValueError(f"{word} is not a JSON number")

    def finite(text):
        value = float(text)
        if not math.isfinite(value):
            raise ValueError(f"{text} is not a JSON number")
        return value

    try:
        value = json.loads(data.decode("utf-8"), parse_constant=no_constant, parse_float=finite)
        if _depth(value) > MAX_JSON_DEPTH:
            raise RecursionError
        return value
    except RecursionError:
        raise CaseFileError(f"{label}: {name}: damaged (nested too deeply)") from None
    except UnicodeDecodeError:
        raise CaseFileError(f"{label}: {name}: damaged (not UTF-8 text)") from None
    except ValueError as e:
        detail = str(e) if "JSON number" in str(e) else "not valid JSON"
        raise CaseFileError(f"{label}: {name}: damaged ({detail})") from None


# --- headers, checked before decoding ----------------------------------------------------------------------

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_IMAGE_MAGIC = (b"\xff\xd8\xff", _PNG_SIGNATURE, b"BM", b"II*\x00", b"MM\x00*")  # JPEG/MPO, PNG, BMP, TIFF


def png_size(head: bytes) -> tuple[int, int, int, int]:
    """(width, height, bit depth, colour type) from a PNG's IHDR; ValueError if it is not a PNG."""
    if len(head) < 29 or not head.startswith(_PNG_SIGNATURE) or head[12:16] != b"IHDR":
        raise ValueError("not a PNG file")
    width, height, depth, colour = struct.unpack(">IIBB", head[16:26])
    return width, height, depth, colour


def looks_like_a_photograph(head: bytes) -> bool:
    """Whether the first bytes are those of a supported image format (images.SUPPORTED_FORMATS)."""
    return head.startswith(_IMAGE_MAGIC) or (head[:4] == b"RIFF" and head[8:12] == b"WEBP")


def npy_header(data: bytes) -> tuple[str, bool, tuple, int]:
    """(dtype descr, fortran order, shape, data offset) of .npy bytes, read from the header only.

    Version 1 and 2 headers; the header is a Python literal (read with ast.literal_eval,
    as numpy does); ValueError when it is not a .npy header of that form.
    """
    if data[:6] != b"\x93NUMPY" or len(data) < 10:
        raise ValueError("not a .npy file")
    major = data[6]
    if major == 1:
        (n,) = struct.unpack("<H", data[8:10])
        start = 10
    elif major in (2, 3):
        (n,) = struct.unpack("<I", data[8:12])
        start = 12
    else:
        raise ValueError(f".npy version {major}")
    if n > 64 * KB or start + n > len(data):
        raise ValueError("the .npy header is damaged")
    header = ast.literal_eval(data[start:start + n].decode("latin1"))
    if not isinstance(header, dict) or set(header) != {"descr", "fortran_order", "shape"}:
        raise ValueError("the .npy header is damaged")
    descr, fortran, shape = header["descr"], header["fortran_order"], header["shape"]
    if not (isinstance(descr, str) and isinstance(fortran, bool) and isinstance(shape, tuple)
            and all(isinstance(d, int) and d >= 0 for d in shape)):
        raise ValueError("the .npy header is damaged")
    return descr, fortran, shape, start + n
