"""Launch fame-desktop from a checkout: `python main.py [GALLERY PROBE] [--run]`."""

import sys

from fame_desktop.gui.app import main

if __name__ == "__main__":
    sys.exit(main())
