"""Task plugins: the interface (`Task` and its data types), discovery, and the built-in tasks.

Qt-free: the GUI, the CLI and the report drive tasks through this interface. Tasks import
`fame_desktop.core`; the core never imports tasks.
"""

from .base import PLUGIN_API_VERSION, Task
from .registry import GROUP, PluginInfo, TaskNotFound, TaskRegistry, default_registry, discover
from .report_section import Figure, ReportSection, Table
from .result import TaskResult, merge_results
from .types import Analysis, InputSlot, MapView, ModelChoice, OptionSpec, PreparedInput, Target, TaskOptionError

__all__ = [
    "GROUP", "PLUGIN_API_VERSION", "Analysis", "Figure", "InputSlot", "MapView", "ModelChoice",
    "OptionSpec", "PluginInfo", "PreparedInput", "ReportSection", "Table", "Target", "Task", "TaskNotFound",
    "TaskOptionError", "TaskRegistry", "TaskResult", "default_registry", "discover", "merge_results",
]
