"""Command-line options shared by the sub-commands (FAME parameters, map settings, model)."""

from __future__ import annotations

import argparse
from fractions import Fraction

from ..core.attribution import NORMALISATIONS, MapSettings
from ..core.device import DEVICE_CHOICES
from ..core.fame import FameParams

_DEFAULT_PARAMS = FameParams()
_DEFAULT_MAPS = MapSettings()


def fraction(text: str) -> float:
    """'0.0039', '1/255' → float."""
    try:
        return float(Fraction(text.strip()))
    except (ValueError, ZeroDivisionError):
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None


def add_fame_options(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("FAME")
    g.add_argument("--iterations", "-T", type=int, default=_DEFAULT_PARAMS.iterations,
                   help="most iterations per map (default %(default)s)")
    g.add_argument("--step-size", type=fraction, default=_DEFAULT_PARAMS.step_size,
                   help="η in [0,1] pixel units, e.g. 1/255 (default 1/255)")
    g.add_argument("--epsilon", type=float, default=_DEFAULT_PARAMS.epsilon,
                   help="stop a map when its loss is below ε; 0 = off (default %(default)s)")
    g.add_argument("--clamp", action="store_true", help="keep the perturbed image inside [0,1]")
    g.add_argument("--detach-norms", action="store_true",
                   help="do not differentiate the cosine's norms (paper footnote)")


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
    try:
        return FameParams(step_size=args.step_size, iterations=args.iterations, epsilon=args.epsilon,
                          clamp=args.clamp, detach_norms=args.detach_norms, snapshot_every=snapshot_every)
    except ValueError as e:
        raise SystemExit(f"fame: error: {e}") from None


def map_settings(args) -> MapSettings:
    try:
        return MapSettings(blur_kernel=0 if args.no_blur else args.blur_kernel,
                           blur_sigma=args.blur_sigma, normalisation=args.normalisation)
    except ValueError as e:
        raise SystemExit(f"fame: error: {e}") from None
