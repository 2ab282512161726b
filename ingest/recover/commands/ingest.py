"""`recover ingest EXPORT... --lake L --namespace NS [--cohort C]`: the CLI adapter of
recover.ingest.

Exit codes: 0 success, 1 bad input data (export, member) or a failed write, 2 bad arguments.
"""

from __future__ import annotations

import argparse
import sys

from recover.commands.progress import MemberMeter
from recover.commands.summaries import print_ingest_summary
from recover.ingest import ExportError, IngestError, SinkError, UsageError, ingest

PROG = "recover ingest"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("exports", nargs="+", metavar="EXPORT",
                        help="export archive (zip, no extension): a local path or s3://bucket/key")
    parser.add_argument("--lake", required=True, help="lake: a local directory or s3://bucket")
    parser.add_argument("--namespace", required=True, help="namespace: a plain identifier, e.g. main")
    parser.add_argument(
        "--cohort", help="cohort for every export (default: each export's parent folder name)"
    )


def run(args: argparse.Namespace) -> int:
    from botocore.exceptions import BotoCoreError, ClientError

    def warn(message: str) -> None:
        print(f"{PROG}: warning: {message}", file=sys.stderr)

    try:
        summary = ingest(args.exports, args.lake, args.namespace, args.cohort, warn=warn,
                         meter=lambda member, size: MemberMeter(sys.stderr, member, size))
    except UsageError as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return 2
    except (IngestError, ExportError, SinkError) as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return 1
    except (BotoCoreError, ClientError) as exc:  # e.g. no credentials or no region configured
        print(f"{PROG}: error: AWS: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted (files landed so far are whole)", file=sys.stderr)
        return 130
    print_ingest_summary(summary, sys.stdout)
    return 0
