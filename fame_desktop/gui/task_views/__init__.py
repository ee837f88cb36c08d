"""The pages of the task modes (every task except face verification, which keeps its own window).

Imported only once the engine has loaded torch (pages talk to tasks, which import the core).
"""

from __future__ import annotations


def page_for(window, entry):
    """The page for a catalogue entry: a dedicated one for the built-in tasks, a generic one otherwise."""
    from .classification import ClassificationPage
    from .feature_map import FeatureMapPage
    from .generic import GenericTaskPage

    pages = {"imagenet-classification": ClassificationPage, "feature-map": FeatureMapPage}
    return pages.get(entry.task.key, GenericTaskPage)(window, entry)
