"""Progress on a terminal: a live line on a TTY, sparse whole lines otherwise (logs, CI)."""

from __future__ import annotations

import time
from typing import TextIO

MB = 1_000_000
QUIET_BELOW_BYTES = 16 * 1024 * 1024  # members smaller than this get no line off a terminal


class MemberMeter:
    """Bytes of one member verified so far."""

    def __init__(self, out: TextIO | None, member: str, size: int) -> None:
        self._out = out
        self._tty = bool(out and out.isatty())
        self._member = member
        self._size = size
        self._start = time.monotonic()
        self._last = self._start
        self._visible = self._tty or size >= QUIET_BELOW_BYTES

    def _line(self, done: int) -> str:
        elapsed = max(time.monotonic() - self._start, 1e-9)
        return (
            f"  {self._member}: {done / MB:,.1f} / {self._size / MB:,.1f} MB, "
            f"{done / MB / elapsed:,.1f} MB/s"
        )

    def update(self, done: int) -> None:
        now = time.monotonic()
        interval = 0.5 if self._tty else 30.0
        if self._out is None or not self._visible or now - self._last < interval:
            return
        self._last = now
        if self._tty:
            print(f"\r{self._line(done)}\x1b[K", end="", file=self._out, flush=True)
        else:
            print(self._line(done), file=self._out, flush=True)

    def finish(self) -> None:
        if self._out is None or not self._visible:
            return
        prefix = "\r" if self._tty else ""
        suffix = "\x1b[K" if self._tty else ""
        print(f"{prefix}{self._line(self._size)}{suffix}", file=self._out, flush=True)


class NodeCounter:
    """dbt nodes done: a live counter on a TTY, one line per 10% otherwise."""

    def __init__(self, out: TextIO | None, label: str = "dbt build") -> None:
        self._out = out
        self._tty = bool(out and out.isatty())
        self._label = label
        self._last_step = -1

    def __call__(self, done: int, total: int) -> None:
        if self._out is None:
            return
        if self._tty:
            self._out.write(f"\r  {self._label}: {done}/{total} nodes done")
        else:
            step = done * 10 // max(total, 1)
            if step == self._last_step:
                return
            self._last_step = step
            self._out.write(f"  {self._label}: {done}/{total} nodes done\n")
        self._out.flush()

    def close(self) -> None:
        if self._out is not None and self._tty:
            self._out.write("\n")
