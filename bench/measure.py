"""Run one command in a subprocess and measure its wall time, CPU time and peak memory.

Peak memory is sampled every 50 ms over the whole process tree (`recover build` runs dbt as a
child process, and the DuckDB work happens there), two ways, and the larger is reported:

* the sum of VmRSS over the process and all its descendants at each tick (what the tree
  holds at once);
* the largest VmHWM (the kernel's per-process high-water mark since exec) seen in the tree,
  which also catches a spike shorter than the polling interval.

wait4's `ru_maxrss` is not used: a child forked from this (large) Python process carries the
parent's footprint in `ru_maxrss` from before its exec. CPU time (user + system) does come from
wait4's rusage and includes the descendants the process waited for.

The machine may be shared: `other_cores` is the CPU time the rest of the machine used during
the step (busy time from /proc/stat minus the step's own CPU time), divided by the wall time,
i.e. how many cores other processes kept busy on average. Near 0 means a quiet machine.
"""

from __future__ import annotations

import os
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import psutil

MB = 1_000_000
POLL_SECONDS = 0.05


@dataclass
class Measured:
    argv: list[str]
    seconds: float
    cpu_seconds: float  # user + system, incl. the descendants it waited for
    peak_rss_mb: float  # max(tree_rss_mb, hwm_mb)
    tree_rss_mb: float  # largest polled sum of VmRSS over the process tree
    hwm_mb: float  # largest VmHWM of a single process of the tree
    other_cores: float  # average cores busy with other processes during the step
    returncode: int
    log: Path

    def check(self) -> Measured:
        if self.returncode != 0:
            tail = self.log.read_text(errors="replace").splitlines()[-30:]
            raise RuntimeError(f"{' '.join(self.argv)} failed with exit {self.returncode} "
                               f"(log {self.log}):\n" + "\n".join(tail))
        return self


def busy_seconds() -> float:
    """CPU seconds all cores spent busy since boot (/proc/stat, first line)."""
    with open("/proc/stat") as stat:
        fields = [int(x) for x in stat.readline().split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def other_load(window: float = 2.0) -> float:
    """Cores busy over the next `window` seconds (call while nothing of ours runs)."""
    before, started = busy_seconds(), time.monotonic()
    time.sleep(window)
    return (busy_seconds() - before) / (time.monotonic() - started)


def wait_quiet(budget: float, threshold: float = 0.3, window: float = 2.0) -> float:
    """Wait until other processes keep fewer than `threshold` cores busy, at most `budget`
    seconds; return the seconds waited. The machine may be shared with test runs."""
    started = time.monotonic()
    while time.monotonic() - started < budget and other_load(window) >= threshold:
        pass
    return time.monotonic() - started


def _status_kb(pid: int) -> tuple[int, int]:
    """(VmRSS, VmHWM) of a process in KiB, from /proc/{pid}/status; (0, 0) if gone."""
    rss = hwm = 0
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    rss = int(line.split()[1])
                elif line.startswith("VmHWM:"):
                    hwm = int(line.split()[1])
    except (OSError, ValueError):
        pass
    return rss, hwm


def tree_memory(process: psutil.Process) -> tuple[int, int]:
    """(sum of VmRSS, largest VmHWM) over the process and its descendants, in bytes."""
    try:
        pids = [process.pid, *(child.pid for child in process.children(recursive=True))]
    except psutil.Error:
        return 0, 0
    total = high = 0
    for pid in pids:
        rss, hwm = _status_kb(pid)
        total += rss
        high = max(high, hwm)
    return total * 1024, high * 1024


def run(argv: list[str], log: Path, env: dict[str, str] | None = None,
        cwd: Path | None = None) -> Measured:
    """Run `argv` (stdout+stderr to `log`), return its wall time and peak RSS."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("wb") as out:
        started, busy = time.monotonic(), busy_seconds()
        proc = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT,
                                env={**os.environ, **(env or {})}, cwd=cwd)
        handle = psutil.Process(proc.pid)
        peak = high = 0
        done = threading.Event()

        def poll() -> None:
            nonlocal peak, high
            while not done.is_set():
                total, hwm = tree_memory(handle)
                peak, high = max(peak, total), max(high, hwm)
                done.wait(POLL_SECONDS)

        poller = threading.Thread(target=poll, daemon=True)
        poller.start()
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.monotonic() - started
        busy = busy_seconds() - busy
        done.set()
        poller.join()
        proc.returncode = os.waitstatus_to_exitcode(status)
    cpu = usage.ru_utime + usage.ru_stime
    return Measured(argv=argv, seconds=seconds, cpu_seconds=cpu,
                    other_cores=max(0.0, busy - cpu) / seconds if seconds else 0.0,
                    peak_rss_mb=max(peak, high) / MB, tree_rss_mb=peak / MB, hwm_mb=high / MB,
                    returncode=proc.returncode, log=log)


def du(path: Path, pattern: str = "*") -> int:
    """Total bytes of the files under `path` matching `pattern` (recursive)."""
    if not path.exists():
        return 0
    return sum(p.stat().st_size for p in path.rglob(pattern) if p.is_file())
