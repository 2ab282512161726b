"""`recover compare --base NS1 --candidate NS2 [--lake L] [--select ...]`: the CLI adapter of
recover.build.compare (a branch's published tables against `main`'s, for review and CI).

Exit codes: 0 the tables are equal, 1 they differ (schema, rows, values, or a table in one
side only), 2 bad arguments or the comparison cannot run (lake missing, a namespace without a
published build, an unknown table in --select, an engine error), with one line on stderr.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from recover.build.compare import RENDERERS, CompareError, TableResult, compare, render, runner_for
from recover.lake import check_identifier, is_s3_uri, write_atomic

PROG = "recover compare"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--base", required=True, help="the reference namespace, e.g. main")
    parser.add_argument("--candidate", required=True, help="the namespace to check, e.g. a branch's")
    parser.add_argument("--lake", default=os.environ.get("RECOVER_LAKE", "lake"),
                        help="a local lake directory (DuckDB) or s3://bucket (Athena); "
                             "default $RECOVER_LAKE or ./lake")
    parser.add_argument("--select", "-s", nargs="+", metavar="TABLE",
                        help="table names or globs (dataset_fitbit*); default: every curated table")
    parser.add_argument("--format", default="text", choices=sorted(RENDERERS),
                        help="report format (default text)")
    parser.add_argument("--output", "-o", metavar="FILE", help="write the report to FILE "
                                                               "(default: stdout)")
    parser.add_argument("--examples", type=int, default=5, metavar="N",
                        help="example rows per kind of difference and table (default 5)")
    parser.add_argument("--restricted", action="store_true",
                        help="also compare the personal-data schemas {ns}_restricted "
                             "(keys and column names only are shown, never values)")
    parser.add_argument("--workgroup", help="Athena: the workgroup to run in (default "
                                            "recover-{candidate}, the analysts' workgroup)")


def _progress(result: TableResult, i: int, total: int) -> None:
    print(f"{PROG}: [{i}/{total}] {result.name}: {result.status}", file=sys.stderr, flush=True)


def run(args: argparse.Namespace) -> int:
    from recover import registry
    from recover.registry import layout

    try:
        check_identifier("namespace", args.base)
        check_identifier("namespace", args.candidate)
        if args.examples < 0:
            raise ValueError("--examples must be 0 or more")
    except ValueError as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return 2
    workgroup = args.workgroup
    if is_s3_uri(args.lake) and not workgroup:
        from recover.aws.namespaces import workgroups

        workgroup = workgroups(args.candidate)[0]
    reg = registry.load()
    where = f"Athena (workgroup {workgroup})" if is_s3_uri(args.lake) else str(args.lake)
    runner = None
    try:
        runner = runner_for(args.lake, args.base, args.candidate, workgroup)
        result = compare(runner, args.base, args.candidate,
                         curated=layout.curated_tables(reg), keys=layout.table_keys(reg),
                         select=args.select, restricted=args.restricted,
                         restricted_tables=layout.restricted_tables(reg),
                         examples=args.examples, where=where, progress=_progress)
    except CompareError as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return 2
    finally:
        if runner is not None:
            runner.close()
    text = render(result, args.format)
    if args.output:
        try:
            write_atomic(Path(args.output), [text.encode()])
        except OSError as exc:
            print(f"{PROG}: error: cannot write {args.output}: {exc.strerror or exc}",
                  file=sys.stderr)
            return 2
        print(f"{PROG}: {len(result.different)} of {len(result.tables)} table(s) differ; "
              f"report in {args.output}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 1 if result.differs else 0
