"""`fame explain --report/--case` and `fame report CASEFILE`: end to end, and bad input → exit 2, one line."""

from __future__ import annotations
from fame_desktop.tasks.face_output import per_map

import json

import pypdfium2 as pdfium
import pytest

from fame_desktop.cli import main
from fame_desktop.session.casefile import open_case


def _text(pdf) -> str:
    return "\n".join(p.get_textpage().get_text_range() for p in pdfium.PdfDocument(str(pdf)))


@pytest.fixture(scope="module")
def explained(tmp_path_factory, data_dir):
    d = tmp_path_factory.mktemp("cli-report")
    # an impostor pair with ε on: the e+ maps stop at once and the report must say they are empty
    code = main(["explain", str(data_dir / "obama.jpg"), str(data_dir / "biden.jpg"), "-T", "2", "--epsilon", "0.01", "-q",
                 "--device", "cpu", "--report", str(d / "r.pdf"), "--case", str(d / "c.famecase"),
                 "--case-id", "C-42", "--examiner", "B. Examiner", "--threshold", "0.35",
                 "--threshold-source", "lab validation 2024, FMR 0.1%", "--colour-map", "turbo"])
    assert code == 0
    return d


def test_explain_writes_report_and_case_file(explained, capsys):
    text = _text(explained / "r.pdf")
    assert "C-42" in text and "B. Examiner" in text and "lab validation 2024, FMR 0.1%" in text
    assert "below this threshold" in text and text.count("empty map") >= 2 and "turbo, opacity 0.5" in text
    manifest = json.loads((explained / "r-exports" / "manifest.json").read_text())
    case_sha = manifest["audit"][-1]["details"]["sha256"]
    assert manifest["audit"][-1]["action"] == "save case file" and case_sha in text
    s, _notes = open_case(explained / "c.famecase")
    assert s.case.case_id == "C-42" and s.threshold.value == 0.35
    assert [per_map(s.result())[k]["stop_reason"] for k in s.result().keys] == \
           ["epsilon", "iterations", "epsilon", "iterations"]


def test_report_from_a_case_file(explained, capsys):
    out = explained / "again.pdf"
    assert main(["report", str(explained / "c.famecase"), "--out", str(out), "--no-exports"]) == 0
    assert "report FR-" in capsys.readouterr().out
    text = _text(out)
    assert "open case file" in text and "C-42" in text
    assert not (explained / "again-exports").exists()


def test_bad_input_exits_2_with_one_line(explained, tmp_path, data_dir, capsys):
    broken = tmp_path / "broken.famecase"
    broken.write_bytes((explained / "c.famecase").read_bytes()[:5000])
    ok = str(data_dir / "obama.jpg")
    cases = [
        (["report", str(broken), "--out", str(tmp_path / "x.pdf")], "not a case file or damaged"),
        (["report", str(tmp_path / "none.famecase"), "--out", str(tmp_path / "x.pdf")], "file not found"),
        (["report", str(explained / "c.famecase"), "--out", str(tmp_path / "no" / "x.pdf")], "folder does not exist"),
        (["report", str(explained / "c.famecase"), "--out", str(tmp_path / "x.docx")], "must end in .pdf"),
        # refused before FAME runs: no time is lost on a path that cannot be written
        (["explain", ok, ok, "--report", str(tmp_path / "no" / "r.pdf"), "-q"], "folder does not exist"),
        (["explain", ok, ok, "--case", str(tmp_path / "no" / "c.famecase"), "-q"], "folder does not exist"),
        (["explain", ok, ok, "--report", str(tmp_path / "r.pdf"), "--threshold", "0.3", "-q"], "needs its source"),
        (["explain", ok, ok, "-q"], "nothing to write"),
    ]
    for argv, reason in cases:
        code = _run(argv)
        err = capsys.readouterr().err.strip()
        assert code == 2, (argv, err)
        assert reason in err and len(err.splitlines()) == 1, err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["broken.famecase"]


def _run(argv) -> int:
    """Exit code of the CLI, whether it returns it or exits (option errors exit like argparse)."""
    try:
        return main(argv)
    except SystemExit as e:
        return e.code
