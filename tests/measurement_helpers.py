"""Sessions with measurements of their maps (session/measurements.py), made as the metrics panels make them:
a face pair's deletion / insertion curves, chelsea's class metrics in the box of its VOC file."""

from __future__ import annotations

import time
from pathlib import Path

IMAGENET = Path(__file__).resolve().parent / "data" / "imagenet"


def measure_pair(session, model, target: str = "probe_similar"):
    """The curves of map `target` for every result of the pair that holds it (a Measurement, not yet kept)."""
    from fame_desktop.metrics.face_deletion import pair_faithfulness
    from fame_desktop.session.measurements import face_measurement

    results = {m: r for (m, _o), r in session.results.items() if target in r.keys}
    t0 = time.perf_counter()
    curves = {m: pair_faithfulness(session.task, model, r, session.map_settings, targets=(target,))
              for m, r in results.items()}
    return face_measurement(results, target, session.map_settings, curves, time.perf_counter() - t0)


def add_gradcam(session, model) -> None:
    """A Grad-CAM result beside the session's FAME result (the method shown stays FAME)."""
    from fame_desktop.tasks import default_registry

    method = session.method
    session.set_method("gradcam")
    session.accept_result(session.request_run(default_registry().method("gradcam"), model,
                                              session.analysis.defaults()).execute())
    session.set_method(method)


def measured_chelsea(box_file: str | None = "chelsea.xml"):
    """(Session, seconds the metrics took): chelsea explained by Grad-CAM and HiResCAM for class 285 and
    measured in the box of `box_file` (None: no box)."""
    from fame_desktop.core.images import load_image
    from fame_desktop.core.models.imagenet import load_imagenet_model
    from fame_desktop.metrics.boxes import read_voc
    from fame_desktop.metrics.classification import MetricSettings, measure
    from fame_desktop.session.measurements import ObjectBox, class_measurement
    from fame_desktop.session.model import Session
    from fame_desktop.tasks import default_registry

    registry = default_registry()
    task = registry.get("imagenet-classification")
    model = load_imagenet_model("efficientnet-lite0", device="cpu")
    s = Session(task, model_key="efficientnet-lite0", device="cpu")
    s.set_case(case_id="C-16", examiner="A. Examiner")
    s.set_input(task.prepare(model, "image", load_image(IMAGENET / "chelsea.jpg"), s.options))
    s.set_analysis(task.analyse(model, s.inputs, s.options), s.input_records())
    target = s.analysis.target("class_285")
    for key in ("gradcam", "hirescam"):
        s.set_method(key)
        s.accept_result(s.request_run(registry.method(key), model, [target]).execute())
    results = {k: s.result(k) for k in ("gradcam", "hirescam")}
    maps = {k: r.maps(s.map_settings)["class_285"] for k, r in results.items()}
    box = None
    if box_file is not None:
        box = ObjectBox(box_file, s.photos["image"].sha256, read_voc(IMAGENET / box_file).boxes_of(285))
    t0 = time.perf_counter()
    values = measure(model, s.inputs["image"], 285, maps, box.boxes if box else (), MetricSettings())
    seconds = time.perf_counter() - t0
    assert s.set_measurement(class_measurement(results, "class_285", s.map_settings, MetricSettings(), values, box,
                                               seconds))
    return s, seconds
