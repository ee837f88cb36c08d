"""io_utils, file_lock, regular_files: folders assembled then renamed into place, one writer per target,
regular files only."""

from __future__ import annotations

import os
import threading

import pytest

from fame_desktop.core import io_utils
from fame_desktop.core.errors import ExportError, FameError, TargetExistsError
from fame_desktop.core.file_lock import lock_path, target_lock
from fame_desktop.core.io_utils import (assembled_folder, atomic_write_bytes, check_target, is_inside, same_file,
                                        target_exists)
from fame_desktop.core.regular_files import read_regular_file


def _names(folder) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_a_folder_appears_whole_and_nothing_else_stays(tmp_path):
    out = tmp_path / "out"
    with assembled_folder(out) as tmp:
        assert tmp.parent == tmp_path and tmp.name.startswith(".out.") and tmp.name.endswith(".part")
        assert not out.exists() and lock_path(out).exists()  # nothing under the target's name yet
        atomic_write_bytes(tmp / "a.txt", b"a")
        (tmp / "sub").mkdir()
    assert _names(tmp_path) == ["out"] and _names(out) == ["a.txt", "sub"]
    assert oct(out.stat().st_mode & 0o777) == oct(0o777 & ~io_utils._UMASK)  # as a plain mkdir makes it


@pytest.mark.parametrize("error", [ExportError("x: the disk is full"), KeyboardInterrupt(), RuntimeError("bug")])
def test_a_failure_inside_leaves_nothing(tmp_path, error):
    with pytest.raises(type(error)):
        with assembled_folder(tmp_path / "out") as tmp:
            (tmp / "crops").mkdir()
            atomic_write_bytes(tmp / "crops" / "a.png", b"png")
            raise error
    assert _names(tmp_path) == []


def test_an_error_names_the_target_not_the_temporary_folder(tmp_path):
    with pytest.raises(ExportError) as caught:
        with assembled_folder(tmp_path / "out") as tmp:
            atomic_write_bytes(tmp / "missing" / "a.txt", b"a")
    assert str(caught.value) == f"{tmp_path / 'out' / 'missing'}: folder does not exist"


def test_an_existing_folder_is_replaced_only_with_overwrite(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "old.txt").write_text("old")
    with pytest.raises(TargetExistsError, match="out: already exists"):
        with assembled_folder(out):
            pytest.fail("the block must not run")
    assert _names(out) == ["old.txt"]
    with assembled_folder(out, overwrite=True) as tmp:
        (tmp / "new.txt").write_text("new")
    assert _names(out) == ["new.txt"] and _names(tmp_path) == ["out"]


def test_an_empty_folder_is_not_an_output_to_keep(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    assert not target_exists(out)
    with assembled_folder(out) as tmp:
        (tmp / "result.json").write_text("{}")
    assert _names(out) == ["result.json"]


def test_a_failed_swap_puts_the_old_folder_back(tmp_path, monkeypatch):
    out = tmp_path / "out"
    out.mkdir()
    (out / "old.txt").write_text("old")
    real, calls = os.replace, []

    def replace(src, dst):  # moving the old folder aside works, moving the new one in does not
        calls.append((src, dst))
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        return real(src, dst)

    monkeypatch.setattr(io_utils.os, "replace", replace)
    with pytest.raises(ExportError, match="out: the disk is full"):
        with assembled_folder(out, overwrite=True) as tmp:
            (tmp / "new.txt").write_text("new")
    assert len(calls) == 3  # aside, in (fails), back
    assert _names(tmp_path) == ["out"] and (out / "old.txt").read_text() == "old"


def test_a_lock_is_reentrant_in_its_thread_and_refused_elsewhere(tmp_path):
    out = tmp_path / "out"
    seen = []
    with target_lock(out):
        with target_lock(out):  # the CLI holds it, the writer it calls takes it again
            t = threading.Thread(target=lambda: seen.append(_try_lock(out)))
            t.start()
            t.join()
        assert lock_path(out).exists()
    assert seen == [f"{out}: another task of this program is writing it"]
    assert _names(tmp_path) == []


def _try_lock(target) -> str:
    try:
        with target_lock(target):
            return "locked"
    except ExportError as e:
        return str(e)


def test_a_stale_lock_file_is_taken_over(tmp_path):
    out = tmp_path / "out"
    lock_path(out).write_text("999999\n")  # left by a process that died holding it: no flock on it
    with assembled_folder(out) as tmp:
        (tmp / "a").write_text("a")
    assert _names(tmp_path) == ["out"]


def test_pipes_devices_and_folders_are_never_replaced(tmp_path):
    pipe = tmp_path / "r.pdf"
    os.mkfifo(pipe)
    with pytest.raises(ExportError, match=r"r.pdf: is a named pipe, not a regular file \(not replaced\)"):
        check_target(pipe, overwrite=True)
    with pytest.raises(ExportError, match="is a folder"):
        check_target(tmp_path, overwrite=True)
    with pytest.raises(ExportError, match="is a device"):
        check_target("/dev/null", overwrite=True)


def test_same_file_sees_symlinks_and_hard_links(tmp_path):
    a = tmp_path / "a.jpg"
    a.write_bytes(b"x")
    (tmp_path / "sym.jpg").symlink_to(a)
    os.link(a, tmp_path / "hard.jpg")
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "b.jpg").write_bytes(b"x")  # same bytes, another file
    assert same_file(a, tmp_path / "sym.jpg") and same_file(a, tmp_path / "hard.jpg")
    assert same_file(a, tmp_path / "d" / ".." / "a.jpg")
    assert not same_file(a, tmp_path / "d" / "b.jpg") and not same_file(a, tmp_path / "new.jpg")
    assert is_inside(tmp_path / "d" / "b.jpg", tmp_path) and not is_inside(tmp_path, tmp_path)
    assert is_inside(tmp_path / "d" / "not-yet" / "x", tmp_path / "d")


def test_a_file_over_the_limit_is_refused(tmp_path):
    p = tmp_path / "big.bin"
    p.write_bytes(b"\0" * 3 * 2**20)
    with pytest.raises(FameError, match="big.bin: file is 3 MB; the limit is 2 MB"):
        read_regular_file(p, 2 * 2**20)
    assert read_regular_file(p, 3 * 2**20) == b"\0" * 3 * 2**20


def test_the_app_log_rotates_in_its_folder_and_is_configured_once_per_file(tmp_path):
    import logging

    from fame_desktop.core.log_file import configure_logging, log

    path = configure_logging(tmp_path / "logs")
    assert configure_logging(tmp_path / "logs") == path == tmp_path / "logs" / "fame-desktop.log"
    log.info("a line for the log")
    for h in log.handlers:
        h.flush()
    assert "a line for the log" in path.read_text(encoding="utf-8")
    assert sum(isinstance(h, logging.handlers.RotatingFileHandler) for h in log.handlers) == 1
