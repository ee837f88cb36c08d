"""Modes: the window hosts every task of the plugin registry beside face verification (the default).

Nothing here imports torch or the tasks at import time: the window must appear first.
"""

from .host import ModeHost

__all__ = ["ModeHost"]
