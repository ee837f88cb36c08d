"""MTCNN face detection, vendored from facenet-pytorch 2.6.0 (MIT): see README.md and LICENSE."""

from .nets import MTCNN

VENDORED_FROM = "facenet-pytorch 2.6.0"  # what the report names; README.md lists what was taken

__all__ = ["MTCNN", "VENDORED_FROM"]
