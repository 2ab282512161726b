"""Run dbt in a subprocess and read what it did.

dbt runs as a child process, not in ours: its DuckDB connection must be closed before the
Parquet export opens the database again, and a crash in dbt must not take the caller with it.
Its output is read line by line for a progress counter; its verdict comes from
run_results.json, not from scraping the log.
"""

from __future__ import annotations

import ctypes
import json
import os
import re
import signal
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_DIR = Path(os.environ.get("RECOVER_PROJECT_DIR", Path(__file__).resolve().parents[3]))
PROFILES_DIR = PROJECT_DIR / "profiles"
# dbt's per-node result lines: "1 of 322 OK created sql view model ..."
_NODE_DONE = re.compile(r"\b(\d+) of (\d+) (?:OK|PASS|WARN|ERROR|FAIL|SKIP)")

NodeProgress = Callable[[int, int], None]  # (nodes done, nodes in the run)


@dataclass
class Results:
    """What run_results.json says about one dbt invocation."""

    models: dict[str, str] = field(default_factory=dict)  # model name -> status
    tests: dict[str, int] = field(default_factory=dict)  # pass / warn / fail / error -> count
    warnings: list[str] = field(default_factory=list)  # names of warning tests (+ rows)
    failures: list[str] = field(default_factory=list)  # one line per failed node


def dbt_executable() -> str:
    return str(Path(sys.executable).with_name("dbt"))


def _die_with_parent() -> None:
    """In the child, before exec: SIGTERM when the parent dies (Linux prctl PR_SET_PDEATHSIG),
    so killing `recover build`, even with SIGKILL, ends its dbt too."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # 1 = PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass  # not Linux: the parent's own cleanup still terminates dbt on SIGTERM/SIGINT


def run_dbt(args: Sequence[str], env: dict[str, str], on_node: NodeProgress | None = None,
            log: Path | None = None) -> tuple[int, list[str]]:
    """Run `dbt ARGS` in the project; return its exit code and the last 40 lines of output.

    dbt's output also goes to `log` when given. If this process is interrupted (or raises),
    dbt is terminated before the exception propagates.
    """
    argv = [dbt_executable(), *args]
    tail: list[str] = []
    done = 0
    sink = open(log, "a", encoding="utf-8") if log else None  # noqa: SIM115 - closed below
    proc = subprocess.Popen(argv, env={**os.environ, **env}, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, cwd=PROJECT_DIR,
                            # one thread here: the progress callback runs on this one
                            preexec_fn=_die_with_parent)  # noqa: PLW1509
    try:
        assert proc.stdout is not None
        for line in proc.stdout:
            if sink:
                sink.write(line)
            tail = (tail + [line.rstrip()])[-40:]
            m = _NODE_DONE.search(line)
            if m and on_node is not None and "hook" not in line:
                done += 1
                on_node(done, int(m.group(2)))
        proc.wait()
    except BaseException:
        proc.terminate()
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        raise
    finally:
        if proc.stdout:
            proc.stdout.close()
        if sink:
            sink.close()
    return proc.returncode, tail


def read_results(target_path: Path) -> Results:
    """Models, tests, warnings and failures of the last invocation that wrote `target_path`."""
    results = Results()
    results_file = Path(target_path) / "run_results.json"
    if not results_file.exists():
        return results
    for r in json.loads(results_file.read_text())["results"]:
        uid, status = r["unique_id"], r["status"]
        parts = uid.split(".")
        kind, name = parts[0], (parts[2] if parts[0] in ("test", "unit_test") else parts[-1])
        if kind == "model":
            results.models[name] = status
        if kind in ("model", "seed"):
            if status != "success":
                results.failures.append(f"{kind} {name}: {status} {r.get('message') or ''}".strip())
        elif kind in ("test", "unit_test"):
            results.tests[status] = results.tests.get(status, 0) + 1
            if status == "warn":
                results.warnings.append(f"{name} ({r.get('failures')} rows)")
            elif status in ("fail", "error"):
                results.failures.append(f"{kind} {name}: {status}")
    return results
