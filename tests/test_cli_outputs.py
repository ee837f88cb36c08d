"""The CLI never destroys or half-writes a file: outputs that clash with inputs or with each other are
refused before any work, existing outputs need --overwrite, folders appear whole or not at all, one
writer per target, and SIGTERM / SIGINT leave nothing behind."""

from __future__ import annotations

import errno
import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from fame_desktop.cli import main
from fame_desktop.core import io_utils
from fame_desktop.session.casefile import save_case

FAST = ["-T", "1", "-q", "--device", "cpu"]


def _run(argv, capsys) -> tuple[int, str]:
    """Exit code and stderr of the CLI, whether it returns or exits like argparse."""
    try:
        code = main(argv)
    except SystemExit as e:
        code = e.code
    return code, capsys.readouterr().err.strip()


def _tree(folder: Path) -> dict[str, bytes | None]:
    """Every path below `folder` (hidden ones too) with its bytes (None for folders)."""
    return {str(p.relative_to(folder)): (None if p.is_dir() else p.read_bytes())
            for p in sorted(folder.rglob("*"))}


@pytest.fixture
def photos(tmp_path, data_dir) -> tuple[Path, Path]:
    g, p = tmp_path / "photo.jpg", tmp_path / "probe.jpg"
    shutil.copy(data_dir / "obama.jpg", g)
    shutil.copy(data_dir / "obama2.jpg", p)
    return g, p


@pytest.fixture
def case_file(tmp_path, pair_session) -> Path:
    return save_case(pair_session, tmp_path / "c.famecase").path


def test_an_output_that_is_an_input_is_refused_and_the_input_kept(tmp_path, photos, case_file, capsys):
    g, p = photos
    (tmp_path / "link.jpg").symlink_to(g)
    os.link(g, tmp_path / "hard.pdf")
    shutil.copy(case_file, tmp_path / "case.pdf")
    before = _tree(tmp_path)
    cases = [
        (["explain", str(g), str(p), "--case", str(g)], "--case", "is the gallery photograph"),
        (["explain", str(g), str(p), "--case", str(tmp_path / "link.jpg"), "--overwrite"], "--case",
         "is the gallery photograph"),
        (["explain", str(g), str(p), "--report", str(tmp_path / "hard.pdf"), "--overwrite"], "--report",
         "is the gallery photograph"),  # a hard link: another name, the same file
        (["explain", str(g), str(p), "--out", str(p)], "--out", "is the probe photograph"),
        (["explain", str(g), str(p), "--out", str(tmp_path), "--overwrite"], "--out",
         "holds the gallery photograph"),  # replacing the folder would delete the photographs
        (["report", str(tmp_path / "case.pdf"), "--out", str(tmp_path / "case.pdf"), "--overwrite"], "--out",
         "is the case file"),
        (["classify", str(g), "--out", str(tmp_path / "link.jpg"), "--overwrite"], "--out", "is the photograph"),
    ]
    for argv, option, reason in cases:
        t = time.perf_counter()
        code, err = _run(argv if argv[0] == "report" else [*argv, *FAST], capsys)
        assert code == 2 and err.startswith(f"fame: error: {option} ") and reason in err, (argv, err)
        assert len(err.splitlines()) == 1 and time.perf_counter() - t < 5  # refused before any work
        assert _tree(tmp_path) == before, argv


def test_outputs_of_one_command_may_not_clash(tmp_path, photos, capsys):
    g, p = photos
    x = str(tmp_path / "x.pdf")
    cases = [
        (["--case", x, "--report", x], f"--report and --case name the same path {x}"),
        (["--report", str(tmp_path / "r.pdf"), "--case", str(tmp_path / "r-exports" / "c.famecase")],
         "inside the report's exports folder"),
        (["--out", str(tmp_path / "d"), "--report", str(tmp_path / "d" / "r.pdf")], "inside --out"),
        (["--out", str(tmp_path / "r-exports"), "--report", str(tmp_path / "r.pdf")],
         "--out and the report's exports folder name the same path"),
    ]
    for opts, reason in cases:
        code, err = _run(["explain", str(g), str(p), *opts, *FAST], capsys)
        assert code == 2 and reason in err and len(err.splitlines()) == 1, (opts, err)
    assert sorted(q.name for q in tmp_path.iterdir()) == ["photo.jpg", "probe.jpg"]


def test_existing_outputs_are_replaced_only_with_overwrite(tmp_path, case_file, capsys):
    unrelated = tmp_path / "r-exports"
    unrelated.mkdir()
    (unrelated / "my notes.txt").write_text("not made by fame")
    code, err = _run(["report", str(case_file), "--out", str(tmp_path / "r.pdf")], capsys)
    assert code == 2 and err == f"fame: error: {unrelated}: already exists (not replaced); --overwrite replaces it"
    assert (unrelated / "my notes.txt").read_text() == "not made by fame" and not (tmp_path / "r.pdf").exists()

    code, err = _run(["report", str(case_file), "--out", str(tmp_path / "r.pdf"), "--overwrite"], capsys)
    assert code == 0, err
    assert sorted(q.name for q in unrelated.iterdir()) == ["crops", "manifest.json", "maps", "overlays",
                                                           "photo_overlays", "raw"]
    assert sorted(q.name for q in tmp_path.iterdir()) == ["c.famecase", "r-exports", "r.pdf"]


def test_an_existing_case_file_is_not_replaced_silently(tmp_path, photos, case_file, capsys):
    g, p = photos
    before = case_file.read_bytes()
    code, err = _run(["explain", str(g), str(p), "--case", str(case_file), *FAST], capsys)
    assert code == 2 and err.endswith("c.famecase: already exists (not replaced); --overwrite replaces it")
    assert case_file.read_bytes() == before


def test_an_existing_out_folder_with_files_needs_overwrite(tmp_path, photos, capsys):
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    for argv in (["explain", str(photos[0]), str(photos[1])], ["classify", str(photos[0])],
                 ["featuremap", str(photos[0])]):
        code, err = _run([*argv, "--out", str(out), *FAST], capsys)
        assert code == 2 and "already exists (not replaced); --overwrite replaces it" in err, (argv, err)
        assert _tree(out) == {"keep.txt": b"mine"}


def test_an_early_failure_creates_nothing(tmp_path, photos, capsys):
    g, _ = photos
    text = tmp_path / "notes.jpg"
    text.write_text("not a photograph")
    outs = ["--out", str(tmp_path / "o"), "--report", str(tmp_path / "r.pdf"), "--case", str(tmp_path / "c.famecase")]
    for argv, reason in ((["explain", str(text), str(g), *outs], "not an image"),
                         (["explain", str(g), str(g), "--probe-face", "4", *outs], "face index 4 out of range"),
                         (["classify", str(text), "--out", str(tmp_path / "o")], "not an image"),
                         (["featuremap", str(text), "--out", str(tmp_path / "o")], "not an image")):
        code, err = _run([*argv, *FAST], capsys)
        assert code == 2 and reason in err, (argv, err)
    assert sorted(q.name for q in tmp_path.iterdir()) == ["notes.jpg", "photo.jpg", "probe.jpg"]


def test_a_full_disk_leaves_no_partial_out_folder(tmp_path, photos, monkeypatch, capsys):
    real, calls = os.fsync, []

    def fsync(fd):  # the first files are written, then the disk is full
        calls.append(fd)
        if len(calls) > 3:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real(fd)

    monkeypatch.setattr(io_utils.os, "fsync", fsync)
    code, err = _run(["explain", str(photos[0]), str(photos[1]), "--out", str(tmp_path / "o"), *FAST], capsys)
    assert code == 2 and err.startswith(f"fame: error: {tmp_path / 'o'}{os.sep}"), err
    assert err.endswith(": the disk is full") and ".part" not in err and len(err.splitlines()) == 1
    assert len(calls) == 4
    assert sorted(q.name for q in tmp_path.iterdir()) == ["photo.jpg", "probe.jpg"]  # no o, no .part, no lock


def _child(code: str, *args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", textwrap.dedent(code), *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env={**os.environ, "PYTHONWARNINGS": "ignore"})


HOLD_LOCK = """
    import sys, time
    from fame_desktop.core.file_lock import target_lock
    with target_lock(sys.argv[1]):
        print("held", flush=True)
        time.sleep(120)
"""


def test_a_run_into_a_target_another_run_is_writing_fails_at_once(tmp_path, photos, capsys):
    out = tmp_path / "out"
    holder = _child(HOLD_LOCK, str(out))
    try:
        assert holder.stdout.readline().strip() == "held"
        t = time.perf_counter()
        code, err = _run(["classify", str(photos[0]), "--out", str(out), *FAST], capsys)
        assert code == 2 and time.perf_counter() - t < 5
        assert err == (f"fame: error: {out}: another fame process (PID {holder.pid}) is writing it; "
                       "try again once it has finished")
    finally:
        holder.kill()  # SIGKILL: no clean-up, the lock file stays behind
        holder.communicate()
    assert (tmp_path / ".out.lock").exists() and not out.exists()
    # a lock file left by a dead process is taken over, and removed when done
    code, err = _run(["classify", str(photos[0]), "--out", str(out), *FAST], capsys)
    assert code == 0, err
    assert sorted(q.name for q in tmp_path.iterdir()) == ["out", "photo.jpg", "probe.jpg"]


def test_two_runs_into_one_out_folder_do_not_mix(tmp_path, photos):
    out = tmp_path / "out"
    runs = [subprocess.Popen([sys.executable, "-m", "fame_desktop.cli", "classify", str(photos[i]), "--out", str(out),
                              *FAST], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for i in (0, 1)]
    results = [(r.wait(timeout=300), r.stderr.read().strip()) for r in runs]
    codes = sorted(code for code, _ in results)
    assert codes == [0, 2], results
    loser = next(err for code, err in results if code == 2)
    assert "another fame process" in loser and "is writing it" in loser and "Traceback" not in loser
    winner = next(i for i, (code, _) in enumerate(results) if code == 0)
    doc = json.loads((out / "result.json").read_text())
    assert doc["inputs"]["image"]["path"] == str(photos[winner])
    assert sorted(q.name for q in tmp_path.iterdir()) == ["out", "photo.jpg", "probe.jpg"]


SLOW_REPORT = """
    import os, sys, time
    real, calls = os.fsync, []

    def fsync(fd):  # the third file of the exports folder: say so, then take our time
        calls.append(fd)
        if len(calls) == 3:
            print("writing", flush=True)
            time.sleep(120)
        return real(fd)

    os.fsync = fsync
    from fame_desktop.cli import main
    sys.exit(main(sys.argv[1:]))
"""


@pytest.mark.parametrize("sig,code,message", [(signal.SIGTERM, 143, "fame: terminated"),
                                              (signal.SIGINT, 130, "fame: interrupted")])
def test_a_signal_while_the_report_is_written_leaves_nothing(tmp_path, case_file, sig, code, message):
    child = _child(SLOW_REPORT, "report", str(case_file), "--out", str(tmp_path / "r.pdf"))
    try:
        assert child.stdout.readline().strip() == "writing", child.stderr.read()
        assert any(q.name.endswith(".part") for q in tmp_path.iterdir())  # the report is under way
        child.send_signal(sig)
        out, err = child.communicate(timeout=60)
    finally:
        if child.poll() is None:
            child.kill()
    assert child.returncode == code and err.strip() == message, err
    assert sorted(q.name for q in tmp_path.iterdir()) == ["c.famecase"]
