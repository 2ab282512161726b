"""The `recover` command: one sub-command per module, each exposing add_arguments() and run()."""

from __future__ import annotations

import argparse
import importlib
import sys

# sub-command -> (module, one-line help). Modules are imported lazily so `recover --help`
# stays fast and a broken optional dependency only affects its own sub-command.
COMMANDS = {
    "generate": ("recover.generate", "write a synthetic series of exports (both cohorts)"),
    "ingest": ("recover.ingest_cmd", "land export members in the raw zone and register raw tables"),
    "build": ("recover.build", "run the dbt build and write the curated Parquet tables"),
    "demo": ("recover.demo", "synthetic exports -> ingest -> build -> summary, on the local target"),
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="recover",
        description="RECOVER data pipeline: exports -> raw zone -> curated Parquet tables.",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (module_name, help_text) in COMMANDS.items():
        sub = subparsers.add_parser(name, help=help_text, description=help_text)
        sub.set_defaults(_module=module_name)
        importlib.import_module(module_name).add_arguments(sub)
    args = parser.parse_args(argv)
    if not getattr(args, "_module", None):
        parser.print_help()
        return 2
    return int(importlib.import_module(args._module).run(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
