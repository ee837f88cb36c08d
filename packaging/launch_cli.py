"""Frozen entry point of the command line (`fame`), as the console script in pyproject.toml."""

import sys

from fame_desktop.cli import main

if __name__ == "__main__":
    sys.exit(main())
