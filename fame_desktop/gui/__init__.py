"""The desktop app (PySide6 + pyqtgraph): a thin layer over the Qt-free core.

Widgets show what `fame_desktop.core` computes; long work (imports of torch, model
loading, face detection, FAME) runs in worker threads so the window stays responsive.
"""

from .pyside_refcounts import protect_singletons

protect_singletons()  # PySide6 6.12 drops references to True/None on every signal: see pyside_refcounts
