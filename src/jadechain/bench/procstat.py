"""CPU seconds and peak memory of processes, from /proc (Linux), sampled around the measured
window: `utime + stime` of /proc/PID/stat (the process and its threads) and VmHWM (peak resident
set size) of /proc/PID/status; with `children`, plus those of every live descendant (a node's
crypto worker processes and their fork server) and of its children that have ended."""

from __future__ import annotations

import os
from dataclasses import dataclass

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class Sample:
    cpu_s: float
    peak_rss_mib: float


def sample(pid: int, children: bool = False) -> Sample | None:
    """None when the process is gone (or /proc is not there)."""
    own = _read(pid, children)
    if own is None or not children:
        return own
    cpu_s, peak_rss_mib = own.cpu_s, own.peak_rss_mib
    for descendant in _descendants(pid):
        found = _read(descendant, True)
        if found is not None:  # it may have ended meanwhile
            cpu_s, peak_rss_mib = cpu_s + found.cpu_s, peak_rss_mib + found.peak_rss_mib
    return Sample(cpu_s, peak_rss_mib)


def _read(pid: int, ended_children: bool) -> Sample | None:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as handle:
            stat = handle.read()
        with open(f"/proc/{pid}/status", encoding="ascii") as handle:
            status = handle.read()
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[1].split()  # after the command name, which may hold spaces
    ticks = int(fields[11]) + int(fields[12])  # utime, stime
    if ended_children:
        ticks += int(fields[13]) + int(fields[14])  # cutime, cstime: children waited for
    peak_kib = 0
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            peak_kib = int(line.split()[1])
    return Sample(ticks / CLOCK_TICKS, peak_kib / 1024)


def _descendants(pid: int) -> list[int]:
    found: list[int] = []
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return found
    for task in tasks:
        try:
            with open(f"/proc/{pid}/task/{task}/children", encoding="ascii") as handle:
                children = [int(child) for child in handle.read().split()]
        except OSError:
            continue
        for child in children:
            found += [child, *_descendants(child)]
    return found


class Monitor:
    """Named processes; `start()` and `stop()` bracket the measured window."""

    def __init__(self, processes: dict[str, int], own_only: frozenset[str] = frozenset()) -> None:
        self.processes = processes
        self.own_only = own_only  # names measured without their children (the client's are
        # the system under test)
        self._before: dict[str, Sample | None] = {}
        self._after: dict[str, Sample | None] = {}

    def start(self) -> None:
        self._before = self._sample()

    def stop(self) -> None:
        self._after = self._sample()

    def _sample(self) -> dict[str, Sample | None]:
        return {
            name: sample(pid, children=name not in self.own_only)
            for name, pid in self.processes.items()
        }

    def report(self, seconds: float) -> list[dict[str, object]]:
        rows: list[dict[str, object]] = []
        for name, pid in self.processes.items():
            before, after = self._before.get(name), self._after.get(name)
            if before is None or after is None:
                rows.append({"process": name, "pid": pid, "cpu_s": None, "peak_rss_mib": None})
                continue
            cpu = after.cpu_s - before.cpu_s
            rows.append(
                {
                    "process": name,
                    "pid": pid,
                    "cpu_s": round(cpu, 2),
                    "cpu_cores": round(cpu / seconds, 2) if seconds > 0 else None,
                    "peak_rss_mib": round(after.peak_rss_mib, 1),
                }
            )
        return rows
