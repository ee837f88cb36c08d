"""The evented session of any task: every change lands in the audit log and fires its event; results
are kept only for the inputs and model they were computed from."""

from __future__ import annotations

import pytest

from fame_desktop.core.fame import FameParams
from fame_desktop.core.images import load_image
from fame_desktop.methods import FameMethod
from fame_desktop.session.model import Session
from fame_desktop.tasks import default_registry

QUICK = FameParams(iterations=2, epsilon=0.0)


@pytest.fixture(scope="module")
def lite0():
    return default_registry().get("imagenet-classification").load_model("efficientnet-lite0", None, "cpu")


def _events(session):
    seen = []
    session.events.connect(lambda info: seen.append(info.signal.name))
    return seen


def _prepared_classification(model, data_dir, name="obama.jpg"):
    task = default_registry().get("imagenet-classification")
    s = Session(task, model_key="efficientnet-lite0", device="cpu")
    seen = _events(s)
    options = task.resolve_options({}, model)
    s.set_options(options)
    image = load_image(data_dir / name)
    s.set_photo("image", image)
    s.set_input(task.prepare(model, "image", image, options))
    s.set_analysis(task.analyse(model, s.inputs, options), s.input_records())
    s.set_params("fame", QUICK)
    return s, seen


def test_a_classification_session_runs_accepts_and_logs(lite0, data_dir):
    s, seen = _prepared_classification(lite0, data_dir)
    assert s.ready and s.analysis is not None and s.result() is None
    top1 = s.analysis.defaults()
    req = s.request_run(FameMethod(), lite0, top1)
    result = req.execute()
    acc = s.accept_result(result)
    assert acc is not None and s.result() is not None and s.result().keys == tuple(t.key for t in top1)
    assert s.result().snapshot == req.snapshot and s.result().environment["device"]
    actions = [e.action for e in s.audit.entries]
    assert actions == ["load image", "prepare input", "set method parameters", "run started", "run finished"]
    assert {"inputs", "analysis", "results", "parameters", "audit"} <= set(seen)


def test_a_result_of_a_replaced_photograph_is_discarded(lite0, data_dir):
    s, _ = _prepared_classification(lite0, data_dir)
    req = s.request_run(FameMethod(), lite0, s.analysis.defaults())
    result = req.execute()
    other = load_image(data_dir / "biden.jpg")
    s.set_photo("image", other)  # the user opened another photograph meanwhile
    assert s.accept_result(result) is None and s.result() is None
    last = s.audit.entries[-1]
    assert last.action == "result discarded" and "the image photograph" in last.details["reason"]


def test_results_are_kept_per_method_and_options_and_dropped_with_the_inputs(lite0, data_dir):
    s, _ = _prepared_classification(lite0, data_dir)
    task = s.task
    first = s.analysis.defaults()
    s.accept_result(s.request_run(FameMethod(), lite0, first).execute())
    second = [task.target(s.analysis, "class_1")]
    s.accept_result(s.request_run(FameMethod(), lite0, second).execute())
    assert set(s.result().keys) == {first[0].key, "class_1"}  # accumulated, one click at a time
    crop = task.resolve_options({"preparation": "centre-crop"}, lite0)
    s.set_options(crop)
    assert s.result() is None  # another options set shows its own results
    s.set_options(task.resolve_options({}, lite0))
    assert set(s.result().keys) == {first[0].key, "class_1"}
    s.set_model("resnet50", None, "cpu")
    assert s.result() is None and s.analysis is None


def test_the_frozen_copy_is_not_changed_by_later_edits(lite0, data_dir):
    s, _ = _prepared_classification(lite0, data_dir)
    s.set_view(colour_map="inferno")
    copy = s.frozen_copy()
    n = len(copy.audit)
    s.set_case(case_id="later", exhibits={"image": "EXH-9"})
    s.set_view(colour_map="jet")
    s.record("something later")
    assert copy.case.case_id == "" and copy.view["colour_map"] == "inferno" and len(copy.audit) == n
