"""`fame evaluate` and `fame evaluate-classification` with `--engine ray` on a local Ray cluster started here
(2 CPUs, small object store, no dashboard): the same tables as the local engine, rows in per-worker shards, a
worker killed on its first batch retried, resuming and refusing a changed configuration, FGGB with each set's
EER threshold, inputs by file:// URL, no deprecation warning from our Ray calls; and fame without Ray."""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

from fame_desktop.cli import main
from fame_desktop.evaluation.ray_engine import CRASH_ONCE_ENV
from fame_desktop.evaluation.rows import read_row_file, row_files

CHEAP = ["-T", "2", "--epsilon", "0", "--corrrise-masks", "8", "-q"]
IMAGENET = Path(__file__).parents[1] / "data" / "imagenet"


def _pairs(protocol_csv, folder, first):
    """Pairs `first` of the protocol's frontal set, photographs by absolute path."""
    with open(protocol_csv) as f:
        listed = list(csv.DictReader(f))
    path = folder / "pairs.csv"
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["gallery", "probe", "same", "protocol"])
        for r in (listed[i] for i in first):
            w.writerow([protocol_csv.parent / r["gallery"], protocol_csv.parent / r["probe"], r["same"], r["protocol"]])
    return path


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """A local Ray for this module; the crash hook's file exists (disarmed) until a test removes it. Its workers
    run FGGB with uniform maps (ray_worker_setup.py: the threshold plumbing is what is tested here)."""
    ray = pytest.importorskip("ray")
    pytest.importorskip("ray.data")
    marker = tmp_path_factory.mktemp("crash") / "crashed"
    marker.write_text("disarmed")
    saved = dict(os.environ)
    os.environ[CRASH_ONCE_ENV] = str(marker)  # inherited by the workers Ray starts
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(Path(__file__).parent),
                                                             os.environ.get("PYTHONPATH")]))
    ray.init(num_cpus=2, object_store_memory=200 * 1024 ** 2, include_dashboard=False, log_to_driver=False,
             _node_ip_address="127.0.0.1", runtime_env={"worker_process_setup_hook": "ray_worker_setup.cheap_fggb"})
    try:
        yield marker
    finally:
        ray.shutdown()
        os.environ.clear()
        os.environ.update(saved)


def _areas(out):
    with open(out / "auc.csv") as f:
        return {(r["set"], r["method"], r["face_perturbed"], r["mode"]): (float(r["area"]), int(r["pairs"]),
                                                                          float(r["threshold"]))
                for r in csv.DictReader(f)}


def test_ray_gives_the_local_engines_table_with_rows_in_per_worker_shards(cluster, protocol_csv, tmp_path, capsys):
    pairs = _pairs(protocol_csv, tmp_path, first=(0, 1, 2))  # 2 genuine, 1 impostor
    local, remote = tmp_path / "local", tmp_path / "ray"
    assert main(["evaluate", str(pairs), "--methods", "fame,corrrise", "--out", str(local), *CHEAP]) == 0
    capsys.readouterr()
    assert main(["evaluate", str(pairs), "--methods", "fame,corrrise", "--out", str(remote), *CHEAP,
                 "--engine", "ray", "--workers", "2"]) == 0
    err = capsys.readouterr().err
    assert "ray: 3 pairs in" in err and "on 2 worker(s); 0 failed, 0 retried" in err
    a, b = _areas(local), _areas(remote)
    assert set(a) == set(b) and len(a) == 2 * 2 * 2
    for k in a:
        assert b[k] == pytest.approx(a[k], abs=1e-5)  # 6 decimals in the CSV; float rounding may flip the last
    assert (remote / "table.md").read_text().split("\n")[:8] == (local / "table.md").read_text().split("\n")[:8]
    shards = row_files(remote)
    assert not (remote / "pairs.jsonl").exists() and 1 <= len(shards) <= 2
    rows = [r for p in shards for r in read_row_file(p)]
    assert sorted(r["pair_id"] for r in rows) == ["frontal/1", "frontal/2", "frontal/3"]
    for p in shards:  # each shard is one worker's rows, named after it, with its timings
        workers = {r["worker"] for r in read_row_file(p)}
        assert len(workers) == 1 and p.name == "pairs-" + workers.pop().replace(":", "-") + ".jsonl"
    assert all(r["seconds"] > 0 and r["methods"]["fame"]["seconds"] > 0 for r in rows)
    local_rows = {r["pair_id"]: r for r in read_row_file(local / "pairs.jsonl")}
    for r in rows:  # an actor's torch has 1 thread, this process's 2: sums in another order (seen: 5e-6)
        assert r["similarity"] == pytest.approx(local_rows[r["pair_id"]]["similarity"], abs=1e-4)

    capsys.readouterr()  # a rerun finds every pair done; a changed configuration is refused with the difference
    assert main(["evaluate", str(pairs), "--methods", "fame,corrrise", "--out", str(remote), *CHEAP,
                 "--engine", "ray"]) == 0
    assert "3 of 3 pairs already in the folder" in capsys.readouterr().err
    assert main(["evaluate", str(pairs), "--methods", "fame,corrrise", "--out", str(remote), *CHEAP[:-1],
                 "--corrrise-masks", "30", "-q", "--engine", "ray"]) == 2
    assert "methods.corrrise.masks: 8 → 30" in capsys.readouterr().err


def test_a_worker_that_dies_on_its_first_batch_loses_only_that_batch_and_the_run_completes(cluster, protocol_csv,
                                                                                           tmp_path, capsys):
    pairs = _pairs(protocol_csv, tmp_path, first=(0, 2))  # 1 genuine, 1 impostor
    out = tmp_path / "ray"
    cluster.unlink()  # armed: the first actor to reach a batch exits
    assert main(["evaluate", str(pairs), "--methods", "corrrise", "--out", str(out), *CHEAP, "--engine", "ray"]) == 0
    err = capsys.readouterr().err
    assert cluster.is_file()  # the hook fired: a worker died
    assert "ray: 2 pairs in" in err and "1 retried after a worker died, 1 worker restart(s)" in err
    rows = [r for p in row_files(out) for r in read_row_file(p)]
    assert sorted(r["pair_id"] for r in rows) == ["frontal/1", "frontal/2"]  # once each
    assert json.loads((out / "summary.json").read_text())["evaluated"] == 2
    assert cluster.read_text() not in {r["worker"] for r in rows}  # the dead worker wrote no row


def _table(out):
    with open(out / "table.csv") as f:
        return {r["method"]: r for r in csv.DictReader(f)}


def test_classification_on_ray_from_urls_gives_the_local_table_and_a_killed_worker_is_retried(cluster, tmp_path,
                                                                                              capsys):
    photos = tmp_path / "photos"
    photos.mkdir()
    for name in ("chelsea", "coffee"):
        shutil.copy(IMAGENET / f"{name}.jpg", photos)
    local, remote = tmp_path / "local", tmp_path / "ray"
    assert main(["evaluate-classification", str(photos), "--boxes", str(IMAGENET), "--out", str(local),
                 "--methods", "gradcam", "-q"]) == 0
    capsys.readouterr()
    cluster.unlink()  # armed: the first actor to reach a batch exits
    ray_run = ["evaluate-classification", photos.as_uri(), "--boxes", IMAGENET.as_uri(), "--out", str(remote),
               "--methods", "gradcam", "-q", "--engine", "ray"]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert main(ray_run) == 0
    assert [str(w.message) for w in caught if w.filename.endswith("ray_engine.py")] == []  # current Ray Data API
    printed, err = capsys.readouterr()
    assert cluster.is_file()  # the hook fired: a worker died
    assert "ray: 2 images in" in err and "1 retried after a worker died, 1 worker restart(s)" in err
    assert "2 image(s), 1 method(s); 0 failure(s)" in printed
    a, b = _table(local), _table(remote)
    assert a["gradcam"]["images"] == b["gradcam"]["images"] == "2" and b["gradcam"]["with_box"] == "2"
    for column, value in a["gradcam"].items():
        if column != "method":
            assert float(b["gradcam"][column]) == pytest.approx(float(value), abs=2e-4), column
    assert not (remote / "rows.jsonl").exists()
    shards = sorted(remote.glob("rows-*.jsonl"))
    rows = [json.loads(line) for p in shards for line in p.read_text().splitlines()]
    assert sorted(r["image"] for r in rows) == ["chelsea.jpg", "coffee.jpg"]  # once each
    assert cluster.read_text() not in {r["worker"] for r in rows}  # the dead worker wrote no row
    local_rows = {r["image"]: r for r in map(json.loads, (local / "rows.jsonl").read_text().splitlines())}
    for r in rows:  # the same photographs (by SHA-256) and the class of the same box file
        assert (r["sha256"], r["class"], r["box_file"]) == tuple(local_rows[r["image"]][k] for k in
                                                                 ("sha256", "class", "box_file"))
    assert json.loads((remote / "config.json").read_text())["images"] == photos.as_uri()

    capsys.readouterr()  # a rerun finds every image done; nothing is recomputed
    assert main(ray_run) == 0
    assert "(resumed)" in capsys.readouterr().out
    assert sorted(remote.glob("rows-*.jsonl")) == shards
    assert [json.loads(line) for p in shards for line in p.read_text().splitlines()] == rows


def test_fggb_on_ray_scores_the_pairs_first_and_runs_with_the_sets_eer_threshold(cluster, protocol_csv, tmp_path,
                                                                               capsys):
    pairs = _pairs(protocol_csv, tmp_path, first=(0, 2))  # 1 genuine, 1 impostor: the set has an EER threshold
    out = tmp_path / "ray"
    assert main(["evaluate", str(pairs), "--methods", "fggb", "--out", str(out), "-q", "--engine", "ray",
                 "--workers", "2"]) == 0
    assert "ray: 4 pairs in" in capsys.readouterr().err  # each pair twice: scored, then evaluated
    theta = json.loads((out / "evaluation.json").read_text())["thresholds"]["frontal"]
    scores = read_row_file(out / "scores.jsonl")  # the clean scores came first, on the workers
    assert len(scores) == 2 and all(r["worker"] for r in scores)
    rows = [r for p in row_files(out) for r in read_row_file(p)]
    assert sorted(r["pair_id"] for r in rows) == ["frontal/1", "frontal/2"]
    assert all(r["methods"]["fggb"]["status"] == "ok" for r in rows)
    assert {r["methods"]["fggb"]["threshold"] for r in rows} == {theta}  # the actors got the driver's threshold
    summary = json.loads((out / "summary.json").read_text())
    assert summary["sets"][0]["threshold"] == pytest.approx(theta) and summary["evaluated"] == 2
    assert {(c["method"], c["pairs"]) for c in summary["sets"][0]["curves"]} == {("fggb", 2)}


def test_without_ray_the_cli_imports_and_engine_ray_is_one_clear_line(protocol_csv, tmp_path, capsys, monkeypatch):
    code = ("import sys, fame_desktop.cli, fame_desktop.cli.evaluate, fame_desktop.evaluation.run, "
            "fame_desktop.cli.evaluate_classification, fame_desktop.evaluation.classification, "
            "fame_desktop.evaluation.ray_engine; print('ray' in sys.modules)")
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True).stdout.strip() == "False"
    monkeypatch.setitem(sys.modules, "ray", None)  # as if not installed: `import ray` raises ImportError
    out = tmp_path / "r"
    assert main(["evaluate", str(protocol_csv), "--methods", "corrrise", "--out", str(out), "-q",
                 "--engine", "ray"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "--engine ray needs Ray Data" in err and "fame-desktop[ray]" in err
    assert not out.exists()
    with pytest.raises(SystemExit) as e:
        main(["evaluate", str(protocol_csv), "--out", str(out), "--workers", "2"])
    assert e.value.code == 2 and "--address and --workers need --engine ray" in capsys.readouterr().err
