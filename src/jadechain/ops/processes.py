"""Background processes of a local network: spawn, probe, stop.

A process is spawned detached (its own session, like `start_new_session=True`; stdin from
/dev/null, stdout and stderr appended to its log) and known afterwards only by its pid, so the
command that started it may exit. Before signalling a pid, `running` checks (through /proc, where
there is one) that it still runs the command line holding `marker` — its config file path — so a
pid reused by another program is never touched.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import httpx

STOP_GRACE_S = 10.0
POLL_S = 0.1
LOG_TAIL_LINES = 25


def spawn(arguments: Sequence[str], log: Path) -> int:
    """Start `python -m jadechain ARGUMENTS` detached, output appended to `log`; its pid."""
    log.parent.mkdir(parents=True, exist_ok=True)
    argv = [sys.executable, "-m", "jadechain", *arguments]
    actions = [
        (os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0),
        (os.POSIX_SPAWN_OPEN, 1, str(log), os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644),
        (os.POSIX_SPAWN_DUP2, 1, 2),
    ]
    return os.posix_spawn(sys.executable, argv, dict(os.environ), file_actions=actions, setsid=True)


def _reap(pid: int) -> bool:
    """True if `pid` was our child and has exited (it is reaped now)."""
    try:
        done, _ = os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        return False
    return done == pid


def running(pid: int | None, marker: str) -> bool:
    """Whether `pid` is alive and still the process whose command line holds `marker`."""
    if pid is None or pid <= 0 or _reap(pid):
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return False  # someone else's process: not ours any more
    proc = Path("/proc") / str(pid)
    if not proc.is_dir():
        return True
    try:
        state = (proc / "stat").read_text().rpartition(")")[2].split()[0]
        command = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return False
    return state != "Z" and marker in command


def stop(processes: Sequence[tuple[int | None, str]], grace_s: float = STOP_GRACE_S) -> None:
    """SIGTERM every running (pid, marker), wait up to `grace_s` for each, then SIGKILL it."""
    alive = [(pid, marker) for pid, marker in processes if running(pid, marker)]
    for pid, _ in alive:
        _signal(pid, signal.SIGTERM)
    for pid, marker in alive:
        deadline = time.monotonic() + grace_s
        while running(pid, marker) and time.monotonic() < deadline:
            time.sleep(POLL_S)
        if running(pid, marker):
            _signal(pid, signal.SIGKILL)
            while running(pid, marker):
                time.sleep(POLL_S)


def _signal(pid: int | None, number: int) -> None:
    if pid is None:
        return
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, number)  # its own session: the group is the process and any children


def log_tail(path: Path, lines: int = LOG_TAIL_LINES) -> str:
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return f"(no log at {path})"
    tail = text.splitlines()[-lines:]
    return "\n".join([f"--- last {len(tail)} lines of {path} ---", *tail])


def free_ports(count: int) -> list[int]:
    """`count` distinct free TCP ports on 127.0.0.1 (held together while chosen)."""
    with contextlib.ExitStack() as stack:
        probes = [stack.enter_context(socket.socket()) for _ in range(count)]
        for probe in probes:
            probe.bind(("127.0.0.1", 0))
        return [int(probe.getsockname()[1]) for probe in probes]


def port_free(port: int) -> bool:
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the servers do
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def healthy(base_url: str) -> bool:
    """Whether a jadechain server answers `GET /health` with 200."""
    try:
        return httpx.get(f"{base_url}/health", timeout=1.0).status_code == 200
    except httpx.HTTPError:
        return False
