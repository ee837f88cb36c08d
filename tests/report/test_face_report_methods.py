"""A face pair's report and exports when the map comes from another method than FAME (a CAM, CorrRISE):
the report states that method and its own parameters, not FAME's."""

from __future__ import annotations

import pypdfium2 as pdfium
import pytest

from fame_desktop.report import exports_dir_for, write_report


def pdf_text(path) -> str:
    return "\n".join(page.get_textpage().get_text_range() for page in pdfium.PdfDocument(str(path)))


@pytest.mark.parametrize("key", ["gradcam", "corrrise"])
def test_a_face_report_of_another_method_states_it_and_its_parameters(key, tmp_path, face_inputs, face_model,
                                                                      explain_pair):
    from fame_desktop.tasks import default_registry

    reg = default_registry()
    method = reg.method(key)
    params = method.params_from(reg.get("face-verification"), {"masks": 40, "batch_size": 20} if key == "corrrise"
                                else {})
    s = explain_pair(face_inputs["obama"], face_inputs["obama2"], face_model, params, method)
    assert s.result().method.key == key
    out = write_report(s, tmp_path / "r.pdf")
    text = pdf_text(out.pdf)
    assert method.title in text and "Step size" not in text  # FAME's parameters are not claimed
    for name, value in params.describe().items():
        if name in ("masks", "seed", "algorithm"):
            assert str(value) in text
    assert (exports_dir_for(tmp_path / "r.pdf") / "manifest.json").is_file()


def test_a_case_keeps_the_maps_of_every_method_run_on_the_pair(tmp_path, face_inputs, face_model, explain_pair):
    """CorrRISE, FGGB (with its threshold) and Grad-CAM on one pair: saved in one case file, reopened with
    every method's maps and parameters as they were (each re-checked on opening)."""
    from fame_desktop.core.attribution import MapSettings
    from fame_desktop.methods import CorrRiseParams, FggbParams
    from fame_desktop.session.casefile import open_case, save_case
    from fame_desktop.tasks import default_registry

    reg = default_registry()
    s = explain_pair(face_inputs["obama"], face_inputs["obama2"], face_model, CorrRiseParams(masks=30, seed=5),
                     reg.method("corrrise"))
    for key, params in (("fggb", FggbParams(threshold=0.3, threshold_source="test", batch_size=128)),
                        ("gradcam", reg.method("gradcam").default_params(s.task))):
        s.set_method(key)
        s.set_params(key, params)
        s.accept_result(s.request_run(reg.method(key), face_model, s.analysis.defaults()).execute())
    save_case(s, tmp_path / "c.famecase")
    opened, _notes = open_case(tmp_path / "c.famecase")
    assert {k for k, _o in opened.results} == {"corrrise", "fggb", "gradcam"}
    for key in ("corrrise", "fggb", "gradcam"):
        before, after = s.result(key), opened.result(key)
        assert after.keys == before.keys and after.run.params == before.run.params
        for k, m in before.maps(MapSettings()).items():
            assert (after.maps(MapSettings())[k] == m).all()
    assert opened.result("fggb").run.params.threshold_source == "test"
