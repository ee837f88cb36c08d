"""Which page shows a task: the one its plugin names (`registry.add_page`), else the generic page.

Pages are named as "module:callable" strings, so the plugin registry stays Qt-free and a
page module is imported only when the window shows its task.
"""

from __future__ import annotations

import importlib


def page_class(registry, task_key: str):
    ref = registry.pages.get(task_key)
    if ref is None:
        from .generic import GenericPage

        return GenericPage
    module, _, attr = ref.partition(":")
    return getattr(importlib.import_module(module), attr)
