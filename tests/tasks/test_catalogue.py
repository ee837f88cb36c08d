"""The catalogue the window's task selector is built from (Qt-free)."""

from __future__ import annotations

from fame_desktop.tasks import default_registry
from fame_desktop.tasks.catalogue import build_catalogue


def test_every_built_in_task_is_listed_usable_with_its_models():
    cat = build_catalogue()
    assert {"face-verification", "imagenet-classification", "feature-map"} <= set(cat.entries)
    assert all(e.usable and e.models for e in cat.entries.values()) and cat.broken == []


def test_a_task_whose_models_cannot_be_listed_is_kept_with_its_reason_and_not_usable(monkeypatch):
    task = default_registry().get("feature-map")

    def broken():
        raise RuntimeError("no model list today")

    monkeypatch.setattr(task, "models", broken)
    entries = build_catalogue().entries
    assert entries["feature-map"].error == "RuntimeError: no model list today" and not entries["feature-map"].usable
    assert entries["imagenet-classification"].usable  # the other tasks stay
