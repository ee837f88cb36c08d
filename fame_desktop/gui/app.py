"""Start the desktop app: `fame-desktop [GALLERY [PROBE]] [--run]` or `fame-desktop CASE.famecase`
(also `python main.py`).

Only Qt and the window are imported before the window shows; torch, the face detector
and the model come up in worker threads afterwards (see engine.py).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="fame-desktop", description="Review face comparisons with FAME explanations.")
    p.add_argument("gallery", nargs="?", help="gallery (reference) photograph, or a .famecase case file to open")
    p.add_argument("probe", nargs="?", help="probe (questioned) photograph")
    p.add_argument("--run", action="store_true", help="start the FAME explanation once both faces are ready")
    p.add_argument("--config-dir", type=Path, default=None,
                   help="folder for settings and logs (default: the user's config folder; "
                        "or set FAME_DESKTOP_CONFIG_DIR)")
    p.add_argument("--version", action="version", version=f"fame-desktop {_version()}")
    return p


def _version() -> str:
    from .. import __version__

    return __version__


def create_window(args: argparse.Namespace, detector=None, preloaded_models: dict | None = None):
    """QApplication + MainWindow (not yet shown); returns (app, window)."""
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("fame-desktop")
    app.setOrganizationName("fame-desktop")
    app.setApplicationDisplayName("fame-desktop")
    app.setDesktopFileName("fame-desktop")  # Wayland matches the window to fame-desktop.desktop
    from .app_icon import app_icon

    app.setWindowIcon(app_icon())
    from .shell import MainWindow
    from ..core.log_file import configure_logging
    from .settings import AppSettings

    settings = AppSettings(args.config_dir)
    settings.migrate()
    log_file = configure_logging(_log_dir(args.config_dir))
    window = MainWindow(settings, log_file, detector=detector, preloaded_models=preloaded_models)
    window.messages.install_hooks()
    return app, window


def _log_dir(config_dir: Path | None) -> Path:
    if config_dir is not None:
        return Path(config_dir) / "logs"
    import os

    from .settings import ENV_DIR

    if os.environ.get(ENV_DIR):
        return Path(os.environ[ENV_DIR]) / "logs"
    from platformdirs import user_log_dir

    return Path(user_log_dir("fame-desktop", appauthor=False))


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(sys.argv[1:] if argv is None else argv)
    case = args.gallery if args.gallery and args.gallery.lower().endswith(".famecase") else None
    if case and (args.probe or args.run):
        build_parser().error("a case file opens on its own: fame-desktop CASE.famecase")
    if args.run and not (args.gallery and args.probe):
        build_parser().error("--run needs both photographs: fame-desktop GALLERY PROBE --run")
    app, window = create_window(args)
    window.show()
    if case:
        window.start(case=case)
    else:
        window.start(args.gallery, args.probe, run=args.run)
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
