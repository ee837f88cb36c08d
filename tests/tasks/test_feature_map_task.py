"""Feature-map task: a first-row cell's receptive field is wider than and shifted from its
nominal area — for the ImageNet default and for the embedded face model; CLI contract."""

from __future__ import annotations

import json
from dataclasses import replace

import cv2
import numpy as np
import pytest
from skimage import data

from fame_desktop.methods import FameMethod
from fame_desktop.tasks.runner import request_run
from fame_desktop.cli import main
from fame_desktop.core.fame import FameParams
from fame_desktop.core.images import load_image
from fame_desktop.core.attribution import MapSettings
from fame_desktop.tasks.feature_map import FeatureMapTask, computed_marks, result_mosaic


def _assert_first_row_cell_is_not_its_nominal_area(cells: dict, size: int):
    top, centre = cells["cell_r0_c3"], cells["cell_r3_c3"]
    # most of the change lies outside the nominal cell, spread over several cells
    assert top["mass_outside"] > 0.6, top
    assert min(top["extent_90_cells"]) > 2.5, top
    # the first-row cell looks down into the image: its mass centre is far below the cell centre,
    # unlike the centre cell's
    assert top["offset_cells"][1] > 0.8, top
    assert top["offset_cells"][1] > abs(centre["offset_cells"][1]) + 0.5, (top, centre)
    assert 0 <= top["centre_of_mass"][1] < size


def test_featuremap_cli_on_the_imagenet_default(tmp_path):
    photo = tmp_path / "chelsea.png"
    cv2.imwrite(str(photo), data.chelsea()[:, :, ::-1])
    out = tmp_path / "fm"
    code = main(["featuremap", str(photo), "--out", str(out), "--cell", "0,3", "--cell", "3,3", "-T", "1",
                 "--epsilon", "0", "-q", "--device", "cpu"])
    assert code == 0
    r = json.loads((out / "result.json").read_text())
    assert r["task"]["key"] == "feature-map" and r["model"]["key"] == "efficientnet-lite0"
    grid = r["analysis"]["grid"]
    assert (grid["layer"], grid["rows"], grid["cols"], grid["cell_size_px"]) == ("_blocks.15", 7, 7, [32, 32])
    assert set(r["maps"]) == {"cell_r0_c3", "cell_r3_c3"}
    assert r["maps"]["cell_r0_c3"]["box"] == [96, 0, 128, 32] and r["maps"]["cell_r0_c3"]["iterations"] == 1
    assert np.load(out / "maps" / "cell_r0_c3.npy").shape == (224, 224)
    _assert_first_row_cell_is_not_its_nominal_area(r["measurements"]["cells"], 224)
    assert [f["caption"] for f in r["figures"]] == ["7×7 cells of layer _blocks.15",
                                                   "receptive field of each computed cell, nominal area outlined"]
    mosaic = load_image(out / r["figures"][1]["file"]).rgb
    assert mosaic.shape == (7 * 98 - 2, 7 * 98 - 2, 3)
    assert "Receptive field per cell" in r["report"]


def test_all_cells_of_a_face_model_in_chunks(data_dir):
    """The embedded MobileFaceNet: layer body.17 (512 × 7 × 7), all 49 cells batched in chunks."""
    task = FeatureMapTask()
    model = task.load_model("arcface-mbf", device="cpu")
    options = task.resolve_options({"chunk": 25}, model)
    assert options["layer"] == "body.17"
    inputs = {"image": task.prepare(model, "image", load_image(data_dir / "obama.jpg"), options)}
    assert inputs["image"].model_input.shape == (112, 112, 3) and "alignment" in inputs["image"].details
    analysis = task.analyse(model, inputs, options)
    assert len(analysis.defaults()) == 49 and analysis.grid.cell_box(0, 3) == (48, 0, 64, 16)
    job = request_run(task, FameMethod(), model, inputs, analysis, analysis.defaults(), FameParams(iterations=1, epsilon=0), options)
    assert job.method.chunk_rows(job.job) == 25 and job.total_steps == 2
    events = []
    result = job.execute(on_progress=lambda p: events.append((p.iteration, p.total, int(p.active.sum()))))
    assert events == [(1, 2, 25), (2, 2, 24)]
    assert result.run.iterations.tolist() == [1] * 49 and result.run.delta.shape == (49, 3, 112, 112)
    cells = result.measurements["cells"]
    _assert_first_row_cell_is_not_its_nominal_area(cells, 112)
    rows = result.measurements["rows"]
    assert rows["0"]["mean_offset_cells"][1] > 0.5 > rows["3"]["mean_offset_cells"][1]  # top row looks down
    assert rows["6"]["mean_offset_cells"][1] < -0.5  # bottom row looks up
    views = task.views(result, task.default_map_settings(model))
    assert views[3].key == "cell_r0_c3" and views[3].outline == (48, 0, 64, 16) and views[3].map.shape == (112, 112)
    section = task.report_section(result, task.default_map_settings(model))
    assert len(section.tables[0].rows) == 49 and section.figures[1].image.shape == (684, 684, 3)


def test_layer_choice(capsys):
    assert main(["featuremap", "--list-layers", "--model", "efficientnet-lite0", "--device", "cpu"]) == 0
    out = capsys.readouterr().out
    line = [ln for ln in out.splitlines() if ln.startswith("_blocks.15 ")]
    assert line and line[0].endswith("320×7×7  (default)")
    task = FeatureMapTask()
    model = task.load_model("efficientnet-lite0", device="cpu")
    options = task.resolve_options({"layer": "_blocks.10"}, model)
    from fame_desktop.core.images import encode_png, load_image_bytes

    image = load_image_bytes(encode_png(data.coffee()), "coffee.png")
    analysis = task.analyse(model, {"image": task.prepare(model, "image", image, options)}, options)
    assert (analysis.grid.rows, analysis.grid.channels) == (14, 112)
    assert task.target(analysis, "13,0").key == "cell_r13_c0"
    with pytest.raises(Exception, match="nothing to explain called 'cell_r14_c0'"):
        task.target(analysis, "14,0")


def test_cells_computed_one_click_at_a_time_merge_into_one_result(face_model, face_inputs):
    """The GUI computes a clicked cell at once and may 'compute all' later: results merge."""
    from fame_desktop.tasks import merge_results
    from fame_desktop.tasks.face_verification import face_prepared_input

    task = FeatureMapTask()
    options = task.resolve_options({}, face_model)
    inputs = {"image": replace(face_prepared_input(face_inputs["obama"]), role="image")}
    analysis = task.analyse(face_model, inputs, options)
    params = FameParams(iterations=1, epsilon=0)

    def run(keys):
        return request_run(task, FameMethod(), face_model, inputs, analysis, [task.target(analysis, k) for k in keys], params,
                         options).execute()

    a, b, both = run(["0,3"]), run(["6,6", "0,3"]), run(["0,3", "6,6"])
    merged = merge_results(task, [a, b])
    assert merged.keys == ("cell_r0_c3", "cell_r6_c6")
    assert np.allclose(merged.run.delta, both.run.delta, atol=1e-6)
    assert set(merged.measurements["cells"]) == {"cell_r0_c3", "cell_r6_c6"}
    mosaic = result_mosaic(merged, MapSettings(), tile=20, gap=2)  # the report's and the window's
    assert mosaic.shape == (7 * 22 - 2, 7 * 22 - 2, 3)
    assert (mosaic[:20, 66:86] != 40).any() and (mosaic[132:, 132:] != 40).any()  # cells (0, 3) and (6, 6)
    assert (mosaic[22:42, :20] == 40).all()  # cell (1, 0) was not computed: grey
    assert np.allclose(computed_marks(analysis.targets, merged.keys), [(50.4, 2.4), (98.4, 98.4)])  # 15 % into the box
    with pytest.raises(ValueError, match="same parameters"):
        merge_results(task, [a, request_run(task, FameMethod(), face_model, inputs, analysis, [task.target(analysis, "1,1")],
                                          FameParams(iterations=2, epsilon=0), options).execute()])


def test_a_run_in_a_worker_reports_its_length_first_then_its_steps_and_previews(face_model, face_inputs):
    """tasks.previews.execute_with_reports (the window's run worker): the run's length before its first step,
    then its steps and previews; a cancel asked for stops it before the next step."""
    from fame_desktop.tasks.face_verification import face_prepared_input
    from fame_desktop.tasks.previews import ProgressReport, execute_with_reports

    task = FeatureMapTask()
    options = task.resolve_options({}, face_model)
    inputs = {"image": replace(face_prepared_input(face_inputs["obama"]), role="image")}
    analysis = task.analyse(face_model, inputs, options)
    targets = [task.target(analysis, k) for k in ("0,3", "6,6")]
    method = FameMethod()
    params = method.with_live_previews(FameParams(iterations=3, epsilon=0))

    def run(cancelled):
        request = request_run(task, method, face_model, inputs, analysis, targets, params, options)
        reports = []
        result = execute_with_reports(request, lambda pr: ("preview", pr.iteration), reports.append, cancelled)
        return request, reports, result

    request, reports, result = run(lambda: False)
    progress = [r for r in reports if isinstance(r, ProgressReport)]
    assert reports[0] == ProgressReport(0, request.total_steps, 0.0, 2, 2, ())
    assert progress[-1].iteration == progress[-1].total == request.total_steps == 3
    assert ("preview", 3) in reports  # the last step's preview is never throttled away
    assert result.run.iterations.tolist() == [3, 3] and not result.run.cancelled
    _request, reports, result = run(lambda: True)
    assert result.run.cancelled and not any(isinstance(r, tuple) for r in reports)  # no preview once cancelled
