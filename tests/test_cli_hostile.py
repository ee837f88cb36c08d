"""Every `fame` sub-command against hostile inputs, generated here (small): exit 2 with a specific
one-line reason, or 0 where the input is legitimately usable; never a traceback, never a hang,
and nothing left behind (no .part file, no lock, no new folder)."""

from __future__ import annotations

import os
import struct
import sys
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from fame_desktop.cli import main

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="named pipes, /dev/zero, /sys")

FAST = ["-T", "1", "-q", "--device", "cpu"]


def _png_bomb_header() -> bytes:
    """A valid PNG declaring 100000×100000 RGB pixels (30 GB decoded) in a few dozen bytes."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", 100_000, 100_000, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b"")


@pytest.fixture(autouse=True)
def shared_detector(monkeypatch, detector):
    """The session's face detector instead of a new MTCNN per run (the embedded model is cached)."""
    from fame_desktop.core import faces
    from fame_desktop.tasks import face_verification

    for module in (faces, face_verification):
        monkeypatch.setattr(module, "FaceDetector", lambda device="cpu", **kw: detector)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory, data_dir) -> Path:
    d = tmp_path_factory.mktemp("hostile")
    obama, obama2 = Image.open(data_dir / "obama.jpg"), Image.open(data_dir / "obama2.jpg")
    jpeg = (data_dir / "obama.jpg").read_bytes()
    (d / "truncated.jpg").write_bytes(jpeg[: len(jpeg) // 3])
    obama2.reduce(2).save(d / "whole.png")
    png = (d / "whole.png").read_bytes()
    (d / "truncated.png").write_bytes(png[: len(png) // 2])
    (d / "whole.png").unlink()
    (d / "empty.jpg").write_bytes(b"")
    (d / "text.jpg").write_text("meeting notes, not a photograph\n" * 20)
    (d / "folder.jpg").mkdir()
    os.mkfifo(d / "pipe.jpg")
    os.mkfifo(d / "pipe.pdf")
    (d / "zero.jpg").symlink_to("/dev/zero")
    (d / "loop.jpg").symlink_to(d / "loop2.jpg")
    (d / "loop2.jpg").symlink_to(d / "loop.jpg")
    Image.new("RGB", (1, 1), (200, 150, 120)).save(d / "one.png")
    Image.new("RGB", (20_000, 200), (128, 128, 128)).save(d / "strip.png")  # one side 100× the other
    Image.new("RGB", (100_000, 32), (128, 128, 128)).save(d / "line.png")
    grey16 = np.asarray(obama.convert("L").reduce(2), np.uint16) * 257
    Image.fromarray(grey16).save(d / "gray16.png")  # 16-bit greyscale, a face
    assert Image.open(d / "gray16.png").mode == "I;16"
    obama2.reduce(2).convert("CMYK").save(d / "cmyk.jpg", quality=90)  # CMYK JPEG, a face
    (d / "bomb.png").write_bytes(_png_bomb_header())
    (d / "empty.ckpt").write_bytes(b"")
    (d / "text.famecase").write_text("not a case file\n")
    (d / "existing.famecase").write_bytes(b"PK\x05\x06" + b"\0" * 18)  # an empty ZIP someone keeps
    return d


def _listing(*folders: Path) -> list[str]:
    return sorted(str(p) for f in folders for p in f.rglob("*"))


# (id, argv with {c} = corpus folder and {o} = an empty work folder, exit code, words of the message)
CASES = [
    # explain: the gallery photograph is the hostile one
    ("explain-truncated-jpeg", ["explain", "{c}/truncated.jpg", "{p}", "--out", "{o}/out"], 2,
     "truncated.jpg: file is truncated or corrupt"),
    ("explain-truncated-png", ["explain", "{c}/truncated.png", "{p}", "--out", "{o}/out"], 2,
     "truncated.png: file is truncated or corrupt"),
    ("explain-zero-bytes", ["explain", "{c}/empty.jpg", "{p}", "--out", "{o}/out"], 2, "empty.jpg: file is empty"),
    ("explain-text-as-jpeg", ["explain", "{c}/text.jpg", "{p}", "--out", "{o}/out"], 2,
     "text.jpg: not an image file"),
    ("explain-folder", ["explain", "{c}/folder.jpg", "{p}", "--out", "{o}/out"], 2,
     "folder.jpg: is a folder, not a file"),
    ("explain-fifo", ["explain", "{c}/pipe.jpg", "{p}", "--out", "{o}/out"], 2,
     "pipe.jpg: not a regular file (a named pipe)"),
    ("explain-dev-zero", ["explain", "{p}", "{c}/zero.jpg", "--out", "{o}/out"], 2,
     "zero.jpg: not a regular file (a device)"),
    ("explain-symlink-loop", ["explain", "{c}/loop.jpg", "{p}", "--out", "{o}/out"], 2,
     "loop.jpg: a loop of symbolic links"),
    ("explain-1x1", ["explain", "{c}/one.png", "{p}", "--out", "{o}/out"], 2,
     "one.png: 1×1 pixels is too small; each side needs at least 32"),
    ("explain-20000x200", ["explain", "{c}/strip.png", "{p}", "--out", "{o}/out"], 2,
     "strip.png: no face found (faces smaller than about 40 px are not detected"),
    ("explain-100000x32", ["explain", "{c}/line.png", "{p}", "--out", "{o}/out"], 2,
     "line.png: no face found (no face can be detected in a 100000×32 image: its sides are too unequal"),
    ("explain-png-bomb", ["explain", "{c}/bomb.png", "{p}", "--out", "{o}/out"], 2,
     "bomb.png: image is larger than 100 megapixels"),
    ("explain-16bit-png-and-cmyk-jpeg", ["explain", "{c}/gray16.png", "{c}/cmyk.jpg", "--out", "{o}/out"], 0, ""),
    ("explain-out-is-the-photograph", ["explain", "{c}/gray16.png", "{p}", "--out", "{c}/gray16.png"], 2,
     "--out {c}/gray16.png: is the gallery photograph; an output never replaces an input"),
    ("explain-case-is-the-photograph", ["explain", "{p}", "{c}/cmyk.jpg", "--case", "{c}/cmyk.jpg", "--overwrite"], 2,
     "--case {c}/cmyk.jpg: is the probe photograph; an output never replaces an input"),
    ("explain-existing-case", ["explain", "{p}", "{p}", "--case", "{c}/existing.famecase"], 2,
     "existing.famecase: already exists (not replaced); --overwrite replaces it"),
    ("explain-report-is-a-fifo", ["explain", "{p}", "{p}", "--report", "{c}/pipe.pdf", "--overwrite"], 2,
     "pipe.pdf: is a named pipe, not a regular file (not replaced)"),
    ("explain-unwritable-folder", ["explain", "{p}", "{p}", "--out", "/sys/fame-hostile"], 2,
     "/sys/fame-hostile: not allowed to write here"),
    ("explain-missing-parent", ["explain", "{p}", "{p}", "--out", "{o}/no/out"], 2,
     "{o}/no: folder does not exist"),
    ("explain-checkpoint-fifo", ["explain", "{p}", "{p}", "--out", "{o}/out", "--checkpoint", "{c}/pipe.jpg"], 2,
     "pipe.jpg: not a regular file (a named pipe)"),
    ("explain-checkpoint-empty", ["explain", "{p}", "{p}", "--out", "{o}/out", "--checkpoint", "{c}/empty.ckpt"],
     2, "empty.ckpt: checkpoint file is empty"),
    # classify
    ("classify-truncated-jpeg", ["classify", "{c}/truncated.jpg", "--out", "{o}/out"], 2,
     "truncated.jpg: file is truncated or corrupt"),
    ("classify-text-as-jpeg", ["classify", "{c}/text.jpg", "--out", "{o}/out"], 2, "text.jpg: not an image file"),
    ("classify-fifo", ["classify", "{c}/pipe.jpg", "--out", "{o}/out"], 2,
     "pipe.jpg: not a regular file (a named pipe)"),
    ("classify-dev-zero", ["classify", "{c}/zero.jpg", "--out", "{o}/out"], 2,
     "zero.jpg: not a regular file (a device)"),
    ("classify-symlink-loop", ["classify", "{c}/loop.jpg", "--out", "{o}/out"], 2,
     "loop.jpg: a loop of symbolic links"),
    ("classify-1x1", ["classify", "{c}/one.png", "--out", "{o}/out"], 2, "one.png: 1×1 pixels is too small"),
    ("classify-png-bomb", ["classify", "{c}/bomb.png", "--out", "{o}/out"], 2,
     "bomb.png: image is larger than 100 megapixels"),
    ("classify-20000x200", ["classify", "{c}/strip.png", "--out", "{o}/out"], 0, ""),
    ("classify-cmyk-jpeg", ["classify", "{c}/cmyk.jpg", "--out", "{o}/out"], 0, ""),
    ("classify-weights-dev-zero", ["classify", "{p}", "--out", "{o}/out", "--weights", "{c}/zero.jpg"], 2,
     "zero.jpg: not a regular file (a device)"),
    ("classify-out-is-the-photograph", ["classify", "{c}/cmyk.jpg", "--out", "{c}/cmyk.jpg", "--overwrite"], 2,
     "--out {c}/cmyk.jpg: is the photograph; an output never replaces an input"),
    ("classify-out-holds-the-photograph", ["classify", "{c}/cmyk.jpg", "--out", "{c}", "--overwrite"], 2,
     "--out {c}: holds the photograph ({c}/cmyk.jpg); an output folder is written as a whole"),
    ("classify-out-is-the-current-folder", ["classify", "{c}/cmyk.jpg", "--out", ".", "--overwrite"], 2,
     ".: is or holds the current folder; an output folder is written as a whole"),
    ("classify-unwritable-folder", ["classify", "{p}", "--out", "/sys/fame-hostile"], 2,
     "/sys/fame-hostile: not allowed to write here"),
    # featuremap
    ("featuremap-zero-bytes", ["featuremap", "{c}/empty.jpg", "--out", "{o}/out"], 2, "empty.jpg: file is empty"),
    ("featuremap-fifo", ["featuremap", "{c}/pipe.jpg", "--out", "{o}/out"], 2,
     "pipe.jpg: not a regular file (a named pipe)"),
    ("featuremap-png-bomb", ["featuremap", "{c}/bomb.png", "--out", "{o}/out"], 2, "bomb.png: image is larger"),
    ("featuremap-20000x200-face-model", ["featuremap", "{c}/strip.png", "--model", "arcface-mbf", "--out",
                                         "{o}/out"], 2, "strip.png: no face found (faces smaller than about 40 px"),
    ("featuremap-100000x32-face-model", ["featuremap", "{c}/line.png", "--model", "arcface-mbf", "--out",
                                         "{o}/out"], 2, "no face can be detected in a 100000×32 image"),
    ("featuremap-16bit-png", ["featuremap", "{c}/gray16.png", "--cell", "0,0", "--out", "{o}/out"], 0, ""),
    ("featuremap-folder-as-weights", ["featuremap", "{p}", "--weights", "{c}/folder.jpg", "--out", "{o}/out"], 2,
     "folder.jpg: is a folder, not a file"),
    # report
    ("report-zero-bytes", ["report", "{c}/empty.jpg", "--out", "{o}/r.pdf"], 2, "empty.jpg: not a case file or damaged"),
    ("report-text-case", ["report", "{c}/text.famecase", "--out", "{o}/r.pdf"], 2,
     "text.famecase: not a case file or damaged"),
    ("report-fifo", ["report", "{c}/pipe.jpg", "--out", "{o}/r.pdf"], 2, "pipe.jpg: not a regular file (a named pipe)"),
    ("report-dev-zero", ["report", "{c}/zero.jpg", "--out", "{o}/r.pdf"], 2, "zero.jpg: not a regular file (a device)"),
    ("report-folder", ["report", "{c}/folder.jpg", "--out", "{o}/r.pdf"], 2, "folder.jpg: is a folder, not a file"),
    ("report-symlink-loop", ["report", "{c}/loop.jpg", "--out", "{o}/r.pdf"], 2, "loop.jpg: a loop of symbolic links"),
    ("report-out-is-the-case", ["report", "{c}/text.famecase", "--out", "{c}/text.famecase", "--overwrite"], 2,
     "--out {c}/text.famecase: is the case file; an output never replaces an input"),
    ("report-out-is-a-fifo", ["report", "{c}/text.famecase", "--out", "{c}/pipe.pdf", "--overwrite"], 2,
     "pipe.pdf: is a named pipe, not a regular file (not replaced)"),
    ("report-unwritable-folder", ["report", "{c}/text.famecase", "--out", "/sys/fame-hostile.pdf"], 2,
     "/sys/fame-hostile.pdf: not allowed to write here"),
]


@pytest.mark.parametrize("argv,code,message", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_hostile_input(corpus, tmp_path, data_dir, capsys, argv, code, message):
    fill = {"c": str(corpus), "o": str(tmp_path), "p": str(data_dir / "obama2.jpg")}
    args = [a.format(**fill) for a in argv]
    if args[0] != "report":
        args += FAST
    before = _listing(corpus, tmp_path)
    try:
        got = main(args)
    except SystemExit as e:  # option errors exit like argparse
        got = e.code
    err = capsys.readouterr().err.strip()
    assert "Traceback" not in err
    assert got == code, err
    if code:
        assert err.startswith("fame: error: ") and message.format(**fill) in err, err
        assert len(err.splitlines()) == 1, err
        assert _listing(corpus, tmp_path) == before  # no .part, no lock, no new folder
    else:
        assert (tmp_path / "out" / "result.json").is_file()
        assert _listing(corpus, tmp_path) == sorted([*before, *map(str, (tmp_path / "out").rglob("*")),
                                                      str(tmp_path / "out")])
