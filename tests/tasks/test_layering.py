"""Layering: the core never imports tasks; tasks and the plugin CLI commands never import Qt."""

import subprocess
import sys


def test_core_does_not_import_tasks_and_tasks_do_not_import_qt():
    code = (
        "import sys, pkgutil, importlib\n"
        "import fame_desktop.core as c\n"
        "for m in pkgutil.walk_packages(c.__path__, 'fame_desktop.core.'):\n"
        "    importlib.import_module(m.name)\n"
        "leak = [m for m in sys.modules if m.startswith('fame_desktop.tasks')]\n"
        "assert not leak, f'core imported {leak}'\n"
        "import fame_desktop.tasks as t\n"
        "for m in pkgutil.walk_packages(t.__path__, 'fame_desktop.tasks.'):\n"
        "    importlib.import_module(m.name)\n"
        "import fame_desktop.cli.classify, fame_desktop.cli.featuremap, fame_desktop.cli.plugins\n"
        "t.discover()\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('PySide6', 'PyQt5', 'PyQt6', 'pyqtgraph', 'shiboken6')]\n"
        "print(bad); sys.exit(1 if bad else 0)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, proc.stdout + proc.stderr
