"""Cold-start costs outside the GUI, each measured in a fresh Python process.

    import_core      import the Qt-free core modules the app needs before its window
                     (images, faces, session, attribution, overlay) — torch must not be among them
    import_torch     import torch (what a lazily importing window defers)
    model_native     load the embedded model, our MobileFaceNet (import + ONNX weights)
    model_onnx2torch the same model through onnx2torch (the former way)
    detector_first   MTCNN creation + first detection on a photograph (the app's first face)
    detector_warm    a second detection in the same process

The window itself (the GUI branch) is measured by the GUI's own benchmark.

    python benchmarks/bench_startup.py --repeats 5 [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys

from _common import DATA, ROOT, emit, machine, median, progress, table

SNIPPETS = {
    "import_core": """
import sys, time
t = time.perf_counter()
import fame_desktop.core.images, fame_desktop.core.faces, fame_desktop.session.model
import fame_desktop.core.attribution, fame_desktop.core.overlay
out = {"s": time.perf_counter() - t, "torch_imported": "torch" in sys.modules}
""",
    "import_torch": """
import time
t = time.perf_counter()
import torch
out = {"s": time.perf_counter() - t}
""",
    "model_native": """
import time
t = time.perf_counter()
from fame_desktop.core.models import load_face_model
m = load_face_model(device="cpu")
out = {"s": time.perf_counter() - t}
""",
    "model_onnx2torch": """
import time
t = time.perf_counter()
from fame_desktop.core.models import load_face_model
m = load_face_model(device="cpu", implementation="onnx2torch")
out = {"s": time.perf_counter() - t}
""",
    "detector_first": f"""
import time
from fame_desktop.core.images import load_image
from fame_desktop.core.faces import FaceDetector
img = load_image({str(DATA / 'obama2.jpg')!r})
t = time.perf_counter()
d = FaceDetector()
d.detect(img.rgb)
first = time.perf_counter() - t
t = time.perf_counter()
d.detect(img.rgb)
out = {{"s": first, "warm_s": time.perf_counter() - t}}
""",
}


def run_snippet(code: str) -> dict:
    prog = code + "\nimport json; print('RESULT' + json.dumps(out))\n"
    env = {**os.environ, "PYTHONWARNINGS": "ignore", "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, "-c", prog], capture_output=True, text=True, env=env, timeout=600)
    if proc.returncode:
        raise RuntimeError(proc.stderr.strip().splitlines()[-1])
    line = next(l for l in proc.stdout.splitlines() if l.startswith("RESULT"))
    return json.loads(line[len("RESULT"):])


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--only", help="comma-separated subset of " + ", ".join(SNIPPETS))
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--quiet", "-q", action="store_true")
    args = ap.parse_args(argv)
    names = args.only.split(",") if args.only else list(SNIPPETS)
    samples: dict[str, list[dict]] = {n: [] for n in names}
    for r in range(args.repeats):  # interleaved
        for n in names:
            progress(f"repeat {r + 1}: {n} …", args.quiet)
            samples[n].append(run_snippet(SNIPPETS[n]))
    rows, figures = [], {}
    for n in names:
        s = [x["s"] for x in samples[n]]
        figures[n] = {"median_s": median(s), "min_s": min(s), "all_s": s}
        row = {"step": n, "median s": median(s), "min s": min(s)}
        if n == "detector_first":
            warm = [x["warm_s"] for x in samples[n]]
            figures["detector_warm"] = {"median_s": median(warm), "min_s": min(warm), "all_s": warm}
        if n == "import_core":
            figures[n]["torch_imported"] = any(x["torch_imported"] for x in samples[n])
            row["note"] = "imports torch!" if figures[n]["torch_imported"] else "torch not imported"
        rows.append(row)
        if n == "detector_first":
            rows.append({"step": "detector_warm", "median s": figures["detector_warm"]["median_s"],
                         "min s": figures["detector_warm"]["min_s"], "note": "626×1200 photo"})
    import torch

    result = {"benchmark": "startup", "machine": machine(torch.device("cpu")), "repeats": args.repeats,
              "figures": figures}
    text = (f"cold start, fresh process per sample, median of {args.repeats} "
            f"(load average {result['machine'].get('load_average')})\n"
            + table(rows, ["step", "median s", "min s", "note"]))
    emit(result, args.json, text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
