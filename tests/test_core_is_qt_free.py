"""The core, methods, metrics, evaluation and the report run without Qt (CLI, batch jobs): importing them
(and drawing the evaluation figure) pulls in no Qt module."""

import subprocess
import sys


def test_core_imports_no_qt():
    code = (
        "import sys, pkgutil, importlib, fame_desktop.core as c\n"
        "for m in pkgutil.walk_packages(c.__path__, 'fame_desktop.core.'):\n"
        "    importlib.import_module(m.name)\n"
        "import fame_desktop.cli.explain, fame_desktop.cli.report, fame_desktop.cli.evaluate, fame_desktop.cli.calibrate\n"
        "for pkg in ('report', 'methods', 'metrics', 'evaluation'):\n"
        "    for m in pkgutil.walk_packages(importlib.import_module('fame_desktop.' + pkg).__path__, f'fame_desktop.{pkg}.'):\n"
        "        importlib.import_module(m.name)\n"
        "import fame_desktop.evaluation.figure as f, fame_desktop.evaluation.summary as s\n"
        "f.curves_png(s.EvaluationSummary(('fame',), {}, (0, 100), [], 0, 0, []))  # matplotlib, Agg only\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('PySide6', 'PyQt5', 'PyQt6', 'pyqtgraph', 'shiboken6')]\n"
        "print(bad); sys.exit(1 if bad else 0)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
