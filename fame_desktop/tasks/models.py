"""The face and ImageNet model registries as `ModelChoice` lists, and loading by key."""

from __future__ import annotations

from ..core.errors import ModelError
from ..core.models.imagenet_registry import IMAGENET_MODELS, weights_status
from ..core.models.registry import FACE_MODELS
from .types import ModelChoice

FACE = "face"
IMAGENET = "imagenet"


def face_model_choices():
    return [ModelChoice(key=s.key, name=s.display_name, family=FACE, available=not s.needs_checkpoint,
                        status="embedded" if not s.needs_checkpoint else "needs a checkpoint file",
                        licence=s.licence, input_size=s.convention.size, accepts_file=s.needs_checkpoint)
            for s in FACE_MODELS.values()]


def imagenet_model_choices():
    out = []
    for s in IMAGENET_MODELS.values():
        st = weights_status(s)
        out.append(ModelChoice(key=s.key, name=s.display_name, family=IMAGENET, available=st.available,
                               status=st.note, licence=s.licence, input_size=s.input_size))
    return out


def model_family(key: str) -> str:
    k = key.strip().lower()
    if k in IMAGENET_MODELS or k.replace("_", "-") in IMAGENET_MODELS:
        return IMAGENET
    from ..core.models.registry import get_face_model_spec

    get_face_model_spec(k)  # raises ModelError for an unknown key
    return FACE


def load_model_by_key(key: str, weights: str | None = None, device: str = "auto"):
    """A face model (FaceModel) or an ImageNet classifier (ImageNetModel) by registry key."""
    if model_family(key) == IMAGENET:
        from ..core.models.imagenet import load_imagenet_model

        return load_imagenet_model(key, weights, device)
    from ..core.models import load_face_model

    if weights is not None and key == "arcface-mbf":
        raise ModelError("the embedded face model takes no checkpoint; choose an AdaFace model")
    return load_face_model(key, weights, device)


def is_face_model(model) -> bool:
    return hasattr(getattr(model, "spec", None), "convention")


def model_input_size(model) -> int:
    """S of the model's (B, 3, S, S) input: ImageNetModel.input_size or FaceModel.spec.convention.size."""
    size = getattr(model, "input_size", None)
    if size is None:
        size = getattr(getattr(getattr(model, "spec", None), "convention", None), "size", None)
    return int(size or 112)


def model_channel_order(model) -> str:
    """The channel order the network takes ("RGB", "BGR"): FaceModel.spec.convention, else RGB (ImageNet)."""
    return str(getattr(getattr(getattr(model, "spec", None), "convention", None), "channel_order", "RGB"))
