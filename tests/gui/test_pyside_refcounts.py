"""PySide6 6.12 drops a reference to True on every Python emit (and to None on every slot call):
with the guard in fame_desktop.gui, a process emitting far more signals than True has references
exits cleanly instead of dying with "Fatal Python error: bool_dealloc"."""

import subprocess
import sys

CODE = """
import sys
from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QApplication, QCheckBox
app = QApplication([])
emits, toggles = 2 * sys.getrefcount(True) + 10_000, 2 * sys.getrefcount(None) + 10_000  # more than they hold
import fame_desktop.gui  # applies the guard
class O(QObject):
    fired = Signal(bool)
o = O()
o.fired.connect(lambda on: None)
box = QCheckBox()
box.toggled.connect(lambda on: None)
for _ in range(emits):
    o.fired.emit(True)
for _ in range(toggles):
    box.toggle()
print("survived", emits, toggles)
"""


def test_many_signals_do_not_free_true_or_none():
    proc = subprocess.run([sys.executable, "-c", CODE], capture_output=True, text=True, timeout=120,
                          env={**__import__("os").environ, "QT_QPA_PLATFORM": "offscreen"})
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.startswith("survived")
