"""One Athena query, run to its end with boto3 and read back: the small result sets of
`recover compare` and of the run report (Athena does the work, only the rows come back)."""

from __future__ import annotations

import time
from typing import Any


class AthenaQueryError(Exception):
    """A query failed, was cancelled or timed out; the message is one line."""


class AthenaQuery:
    """Queries in `workgroup` (its result location and encryption apply, unless
    `output_location` is given) on the data catalog `catalog`."""

    def __init__(self, workgroup: str, catalog: str = "AwsDataCatalog", client: Any = None,
                 output_location: str | None = None, poll: float = 0.5,
                 timeout: float = 1800.0) -> None:
        if client is None:
            import boto3

            client = boto3.session.Session().client("athena")  # this environment's settings
        self.client = client
        self.workgroup = workgroup
        self.catalog = catalog
        self.output_location = output_location
        self.poll = poll
        self.timeout = timeout

    def __call__(self, sql: str) -> list[tuple]:
        """The rows of `sql`: counts as ints, every other value as Athena's text of it."""
        return self.run(sql)[1]

    def run(self, sql: str) -> tuple[list[str], list[tuple]]:
        """(column names, rows) of `sql`."""
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            qid = self._start(sql)
            self._wait(qid)
            return self._rows(qid)
        except (BotoCoreError, ClientError) as exc:
            raise AthenaQueryError(f"Athena: {one_line(exc)}") from None

    def _start(self, sql: str) -> str:
        kwargs: dict[str, Any] = {"QueryString": sql, "WorkGroup": self.workgroup,
                                  "QueryExecutionContext": {"Catalog": self.catalog}}
        if self.output_location:
            kwargs["ResultConfiguration"] = {"OutputLocation": self.output_location}
        return self.client.start_query_execution(**kwargs)["QueryExecutionId"]

    def _wait(self, qid: str) -> None:
        deadline = time.monotonic() + self.timeout
        while True:
            status = self.client.get_query_execution(
                QueryExecutionId=qid)["QueryExecution"]["Status"]
            if status["State"] == "SUCCEEDED":
                return
            if status["State"] in ("FAILED", "CANCELLED"):
                reason = status.get("StateChangeReason", status["State"])
                raise AthenaQueryError(f"Athena query {qid} {status['State'].lower()}: "
                                       f"{one_line(reason)}")
            if time.monotonic() > deadline:
                self.client.stop_query_execution(QueryExecutionId=qid)
                raise AthenaQueryError(f"Athena query {qid} did not finish within "
                                       f"{self.timeout:.0f} s")
            time.sleep(self.poll)

    def _rows(self, qid: str) -> tuple[list[str], list[tuple]]:
        rows: list[tuple] = []
        names: list[str] = []
        types: list[str] = []
        first = True
        for page in self.client.get_paginator("get_query_results").paginate(QueryExecutionId=qid):
            if not types:
                info = page["ResultSet"]["ResultSetMetadata"]["ColumnInfo"]
                names, types = [c["Name"] for c in info], [c["Type"] for c in info]
            data = page["ResultSet"]["Rows"]
            if first:
                data, first = data[1:], False  # the header row
            rows += [tuple(_value(d.get("VarCharValue"), t)
                           for d, t in zip(r["Data"], types, strict=False)) for r in data]
        return names, rows


def _value(text: str | None, athena_type: str) -> Any:
    if text is None:
        return None
    if athena_type in ("bigint", "integer", "smallint", "tinyint"):
        return int(text)
    return text


def one_line(exc: object) -> str:
    return " ".join(str(exc).split())[:500]
