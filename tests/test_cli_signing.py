"""Examiner signatures: `fame keygen`, `fame explain --sign-key`, `fame sign`, `fame verify`, and the report."""

from __future__ import annotations

import json
import os
import stat

import pypdfium2 as pdfium
import pytest
from case_forgery import edit_session, forge, members_of, write_zip

from fame_desktop.cli import main
from fame_desktop.session.casefile import open_case
from fame_desktop.core.errors import CaseFileError


def _text(pdf) -> str:
    return "\n".join(p.get_textpage().get_text_range() for p in pdfium.PdfDocument(str(pdf)))


def _run(argv) -> int:
    try:
        return main(argv)
    except SystemExit as e:
        return e.code


@pytest.fixture(scope="module")
def signed(tmp_path_factory, data_dir):
    """A key pair (passphrase-protected), a second key, and a case file signed while it was made."""
    d = tmp_path_factory.mktemp("signed")
    os.environ["FAME_KEY_PASSPHRASE"] = "correct horse"
    try:
        assert main(["keygen", "--out", str(d / "examiner"), "--passphrase"]) == 0
    finally:
        del os.environ["FAME_KEY_PASSPHRASE"]
    assert main(["keygen", "--out", str(d / "other")]) == 0
    os.environ["FAME_KEY_PASSPHRASE"] = "correct horse"
    try:
        code = main(["explain", str(data_dir / "obama.jpg"), str(data_dir / "obama2.jpg"), "-T", "2", "-q",
                     "--device", "cpu", "--case", str(d / "c.famecase"), "--sign-key", str(d / "examiner.key"),
                     "--examiner", "B. Examiner"])
    finally:
        del os.environ["FAME_KEY_PASSPHRASE"]
    assert code == 0
    return d


def _fingerprint(d, name) -> str:
    from fame_desktop.session.signing import trusted_fingerprint

    return trusted_fingerprint(str(d / f"{name}.pub"))


def test_keygen_writes_a_private_key_for_its_owner_only_and_never_replaces_one(tmp_path, capsys):
    assert main(["keygen", "--out", str(tmp_path / "me")]) == 0
    out = capsys.readouterr().out
    key, pub = tmp_path / "me.key", tmp_path / "me.pub"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600 and b"BEGIN PRIVATE KEY" in key.read_bytes()
    assert b"BEGIN PUBLIC KEY" in pub.read_bytes()
    groups = out.split("fingerprint")[1].split()
    assert len(groups) == 16 and all(len(g) == 4 for g in groups)  # 64 hex digits, grouped for people
    assert "".join(groups) == _fingerprint(tmp_path, "me")
    before = key.read_bytes()
    assert _run(["keygen", "--out", str(tmp_path / "me")]) == 2
    assert "already exists" in capsys.readouterr().err and key.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["me.key", "me.pub"]


def test_a_passphrase_protected_key_needs_its_passphrase(signed, tmp_path, monkeypatch, capsys):
    case = tmp_path / "c.famecase"
    case.write_bytes((signed / "c.famecase").read_bytes())
    monkeypatch.setattr("sys.stdin.isatty", lambda: False)
    assert _run(["sign", str(case), "--key", str(signed / "examiner.key")]) == 2
    assert "FAME_KEY_PASSPHRASE" in capsys.readouterr().err
    monkeypatch.setenv("FAME_KEY_PASSPHRASE", "wrong")
    assert _run(["sign", str(case), "--key", str(signed / "examiner.key")]) == 2
    assert "wrong passphrase" in capsys.readouterr().err
    assert case.read_bytes() == (signed / "c.famecase").read_bytes()


def test_verify_prints_integrity_and_signature_and_checks_trust(signed, capsys):
    case = str(signed / "c.famecase")
    fingerprint = _fingerprint(signed, "examiner")
    assert main(["verify", case]) == 0
    out = capsys.readouterr().out
    assert "intact" in out and "audit log intact" in out and "result recomputed with arcface-mbf" in out
    assert "signed (Ed25519) by B. Examiner" in out and fingerprint[:4] + " " + fingerprint[4:8] in out
    assert main(["verify", case, "--trusted-key", str(signed / "examiner.pub")]) == 0
    assert "the signing key is trusted" in capsys.readouterr().out
    assert main(["verify", case, "--trusted-key", fingerprint.upper()]) == 0  # a fingerprint works too
    capsys.readouterr()
    assert _run(["verify", case, "--trusted-key", str(signed / "other.pub")]) == 2
    err = capsys.readouterr().err
    assert "which is not a trusted key" in err and len(err.splitlines()) == 1
    s, _notes = open_case(case)
    assert [e.action for e in s.audit.entries][-2:] == ["sign case file", "open case file"]
    assert s.audit.entries[-1].details["signature"]["fingerprint"] == fingerprint


def test_a_signed_case_whose_content_changed_is_refused(signed, tmp_path, capsys):
    case = signed / "c.famecase"
    edited = forge(case, tmp_path / "edited.famecase",
                   edit_session(lambda d: d["case"].__setitem__("examiner", "Someone Else")))
    assert _run(["verify", str(edited)]) == 2
    assert "changed after it was signed" in capsys.readouterr().err
    assert _run(["report", str(edited), "--out", str(tmp_path / "r.pdf")]) == 2
    assert "changed after it was signed" in capsys.readouterr().err
    # the signature removed: the log still ends with the signing
    members = members_of(case)
    del members["signature.json"]
    stripped = write_zip(tmp_path / "stripped.famecase", members)
    with pytest.raises(CaseFileError, match="signature is missing: it was removed"):
        open_case(stripped)
    # the record inside signature.json edited (another signer's name)
    members = members_of(case)
    record = json.loads(members["signature.json"])
    record["signer"] = "Chief Examiner"
    members["signature.json"] = json.dumps(record).encode()
    with pytest.raises(CaseFileError, match="signature.json was altered"):
        open_case(write_zip(tmp_path / "renamed.famecase", members))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["edited.famecase", "renamed.famecase", "stripped.famecase"]


def test_sign_makes_a_new_signature_and_the_report_states_it(signed, tmp_path, capsys):
    case = tmp_path / "c.famecase"
    case.write_bytes((signed / "c.famecase").read_bytes())
    # an unsigned case: labelled so in the report
    unsigned = forge(case, tmp_path / "unsigned.famecase",
                     lambda m: (m.pop("signature.json"), edit_session(lambda d: d["audit"].pop())(m)))
    # (dropping the last entry, the signing, breaks no chain link: a later entry would have held its hash)
    assert main(["report", str(unsigned), "--out", str(tmp_path / "u.pdf"), "--no-exports"]) == 0
    assert "unsigned" in capsys.readouterr().out
    text = _text(tmp_path / "u.pdf")
    assert "Signature" in text and "unsigned" in text
    assert main(["sign", str(unsigned), "--key", str(signed / "other.key"), "--signer", "C. Examiner"]) == 0
    out = capsys.readouterr().out
    other = _fingerprint(signed, "other")
    assert "signed" in out and "by C. Examiner" in out
    s, _notes = open_case(unsigned)
    assert s.audit.entries[-1].details["signature"]["fingerprint"] == other
    assert [e.action for e in s.audit.entries][-3:] == ["open case file", "sign case file", "open case file"]
    assert main(["report", str(unsigned), "--out", str(tmp_path / "s.pdf"), "--no-exports"]) == 0
    text = _text(tmp_path / "s.pdf")
    compact = text.replace("\r", "").replace("\n", " ")
    assert "signed (Ed25519) by C. Examiner" in compact and other[:4] in compact
    assert "Checked on opening" in compact


def test_sign_key_without_case_and_bad_key_files_exit_2(signed, tmp_path, data_dir, capsys):
    ok = str(data_dir / "obama.jpg")
    (tmp_path / "not-a-key.key").write_text("hello")
    os.mkfifo(tmp_path / "fifo.key")
    cases = [
        (["explain", ok, ok, "--out", str(tmp_path / "o"), "--sign-key", str(signed / "other.key"), "-q"],
         "--sign-key signs the case file"),
        (["sign", str(signed / "c.famecase"), "--key", str(tmp_path / "not-a-key.key")], "not a private key file"),
        (["sign", str(signed / "c.famecase"), "--key", str(tmp_path / "fifo.key")], "not a regular file (a FIFO)"),
        (["sign", str(signed / "c.famecase"), "--key", "/dev/zero"], "not a regular file (a device)"),
        (["verify", str(signed / "c.famecase"), "--trusted-key", str(signed / "other.key")], "not a public key"),
    ]
    for argv, reason in cases:
        code = _run(argv)
        err = capsys.readouterr().err.strip()
        assert code == 2 and reason in err and len(err.splitlines()) == 1, (argv, err)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fifo.key", "not-a-key.key"]
