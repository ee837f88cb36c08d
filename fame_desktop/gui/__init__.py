"""The desktop app (PySide6 + pyqtgraph): a thin layer over the Qt-free core.

Widgets show what `fame_desktop.core` computes; long work (imports of torch, model
loading, face detection, FAME) runs in worker threads so the window stays responsive.
"""

from .pyside_fixes import install as _install_pyside_fixes

_install_pyside_fixes()  # before any worker thread: PySide6 6.12's emit() drops a reference to True
