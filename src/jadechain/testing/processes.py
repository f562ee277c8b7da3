"""Real processes for end-to-end tests: `jadechain dev`, `peer run`, `gateway run` on 127.0.0.1."""

from __future__ import annotations

import contextlib
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

STARTUP_SECONDS = 30


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Process:
    """A running process and, once it has exited, what it printed."""

    popen: subprocess.Popen[str]
    stdout: str = ""
    stderr: str = ""
    returncode: int | None = field(default=None)

    @property
    def pid(self) -> int:
        return self.popen.pid


def dev_process(data: Path, port: int, *extra: str) -> contextlib.AbstractContextManager[Process]:
    """`jadechain dev --data DATA --port PORT` as a `served` process."""
    return served(["dev", "--data", str(data), "--port", str(port), *extra], port)


@contextmanager
def served(arguments: list[str], port: int) -> Iterator[Process]:
    """Run `jadechain ARGUMENTS` (waiting for /health on `port`) until the block ends, then stop
    it with SIGTERM (SIGKILL after 20 s) and keep its output; a test may also kill it itself."""
    command = [sys.executable, "-m", "jadechain", *arguments]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    handle = Process(process)
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while not _healthy(port):
            if process.poll() is not None:
                raise RuntimeError(f"jadechain {arguments[0]} exited: {process.communicate()[1]}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"jadechain {arguments[0]} not up within {STARTUP_SECONDS} s")
            time.sleep(0.1)
        yield handle
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
        try:
            handle.stdout, handle.stderr = process.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            handle.stdout, handle.stderr = process.communicate(timeout=10)
        handle.returncode = process.returncode


def _healthy(port: int) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False
