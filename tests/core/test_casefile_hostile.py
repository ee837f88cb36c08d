"""Hostile case files, generated here from an honest one: `fame report` refuses each with exit 2 and one line
that names the problem, no traceback, nothing written. The memory-heavy ones run in a subprocess whose peak
memory must stay under 2 GB (they used to take 2.8–5.5 GB or end in MemoryError)."""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import struct
import subprocess
import sys
import zipfile
import zlib
from pathlib import Path

import numpy as np
import pytest
from case_forgery import edit_session, forge, legacy_layout, members_of, rehash, write_zip

from fame_desktop.cli import main
from fame_desktop.session.archive import MAX_ENTRIES

ROOT = Path(__file__).resolve().parents[2]
PEAK_LIMIT_KB = 2 * 1024 * 1024  # 2 GB of the child's resident peak (VmHWM, kB)
MB = 1 << 20
BUILDERS: dict[str, tuple] = {}


def hostile(reason: str, heavy: bool = False):
    """Register `build(honest case, destination) -> path`; `reason`: a regex the one-line error must match."""
    def register(build):
        BUILDERS[build.__name__] = (build, reason, heavy)
        return build
    return register


@pytest.fixture(scope="module")
def honest(tmp_path_factory, pair_session_module):
    from fame_desktop.session.casefile import save_case

    path = tmp_path_factory.mktemp("honest") / "honest.famecase"
    save_case(pair_session_module, path)
    return path


@pytest.fixture(scope="module")
def pair_session_module(_pair_session_master):
    from fame_desktop.session.model import Session

    return Session.from_state(_pair_session_master)


# --- forged content (manifest re-hashed) ------------------------------------------------------------------

@hostile(r"similarity 0\.9900 does not match")
def forged_similarity(src, dst):
    def higher(doc):
        doc["analysis"]["summary"]["similarity"] = 0.99
        doc["results"][0]["iterations"] = [500] * 4
        doc["results"][0]["params"]["iterations"] = doc["params"]["fame"]["iterations"] = 500
    return forge(src, dst, edit_session(higher))


@hostile(r"similarity 0\.9900 does not match")
def forged_similarity_format_2(src, dst):
    """A case in the layout earlier versions wrote (format 2), forged the same way."""
    forge(src, dst, legacy_layout(2))
    return forge(dst, dst, edit_session(lambda d: d["explanation"].__setitem__("similarity", 0.99)))


@hostile(r"session\.json: damaged \(NaN is not a JSON number\)")
def nan_similarity(src, dst):
    return forge(src, dst, edit_session(lambda d: d["analysis"]["summary"].__setitem__("similarity", float("nan"))))


@hostile(r"the raw Δx of gallery_similar is not finite")
def all_nan_delta(src, dst):
    def nan(members):
        header, shape = _npy_header(members["raw/0.npy"])
        members["raw/0.npy"] = header + np.full(shape, np.nan, "<f4").tobytes()
    return forge(src, dst, nan)


@hostile(r"made with the task 'redness', which no installed plugin provides")
def unknown_task(src, dst):
    return forge(src, dst, edit_session(lambda d: d.__setitem__("task", "redness")))


@hostile(r"made with the explanation method 'saliency', which no installed plugin provides")
def unknown_method(src, dst):
    return forge(src, dst, edit_session(lambda d: d["results"][0].__setitem__("method", "saliency")))


@hostile(r"holds an input 'witness', which Face verification does not take")
def unknown_role(src, dst):
    def witness(members):
        members["inputs/witness.png"] = members["inputs/probe.png"]
        edit_session(lambda d: d["inputs"].__setitem__("witness", d["inputs"]["probe"]))(members)
    return forge(src, dst, witness)


@hostile(r"view setting opacity='abc' is not a number")
def opacity_abc(src, dst):
    return forge(src, dst, edit_session(lambda d: d["view"].__setitem__("opacity", "abc")))


@hostile(r"manifest\.json: damaged \(the entry of session\.json is not")
def manifest_entry_is_a_string(src, dst):
    members = members_of(src)
    m = json.loads(members["manifest.json"])
    m["members"]["session.json"] = "abc"
    members["manifest.json"] = json.dumps(m).encode()
    return write_zip(dst, members)


@hostile(r"session\.json: damaged \(nested too deeply\)")
def deep_session_json(src, dst):
    return forge(src, dst, lambda m: m.__setitem__("session.json", b"[" * 200_000 + b"]" * 200_000))


@hostile(r"session\.json: damaged \(nested too deeply\)")
def view_nested_100_deep(src, dst):
    """Parses (below the parser's recursion limit), but would strain every later copy of the session."""
    def deep(doc):
        value = 1
        for _ in range(100):
            value = [value]
        doc["view"]["extra"] = value
    return forge(src, dst, edit_session(deep))


@hostile(r"manifest\.json: damaged \(nested too deeply\)")
def deep_manifest_json(src, dst):
    members = members_of(src)
    members["manifest.json"] = b"[" * 30_000 + b"]" * 30_000  # within the manifest's 64 KB
    return write_zip(dst, members)


@hostile(r"session\.json is encrypted")
def encryption_flag(src, dst):
    write_zip(dst, members_of(src))  # zipfile writes no encrypted members: set the flag in the headers
    flags = _central_entry(dst, "session.json", 8, "<H")
    _central_entry(dst, "session.json", 8, "<H", flags | 0x1)
    return dst


@hostile(r"session\.json appears twice")
def duplicate_member(src, dst):
    members = members_of(src)
    with zipfile.ZipFile(dst, "w") as z:
        for name, data in members.items():
            z.writestr(name, data)
        with pytest.warns(UserWarning, match="Duplicate name"):
            z.writestr("session.json", data.replace(b"2024-FR-0173", b"2024-FR-9999"))
    return dst


@hostile(r"\.\./evil\.sh is not part of the case format")
def path_traversal_member(src, dst):
    return forge(src, dst, lambda m: m.__setitem__("../evil.sh", b"#!/bin/sh\n"))


@hostile(rf"holds 20,007 members; a case file has at most {MAX_ENTRIES}")
def many_members(src, dst):
    members = members_of(src)
    members.update({f"x/{i:06d}": b"" for i in range(20_000)})
    return write_zip(dst, members)


@hostile(r"session\.json uses an unsupported compression")
def bzip2_member(src, dst):
    members = members_of(src)
    with zipfile.ZipFile(dst, "w") as z:
        for name, data in members.items():
            z.writestr(name, data, compress_type=zipfile.ZIP_BZIP2 if name == "session.json" else zipfile.ZIP_DEFLATED)
    return dst


@hostile(r"raw/0\.npy has dtype '<f8'; expected float32")
def delta_float64(src, dst):
    def wide(members):
        from fame_desktop.core.io_utils import npy_bytes
        a = np.load(io.BytesIO(members["raw/0.npy"]))
        members["raw/0.npy"] = npy_bytes(a.astype(np.float64))
    return forge(src, dst, wide)


@hostile(r"damaged")
def size_declared_smaller_than_data(src, dst):
    """The central directory says 100 bytes; the member holds more (the reader must not trust either)."""
    write_zip(dst, members_of(src))
    _central_entry(dst, "session.json", 24, "<I", 100)
    return dst


# --- memory-heavy: run in a subprocess, peak RSS checked -------------------------------------------------

@hostile(r"junk/0\.bin is not part of the case format", heavy=True)
def four_listed_junk_members(src, dst):
    """Four 128 MB junk members, listed in the manifest with their true hashes (the issue's 4 × 1000 MB)."""
    members = members_of(src)
    listed = {}
    with zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as z:
        for i in range(4):
            listed[f"junk/{i}.bin"] = _stream_zeros(z, f"junk/{i}.bin", 128 * MB)
        manifest = json.loads(members["manifest.json"])
        manifest["members"].update(listed)
        members["manifest.json"] = json.dumps(manifest).encode()
        for name, data in members.items():
            z.writestr(name, data)
    return dst


@hostile(r"images/[0-9a-f]{64} is 520 MB; the limit for a photograph is 512 MB", heavy=True)
def photograph_over_the_limit(src, dst):
    """A 520 MB photograph member, listed and referenced with its true hash (refused before it is read)."""
    members = members_of(src)
    size = 520 * MB
    sha = _zeros_sha256(size)
    doc = json.loads(members["session.json"])
    members.pop(f"images/{doc['inputs']['probe']['image']['sha256']}")
    doc["inputs"]["probe"]["image"]["sha256"] = sha
    members["session.json"] = json.dumps(doc).encode()
    rehash(members)
    manifest = json.loads(members["manifest.json"])
    manifest["members"][f"images/{sha}"] = {"sha256": sha, "size": size}
    members["manifest.json"] = json.dumps(manifest).encode()
    with zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as z:
        for n, data in members.items():
            z.writestr(n, data)
        _stream_zeros(z, f"images/{sha}", size)
    return dst


@hostile(r"inputs/gallery\.png is 20000 × 20000 pixels; a model input is a square 8-bit RGB image of at most "
         r"1024 × 1024", heavy=True)
def crop_20000_square(src, dst):
    def big(members):
        rows = zlib.compress(bytes(1 + 20000 * 3) * 8, 1)  # the first rows; the header declares 20000²
        members["inputs/gallery.png"] = _png(20000, 20000, rows)
    return forge(src, dst, big)


@hostile(r"crops/gallery\.png is 20000 × 20000 pixels")
def crop_20000_square_format_2(src, dst):
    """The same in the layout of format 2, whose crops were read under their old names."""
    forge(src, dst, legacy_layout(2))
    return forge(dst, dst, lambda m: m.__setitem__("crops/gallery.png", _png(20000, 20000, zlib.compress(bytes(64)))))


@hostile(r"raw/0\.npy declares shape \(4, 3, 35000, 35000\) \(55 GB\); the limit for a raw output is 256 MB",
         heavy=True)
def delta_header_declares_55_gb(src, dst):
    def huge(members):
        header = _npy_header_bytes("<f4", (4, 3, 35000, 35000))
        members["raw/0.npy"] = header + bytes(64)
    return forge(src, dst, huge)


@hostile(r"not a regular file \(a named pipe\)", heavy=True)
def fifo_as_case(src, dst):
    os.mkfifo(dst)
    return dst


@hostile(r"not a regular file \(a device\)", heavy=True)
def dev_zero_as_case(src, dst):
    os.symlink("/dev/zero", dst)
    return dst


# --- the tests ---------------------------------------------------------------------------------------------

LIGHT = sorted(k for k, v in BUILDERS.items() if not v[2])
HEAVY = sorted(k for k, v in BUILDERS.items() if v[2])


def _one_line_refusal(code, err: str, reason: str, folder: Path, case: Path) -> None:
    assert code == 2, err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1, err
    assert re.search(reason, err), err
    assert sorted(p.name for p in folder.iterdir()) == [case.name], "something was left behind"


@pytest.mark.parametrize("name", LIGHT)
def test_hostile_case_is_refused_by_fame_report(name, honest, tmp_path, capsys):
    build, reason, _ = BUILDERS[name]
    case = build(honest, tmp_path / f"{name}.famecase")
    capsys.readouterr()
    code = main(["report", str(case), "--out", str(tmp_path / "r.pdf")])
    _one_line_refusal(code, capsys.readouterr().err, reason, tmp_path, case)


@pytest.mark.skipif(sys.platform != "linux", reason="peak RSS, FIFOs and /dev/zero as on Linux")
@pytest.mark.parametrize("name", HEAVY)
def test_memory_heavy_hostile_case_is_refused_within_2_gb(name, honest, tmp_path):
    build, reason, _ = BUILDERS[name]
    case = build(honest, tmp_path / f"{name}.famecase")
    # the child's own peak (VmHWM, kB): ru_maxrss keeps the parent's peak across fork and exec, so a
    # pytest process grown past 2 GB by earlier tests made every child look that big
    script = ("import sys\n"
              "from fame_desktop.cli import main\n"
              "try:\n    code = main(sys.argv[1:])\n"
              "finally:\n"
              "    print(next(int(l.split()[1]) for l in open('/proc/self/status') if l.startswith('VmHWM:')))\n"
              "sys.exit(code)\n")
    proc = subprocess.run([sys.executable, "-c", script, "report", str(case), "--out", str(tmp_path / "r.pdf")],
                          cwd=ROOT, capture_output=True, text=True, timeout=300,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    peak_kb = int(proc.stdout.strip().splitlines()[-1])
    _one_line_refusal(proc.returncode, proc.stderr, reason, tmp_path, case)
    assert peak_kb < PEAK_LIMIT_KB, f"peak memory {peak_kb / 1024:.0f} MB"


# --- helpers: hostile bytes -----------------------------------------------------------------------------------

def _stream_zeros(z: zipfile.ZipFile, name: str, size: int) -> dict:
    """Write `size` zero bytes as a member without holding them; returns its manifest record."""
    block = bytes(8 * MB)
    info = zipfile.ZipInfo(name)
    info.compress_type, info._compresslevel = zipfile.ZIP_DEFLATED, 1
    with z.open(info, "w", force_zip64=True) as f:
        for _ in range(size // len(block)):
            f.write(block)
    return {"sha256": _zeros_sha256(size), "size": size}


def _zeros_sha256(size: int) -> str:
    h, block = hashlib.sha256(), bytes(8 * MB)
    for _ in range(size // len(block)):
        h.update(block)
    return h.hexdigest()


def _png(width: int, height: int, idat: bytes) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def _npy_header_bytes(descr: str, shape: tuple) -> bytes:
    text = repr({"descr": descr, "fortran_order": False, "shape": shape}).encode("latin1")
    pad = 64 - (10 + len(text) + 1) % 64
    text += b" " * pad + b"\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(text)) + text


def _npy_header(data: bytes) -> tuple[bytes, tuple]:
    (n,) = struct.unpack("<H", data[8:10])
    header = data[:10 + n]
    shape = eval(header[10:].decode("latin1"))["shape"]  # our own test data: a dict literal
    return header, shape


def _central_entry(path: Path, member: str, offset: int, fmt: str, value: int | None = None) -> int:
    """Read (or overwrite with `value`) a field of `member`'s central-directory entry: offset 8 the flag bits,
    24 the uncompressed size (a lying header)."""
    data = bytearray(path.read_bytes())
    start, name, width = 0, member.encode(), struct.calcsize(fmt)
    while (i := data.find(b"PK\x01\x02", start)) >= 0:
        (n,) = struct.unpack("<H", data[i + 28:i + 30])
        if data[i + 46:i + 46 + n] == name:
            if value is not None:
                data[i + offset:i + offset + width] = struct.pack(fmt, value)
                path.write_bytes(bytes(data))
            return struct.unpack(fmt, data[i + offset:i + offset + width])[0]
        start = i + 4
    raise AssertionError(f"{member} not found")


# values of the wrong type anywhere in session.json (manifest re-hashed): each named, none a traceback
WRONG_TYPES = [
    (("case", "notes"), 7, "the case detail notes is not text"),
    (("case", "examiner"), ["A"], "the case detail examiner is not text"),
    (("case", "exhibits"), "EXH-01", "the exhibits is not a record"),
    (("task",), 7, "the task is not text"),
    (("model", "key"), None, "the model is not text"),
    (("model", "weights"), 3, "the weights file is not text"),
    (("options",), [], "the task options is not a record"),
    (("params", "fame"), "fast", "the parameters of fame is not a record"),
    (("created",), 7, "the session's start time is not text"),
    (("analysis", "summary"), 0.99, "the answer's figures is not a record"),
    (("results",), {}, "the results is not a list"),
    (("results", 0, "environment"), "x", "the environment record is not a record"),
    (("results", 0, "model", "provenance"), "x", "a result's model provenance is not a record"),
    (("results", 0, "snapshot"), [], "a result's input snapshot is not a record"),
    (("results", 0, "final_score"), [], "the result's final score has 0 values for 4 targets"),
    (("results", 0, "cancelled"), "no", "the cancelled flag is not true or false"),
    (("inputs", "probe", "record", "faces", 0, "box"), [], "a face record is malformed"),
    (("inputs", "gallery", "record", "faces", 0, "probability"), None, "a face record is malformed"),
]


@pytest.mark.parametrize("path, value, reason", WRONG_TYPES, ids=[".".join(map(str, w[0])) for w in WRONG_TYPES])
def test_a_value_of_the_wrong_type_is_refused(path, value, reason, honest, tmp_path, capsys):
    def change(doc):
        target = doc
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value

    case = forge(honest, tmp_path / "typed.famecase", edit_session(change))
    capsys.readouterr()
    code = main(["report", str(case), "--out", str(tmp_path / "r.pdf")])
    _one_line_refusal(code, capsys.readouterr().err, re.escape(reason), tmp_path, case)
