"""`recover namespace --ref REF | --branch NAME`: the namespace a git ref deploys to
(recover.aws.namespaces: a branch's own, `staging` for the main branch, `main` for a tag),
printed alone on stdout for scripts and the CI workflow.

Exit codes: 0 printed, 2 a ref or branch that gives no namespace.
"""

from __future__ import annotations

import argparse
import sys

from recover.aws import namespaces

PROG = "recover namespace"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument("--ref", help="a full git ref: refs/heads/BRANCH or refs/tags/TAG")
    which.add_argument("--branch", help="a branch name (as a deleted branch's event gives it)")


def run(args: argparse.Namespace) -> int:
    try:
        name = (namespaces.namespace_for_ref(args.ref) if args.ref is not None
                else namespaces.branch_namespace(args.branch))
    except ValueError as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return 2
    print(name)
    return 0
