"""Command-line options shared by the sub-commands (FAME parameters, map settings, model)."""

from __future__ import annotations

import argparse
import sys
from fractions import Fraction

from ..core.attribution import NORMALISATIONS, MapSettings
from ..core.device import DEVICE_CHOICES
from ..core.fame import FameParams
from ..core.presets import PRESET_HELP, PRESETS, preset_params

_DEFAULT_PARAMS = FameParams()


def usage_error(message: str):
    """Bad option values: one line on stderr, exit code 2 (as argparse does)."""
    print(f"fame: error: {message}", file=sys.stderr)
    raise SystemExit(2)

_DEFAULT_MAPS = MapSettings()


def fraction(text: str) -> float:
    """'0.0039', '1/255' → float."""
    try:
        return float(Fraction(text.strip()))
    except (ValueError, ZeroDivisionError):
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None


# FAME options default to None so that an explicit value can be told from a preset's.
_FAME_OPTIONS = ("iterations", "step_size", "epsilon", "clamp", "detach_norms",
                 "converge_tolerance", "converge_window")


def add_fame_options(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("FAME", "without --preset the defaults are the reference implementation's; "
                                     "options given explicitly override the preset's values")
    g.add_argument("--preset", choices=sorted(PRESETS),
                   help="; ".join(f"{k}: {v}" for k, v in PRESET_HELP.items()))
    g.add_argument("--iterations", "-T", type=int,
                   help=f"most iterations per map (default {_DEFAULT_PARAMS.iterations})")
    g.add_argument("--step-size", type=fraction, help="η in [0,1] pixel units, e.g. 1/255 (default 1/255)")
    g.add_argument("--epsilon", type=float,
                   help=f"stop a map when its loss is below ε; 0 = off (default {_DEFAULT_PARAMS.epsilon:g})")
    g.add_argument("--clamp", action="store_true", default=None, help="keep the perturbed image inside [0,1]")
    g.add_argument("--detach-norms", action="store_true", default=None,
                   help="do not differentiate the cosine's norms (paper footnote)")
    g.add_argument("--converge-tolerance", type=float, metavar="DELTA",
                   help="adaptive stopping: stop a map once 1 − r between its maps --converge-window "
                        "iterations apart is below DELTA; 0 = off (default 0; preset fast: "
                        f"{PRESETS['fast'].converge_tolerance:g})")
    g.add_argument("--converge-window", type=int, metavar="K",
                   help=f"iterations between the map comparisons (default {_DEFAULT_PARAMS.converge_window})")


def add_map_options(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("maps")
    g.add_argument("--blur-kernel", type=int, default=_DEFAULT_MAPS.blur_kernel,
                   help="Gaussian kernel size (default %(default)s)")
    g.add_argument("--blur-sigma", type=float, default=_DEFAULT_MAPS.blur_sigma,
                   help="Gaussian σ (default %(default)s)")
    g.add_argument("--no-blur", action="store_true", help="no Gaussian blur")
    g.add_argument("--normalisation", choices=NORMALISATIONS, default=_DEFAULT_MAPS.normalisation,
                   help="map normalisation (default %(default)s)")


def add_device_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--device", default="auto", help=f"one of {', '.join(DEVICE_CHOICES)} or cuda:N (default auto)")


def fame_params(args, snapshot_every: int = 0) -> FameParams:
    """FameParams from the command line: the preset (or the defaults), then explicit options."""
    given = {k: getattr(args, k) for k in _FAME_OPTIONS if getattr(args, k, None) is not None}
    try:
        if getattr(args, "preset", None):
            return preset_params(args.preset, snapshot_every=snapshot_every, **given)
        return FameParams(snapshot_every=snapshot_every, **given)
    except ValueError as e:
        usage_error(str(e))


def map_settings(args) -> MapSettings:
    try:
        return MapSettings(blur_kernel=0 if args.no_blur else args.blur_kernel,
                           blur_sigma=args.blur_sigma, normalisation=args.normalisation)
    except ValueError as e:
        usage_error(str(e))


def add_case_options(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("case details (stated in reports and case files)")
    g.add_argument("--case-id", default="", help="case identifier")
    g.add_argument("--examiner", default="", help="examiner's name")
    g.add_argument("--exhibit-gallery", default="", help="exhibit ID of the gallery photograph")
    g.add_argument("--exhibit-probe", default="", help="exhibit ID of the probe photograph")
    g.add_argument("--notes", default="", help="examiner notes")
    g.add_argument("--threshold", type=float, help="decision threshold on the cosine score (needs --threshold-source)")
    g.add_argument("--threshold-source", default="", help="where the threshold comes from (data set, procedure)")


def add_display_options(p: argparse.ArgumentParser) -> None:
    from ..core.overlay import COLOUR_MAPS, DEFAULT_COLOUR_MAP

    g = p.add_argument_group("report display")
    g.add_argument("--colour-map", choices=sorted(COLOUR_MAPS), default=None,
                   help=f"colour map of the overlays (default: the case's, else {DEFAULT_COLOUR_MAP})")
    g.add_argument("--opacity", type=float, default=None, help="overlay opacity in (0, 1] (default 0.5)")
    g.add_argument("--no-exports", action="store_true", help="write only the PDF, not the <name>-exports folder")


def case_details(args) -> dict:
    return {k: getattr(args, k) for k in ("case_id", "examiner", "exhibit_gallery", "exhibit_probe", "notes")
            if getattr(args, k)}


def threshold(args):
    """A Threshold from --threshold/--threshold-source, or None."""
    from ..core.session import Threshold

    if args.threshold is None:
        if args.threshold_source:
            usage_error("--threshold-source needs --threshold")
        return None
    try:
        return Threshold(args.threshold, args.threshold_source)
    except ValueError as e:
        usage_error(f"{e} (--threshold-source)" if "source" in str(e) else str(e))
