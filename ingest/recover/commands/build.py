"""`recover build --lake L --namespace NS [--target T] [selection]`: the CLI adapter of
recover.build.

Exit codes: 0 success (published), 1 a model or an error-severity test failed (nothing
published), 2 bad arguments, 75 another build of the namespace is running, 130/143 interrupted
(SIGINT/SIGTERM; dbt is stopped and readers keep the published build).
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
from pathlib import Path

from recover.build import ATHENA_TARGETS, LOCAL, TARGETS, build
from recover.build.lock import BuildLocked
from recover.commands.progress import NodeCounter
from recover.commands.summaries import print_build_summary, refused_namespace
from recover.ingest import SinkError
from recover.lake import is_s3_uri

PROG = "recover build"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--lake", required=True,
                        help="the lake: a local directory (target local) or s3://bucket (Athena)")
    parser.add_argument("--namespace", required=True, help="namespace (schema), e.g. dev")
    parser.add_argument("--target", default=LOCAL, choices=TARGETS,
                        help="dbt target (default: local; namespace/prod run dbt on Athena)")
    parser.add_argument("--select", "-s", nargs="+", help="dbt node selection")
    parser.add_argument("--exclude", nargs="+", help="dbt nodes to exclude")
    parser.add_argument("--selector", help="a named selection of selectors.yml (curated, garmin, "
                                           "healthkit, fitbit, google, participant, restricted, "
                                           "monitoring)")
    parser.add_argument("--max-rejected-share", type=float, metavar="SHARE",
                        help="fail the build when a raw file's share of rejected lines exceeds "
                             "SHARE (0..1; default 0.05, or $RECOVER_MAX_REJECTED_SHARE)")
    parser.add_argument("--full-refresh", action="store_true",
                        help="rebuild every table from the whole raw zone (default: only the "
                             "exports the published build does not hold, when it can)")
    parser.add_argument("--no-parquet", action="store_true",
                        help="local target: skip the Parquet export of the curated tables")


def run(args: argparse.Namespace) -> int:
    if refused_namespace(PROG, args.namespace):
        return 2
    if args.target in ATHENA_TARGETS and not is_s3_uri(args.lake):
        print(f"{PROG}: error: --target {args.target} needs --lake s3://bucket", file=sys.stderr)
        return 2
    if args.target == "prod" and args.namespace != "main":
        print(f"{PROG}: error: --target prod is namespace main, not {args.namespace}",
              file=sys.stderr)
        return 2
    if args.target == LOCAL and is_s3_uri(args.lake):
        print(f"{PROG}: error: the local target needs a local --lake directory", file=sys.stderr)
        return 2
    if args.max_rejected_share is not None:
        if not 0 <= args.max_rejected_share <= 1:
            print(f"{PROG}: error: --max-rejected-share must be between 0 and 1", file=sys.stderr)
            return 2
        os.environ["RECOVER_MAX_REJECTED_SHARE"] = str(args.max_rejected_share)
    lake = args.lake if is_s3_uri(args.lake) else Path(args.lake).resolve()
    counter = NodeCounter(sys.stderr)
    previous = signal.signal(signal.SIGTERM, _terminated)
    try:
        result = build(lake, args.namespace, select=args.select, exclude=args.exclude,
                       export=not args.no_parquet, target=args.target, on_node=counter,
                       selector=args.selector, full_refresh=args.full_refresh)
    except BuildLocked as exc:
        print(f"{PROG}: {exc}", file=sys.stderr)
        return 75
    except (SinkError, OSError) as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt as exc:
        code = 143 if isinstance(exc, Terminated) else 130
        print(f"\n{PROG}: interrupted; dbt stopped, nothing published (readers keep the "
              "previous build)", file=sys.stderr)
        return code
    finally:
        signal.signal(signal.SIGTERM, previous)
        counter.close()
    print_build_summary(result, lake, args.namespace, args.target)
    return 0 if result.ok else 1


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised where the build is so that it cleans up as for Ctrl-C."""


def _terminated(_signum: int, _frame: object) -> None:
    raise Terminated()
