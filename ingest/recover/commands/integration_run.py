"""`recover integration-run --namespace NS [--baseline main]`: the CI's integration run
(recover.aws.integration): copy the baseline's most recent exports into the namespace's input,
wait for the namespace's build, then print the row counts of its tables next to the baseline's
and what `recover compare` finds the code changed (recover.build.compare.code_changes), as
Markdown (appended to --summary, e.g. $GITHUB_STEP_SUMMARY).

Exit codes: 0 the build passed and published (whatever the counts; with --fail-on-changes, and
no table changed), 1 it failed, timed out, AWS refused something, or --fail-on-changes and a
table changed, 2 bad arguments or a namespace that is not deployed.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from recover.aws import integration, namespaces

PROG = "recover integration-run"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--namespace", required=True, help="the deployed namespace to test")
    parser.add_argument("--baseline", default="main", help="where the exports come from and the "
                                                           "tables to compare with (default: main)")
    parser.add_argument("--exports-per-cohort", type=int, default=2,
                        help="the newest exports of each cohort to copy (default 2)")
    parser.add_argument("--timeout-minutes", type=float, default=120.0)
    parser.add_argument("--environment", default="dev", help="the stacks' environment (default: dev)")
    parser.add_argument("--summary", type=Path, help="append the report to this file")
    parser.add_argument("--fail-on-changes", action="store_true",
                        help="exit 1 when recover compare finds a table the code changed")
    parser.add_argument("--workgroup", help="Athena workgroup of the comparison (default "
                                            "recover-{namespace}, the analysts' workgroup)")


def compare_with_baseline(runner, namespace: str, baseline: str, where: str):
    """recover compare of the curated tables, baseline against namespace, with `runner`."""
    from recover import registry
    from recover.build.compare import compare
    from recover.registry import layout

    reg = registry.load()
    return compare(runner, baseline, namespace, curated=layout.curated_tables(reg),
                   keys=layout.table_keys(reg), examples=3, where=where)


def _changes(args: argparse.Namespace) -> tuple[str, bool]:
    """(markdown, whether the code changed a table); a comparison that cannot run is said in
    the markdown and changes nothing."""
    from recover.build.compare import AthenaRunner, CompareError, changes_markdown, code_changes

    workgroup = args.workgroup or namespaces.workgroups(args.namespace)[0]
    runner = AthenaRunner(args.baseline, args.namespace, workgroup)
    try:
        result = compare_with_baseline(runner, args.namespace, args.baseline,
                                       f"Athena (workgroup {workgroup})")
    except CompareError as exc:
        return f"The table comparison could not run: {exc}\n", False
    return changes_markdown(result), bool(code_changes(result))


def run(args: argparse.Namespace) -> int:
    import boto3
    from botocore.exceptions import BotoCoreError, ClientError

    from recover.aws import stacks

    try:
        namespaces.check_environment(args.environment)
        namespaces.check_namespace(args.namespace)
        namespaces.check_namespace(args.baseline)
        if args.namespace == args.baseline or args.exports_per_cohort < 1:
            raise ValueError("the namespace must differ from the baseline, and "
                             "--exports-per-cohort be at least 1")
    except ValueError as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return 2
    session = boto3.Session()
    s3, glue = session.client("s3"), session.client("glue")
    try:
        cfn = session.client("cloudformation")
        shared = stacks.outputs(cfn, namespaces.shared_stack(args.environment)) or {}
        if not shared or stacks.outputs(
                cfn, namespaces.namespace_stack(args.environment, args.namespace)) is None:
            print(f"{PROG}: error: namespace {args.namespace} is not deployed in environment "
                  f"{args.environment} (recover deploy --namespace {args.namespace})",
                  file=sys.stderr)
            return 2
        exports = integration.recent_exports(s3, shared["InputBucket"], args.baseline,
                                             args.exports_per_cohort)
        if not exports:
            print(f"{PROG}: error: no exports in s3://{shared['InputBucket']}/{args.baseline}/",
                  file=sys.stderr)
            return 1
        for item in integration.copy_exports(s3, exports, args.namespace):
            print(f"  {'copied' if item.copied else 'already there'}: {item.target}")
        s3.put_object(Bucket=shared["ArtifactsBucket"],
                      Key=f"{args.namespace}/integration_test_exports.json",
                      Body=json.dumps([e.uri for e in exports], indent=1).encode())
        print(f"waiting for the build of {args.namespace} (up to {args.timeout_minutes:.0f} min)",
              flush=True)
        record = integration.wait_for_build(s3, shared["DataBucket"], args.namespace, exports,
                                            args.timeout_minutes * 60)
        comparison = integration.compare(glue, s3, args.namespace, args.baseline)
        print("comparing the curated tables with recover compare", flush=True)
        changes, changed = _changes(args)
    except integration.IntegrationError as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return 1
    except (BotoCoreError, ClientError, OSError) as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return 1
    verdict = "passed and published" if record.get("published") else "FAILED (nothing published)"
    report = (f"### Integration run of `{args.namespace}`\n\nBuild `{record['run_id']}` {verdict}; "
              f"{len(exports)} export(s) of `{args.baseline}`; artifacts "
              f"`s3://{shared['DataBucket']}/{args.namespace}/runs/{record['run_id']}/`.\n\n"
              f"Rows per table, `{args.namespace}` (recent exports) vs `{args.baseline}` "
              f"(all exports):\n\n{comparison.markdown()}\n\n{changes}")
    print(report)
    if args.summary is not None:
        with args.summary.open("a") as out:
            out.write(report)
    return 0 if record.get("published") and not (args.fail_on_changes and changed) else 1
