"""Explanation methods: the plugin interface (`Method`) and the built-in methods (FAME).

A method turns a task's prepared inputs, model and targets into maps; tasks list the
methods that apply to them. Qt-free.
"""

from .base import KINDS, PLUGIN_API_VERSION, Method, MethodJob, Preset, RunRecord
from .fame import FameMethod

__all__ = ["KINDS", "PLUGIN_API_VERSION", "FameMethod", "Method", "MethodJob", "Preset", "RunRecord"]
