"""The report's "Faithfulness of the maps" section (issues 15/16), written from the session's measurements — also
after a case file round trip and from `fame report C.famecase` — read back with pypdfium2; its pages are
rendered to /tmp/shots/report_*.png for a look."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from measurement_helpers import add_gradcam, measure_pair, measured_chelsea

from fame_desktop.cli import main
from fame_desktop.report import write_report
from fame_desktop.session.casefile import open_case, save_case
from fame_desktop.session.measurements import CLASS, FACE

SHOTS = Path("/tmp/shots")
SECTION = "Faithfulness of the maps"


def pages(path) -> list[str]:
    return [p.get_textpage().get_text_range() for p in pdfium.PdfDocument(str(path))]


def flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def render_section(path, name: str) -> list[int]:
    """Render the pages from the section's first page to the next section (Examiner notes) as PNGs."""
    texts = pages(path)
    first = next(i for i, t in enumerate(texts) if SECTION in t)
    last = next(i for i, t in enumerate(texts) if i >= first and "Examiner notes" in t)
    pdf = pdfium.PdfDocument(str(path))
    SHOTS.mkdir(exist_ok=True)
    for i in range(first, last + 1):
        pdf[i].render(scale=1.6).to_pil().save(SHOTS / f"report_{name}_p{i + 1}.png")
    return list(range(first, last + 1))


def test_face_report_states_the_stored_curves_areas_and_how_to_read_them(pair_session, face_model, tmp_path):
    s = pair_session
    add_gradcam(s, face_model)
    bare = flat("\n".join(pages(write_report(s, tmp_path / "bare.pdf", exports=False).pdf)))
    assert f"{SECTION} No faithfulness measurement was made in this session." in bare
    assert s.set_measurement(measure_pair(s, face_model))
    path = save_case(s, tmp_path / "pair.famecase").path
    opened, _ = open_case(path)
    m = opened.current_measurement(FACE, "probe_similar")
    out = write_report(opened, tmp_path / "r.pdf")
    text = flat("\n".join(pages(out.pdf)))
    section = text[text.index(SECTION):text.index("Examiner notes")]
    assert "No faithfulness measurement" not in section
    assert "Probe e+ (similar) map perturbed" in section and "the gallery face stayed fixed" in section
    for method, title in (("fame", "FAME"), ("gradcam", "Grad-CAM")):
        pf = m.faithfulness()[method]
        row = f"{title} Probe e+ (similar) {pf.curve('probe_similar', 'delete').area:.3f} " \
              f"{pf.curve('probe_similar', 'insert').area:.3f}"
        assert row in section, row
    assert f"clean {opened.analysis.summary['similarity']:.3f}" in section and "θ 0.300" in section
    assert "falls quickly when its pixels are taken away (a small Delete area)" in section
    manifest = json.loads((out.exports / "manifest.json").read_text())
    assert manifest["faithfulness"][0]["values"] == m.values  # the exports hold what the report states
    assert render_section(out.pdf, "face")


@pytest.fixture(scope="module")
def chelsea_case(tmp_path_factory):
    s, _seconds = measured_chelsea()
    return s, save_case(s, tmp_path_factory.mktemp("chelsea") / "chelsea.famecase").path


def test_classification_report_from_fame_report_has_the_table_box_and_curves(chelsea_case, tmp_path, capsys):
    s, case = chelsea_case
    out = tmp_path / "chelsea.pdf"
    assert main(["report", str(case), "--out", str(out), "--no-exports"]) == 0, capsys.readouterr().err
    text = flat("\n".join(pages(out)))
    section = text[text.index(SECTION):text.index("Examiner notes")]
    m = s.current_measurement(CLASS, "class_285")
    assert "Class Egyptian cat" in section and "read from the box file chelsea.xml" in section
    for b in m.box.boxes:
        assert f"x {b.xmin:.0f}–{b.xmax:.0f}, y {b.ymin:.0f}–{b.ymax:.0f}" in section
    for method, title in (("gradcam", "Grad-CAM"), ("hirescam", "HiResCAM")):
        v = m.values[method]
        row = (f"{title} {v['iou']['0.3']:.3f} {v['iou']['0.5']:.3f} {v['iou']['0.7']:.3f} "
               f"{'yes' if v['pointing'] else 'no'} {v['road']['10']:.3f} {v['road']['30']:.3f} {v['road']['50']:.3f} "
               f"{v['deletion_auc']:.3f} {v['insertion_auc']:.3f}")
        assert row in section, row
    assert "The object box on chelsea.jpg." in section and "ROAD-Delete removes the top P %" in section
    assert render_section(out, "classification")
