"""Named FAME parameter sets a user picks from instead of setting each value.

    reference   the method as published: 500 iterations for every map, ε off.
    fast        the same steps, each map stopping once its map has converged
                (adaptive stopping, `convergence.py`); ε off so that no map stops empty.

Figures behind the "fast" tolerance (iterations used, time, agreement with the reference
maps on the test pairs) are in docs/performance.md. Without a preset named, the window and
the command line both use the task's `default_preset`; the bare defaults of `FameParams`
(ε = 0.01, the reference verification script's value) serve code that builds parameters itself.
"""

from __future__ import annotations

from dataclasses import replace

from .fame import FameParams

PRESETS: dict[str, FameParams] = {
    "reference": FameParams(iterations=500, epsilon=0.0, preset="reference"),
    # δ and window chosen on the hard-pair benchmark set (docs/performance.md §2): the
    # quickest window rule whose every map keeps r ≥ 0.95 against the Reference map; at most the
    # Reference's 500 iterations, so a map that never settles ends as the Reference map
    "fast": FameParams(iterations=500, epsilon=0.0, converge_tolerance=0.0005, converge_window=30,
                       preset="fast"),
}
_NOT_RESULT = {"snapshot_every"}  # progress reporting only; does not change the maps
PRESET_HELP = {
    "reference": "500 iterations for every map, ε off (the published method)",
    "fast": "each map stops once it no longer changes (adaptive stopping), at most 500 iterations",
}


REFINED = "reference (continued from fast)"


def refine_params(params: FameParams, iterations) -> FameParams | None:
    """The parameters that take a Fast result on to the Reference's iterations ("Refine"), or None when
    there is nothing to refine: the result was not made with the Fast preset, or every map ran them.

    iterations: (B,) the updates each map of the result received. The continued maps equal those of
    a Reference run up to float rounding (x̄ is rebuilt from the stored float32 Δx), so the preset is
    named for what happened, not as "reference"."""
    ref = PRESETS["reference"]
    if params.preset != "fast" or min(iterations, default=ref.iterations) >= ref.iterations:
        return None
    return replace(ref, snapshot_every=params.snapshot_every, preset=REFINED)


def preset_params(name: str, **overrides) -> FameParams:
    """The preset's parameters with some values replaced; the preset name then notes it."""
    if name not in PRESETS:
        raise ValueError(f"unknown preset {name!r}; choose one of {', '.join(PRESETS)}")
    base = PRESETS[name]
    changed = {k: v for k, v in overrides.items() if getattr(base, k) != v}
    noted = sorted(k for k in changed if k not in _NOT_RESULT)
    label = f"{name} (changed: {', '.join(noted)})" if noted else name
    return replace(base, **changed, preset=label)
