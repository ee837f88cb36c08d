"""Face detection + alignment of a 12-megapixel photograph: time and landmark precision.

The photograph is tests/data/obama2.jpg upscaled (bicubic) to about 4000×3000 pixels
(--megapixels), JPEG-encoded and decoded as the app loads a file; decoding is not timed.
Timed: FaceDetector.detect (downscale, MTCNN) + align_face, i.e. what happens between a
dropped photograph and its aligned crop. Reference landmarks: MTCNN on the original
626×1200 photograph, scaled up — a detection at a smaller size must land on them.

    python benchmarks/bench_detect.py                       # current detector settings
    python benchmarks/bench_detect.py --max-sides 1024,640 --repeats 9 --json
"""

from __future__ import annotations

import argparse
import io
import sys
import time

from _common import DATA, emit, machine, median, progress, table


def twelve_megapixel(megapixels: float):
    """(LoadedImage of the upscaled photo, scale factor, LoadedImage of the original)."""
    from PIL import Image

    from fame_desktop.core.images import load_image, load_image_bytes

    small = load_image(DATA / "obama2.jpg")
    s = (megapixels * 1e6 / (small.width * small.height)) ** 0.5
    big = Image.fromarray(small.rgb).resize((round(small.width * s), round(small.height * s)), Image.BICUBIC)
    buf = io.BytesIO()
    big.save(buf, format="JPEG", quality=92)
    return load_image_bytes(buf.getvalue(), "obama2_12mp.jpg"), s, small


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--max-sides", default="default",
                    help="comma-separated detection sizes to compare; 'default' = the app's detector")
    ap.add_argument("--megapixels", type=float, default=12.0)
    ap.add_argument("--repeats", type=int, default=7, help="timed runs after warm-up; the median is reported")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--quiet", "-q", action="store_true")
    args = ap.parse_args(argv)

    import numpy as np
    import torch

    from fame_desktop.core.faces import FaceDetector, align_face

    progress("making the 12-megapixel photograph …", args.quiet)
    big, scale, small = twelve_megapixel(args.megapixels)
    sizes = [None] if args.max_sides == "default" else [int(v) for v in args.max_sides.split(",")]

    t = time.perf_counter()
    reference_detector = FaceDetector()
    ref = reference_detector.detect(small.rgb)[0].landmarks * scale
    first_reference = time.perf_counter() - t
    eye_distance = float(np.linalg.norm(ref[1] - ref[0]))

    detectors, first_call = {}, {}
    for size in sizes:
        t = time.perf_counter()
        det = FaceDetector() if size is None else FaceDetector(max_side=size)
        det.detect(big.rgb)  # creates MTCNN and warms up
        first_call[size] = time.perf_counter() - t
        detectors[size] = det

    times = {size: [] for size in sizes}
    found = {}
    for r in range(args.repeats):  # interleaved
        for size, det in detectors.items():
            t = time.perf_counter()
            faces = det.detect(big.rgb)
            aligned = align_face(big.rgb, faces[0].landmarks)
            times[size].append(time.perf_counter() - t)
            found[size] = (faces, aligned)

    rows, result_rows = [], []
    for size, det in detectors.items():
        faces, aligned = found[size]
        err = np.linalg.norm(faces[0].landmarks - ref, axis=1)
        row = {
            "max_side": det.max_side,
            "min_face_size": det.min_face_size,
            "smallest_face_px": det.smallest_detectable(big.width, big.height),
            "median_s": median(times[size]),
            "min_s": min(times[size]),
            "first_call_s": first_call[size],
            "faces": len(faces),
            "landmark_error_px": float(err.max()),
            "landmark_error_rel_eyes": float(err.max() / eye_distance),
        }
        result_rows.append(row)
        rows.append(row)
    result = {
        "benchmark": "detect",
        "photo": {"width": big.width, "height": big.height, "megapixels": big.width * big.height / 1e6,
                  "source": "obama2.jpg upscaled bicubic"},
        "repeats": args.repeats,
        "machine": machine(torch.device("cpu")),
        "eye_distance_px": eye_distance,
        "first_call_original_photo_s": first_reference,
        "variants": result_rows,
    }
    text = (f"detect + align, {big.width}×{big.height} ({result['photo']['megapixels']:.1f} MP), "
            f"median of {args.repeats} after warm-up, CPU {result['machine']['cpu']}, "
            f"{result['machine']['torch_threads']} threads (load average {result['machine'].get('load_average')})\n"
            + table(rows, ["max_side", "min_face_size", "smallest_face_px", "median_s", "min_s", "first_call_s",
                           "faces", "landmark_error_px", "landmark_error_rel_eyes"])
            + f"\nlandmark error: largest distance of the 5 landmarks to those found on the original photo "
              f"(scaled); eye distance {eye_distance:.0f} px")
    emit(result, args.json, text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
