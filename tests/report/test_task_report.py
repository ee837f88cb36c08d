"""The PDF report of a task result (classification, feature maps): text and pictures read back with pypdfium2."""

from __future__ import annotations

import re

import numpy as np
import pypdfium2 as pdfium
import pytest
from skimage import data

from fame_desktop.methods import FameMethod
from fame_desktop.tasks.runner import request_run
from fame_desktop.core.errors import ExportError
from fame_desktop.core.fame import FameParams
from fame_desktop.core.images import encode_png, load_image_bytes
from fame_desktop.report.task_report import write_task_report
from fame_desktop.tasks.feature_map import FeatureMapTask
from fame_desktop.tasks.imagenet import ImageNetClassificationTask


def _read(path):
    pdf = pdfium.PdfDocument(str(path))
    texts, images = [], []
    for page in pdf:
        texts.append(page.get_textpage().get_text_range())
        objs = [o for o in page.get_objects() if o.type == pdfium.raw.FPDF_PAGEOBJ_IMAGE]
        images += [np.asarray(o.get_bitmap(render=False).to_pil().convert("RGB")) for o in objs]
    return texts, images


@pytest.fixture(scope="module")
def lite0():
    return ImageNetClassificationTask().load_model("efficientnet-lite0", device="cpu")


@pytest.fixture(scope="module")
def chelsea():
    return load_image_bytes(encode_png(data.chelsea()), "chelsea.png")


@pytest.fixture(scope="module")
def classified(lite0, chelsea):
    task = ImageNetClassificationTask()
    options = task.resolve_options({}, lite0)
    inputs = {"image": task.prepare(lite0, "image", chelsea, options)}
    analysis = task.analyse(lite0, inputs, options)
    result = request_run(task, FameMethod(), lite0, inputs, analysis, analysis.defaults(), FameParams(iterations=3, epsilon=0),
                       options).execute()
    return task, result


def test_classification_report_states_class_probability_parameters_and_file_hash(tmp_path, classified, chelsea):
    task, result = classified
    settings = task.default_map_settings()
    out = write_task_report(task, result, settings, tmp_path / "cat.pdf", device="cpu")
    texts, images = _read(out.pdf)
    flat = re.sub(r"\s+", "", "".join(texts))
    top = result.analysis.summary["top5"][0]
    assert 281 <= top["index"] <= 285
    assert f"top-1: {top['name']} ({top['index']}), probability {top['probability']:.1%}" in texts[0]
    assert f"{top['probability']:.2%}" in texts[0]  # the top-5 table
    assert "T = 3, η = 1/255, ε = 0 (off)" in texts[0]
    assert "L = z_o (raw logit, paper)" in texts[0]
    assert chelsea.sha256 in flat and result.inputs["image"].describe()["input_png_sha256"] in flat
    assert result.model["provenance"]["sha256"] in flat  # the weights
    assert f"Report ID {out.report_id}" in texts[-1] and f"page {len(texts)} of {len(texts)}" in texts[-1]
    # the map: the 224×224 input with the map blended over it, exactly as the task draws it
    section = task.report_section(result, settings)
    expected = section.figures[0].image
    shown = [im for im in images if im.shape == expected.shape]
    assert shown and np.abs(shown[0].astype(int) - expected.astype(int)).max() <= 1
    assert not np.array_equal(shown[0], result.inputs["image"].model_input)  # a map is on it
    assert any(im.shape[:2] == (300, 451) for im in images)  # and on the original photograph


def test_feature_map_report_lists_cell_figures(tmp_path, lite0, chelsea):
    task = FeatureMapTask()
    options = task.resolve_options({}, lite0)
    inputs = {"image": task.prepare(lite0, "image", chelsea, options)}
    analysis = task.analyse(lite0, inputs, options)
    targets = [task.target(analysis, "0,3")]
    result = request_run(task, FameMethod(), lite0, inputs, analysis, targets, FameParams(iterations=1, epsilon=0), options).execute()
    out = write_task_report(task, result, task.default_map_settings(lite0), tmp_path / "cells.pdf")
    texts, images = _read(out.pdf)
    f = result.measurements["cells"]["cell_r0_c3"]
    assert "Feature-map receptive fields: FAME explanation" in texts[0]
    assert "cell_r0_c3" in texts[0] and f"{f['mass_outside']:.1%}" in texts[0]
    assert "_blocks.15" in texts[0]
    assert len(images) >= 2  # the grid and the mosaic


def test_refuses_a_target_it_cannot_write_and_leaves_nothing(tmp_path, classified):
    task, result = classified
    with pytest.raises(ExportError, match="must end in .pdf"):
        write_task_report(task, result, task.default_map_settings(), tmp_path / "cat.txt")
    existing = tmp_path / "old.pdf"
    existing.write_bytes(b"old")
    with pytest.raises(ExportError, match="already exists"):
        write_task_report(task, result, task.default_map_settings(), existing, overwrite=False)
    assert existing.read_bytes() == b"old"
    with pytest.raises(ExportError, match="folder does not exist"):
        write_task_report(task, result, task.default_map_settings(), tmp_path / "missing" / "r.pdf")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["old.pdf"]
