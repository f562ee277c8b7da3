"""CPU seconds and peak memory of processes, from /proc (Linux), sampled around the measured
window: `utime + stime` of /proc/PID/stat (this process and its threads, not its children) and
VmHWM (peak resident set size) of /proc/PID/status."""

from __future__ import annotations

import os
from dataclasses import dataclass

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class Sample:
    cpu_s: float
    peak_rss_mib: float


def sample(pid: int) -> Sample | None:
    """None when the process is gone (or /proc is not there)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as handle:
            stat = handle.read()
        with open(f"/proc/{pid}/status", encoding="ascii") as handle:
            status = handle.read()
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[1].split()  # after the command name, which may hold spaces
    utime, stime = int(fields[11]), int(fields[12])
    peak_kib = 0
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            peak_kib = int(line.split()[1])
    return Sample((utime + stime) / CLOCK_TICKS, peak_kib / 1024)


class Monitor:
    """Named processes; `start()` and `stop()` bracket the measured window."""

    def __init__(self, processes: dict[str, int]) -> None:
        self.processes = processes
        self._before: dict[str, Sample | None] = {}
        self._after: dict[str, Sample | None] = {}

    def start(self) -> None:
        self._before = {name: sample(pid) for name, pid in self.processes.items()}

    def stop(self) -> None:
        self._after = {name: sample(pid) for name, pid in self.processes.items()}

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
