"""Frozen entry point of the desktop app (`fame-desktop`), as the gui-script in pyproject.toml."""

import sys

from fame_desktop.gui.app import main

if __name__ == "__main__":
    sys.exit(main())
