"""`recover status --lake L --namespace NS`: the exports of a namespace's raw zone (committed,
partial, unmodelled) and, on a local lake, the build readers see.

Exit codes: 0 (all exports committed), 1 (a partial export, or the lake cannot be read),
2 bad arguments.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from recover.ingest import SinkError, UsageError
from recover.ingest.inventory import inventory
from recover.ingest.storage import Storage
from recover.lake import check_identifier, is_s3_uri

PROG = "recover status"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--lake", required=True, help="the lake: a local directory or s3://bucket")
    parser.add_argument("--namespace", required=True, help="namespace, e.g. dev")


def run(args: argparse.Namespace) -> int:
    from recover import registry

    try:
        check_identifier("namespace", args.namespace)
        sink = Storage().sink(args.lake, args.namespace)
        states = inventory(sink, registry.load())
    except (ValueError, UsageError) as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return 2
    except SinkError as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return 1
    out = sys.stdout
    print(f"Raw zone {sink.root}: {len(states)} export(s)", file=out)
    for s in states:
        note = f"  unmodelled: {', '.join(s.unmodelled)}" if s.unmodelled else ""
        detail = (f"{s.members} member(s), {s.records:,} lines, committed {s.committed_at}"
                  if s.state == "committed" else
                  f"{s.members} file(s), no commit record: not built; ingest it again to complete it")
        print(f"  {s.state:<9}  {s.cohort}/{s.export}  {detail}{note}", file=out)
    if not is_s3_uri(args.lake):
        from recover.build.publish import published_run

        run_id = published_run(Path(args.lake) / args.namespace)
        print(f"Published build: {run_id or 'none yet'}", file=out)
    return 1 if any(s.state == "partial" for s in states) else 0
