"""FAME engine against the naive practice and the compute floor, on one real pair and model.

    naive   the four optimisations of a pair one after another, Eq. (3) as written:
            batch of 1, gradient w.r.t. the image only, default torch settings, the model as
            a reference implementation has it (onnx2torch graph for the embedded model,
            parameters requiring grad, default memory layout);
    engine  fame_desktop's engine as the app calls it (explain_pair with the app's model);
    floor   one forward + input-gradient backward of a batch of 4 on the engine's model,
            times the iterations (no engine bookkeeping at all).

Agreement: Pearson r between the naive and the engine map for each of the four maps.
Variants run interleaved in every repeat; the median over repeats is reported.

    python benchmarks/bench_fame.py                      # 500 iterations, 1 repeat
    python benchmarks/bench_fame.py -T 100 --repeats 3 --json
"""

from __future__ import annotations

import argparse
import sys
import time

from _common import PAIRS, emit, load_crops, machine, median, pearson, progress, table


def naive_pair(model, crops, keys, T, eta):
    """{key: (3, H, W) Δx} — one map at a time, exactly Eq. (3)."""
    import torch
    import torch.nn.functional as F

    from fame_desktop.core.verification import split_key

    out = {}
    g, p = model.to_input(crops[0]), model.to_input(crops[1])
    for key in keys:
        side, kind = split_key(key)
        img, other = (g, p) if side == "gallery" else (p, g)
        with torch.no_grad():
            ref = model(other)
        x = img.clone()
        for _ in range(T):
            x.requires_grad_(True)
            s = F.cosine_similarity(model(x), ref)
            loss = s if kind == "similar" else 1 - s
            (grad,) = torch.autograd.grad(loss.sum(), x)
            x = (x - eta * grad / grad.abs().max()).detach()
        out[key] = (x - img)[0].cpu().numpy()
    return out


def floor_per_iteration(model, x4, n):
    """Median seconds of one forward + input-gradient backward of the batch x4 (4, 3, H, W)."""
    import torch

    times = []
    for _ in range(n + 1):
        t = time.perf_counter()
        x = x4.clone().requires_grad_(True)
        (grad,) = torch.autograd.grad(model(x).sum(), x)
        if x4.device.type == "cuda":
            torch.cuda.synchronize()
        times.append(time.perf_counter() - t)
    return median(times[1:])  # the first call warms up


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--iterations", "-T", type=int, default=500)
    ap.add_argument("--model", default="arcface-mbf")
    ap.add_argument("--checkpoint", help="AdaFace checkpoint for --model adaface*")
    ap.add_argument("--device", default="auto")
    ap.add_argument("--repeats", type=int, default=1, help="repeats; the median is reported")
    ap.add_argument("--pair", default="genuine", choices=sorted(PAIRS))
    ap.add_argument("--floor-samples", type=int, default=20, help="timed fwd+bwd calls for the floor")
    ap.add_argument("--skip-naive", action="store_true", help="engine and floor only (no agreement)")
    ap.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    ap.add_argument("--quiet", "-q", action="store_true")
    args = ap.parse_args(argv)

    import numpy as np
    import torch

    from fame_desktop.core.attribution import delta_to_maps
    from fame_desktop.core.device import select_device
    from fame_desktop.core.fame import FameParams
    from fame_desktop.core.models import load_face_model
    from fame_desktop.core.verification import MAP_KEYS, explain_pair

    device = select_device(args.device)
    T, eta = args.iterations, 1 / 255
    gname, pname = PAIRS[args.pair]
    names = (gname.removesuffix(".jpg"), pname.removesuffix(".jpg"))
    progress(f"detecting and aligning {gname}, {pname} …", args.quiet)
    crops_by_name = load_crops(names)
    crops = [crops_by_name[n] for n in names]

    progress("loading models …", args.quiet)
    engine_model = load_face_model(args.model, args.checkpoint, device)
    plain = load_face_model(args.model, args.checkpoint, device, implementation="onnx2torch",
                            memory_format=torch.contiguous_format)
    for prm in plain.parameters():  # as the reference code leaves them
        prm.requires_grad_(True)
    params = FameParams(iterations=T, epsilon=0.0, snapshot_every=0)
    x4 = engine_model.to_input(np.stack([crops[0], crops[0], crops[1], crops[1]]))
    x1 = x4[:1]

    t_naive, t_engine, t_floor, t_floor1 = [], [], [], []
    naive_maps = engine_maps = None
    for r in range(args.repeats):
        progress(f"repeat {r + 1}/{args.repeats}: engine …", args.quiet)
        t = time.perf_counter()
        expl = explain_pair(engine_model, crops[0], crops[1], params)
        t_engine.append(time.perf_counter() - t)
        engine_maps = expl.maps()
        progress(f"  engine {t_engine[-1]:.1f} s; floor …", args.quiet)
        t_floor.append(floor_per_iteration(engine_model, x4, args.floor_samples) * T)
        t_floor1.append(floor_per_iteration(plain, x1, args.floor_samples))
        if not args.skip_naive:
            progress(f"  floor {t_floor[-1]:.1f} s; naive (4 × {T} iterations one by one) …", args.quiet)
            t = time.perf_counter()
            deltas = naive_pair(plain, crops, MAP_KEYS, T, eta)
            t_naive.append(time.perf_counter() - t)
            naive_maps = {k: delta_to_maps(d) for k, d in deltas.items()}
            progress(f"  naive {t_naive[-1]:.1f} s", args.quiet)

    engine_s, floor_s = median(t_engine), median(t_floor)
    result = {
        "benchmark": "fame",
        "pair": {"name": args.pair, "gallery": gname, "probe": pname, "similarity": expl.similarity},
        "model": engine_model.spec.key,
        "iterations": T,
        "repeats": args.repeats,
        "machine": machine(device),
        "engine_model": {"provenance": engine_model.provenance.get("converter", engine_model.provenance),
                         "memory_format": str(engine_model.memory_format)},
        "seconds": {"engine": engine_s, "floor": floor_s,
                    "naive": median(t_naive) if t_naive else None,
                    "plain_fwd_bwd_batch1": median(t_floor1)},
        "all_seconds": {"engine": t_engine, "floor": t_floor, "naive": t_naive},
        "ratios": {"engine/floor": engine_s / floor_s},
        "agreement_r": {},
    }
    if t_naive:
        result["ratios"]["engine/naive"] = engine_s / median(t_naive)
        result["agreement_r"] = {k: pearson(naive_maps[k], engine_maps[k]) for k in MAP_KEYS}

    s = result["seconds"]
    rows = [
        {"variant": "naive", "seconds": s["naive"], "s/iteration": s["naive"] / T if s["naive"] else None,
         "vs naive": 1.0 if s["naive"] else None},
        {"variant": "engine", "seconds": engine_s, "s/iteration": engine_s / T,
         "vs naive": result["ratios"].get("engine/naive"), "vs floor": result["ratios"]["engine/floor"]},
        {"variant": "floor", "seconds": floor_s, "s/iteration": floor_s / T,
         "vs naive": floor_s / s["naive"] if s["naive"] else None, "vs floor": 1.0},
    ]
    text = [f"FAME {T} iterations, pair {gname} / {pname}, model {result['model']}, "
            f"{result['machine']['device']}, torch {result['machine']['torch']}, "
            f"{result['machine']['torch_threads']} threads, CPU {result['machine']['cpu']}, "
            f"median of {args.repeats} (load average {result['machine'].get('load_average')})",
            table(rows, ["variant", "seconds", "s/iteration", "vs naive", "vs floor"])]
    if result["agreement_r"]:
        text.append("agreement naive vs engine (Pearson r): " +
                    ", ".join(f"{k} {v:.5f}" for k, v in result["agreement_r"].items()))
    emit(result, args.json, "\n".join(text))
    return 0


if __name__ == "__main__":
    sys.exit(main())
