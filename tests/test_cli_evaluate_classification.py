"""`fame evaluate-classification`: the Tab. 1-style table from real photographs with hand-drawn boxes,
resumed after an interruption, refusing a changed configuration, failures recorded per image."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from fame_desktop.cli import main
from fame_desktop.core.images import decode_png

IMAGENET = Path(__file__).parent / "data" / "imagenet"
FAST = ["-T", "2", "--epsilon", "0", "--device", "cpu", "-q"]


def photo_folder(tmp_path: Path, *names: str) -> Path:
    folder = tmp_path / "photos"
    folder.mkdir()
    for name in names:
        shutil.copy(IMAGENET / f"{name}.jpg", folder)
    return folder


@pytest.fixture
def photos(tmp_path) -> Path:
    """chelsea and coffee (with box files) and astronaut (none), as a folder of their own."""
    return photo_folder(tmp_path, "chelsea", "coffee", "astronaut")


def evaluate(photos: Path, out: Path, *extra: str, methods="gradcam,fd-cam,fame") -> int:
    return main(["evaluate-classification", str(photos), "--boxes", str(IMAGENET), "--out", str(out),
                 "--methods", methods, *FAST, *extra])


def rows(out: Path) -> list[dict]:
    return [json.loads(line) for line in (out / "rows.jsonl").read_text().splitlines()]


def test_table_from_real_photographs_with_boxes(photos, tmp_path, capsys):
    out = tmp_path / "eval"
    assert evaluate(photos, out) == 0
    printed = capsys.readouterr().out
    assert "IoU@0.5" in printed and "ROAD-Del 30%" in printed and "3 image(s), 3 method(s); 0 failure(s)" in printed
    by = {(r["image"], r["method"]): r for r in rows(out)}
    assert len(by) == 9 and all(r["status"] == "done" for r in by.values())
    cat = by[("chelsea.jpg", "gradcam")]
    assert (cat["class"], cat["class_source"], cat["box_file"], cat["boxes"]) == (285, "box file", "chelsea.xml", 1)
    assert cat["metrics"]["pointing"] is True and cat["metrics"]["iou"]["0.5"] > 0.4
    assert set(cat["metrics"]["road"]) == {"10", "30", "50"} and len(cat["metrics"]["deletion"]) == 11
    assert by[("coffee.jpg", "fd-cam")]["class"] == 967
    space = by[("astronaut.jpg", "gradcam")]  # no box file: the top-1 class, IoU and pointing game skipped
    assert space["class_source"] == "top-1" and space["class"] == space["top1"]
    assert space["metrics"]["iou"] is None and space["metrics"]["pointing"] is None
    assert space["metrics"]["road"]["50"] >= 0
    with open(out / "table.csv") as f:
        table = {r["method"]: r for r in csv.DictReader(f)}
    assert list(table) == ["gradcam", "fd-cam", "fame"]
    assert table["gradcam"]["images"] == "3" and table["gradcam"]["with_box"] == "2"
    expected = np.mean([by[(n, "gradcam")]["metrics"]["iou"]["0.5"] for n in ("chelsea.jpg", "coffee.jpg")])
    assert float(table["gradcam"]["iou_0.5"]) == pytest.approx(expected, abs=1e-4)
    md = (out / "table.md").read_text()
    assert md.count("**") >= 2 and "| gradcam | 3 |" in md
    summary = json.loads((out / "summary.json").read_text())
    assert summary["configuration"]["methods"]["fame"]["iterations"] == 2 and summary["failures"] == []
    assert decode_png((out / "figure.png").read_bytes()).shape[2] == 3
    with open(out / "per_image.csv") as f:
        assert len(list(csv.DictReader(f))) == 9


def test_a_rerun_resumes_and_a_cut_line_is_redone(tmp_path, capsys):
    photos = photo_folder(tmp_path, "coffee", "rocket")
    out = tmp_path / "eval"
    assert evaluate(photos, out, methods="gradcam,hirescam") == 0
    first = rows(out)
    assert evaluate(photos, out, methods="gradcam,hirescam") == 0
    assert "(resumed)" in capsys.readouterr().out
    assert rows(out) == first  # nothing recomputed
    text = (out / "rows.jsonl").read_text()
    cut = text[:text.rstrip("\n").rfind("\n") + 1] + text.rstrip("\n").rsplit("\n", 1)[1][:40]  # the last row torn
    (out / "rows.jsonl").write_text(cut)
    assert evaluate(photos, out, methods="gradcam,hirescam") == 0
    again = rows(out)
    assert len(again) == len(first) and again[-1]["image"] == first[-1]["image"]
    assert again[-1]["metrics"] == first[-1]["metrics"]  # deterministic, ROAD's noise seeded


def test_a_changed_configuration_is_refused_with_the_difference(tmp_path, capsys):
    photos = photo_folder(tmp_path, "coffee")
    out = tmp_path / "eval"
    assert evaluate(photos, out, methods="gradcam") == 0
    capsys.readouterr()
    assert evaluate(photos, out, "--seed", "3", methods="gradcam") == 2
    err = capsys.readouterr().err
    assert "another configuration" in err and "metrics.road_seed: 0 → 3" in err and "--overwrite" in err
    assert evaluate(photos, out, "--seed", "3", "--overwrite", methods="gradcam") == 0
    assert json.loads((out / "config.json").read_text())["metrics"]["road_seed"] == 3 and len(rows(out)) == 1


def test_failures_are_recorded_per_image_and_never_fatal(tmp_path, capsys):
    photos = photo_folder(tmp_path, "coffee")
    (photos / "broken.jpg").write_bytes(b"\xff\xd8 not really a JPEG")
    out = tmp_path / "eval"
    assert evaluate(photos, out, methods="gradcam") == 0
    assert "1 failure(s)" in capsys.readouterr().out
    broken = [r for r in rows(out) if r["image"] == "broken.jpg"]
    assert len(broken) == 1 and broken[0]["status"] == "failed" and "broken.jpg" in broken[0]["error"]
    assert sum(r["status"] == "done" for r in rows(out)) == 1
    summary = json.loads((out / "summary.json").read_text())
    assert summary["failures"][0]["image"] == "broken.jpg"


def test_classes_from_a_csv_override_the_box_files(tmp_path):
    photos = photo_folder(tmp_path, "chelsea", "coffee", "astronaut")
    classes = tmp_path / "classes.csv"
    classes.write_text("image,class\nchelsea.jpg,tabby\nastronaut.jpg,n03773504\n")
    out = tmp_path / "eval"
    assert evaluate(photos, out, "--classes", str(classes), methods="gradcam") == 0
    by = {r["image"]: r for r in rows(out)}
    assert (by["chelsea.jpg"]["class"], by["chelsea.jpg"]["class_source"]) == (281, "classes CSV")
    assert by["chelsea.jpg"]["boxes"] == 0 and by["chelsea.jpg"]["metrics"]["iou"] is None  # no tabby box
    assert by["astronaut.jpg"]["class"] == 657 and by["coffee.jpg"]["class_source"] == "box file"


@pytest.mark.parametrize("csv_text, reason", [
    ("file,label\nchelsea.jpg,285\n", "needs a header 'image,class'"),
    ("image,class\nchelsea.jpg,\n", "line 2: an image and a class are needed"),
    ("image,class\nchelsea.jpg,not a class\n", "'not a class' is no ImageNet-1k class"),
])
def test_bad_inputs_are_refused_before_any_work(photos, tmp_path, capsys, csv_text, reason):
    classes = tmp_path / "classes.csv"
    classes.write_text(csv_text)
    out = tmp_path / "eval"
    assert evaluate(photos, out, "--classes", str(classes)) == 2
    assert reason in capsys.readouterr().err and not out.exists()


def test_output_folder_rules(photos, tmp_path, capsys):
    assert evaluate(photos, photos) == 2
    assert "is or holds the images folder" in capsys.readouterr().err
    assert evaluate(photos, tmp_path) == 2  # holds the photos folder
    assert "is or holds the images folder" in capsys.readouterr().err
    other = tmp_path / "other"
    other.mkdir()
    (other / "notes.txt").write_text("mine")
    assert evaluate(photos, other) == 2
    assert "not a folder of `fame evaluate-classification`" in capsys.readouterr().err
    assert (other / "notes.txt").read_text() == "mine" and len(list(other.iterdir())) == 1
    assert evaluate(photos, tmp_path / "eval", methods="gradcam,nope") == 2
    assert "--methods: nope; choose from fame, gradcam" in capsys.readouterr().err
    assert evaluate(tmp_path / "missing", tmp_path / "eval") == 2
    assert "not a folder of photographs" in capsys.readouterr().err


def test_folders_by_url_that_cannot_be_read_are_one_clear_error(photos, tmp_path, capsys):
    out = tmp_path / "eval"
    missing = (tmp_path / "missing").as_uri()
    assert main(["evaluate-classification", missing, "--out", str(out), "-q"]) == 2
    assert capsys.readouterr().err.strip() == f"fame: error: {missing}: not a folder of photographs"
    assert main(["evaluate-classification", photos.as_uri(), "--boxes", "nosuchprotocol://b/boxes", "--out", str(out),
                 "-q"]) == 2
    err = capsys.readouterr().err.strip()
    assert "nosuchprotocol://b/boxes: cannot read nosuchprotocol:// URLs" in err and "\n" not in err
    assert not out.exists()
    with pytest.raises(SystemExit) as e:
        main(["evaluate-classification", str(photos), "--out", str(out), "--workers", "2"])
    assert e.value.code == 2 and "--address and --workers need --engine ray" in capsys.readouterr().err
