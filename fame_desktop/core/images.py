"""Safe loading of photographs: formats, EXIF orientation, pixel modes, size limits, SHA-256.

The original file bytes are hashed before anything else touches them; the decoded
pixels are returned read-only so no later step can alter the evidence by accident.
"""

from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from .errors import ImageLoadError
from .locations import open_location, read_location

# Pillow's format names; MPO is the multi-picture JPEG many cameras write.
SUPPORTED_FORMATS = ("JPEG", "MPO", "PNG", "BMP", "TIFF", "WEBP")
MAX_PIXELS = 100_000_000  # decompression-bomb guard (100 megapixels)
MAX_FILE_BYTES = 512 * 1024 * 1024
MIN_SIDE = 32  # smaller than this cannot hold a detectable face

# Let Pillow itself refuse far beyond our own limit; ours is checked on the header.
Image.MAX_IMAGE_PIXELS = MAX_PIXELS

EXIF_ORIENTATION_TAG = 0x0112


@dataclass(frozen=True)
class LoadedImage:
    """A photograph as decoded for analysis, with what is needed to prove its origin.

    Attributes:
        rgb: (H, W, 3) uint8 RGB pixels, EXIF orientation applied, read-only.
        sha256: hex SHA-256 of the original file bytes.
        source: file path (or a description such as "clipboard").
        file_size: size of the original file in bytes.
        format: Pillow's format name (JPEG, PNG, ...).
        original_mode: Pillow's pixel mode in the file (RGB, RGBA, I;16, P, ...); 16-bit colour,
            which Pillow decodes to 8 bits per channel, is "RGB;16" or "RGBA;16".
        exif_orientation: EXIF orientation tag value (1 = upright / none).
        conversions: human-readable notes of what was done to reach 8-bit RGB.
        data: the original file bytes (None when not kept).
    """

    rgb: np.ndarray
    sha256: str
    source: str
    file_size: int
    format: str
    original_mode: str
    exif_orientation: int = 1
    conversions: tuple[str, ...] = field(default_factory=tuple)
    # the exact file bytes, kept so a case file can store the evidence as it was analysed
    data: bytes | None = field(default=None, repr=False, compare=False)

    @property
    def width(self) -> int:
        return int(self.rgb.shape[1])

    @property
    def height(self) -> int:
        return int(self.rgb.shape[0])

    @property
    def name(self) -> str:
        return Path(self.source).name

    def describe(self) -> dict:
        """JSON-ready provenance of the file (no pixels)."""
        return {
            "path": self.source,
            "sha256": self.sha256,
            "file_size": self.file_size,
            "format": self.format,
            "original_mode": self.original_mode,
            "width": self.width,
            "height": self.height,
            "exif_orientation": self.exif_orientation,
            "conversions": list(self.conversions),
        }


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: str | Path, chunk: int = 1 << 20) -> str:
    h = hashlib.sha256()
    with open_location(path) as f:
        while block := f.read(chunk):
            h.update(block)
    return h.hexdigest()


def load_image(path: str | Path) -> LoadedImage:
    """Read, hash and decode a photograph file (a path, or a URL: core.locations); raise ImageLoadError
    with the reason.

    Only regular files are read (a named pipe or a device is refused before reading), at most
    MAX_FILE_BYTES of them.
    """
    return load_image_bytes(read_location(path, MAX_FILE_BYTES, ImageLoadError), str(path))


def load_image_bytes(data: bytes, source: str) -> LoadedImage:
    """Decode photograph bytes (e.g. from the clipboard); `source` names them in errors."""
    name = Path(source).name or source
    if not data:
        raise ImageLoadError(f"{name}: file is empty")
    digest = sha256_bytes(data)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            im = Image.open(io.BytesIO(data))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageLoadError(f"{name}: image is larger than {MAX_PIXELS // 10**6} megapixels") from None
    except UnidentifiedImageError:
        raise ImageLoadError(f"{name}: not an image file, or an image format that cannot be read") from None
    except OSError as e:
        raise ImageLoadError(f"{name}: cannot decode the image ({e})") from None

    fmt = im.format or "unknown"
    if fmt not in SUPPORTED_FORMATS:
        raise ImageLoadError(
            f"{name}: {fmt} images are not supported (use JPEG, PNG, BMP, TIFF or WebP)"
        )
    w, h = im.size
    if w * h > MAX_PIXELS:
        raise ImageLoadError(
            f"{name}: {w}×{h} is {w * h / 1e6:.0f} megapixels; the limit is {MAX_PIXELS // 10**6}"
        )
    if min(w, h) < MIN_SIDE:
        raise ImageLoadError(f"{name}: {w}×{h} pixels is too small; each side needs at least {MIN_SIDE}")

    mode = _file_mode(im)
    notes: list[str] = []
    if mode != im.mode:  # Pillow decodes 16-bit colour to 8 bits per channel without a word
        notes.append(f"16-bit {im.mode} reduced to 8 bits per channel")
    if getattr(im, "n_frames", 1) > 1:
        notes.append(f"first of {im.n_frames} frames used")
    try:
        orientation = int(im.getexif().get(EXIF_ORIENTATION_TAG, 1) or 1)
    except Exception:  # malformed EXIF must not block the photograph itself
        orientation = 1
    try:
        im.load()
        if orientation != 1:
            im = ImageOps.exif_transpose(im)
            notes.append(f"EXIF orientation {orientation} applied")
        rgb = _to_rgb8(im, notes)
    except OSError as e:
        raise ImageLoadError(f"{name}: file is truncated or corrupt ({e})") from None
    rgb.flags.writeable = False
    return LoadedImage(
        rgb=rgb,
        sha256=digest,
        source=source,
        file_size=len(data),
        format=fmt,
        original_mode=mode,
        exif_orientation=orientation,
        conversions=tuple(notes),
        data=bytes(data),
    )


def _file_mode(im: Image.Image) -> str:
    """Pillow's mode, or "RGB;16" / "RGBA;16" for 16-bit colour, which Pillow opens as 8-bit RGB(A).

    Read from the decoder's raw mode (e.g. "RGB;16B"), so it must be called before `im.load()`.
    """
    if im.mode in ("RGB", "RGBA") and im.tile:
        args = im.tile[0].args
        raw = args[0] if isinstance(args, tuple) and args else args
        if isinstance(raw, str) and raw.startswith(f"{im.mode};16"):
            return f"{im.mode};16"
    return im.mode


def _to_rgb8(im: Image.Image, notes: list[str]) -> np.ndarray:
    """Any Pillow mode → (H, W, 3) uint8 RGB; transparency is composited on white."""
    mode = im.mode
    if mode == "RGB":
        return np.array(im, dtype=np.uint8)
    if mode in ("I;16", "I;16L", "I;16B", "I;16N", "I"):
        a = np.asarray(im).astype(np.float64)
        top = 65535.0 if (mode.startswith("I;16") or a.max() > 255) else 255.0
        a = np.clip(np.round(a * (255.0 / top)), 0, 255).astype(np.uint8)
        notes.append(f"{'16' if top > 255 else '8'}-bit grayscale converted to 8-bit RGB")
        return np.repeat(a[:, :, None], 3, axis=2)
    if mode == "F":
        a = np.asarray(im, dtype=np.float64)
        top = 1.0 if np.nanmax(a) <= 1.0 else float(np.nanmax(a))
        a = np.clip(np.round(np.nan_to_num(a) * (255.0 / top)), 0, 255).astype(np.uint8)
        notes.append("floating-point grayscale scaled to 8-bit RGB")
        return np.repeat(a[:, :, None], 3, axis=2)
    has_alpha = mode in ("RGBA", "LA", "RGBa", "La", "PA") or (
        mode == "P" and "transparency" in im.info
    )
    if has_alpha:
        rgba = im.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        notes.append(f"{mode} with transparency composited on white")
        return np.array(Image.alpha_composite(white, rgba).convert("RGB"), dtype=np.uint8)
    notes.append(f"{mode} converted to RGB")
    return np.array(im.convert("RGB"), dtype=np.uint8)


def encode_png(rgb: np.ndarray) -> bytes:
    """(H, W, 3) uint8 RGB → PNG bytes (lossless, deterministic for a given OpenCV)."""
    import cv2

    ok, buf = cv2.imencode(".png", np.ascontiguousarray(np.asarray(rgb)[:, :, ::-1]))
    if not ok:
        raise ValueError("PNG encoding failed")
    return buf.tobytes()


def decode_png(data: bytes) -> np.ndarray:
    """PNG bytes → (H, W, 3) uint8 RGB (for crops saved by encode_png)."""
    import cv2

    a = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    if a is None:
        raise ImageLoadError("not a readable PNG")
    return a[:, :, ::-1].copy()
