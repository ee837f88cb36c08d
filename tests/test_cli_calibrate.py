"""`fame calibrate` on a small real protocol made from the test photographs, then `fame explain --calibration`."""

from __future__ import annotations

import contextlib
import csv
import io
import itertools
import json

import cv2
import numpy as np
import pytest

from fame_desktop.cli import main
from fame_desktop.core.evidence import pair_scoring
from fame_desktop.core.evidence.calibration import content_digest, load_calibration
from fame_desktop.core.images import load_image
from fame_desktop.core.models.embedded import ONNX_SHA256


def _variants(data_dir, root, name: str, stem: str) -> list[str]:
    """Three copies of a photograph: smaller, mirrored, rotated by 8° (different files, same person)."""
    rgb = load_image(data_dir / name).rgb
    s = 480 / max(rgb.shape[:2])
    small = cv2.resize(rgb, None, fx=s, fy=s, interpolation=cv2.INTER_AREA)
    h, w = small.shape[:2]
    copies = {"small": small, "mirrored": np.ascontiguousarray(small[:, ::-1]),
              "rotated": cv2.warpAffine(small, cv2.getRotationMatrix2D((w / 2, h / 2), 8, 1.0), (w, h))}
    names = []
    for kind, img in copies.items():
        cv2.imwrite(str(root / f"{stem}_{kind}.jpg"), cv2.cvtColor(img, cv2.COLOR_RGB2BGR))
        names.append(f"{stem}_{kind}.jpg")
    return names


@pytest.fixture(scope="module")
def protocol(tmp_path_factory, data_dir):
    """18 genuine pairs (Obama's two portraits, Biden's), 18 impostor pairs, an unreadable file and a faceless one."""
    root = tmp_path_factory.mktemp("protocol")
    obama = _variants(data_dir, root, "obama.jpg", "obama") + _variants(data_dir, root, "obama2.jpg", "obama2")
    biden = _variants(data_dir, root, "biden.jpg", "biden")
    rows = [(a, b, 1) for group in (obama, biden) for a, b in itertools.combinations(group, 2)]
    rows += [(a, b, 0) for a in obama for b in biden]
    (root / "notes.jpg").write_text("not a photograph")
    cv2.imwrite(str(root / "wall.png"), np.full((240, 240, 3), 128, np.uint8))
    rows += [("notes.jpg", biden[0], 0), (obama[0], "wall.png", 1)]
    with open(root / "pairs.csv", "w", newline="") as f:
        csv.writer(f).writerows([("gallery", "probe", "same"), *rows])
    return root / "pairs.csv"


def _run(*argv) -> tuple[int, str]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main([str(a) for a in argv])
    return code, out.getvalue()


@pytest.fixture(scope="module")
def calibrated(protocol):
    cal = protocol.parent / "test.famecal"
    code, text = _run("calibrate", protocol, "--out", cal, "--description", "test portraits and copies", "--quiet",
                      "--device", "cpu")
    assert code == 0, text
    return cal, text


def test_calibrate_writes_a_verified_calibration_file(calibrated):
    path, text = calibrated
    cal = load_calibration(path)
    p = cal.doc["pairs"]
    assert (p["listed"], p["genuine"], p["impostor"], p["failed"]) == (38, 18, 18, 2)
    assert p["failures_by_kind"] == {"no face": 1, "unreadable": 1}
    assert {f["pair_id"] for f in p["failures"]} == {"pairs/37", "pairs/38"}
    assert cal.doc["model"]["key"] == "arcface-mbf" and cal.weights_sha256 == ONNX_SHA256
    assert cal.description == "test portraits and copies" and len(cal.doc["dataset"]["pairs_sha256"]) == 64
    assert cal.doc["alignment"]["template"][0] == [38.2946, 51.6963] and cal.kind == "logistic"
    assert cal.doc["quality_ranges"]["inter_eye_px"]["n"] == 9  # each distinct photograph once
    g, i = cal.genuine, cal.impostor
    assert g.min() > i.max()  # the model separates these easily
    m = cal.metrics
    assert m["eer"] == 0 and i.max() < m["eer_threshold"] < g.min() and m["cllr"] < 0.2
    lo, hi = cal.elub
    assert 0.5 < hi <= np.log10(18 + 1) + 1e-9 and -np.log10(18 + 1) - 1e-9 <= lo < -0.5  # 18 pairs support little
    assert "18 genuine, 18 impostor scored of 38; 2 failed (no face 1, unreadable 1)" in text
    assert "Cllr" in text and "not measurable with 18 impostor pairs" in text


def test_a_rerun_skips_the_scored_pairs_and_retries_the_failed_ones(calibrated, protocol, monkeypatch):
    path, _ = calibrated
    cache = pair_scoring.cache_path_for(path)
    lines = cache.read_text().count("\n")
    assert lines == 1 + 38
    read = []
    real = pair_scoring._photo
    monkeypatch.setattr(pair_scoring, "_photo", lambda p, *a: read.append(p.name) or real(p, *a))
    code, text = _run("calibrate", protocol, "--out", path, "--description", "test portraits and copies", "--quiet",
                      "--device", "cpu", "--overwrite", "--calibrator", "isotonic")
    assert code == 0, text
    assert sorted(read) == ["biden_small.jpg", "notes.jpg", "obama_small.jpg", "wall.png"]  # the failed pairs only
    assert cache.read_text().count("\n") == lines + 2
    assert load_calibration(path).kind == "isotonic"


def test_an_interrupted_run_resumes_where_it_stopped(protocol, monkeypatch):
    few = protocol.parent / "few.csv"  # four photographs: two genuine and two impostor pairs
    few.write_text("gallery,probe,same\nobama_small.jpg,obama_mirrored.jpg,1\nbiden_small.jpg,biden_mirrored.jpg,1\n"
                   "obama_small.jpg,biden_small.jpg,0\nobama_mirrored.jpg,biden_mirrored.jpg,0\n")
    out = protocol.parent / "interrupted.famecal"
    real = pair_scoring._photo
    calls = []

    def interrupted_at_the_third_photograph(path, *a):
        calls.append(path.name)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return real(path, *a)

    monkeypatch.setattr(pair_scoring, "_photo", interrupted_at_the_third_photograph)
    code, _ = _run("calibrate", few, "--out", out, "--quiet", "--device", "cpu")
    assert code == 130 and not out.exists()
    kept = [json.loads(line) for line in pair_scoring.cache_path_for(out).read_text().splitlines()]
    assert kept[0]["model"]["key"] == "arcface-mbf" and [r["pair_id"] for r in kept[1:]] == ["pairs/1"]
    monkeypatch.setattr(pair_scoring, "_photo", real)
    code, text = _run("calibrate", few, "--out", out, "--quiet", "--device", "cpu")
    assert code == 0, text
    kept = [json.loads(line) for line in pair_scoring.cache_path_for(out).read_text().splitlines()]
    assert [r["pair_id"] for r in kept[1:]] == ["pairs/1", "pairs/2", "pairs/3", "pairs/4"]  # pair 1 not again
    assert load_calibration(out).doc["pairs"]["scored"] == 4


def test_a_cache_made_with_another_model_is_refused(calibrated, protocol, capsys):
    path, _ = calibrated
    other = protocol.parent / "other.famecal"
    lines = pair_scoring.cache_path_for(path).read_text().splitlines()
    header = json.loads(lines[0])
    header["model"]["weights_sha256"] = "0" * 64
    pair_scoring.cache_path_for(other).write_text("\n".join([json.dumps(header), *lines[1:]]) + "\n")
    assert main(["calibrate", str(protocol), "--out", str(other), "--quiet", "--device", "cpu"]) == 2
    err = capsys.readouterr().err
    assert "made with another model" in err and "remove it" in err and not other.exists()


def test_explain_states_the_lr_cllr_and_verbal_equivalent_in_console_case_and_report(calibrated, data_dir,
                                                                                       tmp_path):
    import pypdfium2 as pdfium

    from fame_desktop.core.evidence.evidence_facts import lr_text
    from fame_desktop.session.casefile import open_case

    path, _ = calibrated
    out, case, report = tmp_path / "explained", tmp_path / "c.famecase", tmp_path / "r.pdf"
    code, text = _run("explain", data_dir / "obama.jpg", data_dir / "obama2.jpg", "--out", out, "-T", "1",
                      "--epsilon", "0", "--quiet", "--device", "cpu", "--calibration", path,
                      "--threshold-from-calibration", "eer", "--case", case, "--report", report)
    assert code == 0, text
    score = json.loads((out / "result.json").read_text())["similarity"]
    cal = load_calibration(path)
    lr = cal.likelihood_ratio(score)
    assert lr.log10_lr > 0 and lr.verbal.direction == "Hp"
    assert f"log10 LR {lr.log10_lr:+.2f}" in text and "likelihood ratio LR = " in text and "Cllr" in text
    assert f"verbal equivalent (ENFSI): {lr.verbal.strength} support for Hp" in text
    assert "test portraits and copies" in text
    # the case keeps the calibration and the threshold taken from it
    session, _ = open_case(case)
    assert session.evidence.calibration.sha256 == cal.sha256
    assert session.threshold.value == pytest.approx(cal.operating_point().threshold, abs=1e-6)
    assert session.threshold.source.startswith("EER threshold") and cal.sha256[:16] in session.threshold.source
    # the report: the LR, Cllr and the Tippett plot and histograms (vector drawings, their text is in the PDF)
    pdf = pdfium.PdfDocument(str(report))
    flat = " ".join(" ".join(p.get_textpage().get_text_range() for p in pdf).split())
    pdf.close()
    for expected in (f"LR = {lr_text(lr.lr)}", f"log10 LR {lr.log10_lr:+.2f}", "Cllr", "test portraits and copies",
                     "Tippett plot: share of pairs with log10 LR ≥ x", "Score distributions", cal.sha256):
        assert expected in flat, expected


@pytest.mark.parametrize("argv, message", [
    (["--threshold-from-calibration", "eer"], "needs --calibration"),
    (["--calibration", "CAL", "--threshold-from-calibration", "often"], "give eer or a false match rate"),
    (["--calibration", "CAL", "--threshold-from-calibration", "0.0001"], "cannot be measured with 18 impostor"),
    (["--calibration", "CAL", "--threshold-from-calibration", "eer", "--threshold", "0.3", "--threshold-source", "x"],
     "either --threshold or --threshold-from-calibration"),
])
def test_a_threshold_from_a_calibration_is_checked_before_running(calibrated, data_dir, tmp_path, capsys, argv,
                                                                  message):
    argv = [str(calibrated[0]) if a == "CAL" else a for a in argv]
    out = tmp_path / "never"
    try:  # a usage error leaves as argparse's do, a calibration that cannot give it as a FameError
        code = main(["explain", str(data_dir / "obama.jpg"), str(data_dir / "obama2.jpg"), "--out", str(out),
                     "--quiet", "--device", "cpu", *argv])
    except SystemExit as e:
        code = e.code
    assert code == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err and not out.exists()


def _rewritten(path, tmp_path, change, redigest: bool):
    doc = json.loads(path.read_text())
    change(doc)
    if redigest:
        doc["sha256"] = content_digest(doc)
    bad = tmp_path / "bad.famecal"
    bad.write_text(json.dumps(doc))
    return bad


@pytest.mark.parametrize("change, redigest, message", [
    (lambda d: d["scores"]["genuine"].__setitem__(0, 0.1), False, "altered or damaged"),
    (lambda d: d.__setitem__("format_version", 9), False, "version 9 is not supported"),
    (lambda d: d["model"].__setitem__("key", "adaface-ir50"), True, "made with adaface-ir50"),
])
def test_explain_refuses_a_tampered_or_foreign_calibration_before_running(calibrated, data_dir, tmp_path, capsys,
                                                                           change, redigest, message):
    bad = _rewritten(calibrated[0], tmp_path, change, redigest)
    out = tmp_path / "never"
    assert main(["explain", str(data_dir / "obama.jpg"), str(data_dir / "obama2.jpg"), "--out", str(out), "-T", "1",
                 "--quiet", "--device", "cpu", "--calibration", str(bad)]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err and not out.exists()


@pytest.mark.parametrize("extra, message", [
    (["--out", "cal.json"], "must end in .famecal"),
    (["--out", "x.famecal", "--fmr", "0.5,2"], "between 0 and 1"),
    (["--out", "x.famecal", "--calibrator", "kde"], "invalid choice"),
])
def test_bad_calibrate_options_exit_2(protocol, tmp_path, monkeypatch, capsys, extra, message):
    monkeypatch.chdir(tmp_path)
    with contextlib.suppress(SystemExit):
        assert main(["calibrate", str(protocol), *extra]) == 2
    assert message in capsys.readouterr().err and not (tmp_path / "x.famecal.scores.jsonl").exists()


def test_an_existing_calibration_is_not_replaced_without_overwrite(calibrated, protocol, capsys):
    path, _ = calibrated
    before = path.read_bytes()
    assert main(["calibrate", str(protocol), "--out", str(path), "--quiet"]) == 2
    assert "already exists" in capsys.readouterr().err and path.read_bytes() == before


def test_without_lir_nothing_is_scored(protocol, tmp_path, monkeypatch, capsys):
    import sys

    for name in [m for m in sys.modules if m == "lir" or m.startswith("lir.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "lir", None)
    out = tmp_path / "x.famecal"
    assert main(["calibrate", str(protocol), "--out", str(out), "--quiet"]) == 2
    assert "fame-desktop[calibration]" in capsys.readouterr().err
    assert not pair_scoring.cache_path_for(out).exists()


def test_too_few_scored_pairs_say_why(protocol, tmp_path, capsys):
    lonely = protocol.parent / "lonely.csv"
    lonely.write_text("gallery,probe,same\nnotes.jpg,biden_small.jpg,0\nobama_small.jpg,wall.png,1\n")
    assert main(["calibrate", str(lonely), "--out", str(tmp_path / "x.famecal"), "--quiet", "--device", "cpu"]) == 2
    err = capsys.readouterr().err
    assert "only 0 genuine and 0 impostor pairs could be scored (failed: no face 1, unreadable 1" in err
    assert not (tmp_path / "x.famecal").exists()
