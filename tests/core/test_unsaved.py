"""Changes not saved in a case file: new audit actions since the last save, and a changed display."""

from __future__ import annotations

from fame_desktop.session.model import Session
from fame_desktop.session.unsaved import ChangeTracker, describe
from fame_desktop.tasks import default_registry


def test_new_audit_actions_are_unsaved_once_each_in_order_until_marked_clean():
    session = Session(default_registry().get("imagenet-classification"))
    tracker = ChangeTracker()
    tracker.mark_clean(session, {"opacity": 0.5})
    assert tracker.unsaved(session, {"opacity": 0.5}) == []
    session.set_case(case_id="C-1")
    session.set_case(examiner="A. Examiner")
    session.record("note")
    assert tracker.unsaved(session, {"opacity": 0.5}) == [session.audit.entries[-2].action, "note"]
    tracker.mark_clean(session, {"opacity": 0.5})
    assert tracker.unsaved(session, {"opacity": 0.9}) == []  # no photograph: the display alone is no change
    assert tracker.unsaved(Session(session.task), {}) == []  # another, empty session holds nothing to lose
    assert describe([f"a{i}" for i in range(8)], limit=3) == "a0; a1; a2; and 5 more"
