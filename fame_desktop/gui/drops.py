"""Files from drag-and-drop and the clipboard."""

from __future__ import annotations

from PySide6.QtCore import QBuffer, QIODevice, QMimeData
from PySide6.QtGui import QImage


def local_files(mime: QMimeData | None) -> list[str]:
    """Paths of the local files a drag or the clipboard carries, in order."""
    if mime is None or not mime.hasUrls():
        return []
    return [u.toLocalFile() for u in mime.urls() if u.isLocalFile() and u.toLocalFile()]


def clipboard_png(mime: QMimeData | None) -> bytes | None:
    """The clipboard's image as PNG bytes (lossless), or None when it holds no image."""
    if mime is None or not mime.hasImage():
        return None
    image = mime.imageData()
    if not isinstance(image, QImage) or image.isNull():
        return None
    buf = QBuffer()
    buf.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buf, "PNG")
    return bytes(buf.data())
