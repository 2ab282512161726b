"""moto server (Glue + S3 + all other services) that Trino's Glue metastore client can use.

Why: Trino's ``hive.metastore=glue`` client (AWS SDK v2) calls Glue's column-statistics
and user-defined-function APIs, e.g. ``DeleteColumnStatisticsForTable`` on every CREATE
TABLE and ``UpdateColumnStatisticsForTable`` after every CTAS. moto 5.2.5 implements none
of them and answers HTTP 500 (NotImplementedError), so Trino rolls the DDL back. Here the
seven that ordinary DDL/DML/queries call become no-ops ("no statistics, no functions"), as
a fresh Glue catalog would answer; Trino then works unchanged (statistics only feed its
cost-based optimizer; the UDF write APIs are only used by CREATE FUNCTION).

Run as a separate process (``python moto_glue.py PORT``), not a thread in pytest:
moto's state is global per process, so another test's ``mock_aws()`` would otherwise
reset the Glue catalog and S3 buckets under the running Trino server.
"""

from __future__ import annotations

import json
import sys

from moto.glue.responses import GlueResponse

# action (moto's snake_case name) -> the JSON answer of an empty Glue catalog
NO_OP_ACTIONS: dict[str, dict] = {
    "get_column_statistics_for_table": {"ColumnStatisticsList": [], "Errors": []},
    "get_column_statistics_for_partition": {"ColumnStatisticsList": [], "Errors": []},
    "update_column_statistics_for_table": {"Errors": []},
    "update_column_statistics_for_partition": {"Errors": []},
    "delete_column_statistics_for_table": {},
    "delete_column_statistics_for_partition": {},
    "get_user_defined_functions": {"UserDefinedFunctions": []},
}


def _answer(body: dict):
    def action(self: GlueResponse) -> str:
        return json.dumps(body)

    return action


def patch_moto_glue() -> None:
    for name, body in NO_OP_ACTIONS.items():
        if not hasattr(GlueResponse, name):  # a later moto may implement it for real
            setattr(GlueResponse, name, _answer(body))


def main(argv: list[str]) -> None:
    from moto.server import main as moto_main

    patch_moto_glue()
    moto_main(["-H", "127.0.0.1", "-p", argv[0]])


if __name__ == "__main__":
    main(sys.argv[1:])
