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

# verb -> (module, one-line help)
COMMANDS = {
    "generate": ("recover.commands.generate", "write a synthetic series of exports (both cohorts)"),
    "ingest": ("recover.commands.ingest", "land export members in the raw zone and register raw tables"),
    "build": ("recover.commands.build", "run the dbt build and publish the curated tables"),
    "demo": ("recover.commands.demo", "synthetic exports -> ingest -> build -> summary, on the local target"),
    "docs": ("recover.commands.docs", "build the dbt docs site of a namespace's published build (and serve it)"),
    "status": ("recover.commands.status", "the exports of a namespace (committed, partial) and its published build"),
    "registry": ("recover.commands.registry", "registry tools: `suggest` entries for unknown JSON paths"),
    "deploy": ("recover.commands.deploy", "deploy the shared stack, or a namespace's stack and artifacts, on AWS"),
    "teardown": ("recover.commands.teardown", "remove a namespace from AWS: stack, prefixes, databases, workgroups"),
    "backfill": ("recover.commands.backfill", "submit the exports missing from a namespace's raw zone to its queue"),
    "namespace": ("recover.commands.namespace", "the namespace a git ref or branch deploys to"),
    "compare": ("recover.commands.compare", "compare two namespaces' tables: schema, rows, values (exit 1 when they differ)"),
    "integration-run": ("recover.commands.integration_run", "CI: recent exports into a namespace, wait for its build, compare with main"),
}

DESCRIPTION = "RECOVER data pipeline: exports -> raw zone -> curated Parquet tables."


def _top_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="recover", description=DESCRIPTION)
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (_module, help_text) in COMMANDS.items():
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
    module_name, help_text = COMMANDS[verb]
    module = importlib.import_module(module_name)
    parser = argparse.ArgumentParser(prog=f"recover {verb}", description=help_text)
    module.add_arguments(parser)
    args = parser.parse_args(argv[1:])
    return int(module.run(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
