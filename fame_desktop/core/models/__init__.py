"""Face models: registry, embedded default, AdaFace IResNet, safe checkpoint loading."""

from .face_model import FaceModel, cosine_similarity, load_face_model
from .registry import DEFAULT_FACE_MODEL, FACE_MODELS, FaceModelSpec, InputConvention, get_face_model_spec

__all__ = [
    "DEFAULT_FACE_MODEL", "FACE_MODELS", "FaceModel", "FaceModelSpec", "InputConvention",
    "cosine_similarity", "get_face_model_spec", "load_face_model",
]
