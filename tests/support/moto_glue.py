"""moto server (Glue + S3 + all other services) that Trino's Glue metastore client can use.

Why: Trino's ``hive.metastore=glue`` client (AWS SDK v2) calls Glue's column-statistics
and user-defined-function APIs, e.g. ``DeleteColumnStatisticsForTable`` on every CREATE
TABLE and ``UpdateColumnStatisticsForTable`` after every CTAS. moto 5.2.5 implements none
of them and answers HTTP 500 (NotImplementedError), so Trino rolls the DDL back. Here the
seven that ordinary DDL/DML/queries call become no-ops ("no statistics, no functions"), as
a fresh Glue catalog would answer; Trino then works unchanged (statistics only feed its
cost-based optimizer; the UDF write APIs are only used by CREATE FUNCTION).

One more shim makes Trino read Glue views as Athena does (used by the Athena endpoint,
athena_endpoint.py): Athena knows a view by ``presto_view=true`` whatever its Glue
``Description``, so dbt-athena's persist_docs may describe views; Trino 476 takes the
``Description`` as the table comment and only treats a Glue view as its own when that comment
is ``Presto View``, so a described view becomes "table not found". ``GetTable``/``GetTables``
answers to Trino's Glue client (AWS SDK for Java, told apart by its User-Agent) therefore show
views without their description; every other client (boto3: dbt-athena, the tests) sees the
catalog as stored.

``python moto_glue.py PORT [ACTION_LOG]``: with ACTION_LOG, every call of a JSON/query-protocol
service (Glue, STS, ...; not S3) is appended to that file as ``service<TAB>Action<TAB>client``
(client ``trino`` or ``boto3``), so a test can list the AWS actions a run needed.

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


# Trino's Glue client is the AWS SDK for Java v2; boto3 (dbt-athena, awswrangler, tests) says
# "Boto3/...".
TRINO_USER_AGENT = "aws-sdk-java"
PRESTO_VIEW_COMMENT = "Presto View"


def _as_trino_reads_athena_view(table: dict) -> None:
    """A Glue view (``presto_view=true``) as Trino must see it to know it is a view."""
    if table.get("TableType") == "VIRTUAL_VIEW" and \
            table.get("Parameters", {}).get("presto_view") == "true":
        table.pop("Description", None)
        # a new dict: moto's answer shares its Parameters with the stored table version
        table["Parameters"] = {**table["Parameters"], "comment": PRESTO_VIEW_COMMENT}


def _views_for_trino(original, key: str):
    def action(self: GlueResponse):
        result = original(self)
        if TRINO_USER_AGENT in (self.headers.get("User-Agent") or "") and \
                isinstance(getattr(result, "result", None), dict):
            found = result.result.get(key)
            for table in found if isinstance(found, list) else [found] if found else []:
                _as_trino_reads_athena_view(table)
        return result

    return action


def _log_actions(path: str) -> None:
    """Append ``service<TAB>Action<TAB>client`` for every dispatched action to ``path``."""
    import threading

    from moto.core.responses import BaseResponse

    lock = threading.Lock()
    original = BaseResponse.call_action

    def call_action(self: BaseResponse):
        try:
            action = self._get_action()
            agent = self.headers.get("User-Agent") or ""
            client = "trino" if TRINO_USER_AGENT in agent else "boto3"
            with lock, open(path, "a") as log:
                log.write(f"{self.service_name}\t{action}\t{client}\n")
        except Exception:  # noqa: BLE001,S110 - logging must never break a call
            pass
        return original(self)

    BaseResponse.call_action = call_action


def _answer(body: dict):
    def action(self: GlueResponse) -> str:
        return json.dumps(body)

    return action


def patch_moto_glue() -> None:
    for name, body in NO_OP_ACTIONS.items():
        if not hasattr(GlueResponse, name):  # a later moto may implement it for real
            setattr(GlueResponse, name, _answer(body))
    GlueResponse.get_table = _views_for_trino(GlueResponse.get_table, "Table")
    GlueResponse.get_tables = _views_for_trino(GlueResponse.get_tables, "TableList")


def main(argv: list[str]) -> None:
    from moto.server import main as moto_main

    patch_moto_glue()
    if len(argv) > 1:
        _log_actions(argv[1])
    moto_main(["-H", "127.0.0.1", "-p", argv[0]])


if __name__ == "__main__":
    main(sys.argv[1:])
