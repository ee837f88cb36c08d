"""What each engine optimisation buys: one FAME step (forward + input-gradient backward).

Variants, run interleaved (median of --repeats, each the mean of 2 calls):

    naive 4 × b1        the plain model (onnx2torch graph, default layout, parameters
                        requiring grad) on the four crops one at a time
    plain b4            the same model frozen, the four crops as one batch
    native b4           our MobileFaceNet, default layout (input-only PReLU backward)
    native cl b4        … channels-last, 1×1 convolutions through oneDNN
    native cl+mm b4     … channels-last, 1×1 convolutions as matrix products (the app's model)
    native cl+mm b1..3  the app's model with fewer maps left in the batch (what a stopped
                        map saves once it leaves the batch)

    python benchmarks/bench_steps.py --repeats 15 [--json]
"""

from __future__ import annotations

import argparse
import sys
import time

from _common import emit, machine, median, progress, table


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeats", type=int, default=10)
    ap.add_argument("--threads", type=int, help="torch threads (default: torch's)")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--quiet", "-q", action="store_true")
    args = ap.parse_args(argv)

    import torch

    import fame_desktop.core.models.mobilefacenet as mfn
    from fame_desktop.core.models import load_face_model

    if args.threads:
        torch.set_num_threads(args.threads)
    progress("loading models …", args.quiet)
    cpu = torch.device("cpu")
    plain = load_face_model(device=cpu, implementation="onnx2torch", memory_format=torch.contiguous_format)
    unfrozen = load_face_model(device=cpu, implementation="onnx2torch", memory_format=torch.contiguous_format)
    for p in unfrozen.parameters():
        p.requires_grad_(True)
    native = load_face_model(device=cpu, memory_format=torch.contiguous_format)
    app = load_face_model(device=cpu)

    def step(model, x):
        x = x.clone().requires_grad_(True)
        (g,) = torch.autograd.grad(model(x).sum(), x)
        return g

    def with_matmul(flag, model, x):
        def run():
            mfn.POINTWISE_AS_MATMUL = flag
            try:
                return step(model, x)
            finally:
                mfn.POINTWISE_AS_MATMUL = True
        return run

    torch.manual_seed(0)
    x4 = torch.rand(4, 3, 112, 112)
    variants = {
        "naive 4 × b1": lambda: [step(unfrozen, x4[i:i + 1]) for i in range(4)],
        "plain b4": lambda: step(plain, x4),
        "native b4": lambda: step(native, x4),
        "native cl b4": with_matmul(False, app, x4),
        "native cl+mm b4": with_matmul(True, app, x4),
        "native cl+mm b3": with_matmul(True, app, x4[:3]),
        "native cl+mm b2": with_matmul(True, app, x4[:2]),
        "native cl+mm b1": with_matmul(True, app, x4[:1]),
    }
    ref = torch.cat(variants["naive 4 × b1"]())
    agreement = {}
    for k, f in variants.items():
        g = f()
        g = torch.cat(g) if isinstance(g, list) else g
        agreement[k] = float((g - ref[: g.shape[0]]).norm() / ref[: g.shape[0]].norm())
    times = {k: [] for k in variants}
    for r in range(args.repeats):
        progress(f"repeat {r + 1}/{args.repeats}", args.quiet)
        for k, f in variants.items():
            t = time.perf_counter()
            f()
            f()
            times[k].append((time.perf_counter() - t) / 2)
    base = median(times["naive 4 × b1"])
    rows = [{"variant": k, "ms per step": 1000 * median(v), "min ms": 1000 * min(v),
             "vs naive": median(v) / base, "grad rel. diff": agreement[k]} for k, v in times.items()]
    result = {"benchmark": "steps", "machine": machine(cpu), "repeats": args.repeats,
              "variants": {r["variant"]: r for r in rows}}
    text = (f"one FAME step (fwd + input-gradient bwd), median of {args.repeats}, "
            f"{result['machine']['torch_threads']} threads, load average {result['machine'].get('load_average')}\n"
            + table(rows, ["variant", "ms per step", "min ms", "vs naive", "grad rel. diff"])
            + "\ngrad rel. diff: ‖g − g_naive‖ / ‖g_naive‖ on the same random inputs (float rounding; "
              "a PReLU input within rounding of 0 can flip, ~1e-3)")
    emit(result, args.json, text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
