"""`fame explain` on the faces a user chooses: hand-placed landmarks, several faces, faces numbered from 1."""

from __future__ import annotations

import json

import numpy as np
import pypdfium2 as pdfium
import pytest
from PIL import Image

from fame_desktop.cli import main
from fame_desktop.core.images import load_image
from fame_desktop.session.casefile import open_case


def _text(pdf) -> str:
    return "\n".join(p.get_textpage().get_text_range() for p in pdfium.PdfDocument(str(pdf)))


def _points(landmarks) -> str:
    return ",".join(f"{v:g}" for v in np.asarray(landmarks, np.float64).ravel())


@pytest.fixture(scope="module")
def masked(tmp_path_factory, data_dir, detector):
    """obama.jpg with sunglasses and a mask painted on, which MTCNN no longer finds; and the 5 points
    an examiner would place on it (the detected ones of the bare face, moved a little)."""
    rgb = load_image(data_dir / "obama.jpg").rgb.copy()
    points = detector.detect(rgb)[0].landmarks.round(1) + [[2, -1], [-1, 2], [1, 1], [-2, 0], [2, -2]]
    rgb[190:240, 410:590] = 20
    rgb[250:420, 380:640] = 235
    path = tmp_path_factory.mktemp("masked") / "masked.png"
    Image.fromarray(rgb).save(path)
    assert detector.detect(rgb) == []
    return path, points


def _run(argv, capsys) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def by_hand(tmp_path_factory, data_dir, detector, masked):
    """Both faces placed by hand: the gallery on a photograph where MTCNN finds the face (its points moved
    by a pixel or two), the probe on the masked one; --out, --case and --report. (folder, gallery points, stderr)"""
    d = tmp_path_factory.mktemp("by-hand")
    gallery = detector.detect(load_image(data_dir / "obama2.jpg").rgb)[0].landmarks.round(1) + 1.5
    argv = ["explain", str(data_dir / "obama2.jpg"), str(masked[0]), "--gallery-landmarks", _points(gallery),
            "--probe-landmarks", _points(masked[1]), "-T", "1", "-q", "--device", "cpu", "--out", str(d / "out"),
            "--case", str(d / "c.famecase"), "--report", str(d / "r.pdf"), "--no-exports"]
    code = main(argv)
    assert code == 0
    return d, gallery


def test_landmarks_placed_by_hand_are_used_and_recorded_as_manual(by_hand, masked):
    d, gallery = by_hand
    r = json.loads((d / "out" / "result.json").read_text())
    for role, points in (("gallery", gallery), ("probe", masked[1])):
        face = r["inputs"][role]["face"]
        assert face["manual"] is True and face["probability"] is None
        assert np.allclose(list(face["landmarks"].values()), points, atol=0.01)
    assert r["inputs"]["gallery"]["faces_found"] == 1 and r["inputs"]["probe"]["faces_found"] == 0
    assert r["similarity"] > 0.3  # the same man: placed by hand on the masked face, he is still recognised
    session, _notes = open_case(d / "c.famecase")
    for role, points in (("gallery", gallery), ("probe", masked[1])):
        face = session.inputs[role].payload.face
        assert face.manual and np.allclose(face.landmarks, points)
    text = _text(d / "r.pdf")
    flat = " ".join(text.split())
    assert text.count("placed by hand") >= 2
    x, y = masked[1][0]
    assert f"left eye ({x:.1f}, {y:.1f})" in text  # the points themselves are in the report
    # and in the command that repeats the analysis, instead of a detection
    assert "--probe-landmarks " + _points(masked[1]) in flat


def test_the_report_names_the_detector_and_says_fast_maps_approximate_the_reference(by_hand, detector):
    d, _ = by_hand
    flat = " ".join(_text(d / "r.pdf").split())
    net = detector._net()  # the settings as the detector has them
    assert (f"MTCNN, vendored from facenet-pytorch 2.6.0: stage thresholds "
            f"{' / '.join(f'{t:g}' for t in net.thresholds)} (P-Net / R-Net / O-Net), smallest face "
            f"{net.min_face_size} px") in flat
    assert "detects the faces again" in flat
    assert "The maps come from the Fast preset" in flat  # the default preset
    assert "Pearson r 0.992 on average and 0.968 at worst" in flat and "docs/performance.md" in flat


def test_the_console_says_the_landmarks_were_placed_by_hand(data_dir, masked, tmp_path, capsys):
    code, _out, err = _run(["explain", str(data_dir / "obama2.jpg"), str(masked[0]), "--probe-landmarks",
                            _points(masked[1]), "-T", "1", "-q", "--device", "cpu", "--out", str(tmp_path / "o")],
                           capsys)
    assert code == 0, err
    assert "probe: landmarks placed by hand (no face detected)" in err


def test_without_landmarks_the_masked_face_is_refused_with_the_way_out(data_dir, masked, tmp_path, capsys):
    code, _out, err = _run(["explain", str(data_dir / "obama2.jpg"), str(masked[0]), "-T", "1", "-q",
                            "--device", "cpu", "--out", str(tmp_path / "o")], capsys)
    assert code == 2 and len(err.splitlines()) == 1
    assert "masked.png: no face found" in err and "--probe-landmarks" in err


@pytest.mark.parametrize("points, reason", [
    ("1,2,3", "give ten numbers"),
    ("a,b,c,d,e,f,g,h,i,j", "give ten numbers"),
    ("440,210,550,210,500,280,440,320,555,nan", "give ten numbers"),
    ("440,210,550,210,500,280,440,320,555,5000", "the right mouth corner (555, 5000) lies outside the 910×1137 photograph"),
    ("-3,210,550,210,500,280,440,320,555,320", "the left eye (-3, 210) lies outside the 910×1137 photograph"),
    ("500,300,500,300,500,300,500,300,500,300", "degenerate"),
])
def test_malformed_landmarks_are_refused_in_one_line(data_dir, tmp_path, capsys, points, reason):
    code, _out, err = _run(["explain", str(data_dir / "obama.jpg"), str(data_dir / "obama2.jpg"),
                            f"--gallery-landmarks={points}", "-T", "1", "-q", "--device", "cpu",
                            "--out", str(tmp_path / "o")], capsys)
    assert code == 2 and len(err.splitlines()) == 1, err
    assert err.startswith("fame: error: gallery landmarks") and reason in err, err
    assert not (tmp_path / "o").exists()


@pytest.fixture(scope="module")
def two_faces(tmp_path_factory, data_dir):
    """biden.jpg beside a smaller obama.jpg: two faces, Biden's the larger (face 1)."""
    big = Image.open(data_dir / "biden.jpg").convert("RGB")
    big = big.resize((big.width // 2, big.height // 2))
    small = Image.open(data_dir / "obama.jpg").convert("RGB")
    small = small.resize((small.width // 3, small.height // 3))
    both = Image.new("RGB", (big.width + small.width, big.height), (128, 128, 128))
    both.paste(big, (0, 0))
    both.paste(small, (big.width, 0))
    path = tmp_path_factory.mktemp("group") / "two.png"
    both.save(path)
    return path


def test_with_several_faces_the_console_names_the_face_used_numbered_from_1(data_dir, two_faces, tmp_path, capsys):
    code, _out, err = _run(["explain", str(data_dir / "obama2.jpg"), str(two_faces), "--probe-face", "2",
                            "-T", "1", "-q", "--device", "cpu", "--out", str(tmp_path / "o")], capsys)
    assert code == 0, err
    assert "probe: 2 faces found; face 2 used (1 = the largest; --probe-face chooses another)" in err
    r = json.loads((tmp_path / "o" / "result.json").read_text())
    assert r["similarity"] > 0.6  # face 2 is Obama, as the user asked; face 1 (Biden) would score far lower
    code, _out, err = _run(["explain", str(data_dir / "obama2.jpg"), str(two_faces), "--probe-face", "3",
                            "-T", "1", "-q", "--device", "cpu", "--out", str(tmp_path / "o3")], capsys)
    assert code == 2 and "two.png: there is no face 3; 2 faces found (1 = the largest)" in err, err
