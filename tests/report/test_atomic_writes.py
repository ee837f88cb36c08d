"""A full disk or an unwritable place: a clear ExportError and no partial file or folder left behind."""

from __future__ import annotations

import errno
import os

import pytest

from fame_desktop.core import io_utils
from fame_desktop.session.casefile import save_case
from fame_desktop.core.errors import ExportError
from fame_desktop.report import exports_dir_for, write_report


def _disk_full_after(monkeypatch, n_ok: int):
    """Let the first `n_ok` atomic writes succeed, then fail like a full disk."""
    real = io_utils.os.fsync
    calls = {"n": 0}

    def fsync(fd):
        calls["n"] += 1
        if calls["n"] > n_ok:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real(fd)

    monkeypatch.setattr(io_utils.os, "fsync", fsync)
    return calls


@pytest.mark.parametrize("n_ok", [0, 5])  # fail on the PDF itself / midway through the exports
def test_full_disk_leaves_nothing(tmp_path, pair_session, monkeypatch, n_ok):
    calls = _disk_full_after(monkeypatch, n_ok)
    n_audit = len(pair_session.audit)
    with pytest.raises(ExportError, match="the disk is full"):
        write_report(pair_session, tmp_path / "report.pdf")
    assert calls["n"] == n_ok + 1
    assert list(tmp_path.iterdir()) == []  # no PDF, no exports folder, no temporary files
    assert len(pair_session.audit) == n_audit  # a failed write is not logged as written


def test_full_disk_keeps_the_previous_report_and_exports(tmp_path, pair_session, monkeypatch):
    first = write_report(pair_session, tmp_path / "report.pdf")
    before = {p.relative_to(tmp_path): p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    _disk_full_after(monkeypatch, 7)
    with pytest.raises(ExportError):
        write_report(pair_session, tmp_path / "report.pdf")
    after = {p.relative_to(tmp_path): p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    assert after == before and first.exports == exports_dir_for(tmp_path / "report.pdf")


def test_full_disk_while_saving_a_case_file(tmp_path, pair_session, monkeypatch):
    _disk_full_after(monkeypatch, 0)
    with pytest.raises(ExportError, match="the disk is full"):
        save_case(pair_session, tmp_path / "c.famecase")
    assert list(tmp_path.iterdir()) == []


def test_unwritable_targets(tmp_path, pair_session):
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    with pytest.raises(ExportError, match="a-file: is not a folder"):
        save_case(pair_session, blocker / "c.famecase")  # parent is a file
    (tmp_path / "dir.pdf").mkdir()
    with pytest.raises(ExportError, match="is a folder"):
        write_report(pair_session, tmp_path / "dir.pdf")
    (tmp_path / "r-exports").write_text("in the way")
    with pytest.raises(ExportError, match="not a folder"):
        write_report(pair_session, tmp_path / "r.pdf")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-file", "dir.pdf", "r-exports"]
