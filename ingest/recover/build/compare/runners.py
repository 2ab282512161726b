"""Where the comparison runs: a runner names a table of a side and runs a query.

    DuckDBRunner   a local lake: both published databases ATTACHed READ_ONLY
    AthenaRunner   AWS: the Glue databases {ns} of the data catalog, queried by Athena
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar, Protocol

from recover.build.athena_query import one_line
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
            raise CompareError(f"cannot open the published database: {one_line(exc)}") from None

    def relation(self, side: str, schema: str, table: str) -> str:
        return f"{quote(self.alias[side])}.{quote(schema)}.{quote(table)}"

    def columns(self, side: str, schema: str) -> dict[str, list[tuple[str, str]]]:
        rows = self.query(
            "select table_name, column_name, data_type from duckdb_columns() "
            f"where database_name = {literal(self.alias[side])} and schema_name = "
            f"{literal(schema)} order by table_name, column_index")
        return _by_table(rows)

    def query(self, sql: str) -> list[tuple]:
        import duckdb

        try:
            return self.con.execute(sql).fetchall()
        except duckdb.Error as exc:
            raise CompareError(f"DuckDB: {one_line(exc)}") from None

    def close(self) -> None:
        self.con.close()


def _by_table(rows: list[tuple]) -> dict[str, list[tuple[str, str]]]:
    """(table, column, type) rows in column order -> {table: [(column, type), ...]}."""
    out: dict[str, list[tuple[str, str]]] = {}
    for table, column, data_type in rows:
        out.setdefault(table, []).append((column, data_type))
    return out


class AthenaRunner:
    """AWS: the namespaces' schemas (Glue databases `{ns}`, `{ns}_restricted`) of the data
    catalog, queried through Athena with boto3 in `workgroup` (its result location and
    encryption apply). Athena does the work; only its small result sets are read back."""

    engine = "athena"

    def __init__(self, base: str, candidate: str, workgroup: str,
                 catalog: str = "AwsDataCatalog", client: Any = None,
                 output_location: str | None = None, poll: float = 0.5,
                 timeout: float = 1800.0) -> None:
        from recover.build.athena_query import AthenaQuery

        self.athena = AthenaQuery(workgroup, catalog, client, output_location, poll, timeout)
        self.namespaces = {"base": base, "candidate": candidate}
        self.workgroup = workgroup
        self.builds: dict[str, str] = {}

    def relation(self, side: str, schema: str, table: str) -> str:
        return f"{quote(schema)}.{quote(table)}"

    def columns(self, side: str, schema: str) -> dict[str, list[tuple[str, str]]]:
        rows = self.query(
            "select table_name, column_name, data_type from information_schema.columns "
            f"where table_schema = {literal(schema)} order by table_name, ordinal_position")
        return _by_table(rows)

    def query(self, sql: str) -> list[tuple]:
        from recover.build.athena_query import AthenaQueryError

        try:
            return self.athena(sql)
        except AthenaQueryError as exc:
            raise CompareError(str(exc)) from None

    def close(self) -> None:
        pass



def runner_for(lake: str | Path, base: str, candidate: str, workgroup: str | None = None,
               output_location: str | None = None) -> Runner:
    """DuckDB on a local lake; Athena for `s3://bucket` (in `workgroup`)."""
    if is_s3_uri(lake):
        if not workgroup:
            raise CompareError("an s3:// lake needs an Athena --workgroup")
        return AthenaRunner(base, candidate, workgroup, output_location=output_location)
    return DuckDBRunner(Path(lake), base, candidate)
