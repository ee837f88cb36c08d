"""Loading photographs: formats, modes, orientation, hashes and every kind of bad file."""

from __future__ import annotations

import hashlib
import io
import os
import sys
import threading

import numpy as np
import pytest
from PIL import Image

from fame_desktop.core.errors import ImageLoadError
from fame_desktop.core.images import MAX_PIXELS, decode_png, encode_png, load_image, load_image_bytes


@pytest.fixture(scope="module")
def obama2(data_dir):
    return Image.open(data_dir / "obama2.jpg").convert("RGB")


def _save(im: Image.Image, path, **kw):
    im.save(path, **kw)
    return path


def test_jpeg_hash_is_of_original_bytes_and_pixels_are_read_only(data_dir):
    img = load_image(data_dir / "obama.jpg")
    assert img.sha256 == hashlib.sha256((data_dir / "obama.jpg").read_bytes()).hexdigest()
    assert img.rgb.dtype == np.uint8 and img.rgb.shape == (1137, 910, 3)
    assert img.format == "JPEG" and img.conversions == ()
    with pytest.raises(ValueError):
        img.rgb[0, 0, 0] = 1


@pytest.mark.parametrize("fmt,ext", [("PNG", "png"), ("BMP", "bmp"), ("TIFF", "tif"), ("WEBP", "webp")])
def test_other_formats_decode_to_the_same_pixels(tmp_path, obama2, fmt, ext):
    kw = {"lossless": True} if fmt == "WEBP" else {}
    img = load_image(_save(obama2, tmp_path / f"x.{ext}", format=fmt, **kw))
    assert img.format == fmt
    assert np.array_equal(img.rgb, np.asarray(obama2))


def test_rgba_is_composited_on_white(tmp_path, obama2):
    rgba = obama2.convert("RGBA")
    a = np.asarray(rgba).copy()
    a[:100, :, 3] = 0  # top band fully transparent
    a[100:200, :, 3] = 128
    img = load_image(_save(Image.fromarray(a, "RGBA"), tmp_path / "a.png"))
    assert img.original_mode == "RGBA"
    assert (img.rgb[:100] == 255).all()
    half = img.rgb[100:200].astype(int)
    expect = np.round(a[100:200, :, :3] * (128 / 255) + 255 * (127 / 255))
    assert np.abs(half - expect).max() <= 2
    assert np.array_equal(img.rgb[200:], np.asarray(obama2)[200:])


def test_the_shared_32bit_png_keeps_its_pixels_and_is_the_same_face_as_obama2(data_dir, detector, face_inputs,
                                                                              face_model):
    """32bit.png: obama2 saved as an opaque RGBA PNG (its RGB differs from the JPEG by up to 32 levels)."""
    from fame_desktop.core.pipeline import prepare_face
    from fame_desktop.core.verification import pair_similarity

    source = np.asarray(Image.open(data_dir / "32bit.png"))
    assert source.shape == (1200, 626, 4) and (source[..., 3] == 255).all()
    img = load_image(data_dir / "32bit.png")
    assert img.original_mode == "RGBA"
    assert np.array_equal(img.rgb, source[..., :3])  # fully opaque: compositing changes no pixel
    png, jpg = prepare_face(data_dir / "32bit.png", detector, "probe"), face_inputs["obama2"]
    assert np.abs(png.face.landmarks - jpg.face.landmarks).max() < 2.0
    assert np.abs(np.subtract(png.face.box, jpg.face.box)).max() < 3.0
    assert np.abs(png.aligned.matrix - jpg.aligned.matrix).max() < 1.0
    assert pair_similarity(face_model, png.crop, jpg.crop) > 0.98


def test_grayscale_la_and_palette(tmp_path, obama2):
    gray = load_image(_save(obama2.convert("L"), tmp_path / "g.jpg", quality=95))
    assert np.array_equal(gray.rgb[..., 0], gray.rgb[..., 1])
    la = obama2.convert("LA")
    la.putalpha(Image.new("L", la.size, 0))
    assert (load_image(_save(la, tmp_path / "la.png")).rgb == 255).all()
    pal = obama2.convert("P", palette=Image.Palette.ADAPTIVE, colors=64)
    img = load_image(_save(pal, tmp_path / "p.png"))
    assert img.original_mode == "P"
    assert np.array_equal(img.rgb, np.asarray(pal.convert("RGB")))


def test_16_bit_grayscale_is_scaled_not_clipped(tmp_path):
    ramp = np.linspace(0, 65535, 200 * 300).reshape(200, 300).astype(np.uint16)
    p = tmp_path / "g16.png"
    Image.fromarray(ramp).save(p)
    img = load_image(p)
    assert img.original_mode.startswith("I")
    assert img.rgb[..., 0].min() == 0 and img.rgb[..., 0].max() == 255
    assert np.abs(img.rgb[..., 0].astype(int) - np.round(ramp / 257)).max() <= 1


def test_16_bit_rgb_png(tmp_path, obama2):
    import cv2

    rgb16 = np.asarray(obama2).astype(np.uint16) * 257
    p = tmp_path / "rgb16.png"
    cv2.imwrite(str(p), rgb16[:, :, ::-1])
    img = load_image(p)
    assert np.abs(img.rgb.astype(int) - np.asarray(obama2)).max() <= 1
    # the reduction to 8 bits is part of the record, as for 16-bit grayscale
    assert img.original_mode == "RGB;16" and img.describe()["original_mode"] == "RGB;16"
    assert img.conversions == ("16-bit RGB reduced to 8 bits per channel",)


def test_16_bit_rgba_png_records_both_conversions(tmp_path):
    import cv2

    rgba16 = np.zeros((64, 64, 4), np.uint16)
    rgba16[..., :3], rgba16[..., 3] = 40000, 65535
    p = tmp_path / "rgba16.png"
    cv2.imwrite(str(p), rgba16)
    img = load_image(p)
    assert img.original_mode == "RGBA;16" and img.rgb[0, 0].tolist() == [156, 156, 156]
    assert img.conversions == ("16-bit RGBA reduced to 8 bits per channel",
                               "RGBA with transparency composited on white")


def test_exif_orientation_is_applied(tmp_path, obama2, detector):
    exif = Image.Exif()
    exif[0x0112] = 6  # stored sideways; viewers rotate 90° clockwise
    stored = obama2.transpose(Image.Transpose.ROTATE_90)  # what a camera held sideways writes
    p = _save(stored, tmp_path / "r.jpg", exif=exif.tobytes(), quality=95)
    img = load_image(p)
    assert img.exif_orientation == 6
    assert (img.width, img.height) == obama2.size
    assert np.abs(img.rgb.astype(int) - np.asarray(obama2)).mean() < 3
    faces = detector.detect(img.rgb)
    assert faces and faces[0].landmarks[0, 0] < faces[0].landmarks[1, 0]  # upright: left eye left


@pytest.mark.parametrize(
    "content,expected",
    [
        (b"", "empty"),
        (b"this is a text file, not a photograph\n" * 10, "not an image"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "not an image"),
    ],
)
def test_non_images_are_refused(tmp_path, content, expected):
    p = tmp_path / "bad.jpg"
    p.write_bytes(content)
    with pytest.raises(ImageLoadError, match=expected):
        load_image(p)


def test_truncated_jpeg_is_refused(tmp_path, data_dir):
    data = (data_dir / "obama.jpg").read_bytes()
    p = tmp_path / "cut.jpg"
    p.write_bytes(data[: len(data) // 2])
    with pytest.raises(ImageLoadError, match="truncated"):
        load_image(p)


def test_decompression_bomb_is_refused_before_decoding(tmp_path):
    p = tmp_path / "bomb.png"
    Image.new("1", (11_000, 10_000)).save(p)  # 110 MP, a few kB on disk
    assert p.stat().st_size < 100_000
    with pytest.raises(ImageLoadError, match="megapixels"):
        load_image(p)
    assert 11_000 * 10_000 > MAX_PIXELS


def test_tiny_missing_folder_and_unsupported(tmp_path, obama2):
    with pytest.raises(ImageLoadError, match="too small"):
        load_image(_save(obama2.resize((20, 24)), tmp_path / "tiny.png"))
    with pytest.raises(ImageLoadError, match="not found"):
        load_image(tmp_path / "nope.jpg")
    with pytest.raises(ImageLoadError, match="folder"):
        load_image(tmp_path)
    with pytest.raises(ImageLoadError, match="GIF images are not supported"):
        load_image(_save(obama2, tmp_path / "x.gif"))


def _load_within(path, seconds: float = 10.0):
    """load_image(path) in a thread: (exception or image); a read that hangs fails the test."""
    out = []
    t = threading.Thread(target=lambda: out.append(_outcome(path)), daemon=True)
    t.start()
    t.join(seconds)
    return out[0] if out else None


def _outcome(path):
    try:
        return load_image(path)
    except Exception as e:  # noqa: BLE001 — the test looks at what it was
        return e


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX")
def test_a_named_pipe_is_refused_at_once(tmp_path):
    fifo = tmp_path / "photo.jpg"
    os.mkfifo(fifo)
    try:
        got = _load_within(fifo)
    finally:  # a reader still blocked on the pipe (today's hang) is released by a writer
        fd = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK) if got is None else None
        if fd is not None:
            os.close(fd)
    assert got is not None, "load_image hung on a named pipe"
    assert isinstance(got, ImageLoadError) and "not a regular file (a named pipe)" in str(got)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux device files")
def test_devices_and_symlinks_to_them_are_refused_unread(tmp_path):
    link = tmp_path / "zero.jpg"
    link.symlink_to("/dev/zero")
    for path in ("/dev/zero", link):
        with pytest.raises(ImageLoadError, match=r"not a regular file \(a device\)"):
            load_image(path)


def test_a_symlink_loop_is_named(tmp_path):
    a, b = tmp_path / "a.jpg", tmp_path / "b.jpg"
    a.symlink_to(b)
    b.symlink_to(a)
    with pytest.raises(ImageLoadError, match="loop of symbolic links"):
        load_image(a)


def test_clipboard_bytes_and_png_round_trip(data_dir):
    data = (data_dir / "obama2.jpg").read_bytes()
    img = load_image_bytes(data, "clipboard")
    assert img.source == "clipboard" and img.sha256 == hashlib.sha256(data).hexdigest()
    assert np.array_equal(decode_png(encode_png(img.rgb)), img.rgb)
    with pytest.raises(ImageLoadError):
        load_image_bytes(io.BytesIO(b"xx").getvalue(), "clipboard")
