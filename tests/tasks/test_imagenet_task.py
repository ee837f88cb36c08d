"""ImageNet classification task: real predictions and maps on skimage's photos, the CLI contract."""

from __future__ import annotations

import hashlib
import json

import cv2
import numpy as np
import pytest
import torch
from skimage import data

from fame_desktop.methods import FameMethod
from fame_desktop.tasks.runner import request_run
from fame_desktop.cli import main
from fame_desktop.core.fame import FameParams
from fame_desktop.core.images import encode_png, load_image_bytes
from fame_desktop.tasks.imagenet import ImageNetClassificationTask

# Regions of skimage's chelsea (300 × 451, H × W), measured by eye on the photograph drawn
# with a 50-px grid: the cat's head fills x 60–360 from y 20 to the bottom edge; the strip
# right of x = 385 is the blurred room behind it (the right ear ends near x = 380).
CAT = (slice(20, 300), slice(60, 360))
BACKGROUND = (slice(0, 300), slice(385, 451))


@pytest.fixture(scope="module")
def task():
    return ImageNetClassificationTask()


@pytest.fixture(scope="module")
def lite0(task):
    return task.load_model("efficientnet-lite0", device="cpu")


@pytest.fixture(scope="module")
def photos(tmp_path_factory):
    d = tmp_path_factory.mktemp("photos")
    for name in ("chelsea", "coffee"):
        cv2.imwrite(str(d / f"{name}.png"), getattr(data, name)()[:, :, ::-1])
    return d


def test_chelsea_map_puts_more_mass_on_the_cat_than_on_the_background(task, lite0):
    options = task.resolve_options({}, lite0)
    image = load_image_bytes(encode_png(data.chelsea()), "chelsea.png")
    inputs = {"image": task.prepare(lite0, "image", image, options)}
    analysis = task.analyse(lite0, inputs, options)
    top1 = analysis.defaults()
    assert len(top1) == 1 and 281 <= top1[0].data["class_index"] <= 285
    assert len(analysis.targets) == 5
    job = request_run(task, FameMethod(), lite0, inputs, analysis, top1, FameParams(iterations=10, epsilon=0, snapshot_every=5), options)
    snapshots = []
    result = job.execute(on_progress=lambda p: p.delta is not None and snapshots.append(p.delta))
    assert [s.shape for s in snapshots] == [(1, 3, 224, 224)] * 2  # live preview rows ↔ job.targets
    per = result.per_target()[top1[0].key]
    assert per["final_score"] < per["initial_score"] and per["final_loss"] < per["initial_loss"]
    m = result.maps(task.default_map_settings(lite0))[top1[0].key]
    on_photo = inputs["image"].to_photo(m)
    assert on_photo.shape == (300, 451)
    cat, background = on_photo[CAT].mean(), on_photo[BACKGROUND].mean()
    assert cat > 1.5 * background, (cat, background)  # measured: ≈ 2.2× after 10 iterations
    section = task.report_section(result, task.default_map_settings(lite0))
    assert section.tables[0].caption == "Top-5 predictions" and len(section.tables[0].rows) == 5
    assert section.figures[-1].image.shape == (300, 451, 3)  # the map on the original photograph


def test_any_class_can_be_explained(task, lite0):
    options = task.resolve_options({"variant": "abs-logit", "preparation": "centre-crop"}, lite0)
    image = load_image_bytes(encode_png(data.coffee()), "coffee.png")
    inputs = {"image": task.prepare(lite0, "image", image, options)}
    assert inputs["image"].details == {"preparation": "centre-crop", "box": [125, 25, 475, 375]}
    analysis = task.analyse(lite0, inputs, options)
    assert analysis.targets[0].key == "class_967" and analysis.summary["top5"][0]["name"] == "espresso"
    cat = task.target(analysis, "class_285")
    assert cat.label == "Egyptian cat (285)" and task.target(analysis, "7").key == "class_7"
    for bad in ("class_1000", "cat", "-1"):
        with pytest.raises(Exception, match="class"):
            task.target(analysis, bad)
    with pytest.raises(Exception, match="not one of"):
        task.resolve_options({"variant": "softmax"}, lite0)


def test_fame_classify_writes_the_output_contract(tmp_path, photos):
    out = tmp_path / "coffee"
    code = main(["classify", str(photos / "coffee.png"), "--out", str(out), "-T", "2", "--epsilon", "0",
                 "--device", "cpu", "-q", "--class", "967", "--class", "class_504"])
    assert code == 0
    r = json.loads((out / "result.json").read_text())
    assert r["format"] == "fame-desktop/task" and r["task"]["key"] == "imagenet-classification"
    top5 = r["analysis"]["top5"]
    assert [set(c) for c in top5] == [{"index", "name", "probability", "logit"}] * 5
    assert top5[0]["index"] == 967 and top5[0]["name"] == "espresso" and top5[0]["probability"] > 0.8
    assert r["model"]["key"] == "efficientnet-lite0" and len(r["model"]["provenance"]["sha256"]) == 64
    assert r["parameters"]["fame"]["iterations"] == 2 and r["parameters"]["options"]["variant"] == "logit"
    assert r["parameters"]["maps"]["blur_kernel"] == 97 and r["parameters"]["maps"]["blur_sigma"] == 15.4
    inp = r["inputs"]["image"]
    raw = (photos / "coffee.png").read_bytes()
    assert inp["sha256"] == hashlib.sha256(raw).hexdigest() and inp["preparation"] == "full"
    assert inp["input_png_sha256"] == hashlib.sha256((out / inp["input"]).read_bytes()).hexdigest()
    assert set(r["maps"]) == {"class_967", "class_504"}
    for key, info in r["maps"].items():
        m, delta = np.load(out / info["map"]), np.load(out / info["raw"])
        assert m.shape == (224, 224) and m.dtype == np.float32 and m.max() == pytest.approx(1)
        assert delta.shape == (3, 224, 224) and 0 < np.abs(delta).max() <= 2 / 255 + 1e-6
        assert info["iterations"] == 2 and (out / info["overlay"]).stat().st_size > 1000
    assert (out / "maps" / "class_967.npy").exists()
    assert all((out / f["file"]).exists() for f in r["figures"]) and len(r["figures"]) == 4
    assert r["versions"]["torch"] == torch.__version__ and "fame" in r["timings_s"]


def test_classify_with_the_fast_preset_says_what_it_is_worth(tmp_path, photos, capsys):
    code = main(["classify", str(photos / "coffee.png"), "--out", str(tmp_path / "o"), "--preset", "fast",
                 "-T", "1", "-q", "--device", "cpu"])
    err = capsys.readouterr().err
    assert code == 0 and "note: Fast is tuned on face pairs" in err
    r = json.loads((tmp_path / "o" / "result.json").read_text())
    assert r["parameters"]["fame"]["preset"] == "fast (changed: iterations)"


def test_classify_bad_inputs_exit_2_with_one_line(tmp_path, photos, capsys, monkeypatch):
    monkeypatch.setattr(torch.hub, "get_dir", lambda: str(tmp_path / "empty-hub"))
    junk = tmp_path / "junk.pth"
    junk.write_bytes(b"\x00" * 64)
    text = tmp_path / "notes.png"
    text.write_text("not a photo")
    ok = str(photos / "coffee.png")
    cases = [
        ([str(tmp_path / "missing.jpg")], "not found"),
        ([str(text)], "not an image"),
        ([ok, "--class", "1000"], "out of range 0–999"),
        ([ok, "--class", "espresso"], "give an index 0–999"),
        ([ok, "--model", "resnet50"], "resnet50-11ad3fa6.pth or resnet50-0676ba61.pth"),
        ([ok, "--weights", str(junk)], "not a readable PyTorch checkpoint"),
    ]
    for argv, reason in cases:
        code = main(["classify", *argv, "--out", str(tmp_path / "o"), "-T", "1", "-q", "--device", "cpu"])
        err = capsys.readouterr().err.strip()
        assert code == 2, argv
        assert reason in err and len(err.splitlines()) == 1, err
    assert not (tmp_path / "o" / "result.json").exists()
