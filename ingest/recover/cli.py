"""The `recover` command: a dispatcher over one module per verb (recover/commands/).

Only the chosen verb's module is imported (`recover --help` imports none of them, so it stays
fast and a broken optional dependency only affects its own verb). Each verb module exposes
add_arguments(parser) and run(args) -> exit code; the work itself lives in the role packages
(recover.ingest, recover.build, ...), never here.
"""

from __future__ import annotations

import argparse
import importlib
import sys

# Each verb's module is recover.commands.<verb, with - as _>; one line each: the verb, its help.
VERBS = """
generate         write a synthetic series of exports (both cohorts)
ingest           land export members in the raw zone and register raw tables
build            run the dbt build and publish the curated tables
demo             synthetic exports -> ingest -> build -> summary, on the local target
docs             build the dbt docs site of a namespace's published build (and serve it)
status           the exports of a namespace (committed, partial) and its published build
registry         registry tools: `suggest` entries for unknown JSON paths
deploy           deploy the shared stack, or a namespace's stack and artifacts, on AWS
teardown         remove a namespace from AWS: stack, prefixes, databases, workgroups
backfill         submit the exports missing from a namespace's raw zone to its queue
namespace        the namespace a git ref or branch deploys to
compare          compare two namespaces' tables: schema, rows, values (exit 1 when they differ)
integration-run  CI: recent exports into a namespace, wait for its build, compare with main
"""
COMMANDS = dict(line.split(None, 1) for line in VERBS.strip().splitlines())

DESCRIPTION = "RECOVER data pipeline: exports -> raw zone -> curated Parquet tables."


def _top_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="recover", description=DESCRIPTION)
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, help_text in COMMANDS.items():
        subparsers.add_parser(name, help=help_text, add_help=False)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    verb = argv[0] if argv else None
    if verb not in COMMANDS:
        parser = _top_parser()
        if verb is None or verb.startswith("-"):
            parser.parse_args(argv)  # --help exits 0 here; other options error out (exit 2)
            parser.print_help()
            return 2
        parser.error(f"argument COMMAND: invalid choice: {verb!r} "
                     f"(choose from {', '.join(COMMANDS)})")
    help_text = COMMANDS[verb]
    module = importlib.import_module("recover.commands." + verb.replace("-", "_"))
    parser = argparse.ArgumentParser(prog=f"recover {verb}", description=help_text)
    module.add_arguments(parser)
    args = parser.parse_args(argv[1:])
    return int(module.run(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
