"""Command-line options shared by the sub-commands (FAME parameters, case details, display, device)."""

from __future__ import annotations

import argparse
import sys
from fractions import Fraction

from ..core.attribution import NORMALISATIONS, MapSettings
from ..core.device import DEVICE_CHOICES
from ..core.fame import FameParams
from ..core.presets import PRESET_HELP, PRESETS, preset_params

_FAST, _REFERENCE = PRESETS["fast"], PRESETS["reference"]
_MAP = MapSettings()


def usage_error(message: str):
    """Bad option values: one line on stderr, exit code 2 (as argparse does)."""
    print(f"fame: error: {message}", file=sys.stderr)
    raise SystemExit(2)


def fraction(text: str) -> float:
    """'0.0039', '1/255' → float."""
    try:
        return float(Fraction(text.strip()))
    except (ValueError, ZeroDivisionError):
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None


def face_number(text: str) -> int:
    """A face as the user numbers it: 1 = the largest."""
    try:
        n = int(text)
    except ValueError:
        n = 0
    if n < 1:
        raise argparse.ArgumentTypeError(f"give a face number, 1 = the largest (got {text!r})")
    return n


# FAME options default to None so that an explicit value can be told from a preset's.
_FAME_OPTIONS = ("iterations", "step_size", "epsilon", "clamp", "detach_norms",
                 "converge_tolerance", "converge_window")


def add_fame_options(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("FAME", "without --preset the task's default preset applies, as in the window "
                                     "(faces: fast; classification: reference; feature maps: fast); options given "
                                     "explicitly override the preset's values")
    g.add_argument("--preset", choices=sorted(PRESETS),
                   help="; ".join(f"{k}: {v}" for k, v in PRESET_HELP.items()))
    g.add_argument("--iterations", "-T", type=int,
                   help=f"most iterations per map (fast: {_FAST.iterations}, reference: {_REFERENCE.iterations})")
    g.add_argument("--step-size", type=fraction, help="η in [0,1] pixel units, e.g. 1/255 (default 1/255)")
    g.add_argument("--epsilon", type=float,
                   help="stop a map when its loss is below ε (the reference verification script's 0.01); "
                        "0 = off (both presets: off)")
    g.add_argument("--clamp", action="store_true", default=None, help="keep the perturbed image inside [0,1]")
    g.add_argument("--detach-norms", action="store_true", default=None,
                   help="do not differentiate the cosine's norms (paper footnote)")
    g.add_argument("--converge-tolerance", type=float, metavar="DELTA",
                   help="adaptive stopping: stop a map once 1 − r between its maps --converge-window "
                        f"iterations apart is below DELTA; 0 = off (fast: {_FAST.converge_tolerance:g}, "
                        "reference: off)")
    g.add_argument("--converge-window", type=int, metavar="K",
                   help=f"iterations between the map comparisons (fast: {_FAST.converge_window})")


def add_map_options(p: argparse.ArgumentParser) -> None:
    m = p.add_argument_group("maps")
    m.add_argument("--blur-kernel", type=int, default=None,
                   help=f"Gaussian kernel size (default {_MAP.blur_kernel} at 112 px, scaled to the model input: "
                        "97 at 224 px)")
    m.add_argument("--blur-sigma", type=float, default=None,
                   help=f"Gaussian σ (default {_MAP.blur_sigma:g} at 112 px, scaled: 15.4 at 224 px)")
    m.add_argument("--no-blur", action="store_true", help="no Gaussian blur")
    m.add_argument("--normalisation", choices=NORMALISATIONS, default=_MAP.normalisation,
                   help="map normalisation (default %(default)s)")


def map_settings(args, task, model=None) -> MapSettings:
    """The task's default maps for this model (the paper's blur scaled to its input; 112 px without a
    model), then the options given."""
    base = task.default_map_settings(model)
    try:
        return MapSettings(blur_kernel=0 if args.no_blur else (args.blur_kernel or base.blur_kernel),
                           blur_sigma=base.blur_sigma if args.blur_sigma is None else args.blur_sigma,
                           normalisation=args.normalisation)
    except ValueError as e:
        usage_error(str(e))


def add_device_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--device", default="auto", help=f"one of {', '.join(DEVICE_CHOICES)} or cuda:N (default auto)")


def fame_params(args, default_preset: str, snapshot_every: int = 0) -> FameParams:
    """FameParams from the command line: the preset given (else the task's default preset, as in the
    window), then the options given explicitly."""
    given = {k: getattr(args, k) for k in _FAME_OPTIONS if getattr(args, k, None) is not None}
    try:
        return preset_params(getattr(args, "preset", None) or default_preset, snapshot_every=snapshot_every, **given)
    except ValueError as e:
        usage_error(str(e))


def method_params(args, method, task):
    """The parameters of `method` on `task`: FAME's from its options; another method's defaults."""
    if method.key == "fame":
        return fame_params(args, task.default_preset)
    given = [k for k in ("preset", *_FAME_OPTIONS) if getattr(args, k, None) is not None]
    if given:
        usage_error(f"--{given[0].replace('_', '-')} is a FAME option; --method {method.key} does not take it")
    return method.default_params(task)


def add_case_options(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("case details (stated in reports and case files)")
    g.add_argument("--case-id", default="", help="case identifier")
    g.add_argument("--examiner", default="", help="examiner's name")
    g.add_argument("--exhibit", action="append", default=[], metavar="ROLE=ID",
                   help="exhibit ID of an input, e.g. gallery=EXH-01 (repeat for each input)")
    g.add_argument("--notes", default="", help="examiner notes")
    g.add_argument("--threshold", type=float, help="decision threshold on the task's score (needs --threshold-source)")
    g.add_argument("--threshold-source", default="", help="where the threshold comes from (data set, procedure)")


def add_display_options(p: argparse.ArgumentParser) -> None:
    from ..core.overlay import COLOUR_MAPS, DEFAULT_COLOUR_MAP

    g = p.add_argument_group("report display")
    g.add_argument("--colour-map", choices=sorted(COLOUR_MAPS), default=None,
                   help=f"colour map of the overlays (default: the case's, else {DEFAULT_COLOUR_MAP})")
    g.add_argument("--opacity", type=float, default=None, help="overlay opacity in (0, 1] (default 0.5)")
    g.add_argument("--no-exports", action="store_true", help="write only the PDF, not the <name>-exports folder")


def case_details(args, roles: tuple[str, ...]) -> dict:
    """case_id, examiner, notes and {role: exhibit ID} as given (--exhibit ROLE=ID, or explain's aliases)."""
    exhibits = {}
    for item in args.exhibit:
        role, sep, value = item.partition("=")
        if not sep or role.strip() not in roles or not value.strip():
            usage_error(f"--exhibit {item!r}: give ROLE=ID with ROLE one of {', '.join(roles)}")
        exhibits[role.strip()] = value.strip()
    for role in roles:  # fame explain's --exhibit-gallery / --exhibit-probe
        if getattr(args, f"exhibit_{role}", ""):
            exhibits[role] = getattr(args, f"exhibit_{role}")
    details = {k: getattr(args, k) for k in ("case_id", "examiner", "notes") if getattr(args, k)}
    return details | ({"exhibits": exhibits} if exhibits else {})


def threshold(args):
    """A Threshold from --threshold/--threshold-source, or None."""
    from ..session.audit import Threshold

    if args.threshold is None:
        if args.threshold_source:
            usage_error("--threshold-source needs --threshold")
        return None
    try:
        return Threshold(args.threshold, args.threshold_source)
    except ValueError as e:
        usage_error(f"{e} (--threshold-source)" if "source" in str(e) else str(e))
