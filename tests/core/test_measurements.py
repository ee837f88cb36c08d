"""Measurements of the maps in the session (issues 15/16): a face pair's faithfulness curves and a class map's
metrics are kept in the Qt-free session, logged, dropped or stale with the results they measured, stored in
case files, and checked on opening — forged ones refused with their reason."""

from __future__ import annotations

import json
import time
import zipfile
from dataclasses import replace

import pytest
from case_forgery import edit_session, forge, rechain
from measurement_helpers import add_gradcam, measure_pair, measured_chelsea

from fame_desktop.core.errors import CaseFileError
from fame_desktop.session.casefile import open_case, save_case
from fame_desktop.session.measurements import CLASS, FACE

IMAGENET_BOX = "chelsea.xml"


@pytest.fixture
def measured_pair(pair_session, face_model):
    """obama vs obama2 explained by FAME and Grad-CAM, the curves of the probe's e+ kept."""
    add_gradcam(pair_session, face_model)
    assert pair_session.set_measurement(measure_pair(pair_session, face_model))
    return pair_session


def test_face_curves_live_in_the_session_and_survive_a_case_file(measured_pair, tmp_path):
    s = measured_pair
    m = s.current_measurement(FACE, "probe_similar")
    assert m.methods == ("fame", "gradcam") and m.settings == {"percentages": list(range(0, 101, 10)),
                                                                "modes": ["delete", "insert"]}
    entry = s.audit.entries[-1]
    assert entry.action == "measure faithfulness" and entry.details["values_sha256"] == m.values_sha256()
    assert set(entry.details["areas"]) == {"fame", "gradcam"} and entry.details["target"] == "probe_similar"
    info = save_case(s, tmp_path / "pair.famecase")
    t0 = time.perf_counter()
    again, _notes = open_case(info.path)
    print(f"opening with curves: {time.perf_counter() - t0:.2f} s")
    back = again.current_measurement(FACE, "probe_similar")
    assert back is not None and back.describe() == m.describe()
    assert back.faithfulness()["fame"].curve("probe_similar", "delete").similarity == \
        m.faithfulness()["fame"].curve("probe_similar", "delete").similarity
    (checked,) = again.audit.entries[-1].details["checks"]["measurements"]
    assert checked["methods"] == ["fame", "gradcam"] and checked["check"].startswith("curves recomputed")


def test_a_measurement_goes_stale_with_its_results_and_is_dropped_with_them(measured_pair, face_model, face_inputs):
    from fame_desktop.core.fame import FameParams
    from fame_desktop.methods import FameMethod
    from fame_desktop.tasks.face_verification import face_prepared_input

    s = measured_pair
    m = s.current_measurement(FACE, "probe_similar")
    s.set_map_settings(replace(s.map_settings, blur_sigma=s.map_settings.blur_sigma + 2))
    assert s.current_measurement(FACE, "probe_similar") is None
    assert s.measurement_stale_reasons(m) == ["the map settings changed"]
    s.set_map_settings(m.map_settings)
    assert s.current_measurement(FACE, "probe_similar") is m  # the same maps again: current again
    s.set_method("fame")
    s.set_params("fame", FameParams(iterations=2, epsilon=0.0))
    s.accept_result(s.request_run(FameMethod(), face_model, s.analysis.defaults()).execute())  # replaces FAME's
    assert s.measurement_stale_reasons(m) == ["the fame result was replaced"] and s.current_measurements() == []
    assert not s.set_measurement(m)  # a worker's late answer for the replaced result
    assert s.audit.entries[-1].action == "measurement discarded"
    s.set_input(face_prepared_input(replace(face_inputs["obama2"], role="gallery")))
    assert s.measurements == {}  # the results went, their measurements with them


def _with(doc, kind, change):
    (m,) = [d for d in doc["measurements"] if d["kind"] == kind]
    change(m)


def _forged(src, tmp_path, name, change, relog=True):
    """A copy of `src` whose measurement record `change(doc)` edits; relog: the audit entry's values hash
    and the chain follow (a forger who read the format)."""
    from fame_desktop.session.measurements import json_sha256

    def edit(doc):
        change(doc)
        if relog:
            for d in doc["measurements"]:
                action = "measure faithfulness" if d["kind"] == FACE else "measure class metrics"
                for e in doc["audit"]:
                    if e["action"] == action and e["details"]["target"] == d["target"]:
                        e["details"]["values_sha256"] = json_sha256(d["values"])
            rechain(doc)
    return forge(src, tmp_path / f"{name}.famecase", edit_session(edit))


def test_forged_face_measurements_are_refused(measured_pair, tmp_path):
    src = save_case(measured_pair, tmp_path / "pair.famecase").path

    def other_method(m):
        m["sources"][1]["method"] = "corrrise"
        m["values"]["corrrise"] = m["values"].pop("gradcam")

    def out_of_range(m):
        m["values"]["fame"]["curves"][0]["similarity"][3] = 1.7

    def short(m):
        m["values"]["fame"]["curves"][1]["similarity"].pop()

    def nudged(m):  # in range and of the right shape: only recomputing finds it
        m["values"]["gradcam"]["curves"][0]["similarity"][5] -= 0.05

    def settings(m):
        m["map_settings"]["blur_sigma"] += 1

    cases = {"no result": (other_method, "refers to corrrise, which has no result in the case"),
             "range": (out_of_range, r"must be 11 numbers in \[-1, 1\]"),
             "shape": (short, r"must be 11 numbers"),
             "reproduce": (nudged, "the curves do not reproduce"),
             "settings": (settings, "other map settings than the case's"),
             "kind": (lambda m: m.update(kind="class-metrics"), "which Face verification does not make")}
    for name, (change, reason) in cases.items():
        bad = _forged(src, tmp_path, name, lambda doc, c=change: _with(doc, FACE, c))
        with pytest.raises(CaseFileError, match=reason):
            open_case(bad)
    unlogged = _forged(src, tmp_path, "unlogged", lambda doc: _with(doc, FACE, lambda m: m.update(seconds=9.0)),
                       relog=False)
    open_case(unlogged)  # the time taken is not a value: not in the logged digest
    bad = _forged(src, tmp_path, "values", lambda doc: _with(doc, FACE, nudged), relog=False)
    with pytest.raises(CaseFileError, match="the curves do not reproduce"):
        open_case(bad)
    older = forge(src, tmp_path / "older.famecase", edit_session(lambda doc: doc.pop("measurements")))
    again, _ = open_case(older)  # a format 3 file written before measurements were kept
    assert again.measurements == {} and len(again.results) == 2


# classification --------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def class_case(tmp_path_factory):
    """chelsea explained by Grad-CAM and HiResCAM, measured in chelsea.xml's box, saved; (session, path, seconds)."""
    s, seconds = measured_chelsea()
    path = save_case(s, tmp_path_factory.mktemp("class") / "chelsea.famecase").path
    return s, path, seconds


def test_class_metrics_and_their_box_survive_a_case_file(class_case):
    s, path, seconds = class_case
    m = s.current_measurement(CLASS, "class_285")
    assert m.box.source == IMAGENET_BOX and m.box.photo_sha256 == s.photos["image"].sha256
    assert all(0 < v["iou"]["0.3"] <= 1 and v["pointing"] is True for v in m.values.values())  # a cat-sized box
    t0 = time.perf_counter()
    again, _ = open_case(path)
    opening = time.perf_counter() - t0
    print(f"opening {opening:.2f} s; measuring took {seconds:.2f} s")
    back = again.current_measurement(CLASS, "class_285")
    assert back is not None and back.describe() == m.describe()
    (checked,) = again.audit.entries[-1].details["checks"]["measurements"]
    assert checked["check"].startswith("IoU and pointing game recomputed; ROAD")


def test_forged_class_metrics_are_refused(class_case, tmp_path):
    _s, src, _seconds = class_case

    def outside(m):
        m["box"]["boxes"][0][3] = 5000.0  # xmax beyond the 451-pixel-wide photograph

    def other_photo(m):
        m["box"]["photo_sha256"] = "0" * 64

    def iou(m):
        m["values"]["gradcam"]["iou"]["0.5"] = 0.99

    def road(m):
        m["values"]["hirescam"]["road"]["30"] = 1.5

    def auc(m):
        m["values"]["gradcam"]["deletion_auc"] += 0.1

    def curve(m):
        m["values"]["gradcam"]["insertion"] = m["values"]["gradcam"]["insertion"][:5]

    def no_result(m):
        m["sources"][0]["method"] = "scorecam"
        m["values"]["scorecam"] = m["values"].pop("gradcam")

    cases = {"outside": (outside, "lies outside its 451 × 300 photograph"),
             "photo": (other_photo, "was placed on another photograph"),
             "iou": (iou, "from the map and the box"),
             "road": (road, r"ROAD values must be 3 numbers in \[0, 1\]"),
             "auc": (auc, "deletion AUC .* is not the area"),
             "curve": (curve, "insertion curve must be 11 numbers"),
             "no result": (no_result, "refers to scorecam, which has no result in the case")}
    for name, (change, reason) in cases.items():
        bad = _forged(src, tmp_path, name, lambda doc, c=change: _with(doc, CLASS, c))
        with pytest.raises(CaseFileError, match=reason):
            open_case(bad)
    doc = json.loads(zipfile.ZipFile(src).read("session.json"))
    assert doc["measurements"][0]["box"]["boxes"][0][0] == "n02124075"  # the VOC file's label, as read
