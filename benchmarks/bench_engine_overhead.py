"""The engine's own cost: sustained FAME iterations against bare forward + input-gradient steps.

bench_fame.py's floor is a median of single steps; this times whole loops of N iterations,
interleaved in one process, so that what the engine adds (objective, normalised step, masks,
batch bookkeeping) shows against the same amount of model work:

    engine      explain_pair(obama, obama2), N iterations, ε off
    floor       N × (forward + input-gradient backward of model(x).sum()), batch of 4
    objective   N × the same with the verification loss (cosine to the reference embeddings)

    python benchmarks/bench_engine_overhead.py [-N 40] [--repeats 3] [--json]
"""

from __future__ import annotations

import argparse
import time

from _common import emit, load_crops, machine, median, table


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-N", type=int, default=40, help="iterations per loop")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)

    import numpy as np
    import torch

    from fame_desktop.core.fame import FameParams
    from fame_desktop.core.models import load_face_model
    from fame_desktop.core.verification import VerificationObjective, explain_pair

    model = load_face_model("arcface-mbf", device="cpu")
    crops = load_crops()
    g, p = crops["obama"], crops["obama2"]
    x = model.to_input(np.stack([g, p]))
    x4 = x[[0, 0, 1, 1]].contiguous()
    with torch.no_grad():
        e = model(x)
    objective = VerificationObjective(model, e[[1, 1, 0, 0]], torch.tensor([True, False, True, False]))

    def floor(loss_of):
        for _ in range(args.N):
            xx = x4.clone().requires_grad_(True)
            torch.autograd.grad(loss_of(xx).sum(), xx)

    variants = {
        "engine": lambda: explain_pair(model, g, p, FameParams(iterations=args.N, epsilon=0)),
        "floor": lambda: floor(model),
        "objective": lambda: floor(lambda xx: objective(xx)[0]),
    }
    times = {k: [] for k in variants}
    for _ in range(args.repeats):
        for name, fn in variants.items():
            t = time.perf_counter()
            fn()
            times[name].append((time.perf_counter() - t) / args.N * 1000)
    rows = [{"variant": k, "ms/iteration": median(v), "all": ", ".join(f"{t:.1f}" for t in v),
             "vs floor": median(v) / median(times["floor"])} for k, v in times.items()]
    emit({"benchmark": "engine_overhead", "machine": machine(torch.device("cpu")), "N": args.N, "rows": rows},
         args.json, table(rows, ["variant", "ms/iteration", "vs floor", "all"]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
