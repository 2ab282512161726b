"""One build per namespace at a time: an exclusive lock on `{lake}/{ns}/.build.lock`.

flock(2) locks belong to the open file: the kernel drops one when its holder exits, however it
exits (kill -9 included), so a lock is never stale. The file also holds who took it and when,
for the one-line message the second build prints. On S3 lakes the lock file lives in a local
work folder: one runner per namespace is the template's job (its queue and the runner's
concurrency of one); this lock keeps two runs on one machine apart.
"""

from __future__ import annotations

import fcntl
import json
import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from recover.lake import make_dirs


class BuildLocked(Exception):
    """Another build of the namespace is running; the message names it."""


@contextmanager
def namespace_lock(folder: Path, namespace: str, run_id: str) -> Iterator[None]:
    """Hold the namespace's build lock for the duration; BuildLocked when another holds it."""
    make_dirs(folder)
    path = Path(folder) / ".build.lock"
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o640)
    with os.fdopen(fd, "r+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise BuildLocked(_holder(namespace, handle.read())) from None
        handle.seek(0)
        handle.truncate()
        handle.write(json.dumps({"run_id": run_id, "pid": os.getpid(), "host": socket.gethostname(),
                                 "started": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")}))
        handle.flush()
        try:
            yield
        finally:
            handle.seek(0)
            handle.truncate()


def _holder(namespace: str, text: str) -> str:
    try:
        info = json.loads(text)
        who = (f"run {info['run_id']} (pid {info['pid']} on {info['host']}), "
               f"started {info['started']}")
    except (ValueError, KeyError, TypeError):
        who = "another process"
    return f"namespace {namespace} is being built by {who}; try again when it is done"
