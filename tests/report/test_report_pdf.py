"""The PDF report: every page rendered and read back; the figures in it are the session's maps."""

from __future__ import annotations

import hashlib
import re

import numpy as np
import pypdfium2 as pdfium
import pytest

from fame_desktop.core.errors import ExportError
from fame_desktop.report import exports_dir_for, figures, write_report
from fame_desktop.tasks.face_output import per_map


def _pages(path):
    pdf = pdfium.PdfDocument(str(path))
    texts, images, bitmaps = [], [], []
    for page in pdf:
        texts.append(page.get_textpage().get_text_range())
        objs = [o for o in page.get_objects() if o.type == pdfium.raw.FPDF_PAGEOBJ_IMAGE]
        images.append([np.asarray(o.get_bitmap(render=False).to_pil().convert("RGB")) for o in objs])
        bitmaps.append(np.asarray(page.render(scale=1.0).to_pil().convert("RGB")))
    return texts, images, bitmaps


@pytest.fixture(scope="module")
def written(tmp_path_factory, _pair_session_master):
    from fame_desktop.session.model import Session

    session = Session.from_state(_pair_session_master)
    out = tmp_path_factory.mktemp("report") / "case 1.pdf"
    result = write_report(session, out)
    return session, result, _pages(out)


def test_every_page_states_the_report_id_and_its_number(written):
    _, result, (texts, _, _) = written
    n = len(texts)
    assert n >= 6
    for i, t in enumerate(texts, 1):
        assert f"page {i} of {n}" in t
        assert result.report_id in t and "Case 2024-FR-0173" in t
        assert re.search(r"Generated \d{4}-\d\d-\d\d \d\d:\d\d:\d\d \(UTC[+-]\d\d:\d\d\)", t)


def test_report_states_hashes_score_parameters_model_and_limitations(written, data_dir):
    session, result, (texts, _, _) = written
    text = "\n".join(texts)
    for name in ("obama.jpg", "obama2.jpg"):
        raw = (data_dir / name).read_bytes()
        assert hashlib.sha256(raw).hexdigest() in text and f"{len(raw):,} bytes" in text
    for fi in (inp.payload for inp in session.inputs.values()):
        d = fi.describe()
        assert d["crop_png_sha256"] in text and d["crop_pixels_sha256"] in text
        assert f"{d['width']} × {d['height']}" in text
    assert f"{session.result().analysis.summary['similarity']:.4f}" in text
    assert "ArcFace MobileFaceNet (WebFace600K, embedded)" in text and "non-commercial" in text
    assert session.result().model["provenance"]["sha256"] in text
    for needle in ("1/255 = 0.0039216", "Early stopping ε", "Gaussian, kernel 49, σ 7.7", "minmax",
                   "detach_norms", "Iterations T (most)", "jet, opacity 0.5", "0.3000 (source: demonstration value",
                   "Grey of Δx", "luma of the photograph: 0.2989 R + 0.587 G + 0.114 B"):
        assert needle in " ".join(text.split()), needle  # table cells wrap
    assert text.count("4 iterations (reached T)") == 4
    for key, info in per_map(session.result()).items():
        assert f"{info['final_loss']:.4f}" in text
    assert "not a likelihood ratio" in text and "not evidence of identity" in text
    assert "Fast preset" not in text  # explicit parameters, no preset: no approximation to state
    assert "A. Examiner" in text and "EXH-01" in text and "No visible manipulation." in text
    assert "run finished" in text and "set threshold" in text  # the audit log
    flat = text.replace("\r\n", " ")
    assert f"fame explain {data_dir / 'obama.jpg'} {data_dir / 'obama2.jpg'} --out DIR" in flat
    assert "-T 4 --step-size 1/255 --epsilon 0 --blur-kernel 49" in flat


def test_the_maps_in_the_pdf_are_the_sessions_maps(written):
    session, _, (texts, images, bitmaps) = written
    page = next(i for i, t in enumerate(texts) if "Attribution maps" in t and "Aligned crop" in t)
    maps = session.result().maps(session.map_settings)
    embedded = images[page]
    assert len(embedded) >= 6  # 2 crops + 4 overlays (+ colour bars)
    for key in maps:
        side = key.split("_")[0]
        expected = figures.crop_overlay(session.inputs[side].model_input, maps[key], "jet", 0.5)
        assert any(im.shape == expected.shape and np.array_equal(im, expected) for im in embedded), key
    # the rendered page really shows colour (jet's saturated reds and blues), not blank boxes
    hsv_sat = bitmaps[page].max(axis=2).astype(int) - bitmaps[page].min(axis=2)
    assert (hsv_sat > 120).mean() > 0.03  # the maps share their page with text; blank boxes give ~0
    # photographs with the faces marked, and the maps on the photographs
    shapes = [im.shape for page_images in images for im in page_images]
    for role in ("gallery", "probe"):
        fi = session.inputs[role].payload
        marked = figures.photo_with_faces(fi)  # embedded as JPEG: equal up to its losses
        assert sum(im.shape == marked.shape and np.abs(im.astype(int) - marked).mean() < 3
                   for page_images in images for im in page_images) == 1, role
        projected = figures.photo_overlay(fi, maps[f"{role}_similar"], "jet", 0.5)
        assert shapes.count(projected.shape) >= 2, role  # e+ and e− on the photograph


def test_exports_beside_the_pdf_hold_what_the_report_states(written):
    import json

    session, result, _ = written
    folder = exports_dir_for(result.pdf)
    assert result.exports == folder
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["report_id"] == result.report_id
    assert manifest["report_pdf"]["sha256"] == hashlib.sha256(result.pdf.read_bytes()).hexdigest()
    assert manifest["similarity"] == session.result().analysis.summary["similarity"]
    assert manifest["parameters"]["fame"]["iterations"] == 4
    assert manifest["inputs"]["probe"]["sha256"] == session.inputs["probe"].image.sha256
    assert [e["action"] for e in manifest["audit"]] == [e.action for e in session.audit.entries][:-1]
    for rel, digest in manifest["files"].items():
        assert hashlib.sha256((folder / rel).read_bytes()).hexdigest() == digest, rel
    maps = session.result().maps(session.map_settings)
    for key, info in manifest["maps"].items():
        assert info["iterations"] == 4 and info["stop_reason"] == "iterations"
        assert np.array_equal(np.load(folder / "maps" / f"{key}.npy"), maps[key])
        assert np.array_equal(np.load(folder / "raw" / f"{key}.npy"), session.result().delta(key))
        assert info["raw_npy_sha256"] == manifest["files"][f"raw/{key}.npy"]
        photo = folder / "photo_overlays" / f"{key}.png"
        x1, y1, x2, y2 = manifest["regions"][key.split("_")[0]]
        from fame_desktop.core.images import load_image

        assert load_image(photo).rgb.shape == (y2 - y1, x2 - x1, 3)
    assert session.audit.entries[-1].action == "write report"
    assert session.audit.entries[-1].details["sha256"] == result.sha256


def test_nothing_to_report_without_a_result(tmp_path, face_inputs):
    from fame_desktop.session.model import Session
    from fame_desktop.tasks import default_registry
    from fame_desktop.tasks.face_verification import face_prepared_input

    s = Session(default_registry().get("face-verification"))
    s.set_input(face_prepared_input(face_inputs["obama"]))
    with pytest.raises(ExportError, match="needs every input .gallery, probe."):
        write_report(s, tmp_path / "r.pdf")
    assert list(tmp_path.iterdir()) == []


def test_refuses_to_replace_unless_allowed(tmp_path, pair_session):
    out = tmp_path / "r.pdf"
    out.write_bytes(b"an earlier report")
    with pytest.raises(ExportError, match="already exists"):
        write_report(pair_session, out, overwrite=False)
    assert out.read_bytes() == b"an earlier report"
    with pytest.raises(ExportError, match="must end in .pdf"):
        write_report(pair_session, tmp_path / "r.txt")
    with pytest.raises(ExportError, match="folder does not exist"):
        write_report(pair_session, tmp_path / "missing" / "r.pdf")


def test_a_run_with_adaptive_stopping_states_preset_tolerance_and_stops(tmp_path, pair_session, face_model):
    from fame_desktop.core.presets import preset_params
    from fame_desktop.methods import FameMethod

    s = pair_session
    # the fast preset with a loose tolerance and a short window, so that maps settle within a few iterations
    s.set_params("fame", preset_params("fast", iterations=30, converge_tolerance=0.3, converge_window=2))
    s.accept_result(s.request_run(FameMethod(), face_model, s.analysis.defaults()).execute())
    assert "converged" in s.result().run.stop_reasons
    result = write_report(s, tmp_path / "adaptive.pdf")
    texts, _, _ = _pages(result.pdf)
    text = "\n".join(texts)
    flat = " ".join(text.split())  # table cells wrap
    assert "fast (changed: converge_tolerance, converge_window, iterations)" in flat
    assert "δ 0.3, maps compared every 2 iterations" in flat
    assert "map stopped changing (δ)" in flat
    assert "--converge-tolerance 0.3 --converge-window 2" in flat


def test_fast_maps_are_reported_with_their_estimated_agreement_and_its_source(tmp_path, pair_session, face_model,
                                                                              monkeypatch):
    from dataclasses import replace

    from fame_desktop.core import agreement
    from fame_desktop.core.presets import preset_params
    from fame_desktop.methods import FameMethod

    # a short adaptive run, and the calibration made to cover it (its figures are tested in tests/core)
    monkeypatch.setattr(agreement, "FACE_VERIFICATION", replace(
        agreement.FACE_VERIFICATION, window=2, tolerances=(0.1, 0.5), largest_change=1.0))
    s = pair_session
    s.set_params("fame", preset_params("fast", iterations=30, converge_tolerance=0.3, converge_window=2))
    s.accept_result(s.request_run(FameMethod(), face_model, s.analysis.defaults()).execute())
    estimates = s.result().measurements["agreement_with_reference"]
    assert all(estimates.values())
    texts, _, _ = _pages(write_report(s, tmp_path / "fast.pdf").pdf)
    flat = " ".join("\n".join(texts).split())
    assert "vs Reference (est.)" in flat and "Agreement with the Reference" in flat
    for a in estimates.values():
        assert f"r ≈ {a['expected_r']:.2f} (≥ {a['lower_r']:.2f})" in flat
    assert "hard-pair benchmark set" in flat
