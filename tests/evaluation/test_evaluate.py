"""`fame evaluate` on a small real protocol: the Tab. 2 outputs, thresholds that separate each set,
resuming, refusing a changed configuration, failures counted, shards of rows from other workers."""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest
from PIL import Image

from fame_desktop.cli import main
from fame_desktop.evaluation import pair as pair_module
from fame_desktop.evaluation.rows import read_row_file

CHEAP = ["-T", "4", "--epsilon", "0", "--corrrise-masks", "24", "-q"]


def _small_list(protocol_csv, folder, rows, first=(0, 1, 2, 3)):
    """A pair list with the protocol's pairs `first` (and extra rows) in `folder`, photographs by absolute path."""
    with open(protocol_csv) as f:
        listed = list(csv.DictReader(f))
    path = folder / "small.csv"
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["gallery", "probe", "same", "protocol"])
        for r in (listed[i] for i in first):
            w.writerow([protocol_csv.parent / r["gallery"], protocol_csv.parent / r["probe"], r["same"], r["protocol"]])
        w.writerows(rows)
    return path


@pytest.fixture(scope="module")
def full_run(protocol_csv, tmp_path_factory):
    out = tmp_path_factory.mktemp("eval") / "results"
    code = main(["evaluate", str(protocol_csv), "--methods", "fame,corrrise", "--out", str(out), *CHEAP])
    return code, out


def test_the_protocol_gives_the_tab2_outputs_and_thresholds_that_separate_each_set(full_run, capsys):
    code, out = full_run
    assert code == 0
    s = json.loads((out / "summary.json").read_text())
    assert s["pairs"] == 12 and s["evaluated"] == 12 and s["failed"] == 0
    sets = {x["name"]: x for x in s["sets"]}
    assert set(sets) == {"frontal", "degraded"}
    for x in sets.values():  # the clean EER threshold, computed on the same set, separates it
        assert x["clean_accuracy"] == 1.0 and x["eer"] == 0.0 and x["genuine"] > 0 and x["impostor"] > 0
        curves = {(c["method"], c["side"], c["mode"]): c for c in x["curves"]}
        assert len(curves) == 2 * 2 * 2 and all(len(c["accuracy"]) == 11 for c in curves.values())
        for method in ("fame", "corrrise"):  # deleting everything / inserting nothing: only impostors are right
            for mode, at in (("delete", -1), ("insert", 0)):
                c = curves[method, "probe", mode]
                assert c["accuracy"][at] == pytest.approx(x["impostor"] / (x["genuine"] + x["impostor"]))
            assert curves[method, "probe", "delete"]["accuracy"][0] == 1.0
    assert s["configuration"]["thresholds"] is None  # neither method needs one
    table = (out / "table.md").read_text()
    assert "| FAME |" in table and "| CorrRISE |" in table and table.count("**") >= 8
    assert "frontal Delete ↓" in table and "θ = " in table and "computed on the same set" in table
    tex = (out / "table.tex").read_text()
    assert r"\textbf{" in tex and r"\multicolumn{2}{c}{frontal}" in tex and r"Delete $\downarrow$" in tex
    png = Image.open(out / "curves.png")
    assert png.format == "PNG" and png.size[0] > 800 and png.size[1] > 600
    with open(out / "auc.csv") as f:
        auc = list(csv.DictReader(f))
    assert len(auc) == 2 * 2 * 2 * 2 and {r["method"] for r in auc} == {"fame", "corrrise"}
    with open(out / "pair_areas.csv") as f:
        assert sum(1 for _ in f) == 1 + 12 * 2 * 2 * 2  # pairs × methods × faces (the truth's map) × modes
    rows = read_row_file(out / "pairs.jsonl")
    assert len(rows) == 12 and all(r["config"] == rows[0]["config"] for r in rows)
    targets = {r["same"]: {c["target"] for c in r["methods"]["fame"]["faithfulness"]["curves"]} for r in rows}
    assert targets == {True: {"gallery_similar", "probe_similar"}, False: {"gallery_dissimilar", "probe_dissimilar"}}
    assert rows[0]["methods"]["corrrise"]["faithfulness"]["curves"][0]["similarity"][0] == pytest.approx(
        rows[0]["similarity"], abs=1e-5)


def test_an_interrupted_run_resumes_and_a_changed_configuration_is_refused(protocol_csv, tmp_path, monkeypatch,
                                                                           capsys):
    pairs = _small_list(protocol_csv, tmp_path, [], first=(0, 1, 2))
    out = tmp_path / "results"
    args = ["evaluate", str(pairs), "--methods", "corrrise", "--out", str(out), *CHEAP]
    calls = []
    real = pair_module.evaluate_pair

    def counting(pair, *a, **k):
        calls.append(pair.pair_id)
        if len(calls) == 3 and not getattr(counting, "resumed", False):
            raise KeyboardInterrupt
        return real(pair, *a, **k)

    monkeypatch.setattr("fame_desktop.evaluation.run.evaluate_pair", counting)
    assert main(args) == 130
    assert len(read_row_file(out / "pairs.jsonl")) == 2 and not (out / "summary.json").exists()
    with open(out / "pairs.jsonl", "a") as f:
        f.write('{"format": "fame-desktop/evaluate-row", "pair_id": "frontal/3", "sta')  # killed mid-line
    counting.resumed = True
    calls.clear()
    assert main(args) == 0
    assert calls == ["frontal/3"]  # the two done pairs are skipped; the torn row is done again
    assert "2 of 3 pairs already in the folder" in capsys.readouterr().err
    assert len(read_row_file(out / "pairs.jsonl")) == 3
    calls.clear()
    assert main(args) == 0 and calls == []  # everything done: nothing runs, the summary is written again

    changed = ["evaluate", str(pairs), "--methods", "corrrise", "--out", str(out), *CHEAP[:-3],
               "--corrrise-masks", "30", "--corrrise-seed", "5", "-q"]
    capsys.readouterr()
    assert main(changed) == 2
    err = capsys.readouterr().err
    assert "another configuration" in err and "methods.corrrise.masks: 24 → 30" in err
    assert "methods.corrrise.seed: 0 → 5" in err and "--overwrite" in err
    assert main([*changed, "--overwrite"]) == 0
    assert calls == ["frontal/1", "frontal/2", "frontal/3"]
    assert json.loads((out / "evaluation.json").read_text())["methods"]["corrrise"]["masks"] == 30


def test_failed_pairs_are_recorded_and_counted_never_fatal(protocol_csv, tmp_path, capsys):
    Image.fromarray(np.full((200, 160, 3), 128, np.uint8)).save(tmp_path / "no_face.png")
    pairs = _small_list(protocol_csv, tmp_path, [[protocol_csv.parent / "obama.jpg", "no_face.png", 1, "frontal"],
                                                 ["missing.jpg", protocol_csv.parent / "biden.jpg", 0, "frontal"]],
                        first=(0, 2))
    out = tmp_path / "results"
    assert main(["evaluate", str(pairs), "--methods", "corrrise", "--out", str(out), *CHEAP]) == 0
    s = json.loads((out / "summary.json").read_text())
    assert s["pairs"] == 4 and s["evaluated"] == 2 and s["failed"] == 2
    reasons = {f["pair_id"]: f["error"] for f in s["failures"]}
    assert "no face" in reasons["frontal/3"].lower() and "missing.jpg" in reasons["frontal/4"]
    assert "2 of 4 pairs evaluated, 2 failed" in capsys.readouterr().out
    assert "4 listed, 2 evaluated, 2 failed" in (out / "table.md").read_text()
    assert s["sets"][0]["genuine"] == 1 and s["sets"][0]["clean_accuracy"] == 1.0  # the failed pairs are left out


def test_rows_from_other_workers_are_merged_and_rows_of_another_configuration_refused(protocol_csv, tmp_path,
                                                                                     monkeypatch, capsys):
    pairs = _small_list(protocol_csv, tmp_path, [], first=(0, 2))
    out = tmp_path / "results"
    args = ["evaluate", str(pairs), "--methods", "corrrise", "--out", str(out), *CHEAP]
    assert main(args) == 0
    rows = read_row_file(out / "pairs.jsonl")
    (out / "pairs.jsonl").write_text(json.dumps(rows[0]) + "\n")
    (out / "pairs-worker2.jsonl").write_text(json.dumps(rows[1]) + "\n")  # a shard another worker wrote
    calls = []
    monkeypatch.setattr("fame_desktop.evaluation.run.evaluate_pair", lambda p, *a, **k: calls.append(p) or 1 / 0)
    assert main(args) == 0 and calls == []  # every pair is in one of the files
    assert json.loads((out / "summary.json").read_text())["evaluated"] == 2
    rows[1]["config"] = "0123456789abcdef"
    (out / "pairs-worker3.jsonl").write_text(json.dumps(rows[1]) + "\n")
    capsys.readouterr()
    assert main(args) == 2
    assert "pairs-worker3.jsonl: holds rows of another configuration" in capsys.readouterr().err


def test_an_output_folder_holding_other_files_is_refused(protocol_csv, tmp_path, capsys):
    out = tmp_path / "busy"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    for extra in ([], ["--overwrite"]):
        assert main(["evaluate", str(protocol_csv), "--methods", "corrrise", "--out", str(out), "-q", *extra]) == 2
        assert "holds files but no evaluation" in capsys.readouterr().err
    assert (out / "notes.txt").read_text() == "mine"


def test_unknown_methods_and_half_given_thresholds_are_refused(protocol_csv, tmp_path, capsys):
    out = str(tmp_path / "r")
    with pytest.raises(SystemExit) as e:
        main(["evaluate", str(protocol_csv), "--methods", "fame,nosuch", "--out", out])
    assert e.value.code == 2 and "no method 'nosuch'" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["evaluate", str(protocol_csv), "--methods", "fggb", "--threshold", "0.3", "--out", out])
    assert "--threshold needs --threshold-source" in capsys.readouterr().err
    assert not (tmp_path / "r").exists()


def test_fggb_runs_with_each_sets_eer_threshold_or_the_one_given(protocol_csv, tmp_path, monkeypatch):
    """The threshold plumbing only: FGGB's 512 backward passes per face are tested in tests/methods."""
    import torch

    from fame_desktop.methods.fggb import FggbMethod

    monkeypatch.setattr(FggbMethod, "_dimension_maps",
                        staticmethod(lambda model, x, idx: torch.ones(len(idx), 112, 112, dtype=torch.float64)))
    pairs = _small_list(protocol_csv, tmp_path, [], first=(0, 2))
    out = tmp_path / "eer"
    assert main(["evaluate", str(pairs), "--methods", "fggb", "--out", str(out), "-q"]) == 0
    config = json.loads((out / "evaluation.json").read_text())
    theta = config["thresholds"]["frontal"]
    assert len(read_row_file(out / "scores.jsonl")) == 2  # the clean scores came first
    rows = read_row_file(out / "pairs.jsonl")
    assert {r["methods"]["fggb"]["threshold"] for r in rows} == {theta}
    assert json.loads((out / "summary.json").read_text())["sets"][0]["threshold"] == pytest.approx(theta)
    given = tmp_path / "given"
    assert main(["evaluate", str(pairs), "--methods", "fggb", "--out", str(given), "-q", "--threshold", "0.25",
                 "--threshold-source", "a calibration set"]) == 0
    assert not (given / "scores.jsonl").exists()
    assert {r["methods"]["fggb"]["threshold"] for r in read_row_file(given / "pairs.jsonl")} == {0.25}


def test_a_pair_list_by_url_naming_its_photographs_by_url(protocol_csv, tmp_path, capsys):
    """file:// stands for any fsspec protocol (s3:// with s3fs): the list and every photograph read by URL; a
    photograph that cannot be read fails its pair with the reason; an unknown protocol is one line, exit 2."""
    with open(protocol_csv) as f:
        listed = list(csv.DictReader(f))
    folder = protocol_csv.parent.as_uri()
    path = tmp_path / "urls.csv"
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["gallery", "probe", "same", "protocol"])
        for r in (listed[0], listed[2]):
            w.writerow([f"{folder}/{r['gallery']}", f"{folder}/{r['probe']}", r["same"], r["protocol"]])
        w.writerow([f"{folder}/obama.jpg", f"{folder}/no-such-photo.jpg", 1, "frontal"])
    out = tmp_path / "out"
    assert main(["evaluate", path.as_uri(), "--methods", "corrrise", "--corrrise-masks", "8", "--out", str(out),
                 "-q"]) == 0
    rows = {r["pair_id"]: r for r in read_row_file(out / "pairs.jsonl")}
    assert [rows[k]["status"] for k in ("frontal/1", "frontal/2")] == ["ok", "ok"]
    assert rows["frontal/1"]["probe"] == f"{folder}/obama2.jpg" and rows["frontal/1"]["similarity"] > 0.5
    assert rows["frontal/3"]["status"] == "failed" and "no-such-photo.jpg: not found" in rows["frontal/3"]["error"]
    config = json.loads((out / "evaluation.json").read_text())
    assert config["pair_list"]["path"] == path.as_uri() and len(config["pair_list"]["sha256"]) == 64
    assert json.loads((out / "summary.json").read_text())["evaluated"] == 2
    capsys.readouterr()
    assert main(["evaluate", "nosuchprotocol://bucket/pairs.csv", "--out", str(tmp_path / "x"), "-q"]) == 2
    err = capsys.readouterr().err.strip()
    assert "nosuchprotocol://bucket/pairs.csv: cannot read nosuchprotocol:// URLs" in err and "\n" not in err
