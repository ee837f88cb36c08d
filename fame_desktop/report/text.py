"""Wording and number formats shared by the report's sections (plain strings, no layout)."""

from __future__ import annotations

from datetime import datetime

from ..core.fame import STOP_TEXT

SIDE_NAMES = {"gallery": "Gallery", "probe": "Probe"}
KIND_NAMES = {"similar": "e+ (similar)", "dissimilar": "e− (dissimilar)"}
LANDMARKS = {"left_eye": "left eye", "right_eye": "right eye", "nose": "nose",
             "mouth_left": "mouth left", "mouth_right": "mouth right"}
STOP_REASONS = STOP_TEXT


def map_name(key: str) -> str:
    side, kind = key.split("_", 1)
    return f"{SIDE_NAMES[side]} {KIND_NAMES[kind]}"


def when(iso: str | None) -> str:
    """'2026-11-22T03:57:34+01:00' → '2026-11-22 03:57:34 (UTC+01:00)'."""
    if not iso:
        return "–"
    try:
        t = datetime.fromisoformat(iso)
    except ValueError:
        return iso
    if t.tzinfo is None:
        return t.strftime("%Y-%m-%d %H:%M:%S") + " (time zone not recorded)"
    off = t.strftime("%z")
    return t.strftime("%Y-%m-%d %H:%M:%S") + f" (UTC{off[:3]}:{off[3:]})"


def size(n: int) -> str:
    if n < 1024:
        return f"{n:,} bytes"
    for unit, div in (("MiB", 2**20), ("KiB", 2**10)):
        if n >= div:
            return f"{n:,} bytes ({n / div:.1f} {unit})"
    return f"{n:,} bytes"


def step_size(params: dict) -> str:
    s255 = params["step_size_255"]
    if abs(s255 - round(s255)) < 1e-6:
        return f"{round(s255)}/255 = {params['step_size']:.7f}"
    return f"{params['step_size']:.7g} ({s255:g}/255)"


def preset(params: dict) -> str:
    """'fast', 'reference (changed: iterations)' or 'none (values set one by one)'."""
    return params.get("preset") or "none (values set one by one)"


def adaptive_stopping(params: dict) -> str:
    """'δ 0.003, maps compared every 10 iterations' or 'off'."""
    tol = params.get("converge_tolerance", 0.0)
    if not tol:
        return "off"
    return f"δ {tol:g}, maps compared every {params.get('converge_window', 10)} iterations"


ADAPTIVE_MEANING = ("a map stops once 1 − r between its map (blurred, normalised) and the map one window "
                    "earlier is below δ")


def agreement(a: dict | None) -> str:
    """A Fast map's estimated agreement with its Reference map: 'r ≈ 0.97 (≥ 0.95)', or '–' without one."""
    if not a:
        return "–"
    return f"r ≈ {a['expected_r']:.2f} (≥ {a['lower_r']:.2f})"


def agreement_note(maps: dict) -> str | None:
    """The sentence that says what the agreement figures are and where they come from; None without any."""
    calibrations = sorted({m["agreement"]["calibration"] for m in maps.values() if m.get("agreement")})
    if not calibrations:
        return None
    return ("Agreement with the Reference: these maps come from adaptive stopping (the Fast preset), which stops "
            "each map once it has settled, before the Reference preset's 500 iterations. r ≈ is the estimated "
            "Pearson correlation between the map shown and the map the Reference preset would give; the figure "
            "after ≥ is a conservative lower estimate. Both are computed from the stopping statistic with a "
            "calibration measured on a benchmark set, not on these images: " + "; ".join(calibrations) + ".")


def num(v, digits: int = 4) -> str:
    """A number to `digits` decimals; '–' for a missing one (e.g. NaN, stored as null)."""
    return "–" if v is None else f"{v:.{digits}f}"


def yes_no(v: bool) -> str:
    return "yes" if v else "no"


def point(xy) -> str:
    return f"({xy[0]:.1f}, {xy[1]:.1f})"


def matrix_rows(m) -> str:
    return "\n".join("[" + "  ".join(f"{v:+10.5f}" for v in row) + " ]" for row in m)


def flat_details(d: dict, limit: int = 600) -> str:
    """An audit entry's details as 'key: value; …' (nested dicts as k=v), shortened past `limit`."""
    parts = []
    for k, v in d.items():
        if isinstance(v, dict):
            v = ", ".join(f"{a}={b}" for a, b in v.items())
        elif isinstance(v, (list, tuple)):
            v = ", ".join(str(x) for x in v)
        elif isinstance(v, float):
            v = f"{v:.6g}"
        parts.append(f"{k}: {v}")
    text = "; ".join(parts)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def command_line(facts: dict) -> str:
    """The `fame explain` call that repeats this analysis from the original files."""
    f, m = facts["parameters"].get("fame"), facts["parameters"]["maps"]
    ins = facts["inputs"]
    args = ["fame explain", _q(ins["gallery"]["path"]), _q(ins["probe"]["path"]), "--out DIR",
            f"--model {facts['model'].get('key', '?')}"]
    ckpt = (facts["model"].get("provenance") or {}).get("checkpoint")
    if ckpt:
        args.append(f"--checkpoint {_q(ckpt)}")
    if f is None:  # another method: its default parameters (only FAME's are options)
        args.append(f"--method {facts['method']['key']}")
    else:
        args += [f"-T {f['iterations']}", f"--step-size {_step_arg(f)}", f"--epsilon {f['epsilon']:g}"]
        if f.get("converge_tolerance"):
            args += [f"--converge-tolerance {f['converge_tolerance']:g}",
                     f"--converge-window {f['converge_window']}"]
        args += [a for a, on in (("--clamp", f["clamp"]), ("--detach-norms", f["detach_norms"])) if on]
    args += ["--no-blur"] if m["blur"] == "none" else [f"--blur-kernel {m['blur_kernel']}", f"--blur-sigma {m['blur_sigma']:g}"]
    args.append(f"--normalisation {m['normalisation']}")
    for side in ("gallery", "probe"):
        face = ins[side]["face"]
        if face["manual"]:  # the same hand-placed points, not a detection
            points = ",".join(f"{v:g}" for xy in face["landmarks"].values() for v in xy)
            args.append(f"--{side}-landmarks {points}")
        elif ins[side]["face_index"] > 0:
            args.append(f"--{side}-face {ins[side]['face_index'] + 1}")
    return " ".join(args)


def detector(d: dict) -> str:
    """The face detector and its settings, as a sentence (`FaceDetector.describe()`)."""
    t = " / ".join(f"{v:g}" for v in d["thresholds"])
    return (f"{d['name']}, vendored from {d['vendored_from']}: stage thresholds {t} (P-Net / R-Net / O-Net), "
            f"smallest face {d['min_face_size']} px, image pyramid factor {d['pyramid_factor']:g}; photographs "
            f"longer than {d['max_side']} px are searched downscaled to {d['max_side']} px (a short side keeps at "
            f"least {d['min_short_side']} px) and the boxes and landmarks scaled back. The command that repeats "
            "this analysis detects the faces again with it.")


def _step_arg(f: dict) -> str:
    s255 = f["step_size_255"]
    return f"{round(s255)}/255" if abs(s255 - round(s255)) < 1e-6 else f"{f['step_size']:.10g}"


def _q(path: str) -> str:
    return f"'{path}'" if any(c in path for c in " '\"$&;()") else path
