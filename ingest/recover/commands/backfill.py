"""`recover backfill s3://{input}/{ns}/ [--cohort C] [--since DATE] [--dry-run]`: submit the
namespace's exports that are not committed in its raw zone to its ingest queue
(recover.aws.backfill), so that the normal path ingests them. Idempotent: once the queue has
drained, running it again submits nothing.

The raw zone and the queue are the namespace stack's (`recover-{env}-ns-{ns}` and the shared
stack), unless --lake and --queue-url name them.

Exit codes: 0 done (or nothing missing), 1 AWS refused something, 2 bad arguments.
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime

from recover.aws import namespaces
from recover.lake import split_s3_uri

PROG = "recover backfill"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("input", metavar="s3://INPUT/NS/", help="the namespace's input prefix")
    parser.add_argument("--cohort", help="only this cohort's exports")
    parser.add_argument("--since", metavar="DATE",
                        help="only exports of this date or later (YYYY-MM-DD; an export's date "
                             "is the timestamp its name starts with, else its upload time)")
    parser.add_argument("--dry-run", action="store_true", help="list what would be submitted")
    parser.add_argument("--lake", help="the data bucket, s3://bucket (default: the shared stack's)")
    parser.add_argument("--queue-url", help="the ingest queue (default: the namespace stack's)")
    parser.add_argument("--environment", default="dev", help="the stacks' environment (default: dev)")


def _arguments(args: argparse.Namespace) -> tuple[str, str, datetime | None]:
    bucket, key = split_s3_uri(args.input)
    parts = [p for p in key.split("/") if p]
    if len(parts) != 1:
        raise ValueError(f"{args.input}: give the namespace's prefix, s3://{bucket}/NAMESPACE/")
    namespace = namespaces.check_namespace(parts[0])
    if args.cohort is not None:
        from recover.lake import check_identifier

        check_identifier("cohort", args.cohort)
    since = None
    if args.since is not None:
        try:
            since = datetime.fromisoformat(args.since).replace(tzinfo=UTC)
        except ValueError:
            raise ValueError(f"--since {args.since!r} is not a date (YYYY-MM-DD)") from None
    return bucket, namespace, since


def run(args: argparse.Namespace) -> int:
    import boto3
    from botocore.exceptions import BotoCoreError, ClientError

    from recover.aws import backfill, stacks

    try:
        namespaces.check_environment(args.environment)
        input_bucket, namespace, since = _arguments(args)
        data_bucket = split_s3_uri(args.lake)[0] if args.lake else None
    except ValueError as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return 2
    try:
        session = boto3.Session()
        queue_url = args.queue_url
        if data_bucket is None or (queue_url is None and not args.dry_run):
            cfn = session.client("cloudformation")
            shared = stacks.outputs(cfn, namespaces.shared_stack(args.environment)) or {}
            mine = stacks.outputs(cfn, namespaces.namespace_stack(args.environment, namespace)) or {}
            data_bucket = data_bucket or shared.get("DataBucket")
            queue_url = queue_url or mine.get("IngestQueueUrl")
            if not data_bucket or (not queue_url and not args.dry_run):
                print(f"{PROG}: error: namespace {namespace} is not deployed in environment "
                      f"{args.environment}; pass --lake and --queue-url", file=sys.stderr)
                return 2
        s3 = session.client("s3")
        found = backfill.find_missing(s3, input_bucket, data_bucket, namespace, args.cohort, since)
        for item in found.skipped:
            print(f"  not an export: s3://{input_bucket}/{item.key} ({item.reason})")
        verb = "would submit" if args.dry_run else "submitting"
        for export in found.missing:
            print(f"  {verb} {export.uri}")
        sent = [] if args.dry_run else backfill.submit(session.client("sqs"), queue_url,
                                                       found.missing)
    except (BotoCoreError, ClientError, RuntimeError) as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return 1
    committed = len(found.exports) - len(found.missing)
    done = f"{len(found.missing)} to submit (dry run)" if args.dry_run else f"{len(sent)} submitted"
    print(f"{PROG}: {len(found.exports)} export(s) in s3://{input_bucket}/{namespace}/: "
          f"{committed} committed, {done}")
    return 0
