"""`recover compare`: two namespaces of a real local lake, compared in DuckDB.

One small lake is built once (namespace `base`); the other namespaces are copies of its
published folder laid out as publish.py lays it out (`current` -> builds/{run_id}), their
schemas renamed, so no second dbt build is needed: `same` is unchanged, `cand` has known edits
(a row deleted, a value changed, a row inserted; a column dropped, one added, one retyped;
a duplicated child row; a personal value changed in the restricted schema).
"""

from __future__ import annotations

import shutil
from html.parser import HTMLParser
from pathlib import Path

import duckdb
import pytest
from recover import registry
from recover.build.compare import DuckDBRunner, compare
from recover.registry import layout

from tests.support.lakes import built_lake

pytestmark = pytest.mark.slow

BASE, SAME, CAND = "base", "same", "cand"
SLEEP = "dataset_fitbitsleeplogs"
DEVICES = "dataset_fitbitdevices"
DETAILS = "dataset_fitbitsleeplogs_sleeplogdetails"
ENROLLED = "dataset_enrolledparticipants"
SECRET = "SECRET-VALUE-4711"


def copy_namespace(lake: Path, source: str, target: str) -> duckdb.DuckDBPyConnection:
    """A copy of `source`'s namespace folder as namespace `target` (its schemas renamed);
    returns a read-write connection to the copy's published database."""
    shutil.copytree(lake / source, lake / target, symlinks=True)
    con = duckdb.connect(str((lake / target / "recover.duckdb").resolve()))
    for suffix in ("", "_restricted"):
        con.execute(f'create schema "{target}{suffix}"')
        tables = con.execute("select table_name from duckdb_tables() where schema_name = ?",
                             [source + suffix]).fetchall()
        for (table,) in tables:
            con.execute(f'create table "{target}{suffix}"."{table}" as '
                        f'select * from "{source}{suffix}"."{table}"')
        con.execute(f'drop schema "{source}{suffix}" cascade')
    return con


def keyed_rows(con, table: str, keys: tuple[str, ...], n: int) -> list[tuple]:
    cols = ", ".join(f'"{k}"' for k in keys)
    return con.execute(f'select {cols} from "{CAND}"."{table}" order by {cols} limit {n}'
                       ).fetchall()


@pytest.fixture(scope="module")
def lake(tmp_path_factory, small_exports) -> Path:
    # the data tests and the Parquet export are not what is compared: leave them out (cheaper)
    root = built_lake(tmp_path_factory, small_exports, BASE, exclude=["test_type:data"])
    copy_namespace(root, BASE, SAME).close()
    return root


@pytest.fixture(scope="module")
def edits(lake) -> dict:
    """Make namespace `cand` and change it; returns what was changed."""
    keys = layout.table_keys(registry.load())
    con = copy_namespace(lake, BASE, CAND)
    try:
        first, second, third = keyed_rows(con, SLEEP, keys[SLEEP], 3)
        con.execute(f'delete from {CAND}.{SLEEP} where "ParticipantIdentifier" = ? '
                    'and "LogId" = ?', list(first))
        old = con.execute(f'select "MinutesAsleep" from {CAND}.{SLEEP} where '
                          '"ParticipantIdentifier" = ? and "LogId" = ?', list(second)).fetchone()[0]
        con.execute(f'update {CAND}.{SLEEP} set "MinutesAsleep" = coalesce("MinutesAsleep", 0) '
                    '+ 1000 where "ParticipantIdentifier" = ? and "LogId" = ?', list(second))
        con.execute(f'insert into {CAND}.{SLEEP} select * replace ("LogId" || \'-new\' as '
                    f'"LogId") from {CAND}.{SLEEP} where "ParticipantIdentifier" = ? and '
                    '"LogId" = ?', list(third))
        con.execute(f'alter table {CAND}.{DEVICES} drop column "Battery"')
        con.execute(f'alter table {CAND}.{DEVICES} add column "Extra" varchar')
        con.execute(f'alter table {CAND}.{DEVICES} alter column export_end_date type date')
        (dup,) = keyed_rows(con, DETAILS, keys[DETAILS], 1)
        cols = " and ".join(f'"{k}" = ?' for k in keys[DETAILS])
        con.execute(f"insert into {CAND}.{DETAILS} select * from {CAND}.{DETAILS} where {cols}",
                    list(dup))
        personal = layout.table_layout(registry.load()["EnrolledParticipants"]).personal_columns
        column = next(c.name for c in personal if c.curated == "varchar")
        (who,) = con.execute(f'select min("ParticipantIdentifier") from '
                             f'{CAND}_restricted.{ENROLLED}').fetchone()
        con.execute(f'update {CAND}_restricted.{ENROLLED} set "{column}" = ? '
                    'where "ParticipantIdentifier" = ?', [SECRET, who])
    finally:
        con.close()
    return {"deleted": first, "changed": second, "inserted": (third[0], third[1] + "-new"),
            "old": old, "personal": column, "who": who}


def run_compare(lake: Path, base: str, candidate: str, **kwargs):
    reg = registry.load()
    runner = DuckDBRunner(lake, base, candidate)
    try:
        return compare(runner, base, candidate, curated=layout.curated_tables(reg),
                       keys=layout.table_keys(reg),
                       restricted_tables=layout.restricted_tables(reg), **kwargs)
    finally:
        runner.close()


def test_identical_namespaces_compare_equal_and_exit_0(lake, cli):
    result = run_compare(lake, BASE, SAME)
    assert len(result.tables) == len(layout.curated_tables(registry.load()))
    assert not result.differs and all(t.status == "equal" for t in result.tables)
    assert all(t.method == "key" and t.rows_base == t.rows_candidate for t in result.tables)
    assert sum(t.rows_base for t in result.tables) > 1000
    code, out, err = cli("compare", "--base", BASE, "--candidate", SAME, "--lake", lake)
    assert code == 0, err
    assert f"{len(result.tables)} table(s) compared: {len(result.tables)} equal, 0 differ" in out
    # a namespace against itself: one database, attached once
    code, out, _ = cli("compare", "--base", BASE, "--candidate", BASE, "--lake", lake,
                       "--select", SLEEP)
    assert code == 0 and "1 table(s) compared: 1 equal" in out


def test_the_changed_tables_are_reported_with_counts_and_example_keys(lake, edits, cli):
    result = run_compare(lake, BASE, CAND, examples=5)
    by_name = {t.table: t for t in result.tables}
    assert sorted(t.table for t in result.different) == sorted([SLEEP, DEVICES, DETAILS])

    sleep = by_name[SLEEP]
    assert sleep.method == "key" and sleep.key == ("ParticipantIdentifier", "LogId")
    assert sleep.rows_base == sleep.rows_candidate
    assert (sleep.only_base, sleep.only_candidate, sleep.differing) == (1, 1, 1)
    key = ("ParticipantIdentifier", "LogId")
    assert [tuple(e.key[k] for k in key) for e in sleep.examples["only_base"]] == [
        edits["deleted"]]
    assert [tuple(e.key[k] for k in key) for e in sleep.examples["only_candidate"]] == [
        edits["inserted"]]
    (changed,) = sleep.examples["differing"]
    assert tuple(changed.key[k] for k in key) == edits["changed"]
    assert changed.changes == [("MinutesAsleep", edits["old"], (edits["old"] or 0) + 1000)]
    assert not sleep.schema_differs

    devices = by_name[DEVICES]
    assert [c for c, _ in devices.columns_only_base] == ["Battery"]
    assert [c for c, _ in devices.columns_only_candidate] == ["Extra"]
    assert [(c, old.upper(), new.upper()) for c, old, new in devices.type_changes] == [
        ("export_end_date", "TIMESTAMP", "DATE")]
    assert devices.rows_base == devices.rows_candidate
    assert (devices.only_base, devices.only_candidate, devices.differing) == (0, 0, 0)

    details = by_name[DETAILS]  # a duplicated key: compared as multisets
    assert details.method == "multiset" and details.duplicate_keys == (0, 1)
    assert (details.only_base, details.only_candidate) == (0, 1)
    assert details.rows_candidate == details.rows_base + 1
    assert len(details.examples["only_candidate"]) == 1

    code, out, err = cli("compare", "--base", BASE, "--candidate", CAND, "--lake", lake)
    assert code == 1, err
    assert f"{len(result.tables) - 3} equal, 3 differ" in out
    deleted = f"ParticipantIdentifier={edits['deleted'][0]}, LogId={edits['deleted'][1]}"
    assert deleted in out
    assert f"MinutesAsleep: {edits['old']} -> {(edits['old'] or 0) + 1000}" in out
    assert "column Battery (VARCHAR) only in base" in out
    assert "column export_end_date: type TIMESTAMP -> DATE" in out
    assert "Traceback" not in err and err.count("\n") == len(result.tables)  # one line a table


def test_select_limits_the_tables_and_an_unknown_one_is_a_usage_error(lake, edits, cli):
    code, out, _ = cli("compare", "--base", BASE, "--candidate", CAND, "--lake", lake,
                       "--select", "dataset_fitbitsleep*", "--examples", "0")
    assert code == 1
    assert "1 table(s) compared" not in out and "2 table(s) compared: 0 equal, 2 differ" in out
    assert "dataset_fitbitdevices" not in out
    code, out, _ = cli("compare", "--base", BASE, "--candidate", CAND, "--lake", lake,
                       "--select", "dataset_fitbitecg", "dataset_garmin*")
    assert code == 0 and " 0 differ" in out and SLEEP not in out
    code, out, err = cli("compare", "--base", BASE, "--candidate", CAND, "--lake", lake,
                         "--select", "dataset_nosuchtable")
    assert (code, out) == (2, "")
    assert err.count("\n") == 1 and "dataset_nosuchtable" in err and "Traceback" not in err


def test_monitoring_tables_are_left_out_unless_selected(lake, edits, cli):
    result = run_compare(lake, BASE, SAME)
    assert "record_counts" not in {t.table for t in result.tables}
    code, out, err = cli("compare", "--base", BASE, "--candidate", SAME, "--lake", lake,
                         "--select", "record_counts")
    assert code == 0, out + err  # the run id columns differ by construction: left out
    assert "1 table(s) compared: 1 equal" in out
    (counts,) = run_compare(lake, BASE, SAME, select=["record_counts"]).tables
    assert counts.method == "multiset" and counts.note.startswith("no key in the registry")
    assert sorted(c.lower() for c in counts.excluded) == ["run_id", "run_started_at"]


class Cells(HTMLParser):
    """The text of every <td>/<th> of the summary table, row by row."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[list[str]] = []
        self.in_summary = False
        self.cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "table" and ("id", "summary") in attrs:
            self.in_summary = True
        elif self.in_summary and tag == "tr":
            self.rows.append([])
        elif self.in_summary and tag in ("td", "th"):
            self.cell = []

    def handle_endtag(self, tag):
        if tag == "table":
            self.in_summary = False
        elif tag in ("td", "th") and self.cell is not None:
            self.rows[-1].append("".join(self.cell))
            self.cell = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell.append(data)


def test_markdown_and_html_reports_hold_the_figures(lake, edits, cli, tmp_path):
    code, out, _ = cli("compare", "--base", BASE, "--candidate", CAND, "--lake", lake,
                       "--select", "dataset_fitbit*", "--format", "markdown")
    assert code == 1
    assert f"| {SLEEP} | differs | " in out
    row = next(line for line in out.splitlines() if line.startswith(f"| {SLEEP} |"))
    assert [c.strip() for c in row.strip("|").split("|")][4:7] == ["1", "1", "1"]
    assert "### `dataset_fitbitdevices`: differs" in out

    report = tmp_path / "report.html"
    code, out, err = cli("compare", "--base", BASE, "--candidate", CAND, "--lake", lake,
                         "--format", "html", "--output", report)
    assert code == 1 and out == "" and str(report) in err
    page = report.read_text()
    assert "<style>" in page and "http" not in page.split("<body>")[0].lower()
    parser = Cells()
    parser.feed(page)
    header, *rows = parser.rows
    table = {r[0]: dict(zip(header, r, strict=True)) for r in rows}
    assert table[SLEEP]["status"] == "differs"
    assert (table[SLEEP]["only in base"], table[SLEEP]["only in candidate"],
            table[SLEEP]["values differ"]) == ("1", "1", "1")
    assert table[DEVICES]["schema"] == "differs"
    assert table["dataset_fitbitecg"]["status"] == "equal"


def test_restricted_schema_only_when_asked_and_never_its_values(lake, edits, cli):
    code, out, _ = cli("compare", "--base", BASE, "--candidate", CAND, "--lake", lake,
                       "--select", ENROLLED)
    assert code == 0 and "restricted" not in out
    code, out, _ = cli("compare", "--base", BASE, "--candidate", CAND, "--lake", lake,
                       "--select", ENROLLED, "--restricted", "--format", "html")
    assert code == 1
    assert f"restricted.{ENROLLED}" in out and edits["personal"] in out
    assert f"ParticipantIdentifier={edits['who']}" in out
    assert SECRET not in out


def test_a_missing_namespace_or_lake_exits_2_with_one_line(lake, cli, tmp_path):
    code, out, err = cli("compare", "--base", BASE, "--candidate", "nosuchns", "--lake", lake)
    assert (code, out) == (2, "")
    assert err.count("\n") == 1 and "nosuchns" in err and "no published build" in err
    code, out, err = cli("compare", "--base", BASE, "--candidate", SAME,
                         "--lake", tmp_path / "nolake")
    assert (code, out) == (2, "") and err.count("\n") == 1 and "does not exist" in err
    code, _, err = cli("compare", "--base", "Not-An-Id", "--candidate", SAME, "--lake", lake)
    assert code == 2 and err.count("\n") == 1


def tiny_lake(root: Path, tables: dict[str, dict[str, str]]) -> Path:
    """A lake of hand-made namespaces: {ns: {table: "create table ... as" select}}, each a
    plain published database file (as a lake from before publishing has)."""
    for ns, defs in tables.items():
        (root / ns).mkdir(parents=True)
        con = duckdb.connect(str(root / ns / "recover.duckdb"))
        con.execute(f"create schema {ns}")
        for table, select in defs.items():
            con.execute(f"create table {ns}.{table} as {select}")
        con.close()
    return root


def test_null_key_parts_match_and_null_values_are_equal(tmp_path):
    rows = ("select * from (values ('p1', 'l1', 1), ('p1', NULL, NULL), (NULL, NULL, 3)) "
            't("ParticipantIdentifier", "LogId", "MinutesAsleep")')
    changed = ("select * from (values ('p1', 'l1', 1), ('p1', NULL, 2), (NULL, NULL, 3)) "
               't("ParticipantIdentifier", "LogId", "MinutesAsleep")')
    lake = tiny_lake(tmp_path, {"a": {SLEEP: rows}, "b": {SLEEP: rows}, "c": {SLEEP: changed}})
    (same,) = run_compare(lake, "a", "b").tables
    assert same.method == "key" and not same.differs and same.rows_base == 3
    (diff,) = run_compare(lake, "a", "c").tables
    assert (diff.only_base, diff.only_candidate, diff.differing) == (0, 0, 1)
    (example,) = diff.examples["differing"]
    assert example.key == {"ParticipantIdentifier": "p1", "LogId": None}
    assert example.changes == [("MinutesAsleep", None, 2)]


def test_the_integration_run_counts_only_what_the_code_changed(lake, edits):
    """`recover integration-run` (recover.build.compare.changes): a table with a schema change
    or values that differ for the same key is a change; rows on one side only are not (the
    namespace holds only the recent exports)."""
    from recover.build.compare import changes_markdown, code_changes
    from recover.commands.integration_run import compare_with_baseline

    runner = DuckDBRunner(lake, BASE, CAND)
    try:
        result = compare_with_baseline(runner, CAND, BASE, str(lake))
    finally:
        runner.close()
    assert sorted(t.table for t in code_changes(result)) == sorted([SLEEP, DEVICES])
    details = next(t for t in result.tables if t.table == DETAILS)
    assert details.differs and details not in code_changes(result)
    text = changes_markdown(result)
    assert f"of {len(result.tables)} curated table(s): 2 changed by the code" in text
    assert SLEEP in text and DEVICES in text and DETAILS not in text
    assert "MinutesAsleep" in text and "Battery" in text
