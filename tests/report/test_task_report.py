"""The report of a task other than faces (classification, feature maps): written from the session, read back
with pypdfium2; its overlays are drawn in the colour map and opacity the user chose."""

from __future__ import annotations

import json
import re

import numpy as np
import pypdfium2 as pdfium
import pytest
from skimage import data

from fame_desktop.core.errors import ExportError
from fame_desktop.core.fame import FameParams
from fame_desktop.core.images import encode_png, load_image_bytes
from fame_desktop.methods import FameMethod
from fame_desktop.report import write_report
from fame_desktop.session.model import Session
from fame_desktop.tasks import default_registry


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
    return default_registry().get("imagenet-classification").load_model("efficientnet-lite0", device="cpu")


@pytest.fixture(scope="module")
def chelsea():
    return load_image_bytes(encode_png(data.chelsea()), "chelsea.png")


def explained(key: str, model, image, targets=None, iterations: int = 3) -> Session:
    """A session of task `key` on `image`, explained with FAME (its default targets, or `targets`)."""
    task = default_registry().get(key)
    s = Session(task, model_key="efficientnet-lite0", device="cpu")
    s.set_case(case_id="C-7", examiner="A. Examiner", exhibits={"image": "EXH-3"}, notes="A cat on a table.")
    s.set_options(task.resolve_options({}, model))
    s.set_map_settings(task.default_map_settings(model))
    s.set_photo("image", image)
    s.set_input(task.prepare(model, "image", image, s.options))
    s.set_analysis(task.analyse(model, s.inputs, s.options), s.input_records())
    s.set_params("fame", FameParams(iterations=iterations, epsilon=0))
    chosen = [task.target(s.analysis, k) for k in targets] if targets else s.analysis.defaults()
    s.accept_result(s.request_run(FameMethod(), model, chosen).execute())
    return s


@pytest.fixture(scope="module")
def classified(lite0, chelsea):
    return explained("imagenet-classification", lite0, chelsea)


def test_classification_report_states_class_probability_parameters_case_and_hashes(tmp_path, classified, chelsea):
    s = classified
    result = s.result()
    out = write_report(s, tmp_path / "cat.pdf", colour_map="inferno", opacity=0.7)
    texts, images = _read(out.pdf)
    text = "\n".join(texts)
    flat = re.sub(r"\s+", "", text)
    top = result.analysis.summary["top5"][0]
    assert 281 <= top["index"] <= 285
    assert f"top-1: {top['name']} ({top['index']}), probability {top['probability']:.1%}" in texts[0]
    assert f"{top['probability']:.2%}" in texts[0]  # the top-5 table
    assert "T = 3, η = 1/255, ε = 0 (off)" in texts[0]
    assert "L = z_o (raw logit, paper)" in texts[0]
    assert "C-7" in texts[0] and "EXH-3" in texts[0] and "A. Examiner" in texts[0]
    assert chelsea.sha256 in flat and result.inputs["image"].describe()["input_png_sha256"] in flat
    assert result.model["provenance"]["sha256"] in flat  # the weights
    assert result.snapshot.digest() in flat  # the inputs the run computed from
    assert "A cat on a table." in text and "run finished" in text  # notes and the audit log
    assert f"Report ID {out.report_id}" in texts[-1] and f"page {len(texts)} of {len(texts)}" in texts[-1]
    # the map: the 224×224 input with the map blended over it, in the colour map and opacity asked for
    display = {"colour_map": "inferno", "opacity": 0.7}
    expected = s.task.report_section(result, s.map_settings, display).figures[0].image
    shown = [im for im in images if im.shape == expected.shape]
    assert shown and np.abs(shown[0].astype(int) - expected.astype(int)).max() <= 1
    jet = s.task.report_section(result, s.map_settings).figures[0].image
    assert np.abs(shown[0].astype(int) - jet.astype(int)).max() > 40  # not the default jet at 0.5
    assert any(im.shape[:2] == (300, 451) for im in images)  # and on the original photograph
    manifest = json.loads((out.exports / "manifest.json").read_text())
    assert manifest["parameters"]["display"] == display and manifest["report_pdf"]["sha256"] == out.sha256
    assert (out.exports / "maps" / f"{result.keys[0]}.npy").exists() and (out.exports / "result.json").exists()
    assert s.audit.entries[-1].action == "write report"


def test_feature_map_report_lists_cell_figures(tmp_path, lite0, chelsea):
    s = explained("feature-map", lite0, chelsea, targets=["0,3"], iterations=1)
    out = write_report(s, tmp_path / "cells.pdf", exports=False)
    texts, images = _read(out.pdf)
    f = s.result().measurements["cells"]["cell_r0_c3"]
    assert "Feature-map receptive fields: explanation report" in texts[0]
    assert "cell_r0_c3" in texts[0] and f"{f['mass_outside']:.1%}" in texts[0]
    assert "_blocks.15" in texts[0]
    assert len(images) >= 2  # the grid and the mosaic


def test_refuses_a_target_it_cannot_write_and_leaves_nothing(tmp_path, classified):
    with pytest.raises(ExportError, match="must end in .pdf"):
        write_report(classified, tmp_path / "cat.txt")
    existing = tmp_path / "old.pdf"
    existing.write_bytes(b"old")
    with pytest.raises(ExportError, match="already exists"):
        write_report(classified, existing, overwrite=False)
    assert existing.read_bytes() == b"old"
    with pytest.raises(ExportError, match="folder does not exist"):
        write_report(classified, tmp_path / "missing" / "r.pdf")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["old.pdf"]


def test_a_classification_case_reopens_without_running_and_reports_in_the_users_colour_map(tmp_path, classified,
                                                                                            monkeypatch):
    from fame_desktop.session.casefile import open_case, save_case

    s = Session.from_state(classified)
    s.set_view(colour_map="inferno", opacity=0.7)
    info = save_case(s, tmp_path / "cat.famecase")
    monkeypatch.setattr(FameMethod, "run", lambda *a, **k: pytest.fail("FAME must not run"))
    back, notes = open_case(tmp_path / "cat.famecase")
    assert notes == []
    r0, r1 = s.result(), back.result()
    assert r1.keys == r0.keys and np.array_equal(r1.run.delta, r0.run.delta) and r1.run.params == r0.run.params
    assert r1.analysis.summary["top5"][0]["index"] == r0.analysis.summary["top5"][0]["index"]
    assert np.array_equal(back.inputs["image"].model_input, s.inputs["image"].model_input)
    assert (back.case, back.options, back.map_settings) == (s.case, s.options, s.map_settings)
    out = write_report(back, tmp_path / "cat.pdf")  # no display given: the case's own
    texts, images = _read(out.pdf)
    text = "\n".join(texts)
    assert "cat.famecase" in text and info.sha256 in re.sub(r"\s+", "", text) and "Checked on opening" in text
    assert "unsigned" in text
    display = {"colour_map": "inferno", "opacity": 0.7}
    assert json.loads((out.exports / "manifest.json").read_text())["parameters"]["display"] == display
    expected = back.task.report_section(r1, back.map_settings, display).figures[0].image
    assert any(im.shape == expected.shape and np.abs(im.astype(int) - expected.astype(int)).max() <= 1
               for im in images)
    actions = [e.action for e in back.audit.entries]
    for action in ("load image", "run started", "run finished", "open case file", "write report"):
        assert action in actions, action  # (the saving is logged in the session that saved, after the file)
    assert actions.index("run finished") < actions.index("open case file") < actions.index("write report")
    assert s.audit.entries[-1].action == "save case file"
