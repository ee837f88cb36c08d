"""`fame explain`: the output contract, reproducibility from the saved crops, bad inputs."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from fame_desktop.cli import main
from fame_desktop.core.fame import FameParams
from fame_desktop.core.images import load_image
from fame_desktop.core.verification import MAP_KEYS, explain_pair

ITER = 4


@pytest.fixture(scope="module")
def explained(tmp_path_factory, data_dir):
    out = tmp_path_factory.mktemp("explain") / "case1"
    code = main(["explain", str(data_dir / "obama.jpg"), str(data_dir / "obama2.jpg"), "--out", str(out),
                 "-T", str(ITER), "--epsilon", "0", "--quiet", "--device", "cpu"])
    assert code == 0
    return out, json.loads((out / "result.json").read_text())


def test_result_json_holds_the_contract(explained, data_dir):
    out, r = explained
    assert r["format"] == "fame-desktop/explain" and r["format_version"] == 1
    assert 0.6 < r["similarity"] < 0.8
    assert r["model"]["key"] == "arcface-mbf" and "non-commercial" in r["model"]["licence"]
    assert r["model"]["input_convention"].startswith("112×112 RGB")
    assert r["model"]["provenance"]["package_version"]
    fame = r["parameters"]["fame"]
    assert fame["iterations"] == ITER and fame["epsilon"] == 0 and fame["step_size"] == pytest.approx(1 / 255)
    assert r["parameters"]["maps"]["blur_kernel"] == 49 and r["parameters"]["maps"]["normalisation"] == "minmax"
    assert r["parameters"]["maps"]["greyscale"] == "photograph" and r["parameters"]["maps"]["grey"].startswith(
        "luma of the photograph: 0.2989 R")  # stated in result.json (METHOD.md §8)
    for side, name in (("gallery", "obama.jpg"), ("probe", "obama2.jpg")):
        inp = r["inputs"][side]
        raw = (data_dir / name).read_bytes()
        assert inp["sha256"] == hashlib.sha256(raw).hexdigest() and inp["file_size"] == len(raw)
        assert inp["face"]["probability"] > 0.99 and len(inp["face"]["landmarks"]) == 5
        assert np.array(inp["alignment"]["matrix"]).shape == (2, 3)
        crop_bytes = (out / inp["crop"]).read_bytes()
        assert inp["crop_png_sha256"] == hashlib.sha256(crop_bytes).hexdigest()
    assert r["versions"]["torch"] == torch.__version__ and r["versions"]["device"] == "cpu"
    assert set(r["timings_s"]) >= {"prepare_analyse", "model_load", "fame"}
    assert set(r["maps"]) == set(MAP_KEYS)


def test_map_files(explained):
    out, r = explained
    for key, info in r["maps"].items():
        m = np.load(out / info["map"])
        raw = np.load(out / info["raw"])
        assert m.shape == (112, 112) and m.dtype == np.float32 and m.min() >= 0 and m.max() == pytest.approx(1)
        assert raw.shape == (3, 112, 112) and raw.dtype == np.float32
        assert 0 < np.abs(raw).max() <= ITER / 255 + 1e-6
        assert (out / info["overlay"]).stat().st_size > 1000
        assert info["iterations"] == ITER


def test_a_run_is_reproducible_from_the_saved_crops(explained, face_model):
    out, r = explained
    g = load_image(out / "crops" / "gallery.png").rgb
    p = load_image(out / "crops" / "probe.png").rgb
    again = explain_pair(face_model, g, p, FameParams(iterations=ITER, epsilon=0))
    assert again.similarity == pytest.approx(r["similarity"], abs=1e-6)
    for key in MAP_KEYS:
        assert np.allclose(again.delta(key), np.load(out / "raw" / f"{key}.npy"), atol=1e-5)


# `cd OUT && sha256sum maps/*.npy raw/*.npy | sha256sum` for `fame explain tests/data/obama.jpg
# tests/data/obama2.jpg --preset reference -T 5`, as the code before the redesign (issue 13) wrote them
MAPS_DIGEST = "4f9a3b87ab6b5963aa09eb425ff794275ba98a7d82c95e2a41102c27271f9a98"


def _sha256sum_digest(folder: Path, patterns: tuple[str, ...]) -> str:
    """What `cd folder && sha256sum PATTERN… | sha256sum` prints: the digest of the listing's lines."""
    lines = "".join(f"{hashlib.sha256(p.read_bytes()).hexdigest()}  {p.relative_to(folder).as_posix()}\n"
                    for pattern in patterns for p in sorted(folder.glob(pattern)))
    return hashlib.sha256(lines.encode()).hexdigest()


def test_the_maps_are_bit_identical_to_those_before_the_redesign(tmp_path, data_dir):
    out = tmp_path / "reference"
    assert main(["explain", str(data_dir / "obama.jpg"), str(data_dir / "obama2.jpg"), "--preset", "reference",
                 "-T", "5", "--out", str(out), "-q"]) == 0
    assert len(list(out.glob("maps/*.npy"))) == len(list(out.glob("raw/*.npy"))) == 4
    assert _sha256sum_digest(out, ("maps/*.npy", "raw/*.npy")) == MAPS_DIGEST


def test_fame_run_face_verification_writes_the_explain_folder(explained, tmp_path, data_dir):
    """`fame run face-verification G P` is `fame explain G P`: the same files, bytes and result.json."""
    out, r = explained
    again = tmp_path / "run"
    assert main(["run", "face-verification", str(data_dir / "obama.jpg"), str(data_dir / "obama2.jpg"),
                 "--out", str(again), "-T", str(ITER), "--epsilon", "0", "--quiet", "--device", "cpu"]) == 0
    files = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(again).as_posix() for p in again.rglob("*") if p.is_file())
    for rel in files:
        if rel != "result.json":
            assert (out / rel).read_bytes() == (again / rel).read_bytes(), rel
    r2 = json.loads((again / "result.json").read_text())
    unstable = ("created", "timings_s")
    assert {k: v for k, v in r2.items() if k not in unstable} == {k: v for k, v in r.items() if k not in unstable}
    assert set(r2["timings_s"]) == set(r["timings_s"])


def _run_cli(args, capsys):
    code = main(args)
    err = capsys.readouterr().err.strip()
    return code, err


def test_bad_inputs_exit_2_with_one_line(tmp_path, data_dir, capsys):
    ok = str(data_dir / "obama2.jpg")
    text = tmp_path / "notes.jpg"
    text.write_text("not a photo")
    blank = tmp_path / "blank.png"
    from PIL import Image

    Image.new("RGB", (300, 300), (120, 130, 140)).save(blank)
    bad_ckpt = tmp_path / "model.ckpt"
    bad_ckpt.write_bytes(b"\x00" * 100)
    cases = [
        ([str(tmp_path / "missing.jpg"), ok], "not found"),
        ([str(text), ok], "not an image"),
        ([ok, str(blank)], "no face found"),
        ([ok, ok, "--probe-face", "3"], "there is no face 3; 1 face found"),
        ([ok, ok, "--model", "adaface-ir50", "--checkpoint", str(bad_ckpt)], "not a readable PyTorch checkpoint"),
    ]
    blocker = tmp_path / "a_file"
    blocker.write_text("x")
    cases.append(([ok, ok, "--out", str(blocker / "sub")], "a_file: is not a folder"))
    for argv, reason in cases:
        out = [] if "--out" in argv else ["--out", str(tmp_path / "o")]
        code, err = _run_cli(["explain", *argv, *out, "-T", "1", "-q"], capsys)
        assert code == 2, argv
        assert reason in err and len(err.splitlines()) == 1, err
    assert not (tmp_path / "o" / "result.json").exists()


def test_console_script_runs_in_a_fresh_process(tmp_path, data_dir):
    out = tmp_path / "sub"
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    proc = subprocess.run(
        [sys.executable, "-m", "fame_desktop.cli", "explain", str(data_dir / "obama.jpg"),
         str(data_dir / "biden.jpg"), "--out", str(out), "-T", "2", "--epsilon", "0", "-q"],
        capture_output=True, text=True, env=env, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "similarity" in proc.stdout
    r = json.loads((out / "result.json").read_text())
    assert -0.2 < r["similarity"] < 0.2
    assert Path(out / "maps" / "probe_dissimilar.npy").exists()


def test_preset_fast_records_converged_maps_and_explicit_options_win(tmp_path, data_dir):
    out = tmp_path / "fast"
    code = main(["explain", str(data_dir / "obama.jpg"), str(data_dir / "obama2.jpg"), "--out", str(out),
                 "--preset", "fast", "-T", "12", "--converge-tolerance", "0.2", "--converge-window", "3",
                 "--quiet", "--device", "cpu"])
    assert code == 0
    r = json.loads((out / "result.json").read_text())
    fame = r["parameters"]["fame"]
    assert fame["preset"] == "fast (changed: converge_tolerance, converge_window, iterations)"
    assert fame["epsilon"] == 0 and fame["iterations"] == 12 and fame["converge_tolerance"] == 0.2
    reasons = {m["stop_reason"] for m in r["maps"].values()}
    assert reasons <= {"converged", "iterations"} and "converged" in reasons
    assert all(m["iterations"] <= 12 for m in r["maps"].values())


def test_preset_reference_and_the_defaults(capsys):
    from dataclasses import replace

    from fame_desktop.cli import build_parser
    from fame_desktop.cli.options import fame_params
    from fame_desktop.core.presets import PRESETS

    parse = build_parser().parse_args
    ref = fame_params(parse(["explain", "a", "b", "-o", "x", "--preset", "reference"]), "fast")
    assert (ref.iterations, ref.epsilon, ref.adaptive, ref.preset) == (500, 0, False, "reference")
    assert ref.step_size == PRESETS["reference"].step_size
    plain = fame_params(parse(["explain", "a", "b", "-o", "x"]), "fast")  # the task's default, as in the window
    assert replace(plain, snapshot_every=PRESETS["fast"].snapshot_every) == PRESETS["fast"]
    eps = fame_params(parse(["explain", "a", "b", "-o", "x", "--preset", "fast", "--epsilon", "0.01"]), "fast")
    assert eps.epsilon == 0.01 and eps.adaptive and eps.preset == "fast (changed: epsilon)"
    with pytest.raises(SystemExit):
        parse(["explain", "a", "b", "-o", "x", "--preset", "quick"])
    capsys.readouterr()
