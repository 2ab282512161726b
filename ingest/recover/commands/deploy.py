"""`recover deploy --shared | --namespace NS [--environment ENV]`: the CLI adapter of
recover.aws.deploy (the environment's shared stack, or a namespace's stack and artifacts).

Exit codes: 0 deployed (or unchanged), 1 the deploy failed (one line: the failed resource and
its reason), 2 bad arguments.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from recover.aws import namespaces

PROG = "recover deploy"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument("--namespace", help="deploy this namespace's stack (main, staging, a branch's)")
    which.add_argument("--shared", action="store_true",
                       help="deploy the environment's shared stack (buckets, KMS key, alarm topic)")
    parser.add_argument("--environment", default="dev",
                        help="the shared stack's environment (default: dev)")
    parser.add_argument("--layer-arn", help="the AWS SDK for pandas layer (Python 3.13) of the region "
                                            "(default: $RECOVER_PANDAS_LAYER_ARN, or the stack's)")
    parser.add_argument("--code-dir", type=Path,
                        help="a Lambda code folder made by deploy/package.sh (default: make one)")
    parser.add_argument("--parameter", action="append", default=[], metavar="KEY=VALUE",
                        help="override a template parameter (repeatable)")
    parser.add_argument("--alarm-email", help="--shared: subscribe this address to the alarm topic")


def run(args: argparse.Namespace) -> int:
    import boto3
    from botocore.exceptions import BotoCoreError, ClientError

    from recover.aws import deploy, stacks

    try:
        namespaces.check_environment(args.environment)
        if args.namespace is not None:
            namespaces.check_namespace(args.namespace)
        overrides = dict(_pair(p) for p in args.parameter)
    except ValueError as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return 2
    try:
        session = boto3.Session()
        if args.shared:
            result = deploy.deploy_shared(session, args.environment, args.alarm_email)
        else:
            result = deploy.deploy_namespace(session, args.environment, args.namespace,
                                             code_dir=args.code_dir, layer_arn=args.layer_arn,
                                             parameters=overrides)
    except (deploy.DeployError, stacks.StackError, OSError) as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return 1
    except (BotoCoreError, ClientError) as exc:
        print(f"{PROG}: error: AWS: {exc}", file=sys.stderr)
        return 1
    print(f"stack {result.stack}: {result.action}")
    for artifact in result.artifacts:
        state = "uploaded" if artifact.uploaded else "already there"
        print(f"  {artifact.kind:<8} {artifact.key} ({artifact.size:,} bytes, {state})")
    for key, value in sorted(result.outputs.items()):
        print(f"  {key}: {value}")
    if result.build_requested:
        print("  new project: a build of the namespace was requested")
    return 0


def _pair(text: str) -> tuple[str, str]:
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise ValueError(f"--parameter {text!r} is not KEY=VALUE")
    return key, value
