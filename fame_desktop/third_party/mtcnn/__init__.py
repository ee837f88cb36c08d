"""MTCNN face detection, vendored from facenet-pytorch 2.6.0 (MIT): see README.md and LICENSE."""

from .nets import MTCNN

__all__ = ["MTCNN"]
