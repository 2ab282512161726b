"""`recover registry suggest --lake L --namespace NS`: registry entries for the JSON paths of the
published schema_drift table (recover.registry.suggest), printed as YAML.

Exit codes: 0 (printed, or nothing to suggest), 1 no published build to read, 2 bad arguments.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from recover.commands.summaries import refused_namespace
from recover.lake import database_path
from recover.registry.suggest import Drift, suggest

PROG = "recover registry"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    sug = actions.add_parser("suggest", help="registry entries for unknown JSON paths")
    sug.add_argument("--lake", required=True, help="local lake directory")
    sug.add_argument("--namespace", required=True, help="namespace, e.g. dev")


def run(args: argparse.Namespace) -> int:
    import duckdb

    if refused_namespace(PROG, args.namespace):
        return 2
    database = database_path(Path(args.lake), args.namespace)
    if not database.exists():
        print(f"{PROG}: error: {database}: no published build to read (run recover build)",
              file=sys.stderr)
        return 1
    try:
        con = duckdb.connect(str(database), read_only=True)
        try:
            rows = [Drift(*row) for row in con.execute(
                f'select data_type, path, records, first_export, last_export, example_value, '
                f'value_kind from "{args.namespace}".schema_drift').fetchall()]
        finally:
            con.close()
    except duckdb.Error as exc:
        print(f"{PROG}: error: {database}: {str(exc).splitlines()[0]}", file=sys.stderr)
        return 1
    if not rows:
        print(f"{PROG}: the data carries no path the registry lacks", file=sys.stderr)
        return 0
    print(suggest(rows))
    return 0
