"""Named points where the fault-injection tests kill a run (tests/test_faults.py).

`RECOVER_FAULT_POINT=ingest.after_member` (for example) makes the process kill itself with
SIGKILL the first time it reaches that point, exactly as an operator's `kill -9` or a lost
machine would; `RECOVER_FAULT_COUNT=N` waits for the N-th time. Unset, a point costs one
dictionary lookup. The points: ingest.after_member, ingest.before_commit,
ingest.before_register, build.after_dbt, build.during_parquet, build.before_publish,
build.after_publish, publish.after_table (Athena).
"""

from __future__ import annotations

import os
import signal

_seen: dict[str, int] = {}


def point(name: str) -> None:
    """Die here, by SIGKILL, when the environment asks for this point."""
    if os.environ.get("RECOVER_FAULT_POINT") != name:
        return
    _seen[name] = _seen.get(name, 0) + 1
    if _seen[name] >= int(os.environ.get("RECOVER_FAULT_COUNT", "1")):
        os.kill(os.getpid(), signal.SIGKILL)
