"""The desktop app (PySide6 + pyqtgraph): a thin layer over the Qt-free core.

Widgets show what `fame_desktop.core` computes; long work (imports of torch, model
loading, face detection, FAME) runs in worker threads so the window stays responsive.
"""
