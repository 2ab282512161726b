"""Run one command in a subprocess and measure its wall time and peak memory.

Peak memory is taken two ways, and the larger is reported:

* psutil polling (every 50 ms) of the whole process tree: the sum of the RSS of the process
  and all its descendants at each tick (`recover build` runs dbt as a child process, and the
  DuckDB work happens there). Polling can miss a spike shorter than the interval.
* wait4's rusage: `ru_maxrss` of the process, which on Linux also covers the descendants it
  waited for. Exact, but a maximum over single processes rather than a sum over the tree.
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
    peak_rss_mb: float  # max(tree polling, wait4)
    tree_rss_mb: float  # polled sum over the process tree
    maxrss_mb: float  # wait4 ru_maxrss (largest single process)
    returncode: int
    log: Path

    def check(self) -> Measured:
        if self.returncode != 0:
            tail = self.log.read_text(errors="replace").splitlines()[-30:]
            raise RuntimeError(f"{' '.join(self.argv)} failed with exit {self.returncode} "
                               f"(log {self.log}):\n" + "\n".join(tail))
        return self


def tree_rss(process: psutil.Process) -> int:
    total = 0
    try:
        members = [process, *process.children(recursive=True)]
    except psutil.Error:
        return 0
    for member in members:
        try:
            total += member.memory_info().rss
        except psutil.Error:
            pass
    return total


def run(argv: list[str], log: Path, env: dict[str, str] | None = None,
        cwd: Path | None = None) -> Measured:
    """Run `argv` (stdout+stderr to `log`), return its wall time and peak RSS."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("wb") as out:
        started = time.monotonic()
        proc = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT,
                                env={**os.environ, **(env or {})}, cwd=cwd)
        handle = psutil.Process(proc.pid)
        peak = 0
        done = threading.Event()

        def poll() -> None:
            nonlocal peak
            while not done.is_set():
                peak = max(peak, tree_rss(handle))
                done.wait(POLL_SECONDS)

        poller = threading.Thread(target=poll, daemon=True)
        poller.start()
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.monotonic() - started
        done.set()
        poller.join()
        proc.returncode = os.waitstatus_to_exitcode(status)
    maxrss = usage.ru_maxrss * 1024  # KiB on Linux
    return Measured(argv=argv, seconds=seconds, cpu_seconds=usage.ru_utime + usage.ru_stime,
                    peak_rss_mb=max(peak, maxrss) / MB,
                    tree_rss_mb=peak / MB, maxrss_mb=maxrss / MB,
                    returncode=proc.returncode, log=log)


def du(path: Path, pattern: str = "*") -> int:
    """Total bytes of the files under `path` matching `pattern` (recursive)."""
    if not path.exists():
        return 0
    return sum(p.stat().st_size for p in path.rglob(pattern) if p.is_file())
