"""Explanation methods: the plugin interface (`Method`) and the built-in methods (FAME, CorrRISE, FGGB).

A method turns a task's prepared inputs, model and targets into maps; tasks list the
methods that apply to them. Qt-free.
"""

from .base import KINDS, PLUGIN_API_VERSION, Method, MethodJob, Preset, RunRecord
from .corrrise import CorrRiseMethod, CorrRiseParams
from .fame import FameMethod
from .fggb import FggbMethod, FggbParams, ThresholdRequired

__all__ = ["KINDS", "PLUGIN_API_VERSION", "CorrRiseMethod", "CorrRiseParams", "FameMethod", "FggbMethod",
           "FggbParams", "Method", "MethodJob", "Preset", "RunRecord", "ThresholdRequired"]
