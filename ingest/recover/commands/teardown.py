"""`recover teardown --namespace NS [--environment ENV] [--allow-protected]`: remove a namespace
(recover.aws.teardown): its stack, its prefixes in the shared buckets (every object version),
its Glue databases, workgroups and log groups. Idempotent. `main` (production) and `staging`
are refused unless --allow-protected is given.

Exit codes: 0 removed (or nothing left to remove), 1 the stack could not be deleted (the rest
was removed; run it again once the cause is fixed), 2 bad arguments or a protected namespace.
"""

from __future__ import annotations

import argparse
import sys

from recover.aws import namespaces

PROG = "recover teardown"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--namespace", required=True, help="the namespace to remove")
    parser.add_argument("--environment", default="dev", help="its environment (default: dev)")
    parser.add_argument("--allow-protected", action="store_true",
                        help=f"allow removing {' or '.join(namespaces.PROTECTED)} (their data too)")


def run(args: argparse.Namespace) -> int:
    import boto3
    from botocore.exceptions import BotoCoreError, ClientError

    from recover.aws.teardown import teardown

    try:
        namespaces.check_environment(args.environment)
        namespaces.check_namespace(args.namespace)
    except ValueError as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return 2
    if args.namespace in namespaces.PROTECTED and not args.allow_protected:
        print(f"{PROG}: error: {args.namespace} is a protected namespace; add --allow-protected "
              "to remove it and all its data", file=sys.stderr)
        return 2
    try:
        result = teardown(boto3.Session(), args.environment, args.namespace)
    except (BotoCoreError, ClientError, RuntimeError) as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return 1
    print(f"namespace {args.namespace}: stack {result.stack}")
    for where, count in sorted(result.objects.items()):
        print(f"  {where}: {count} object version(s) removed")
    for kind, names in (("Glue databases", result.databases), ("workgroups", result.workgroups),
                        ("log groups", result.log_groups), ("policies", result.policies),
                        ("analysts' policy detached from", result.detached)):
        if names:
            print(f"  {kind} removed: {', '.join(names)}")
    if not result.removed_anything:
        print("  nothing left to remove")
    if result.stack.startswith("failed"):
        print(f"{PROG}: error: {result.stack}", file=sys.stderr)
        return 1
    return 0
