"""Time per image of every CAM method and of ROAD-Delete; the face CAMs per pair.

ImageNet: EfficientNet-Lite0 on chelsea and coffee (tests/data/imagenet), one target (the top-1
class), each method `--repeats` times (methods interleaved within a repeat; medians reported),
then ROAD-Delete at P = 10 / 30 / 50 % of one map. Faces: obama / obama2 with the embedded model,
both e+ maps of the pair. grad-cam's import (seconds) happens before the timing.

Targets (issue 16 / 15): gradient CAMs ≤ 0.5 s, Score-CAM and Ablation-CAM ≤ 30 s, FD-CAM ≤ 30 s,
ROAD at 3 P's ≤ 5 s per method; face CAMs ≤ 1 s per pair.

    nice -n 10 python benchmarks/bench_cams.py                 # everything, 3 repeats
    OMP_NUM_THREADS=1 python benchmarks/bench_cams.py --skip-slow --json
"""

from __future__ import annotations

import argparse
import time

from _common import DATA, emit, machine, median, progress, table

IMAGES = ("chelsea", "coffee")
SLOW = ("scorecam", "ablationcam")


def prepared_imagenet(model, name):
    from fame_desktop.core.images import load_image
    from fame_desktop.tasks.imagenet import ImageNetClassificationTask

    task = ImageNetClassificationTask()
    options = task.resolve_options({}, model)
    inputs = {"image": task.prepare(model, "image", load_image(DATA / "imagenet" / f"{name}.jpg"), options)}
    return task, inputs, task.analyse(model, inputs, options), options


def prepared_faces(model):
    from fame_desktop.core.images import load_image
    from fame_desktop.tasks.face_verification import FaceVerificationTask

    task = FaceVerificationTask()
    options = task.resolve_options({}, model)
    inputs = {role: task.prepare(model, role, load_image(DATA / name), options)
              for role, name in (("gallery", "obama.jpg"), ("probe", "obama2.jpg"))}
    return task, inputs, task.analyse(model, inputs, options), options


def timed_run(task, method, model, inputs, analysis, options):
    from fame_desktop.tasks.runner import request_run

    req = request_run(task, method, model, inputs, analysis, analysis.defaults(), method.default_params(task), options)
    t = time.perf_counter()
    result = req.execute()
    return time.perf_counter() - t, result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--skip-slow", action="store_true", help="leave out Score-CAM and Ablation-CAM")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--quiet", action="store_true")
    args = ap.parse_args()

    import pytorch_grad_cam  # noqa: F401  (imported once, outside the timings)

    from fame_desktop.core.models import load_face_model
    from fame_desktop.core.models.imagenet import load_imagenet_model
    from fame_desktop.methods.cam import cam_methods
    from fame_desktop.methods.fdcam import FdCamMethod
    from fame_desktop.metrics.road import road_delete
    from fame_desktop.tasks.result import input_tensor

    lite0 = load_imagenet_model("efficientnet-lite0", device="cpu")
    methods = [m for m in [*cam_methods(), FdCamMethod()] if not (args.skip_slow and m.key in SLOW)]
    rows = []
    for name in IMAGES:
        task, inputs, analysis, options = prepared_imagenet(lite0, name)
        times: dict[str, list[float]] = {m.key: [] for m in methods}
        road_times: dict[str, list[float]] = {m.key: [] for m in methods}
        for r in range(args.repeats):
            for m in methods:
                progress(f"{name} {m.key} repeat {r + 1}", args.quiet)
                seconds, result = timed_run(task, m, lite0, inputs, analysis, options)
                times[m.key].append(seconds)
                mp = next(iter(result.maps(task.default_map_settings(lite0)).values()))
                t = time.perf_counter()
                road_delete(lite0, input_tensor(lite0, inputs["image"]), mp[None], result.targets[0].data["class_index"])
                road_times[m.key].append(time.perf_counter() - t)
        for m in methods:
            rows.append({"task": f"imagenet {name}", "method": m.key, "kind": m.kind,
                         "seconds": median(times[m.key]), "road_3p_seconds": median(road_times[m.key])})

    face_model = load_face_model(device="cpu")
    task, inputs, analysis, options = prepared_faces(face_model)
    face_methods = [m for m in [*cam_methods(), FdCamMethod()] if not m.applies_to(task)]
    times = {m.key: [] for m in face_methods}
    for r in range(args.repeats):
        for m in face_methods:
            progress(f"face pair {m.key} repeat {r + 1}", args.quiet)
            times[m.key].append(timed_run(task, m, face_model, inputs, analysis, options)[0])
    rows += [{"task": "face pair (2 maps)", "method": m.key, "kind": m.kind, "seconds": median(times[m.key])}
             for m in face_methods]

    info = machine("cpu")
    text = (f"{info['cpu']}, {info['cpu_count']} CPUs, torch {info['torch']} with {info['torch_threads']} "
            f"thread(s), load average {info.get('load_average')}\n"
            + table(rows, ["task", "method", "kind", "seconds", "road_3p_seconds"]))
    emit({"machine": info, "rows": rows}, args.json, text)


if __name__ == "__main__":
    main()
