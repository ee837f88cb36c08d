"""Launch fame-desktop from a checkout: `python main.py`.

Until the desktop window lands, this runs the command-line explanation on the
bundled test photographs and writes the result to ./out/demo.
"""

import sys
from pathlib import Path

from fame_desktop.cli import main as cli_main

if __name__ == "__main__":
    here = Path(__file__).resolve().parent
    data = here / "tests" / "data"
    args = sys.argv[1:] or [str(data / "obama.jpg"), str(data / "obama2.jpg")]
    sys.exit(cli_main(["explain", *args, "--out", str(here / "out" / "demo")]))
