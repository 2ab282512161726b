"""Where the comparison runs: a runner names a table of a side and runs a query.

    DuckDBRunner   a local lake: both published databases ATTACHed READ_ONLY
    AthenaRunner   AWS: the Glue databases {ns} of the data catalog, queried by Athena
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any, ClassVar, Protocol

from recover.build.compare.model import CompareError
from recover.build.compare.sql import literal, quote
from recover.lake import is_s3_uri


class Runner(Protocol):
    engine: str

    def relation(self, side: str, schema: str, table: str) -> str:
        """SQL name of `table` of schema `schema` (`{ns}` or `{ns}_restricted`) of side
        "base" or "candidate"."""

    def columns(self, side: str, schema: str) -> dict[str, list[tuple[str, str]]]:
        """Every table of the schema -> its (column, type) in order ({} when none)."""

    def query(self, sql: str) -> list[tuple]:
        """The rows of one query."""

    def close(self) -> None: ...


class DuckDBRunner:
    """A local lake: the published databases of both namespaces ({lake}/{ns}/recover.duckdb,
    resolved through the `current` link once, so a build publishing meanwhile changes nothing
    here) attached READ_ONLY to an in-memory DuckDB connection."""

    engine = "duckdb"
    ALIASES: ClassVar[dict[str, str]] = {"base": "cmp_base", "candidate": "cmp_candidate"}

    def __init__(self, lake: Path | str, base: str, candidate: str) -> None:
        import duckdb

        from recover.build.publish import published_database, published_run

        lake = Path(lake)
        if not lake.is_dir():
            raise CompareError(f"lake {lake} does not exist")
        self.namespaces = {"base": base, "candidate": candidate}
        self.builds: dict[str, str] = {}
        paths: dict[str, Path] = {}
        for side, ns in self.namespaces.items():
            database = published_database(lake / ns)
            if database is None:
                raise CompareError(f"namespace {ns!r} has no published build in {lake} "
                                   f"(no {lake / ns / 'recover.duckdb'})")
            paths[side] = database.resolve()
            self.builds[side] = published_run(lake / ns) or ""
        self.con = duckdb.connect(":memory:")
        self.alias = dict(self.ALIASES)
        try:
            for side, path in paths.items():
                if side == "candidate" and path == paths["base"]:
                    self.alias["candidate"] = self.alias["base"]  # one file: attach it once
                    continue
                self.con.execute(f"ATTACH {literal(str(path))} AS {quote(self.alias[side])} "
                                 "(READ_ONLY)")
        except duckdb.Error as exc:
            self.con.close()
            raise CompareError(f"cannot open the published database: {_one_line(exc)}") from None

    def relation(self, side: str, schema: str, table: str) -> str:
        return f"{quote(self.alias[side])}.{quote(schema)}.{quote(table)}"

    def columns(self, side: str, schema: str) -> dict[str, list[tuple[str, str]]]:
        rows = self.query(
            "select table_name, column_name, data_type from duckdb_columns() "
            f"where database_name = {literal(self.alias[side])} and schema_name = "
            f"{literal(schema)} order by table_name, column_index")
        out: dict[str, list[tuple[str, str]]] = {}
        for table, column, data_type in rows:
            out.setdefault(table, []).append((column, data_type))
        return out

    def query(self, sql: str) -> list[tuple]:
        import duckdb

        try:
            return self.con.execute(sql).fetchall()
        except duckdb.Error as exc:
            raise CompareError(f"DuckDB: {_one_line(exc)}") from None

    def close(self) -> None:
        self.con.close()


class AthenaRunner:
    """AWS: the namespaces' schemas (Glue databases `{ns}`, `{ns}_restricted`) of the data
    catalog, queried through Athena with boto3 in `workgroup` (its result location and
    encryption apply). Athena does the work; only its small result sets are read back."""

    engine = "athena"

    def __init__(self, base: str, candidate: str, workgroup: str,
                 catalog: str = "AwsDataCatalog", client: Any = None,
                 output_location: str | None = None, poll: float = 0.5,
                 timeout: float = 1800.0) -> None:
        if client is None:
            import boto3

            client = boto3.session.Session().client("athena")  # this environment's settings
        self.client = client
        self.namespaces = {"base": base, "candidate": candidate}
        self.workgroup = workgroup
        self.catalog = catalog
        self.output_location = output_location
        self.poll = poll
        self.timeout = timeout
        self.builds: dict[str, str] = {}

    def relation(self, side: str, schema: str, table: str) -> str:
        return f"{quote(schema)}.{quote(table)}"

    def columns(self, side: str, schema: str) -> dict[str, list[tuple[str, str]]]:
        rows = self.query(
            "select table_name, column_name, data_type from information_schema.columns "
            f"where table_schema = {literal(schema)} order by table_name, ordinal_position")
        out: dict[str, list[tuple[str, str]]] = {}
        for table, column, data_type in rows:
            out.setdefault(table, []).append((column, data_type))
        return out

    def query(self, sql: str) -> list[tuple]:
        from botocore.exceptions import BotoCoreError, ClientError

        kwargs: dict[str, Any] = {"QueryString": sql, "WorkGroup": self.workgroup,
                                  "QueryExecutionContext": {"Catalog": self.catalog}}
        if self.output_location:
            kwargs["ResultConfiguration"] = {"OutputLocation": self.output_location}
        try:
            qid = self.client.start_query_execution(**kwargs)["QueryExecutionId"]
            deadline = time.monotonic() + self.timeout
            while True:
                status = self.client.get_query_execution(
                    QueryExecutionId=qid)["QueryExecution"]["Status"]
                if status["State"] == "SUCCEEDED":
                    break
                if status["State"] in ("FAILED", "CANCELLED"):
                    reason = status.get("StateChangeReason", status["State"])
                    raise CompareError(f"Athena query {qid} {status['State'].lower()}: "
                                       f"{_one_line(reason)}")
                if time.monotonic() > deadline:
                    self.client.stop_query_execution(QueryExecutionId=qid)
                    raise CompareError(f"Athena query {qid} did not finish within "
                                       f"{self.timeout:.0f} s")
                time.sleep(self.poll)
            rows: list[tuple] = []
            types: list[str] = []
            first = True
            for page in self.client.get_paginator("get_query_results").paginate(
                    QueryExecutionId=qid):
                if not types:
                    types = [c["Type"] for c in
                             page["ResultSet"]["ResultSetMetadata"]["ColumnInfo"]]
                data = page["ResultSet"]["Rows"]
                if first:
                    data, first = data[1:], False  # the header row
                rows += [tuple(_athena_value(d.get("VarCharValue"), t)
                               for d, t in zip(r["Data"], types, strict=False)) for r in data]
            return rows
        except (BotoCoreError, ClientError) as exc:
            raise CompareError(f"Athena: {_one_line(exc)}") from None

    def close(self) -> None:
        pass


def _athena_value(text: str | None, athena_type: str) -> Any:
    """Counts come back as numbers; everything else as Athena's text of the value."""
    if text is None:
        return None
    if athena_type in ("bigint", "integer", "smallint", "tinyint"):
        return int(text)
    return text


def _one_line(exc: object) -> str:
    return " ".join(str(exc).split())[:500]


def runner_for(lake: str | Path, base: str, candidate: str, workgroup: str | None = None,
               output_location: str | None = None) -> Runner:
    """DuckDB on a local lake; Athena for `s3://bucket` (in `workgroup`)."""
    if is_s3_uri(lake):
        if not workgroup:
            raise CompareError("an s3:// lake needs an Athena --workgroup")
        return AthenaRunner(base, candidate, workgroup, output_location=output_location)
    return DuckDBRunner(Path(lake), base, candidate)
