"""The run report (recover/build/report.py): `{lake}/{ns}/runs/{run_id}/report.html`.

One small lake, two real builds (DuckDB + dbt): one that passes and publishes, then one whose
new export has a raw file that is mostly not JSON, so the error-severity rejected-share test
fails, nothing is published and the build's database is discarded. Both reports are read with
html.parser and checked against record_counts, cast_failures and run_results.json.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import duckdb
import pytest
from recover import registry
from recover.build import build
from recover.build.report import line_chart, render, write_report
from recover.commands.summaries import print_build_summary
from recover.ingest import ingest
from recover.registry import layout

from tests.support.exports import write_export
from tests.support.html_tree import Element, parse
from tests.support.lakes import ingested_lake
from tests.support.report_page import counts_table, number

pytestmark = pytest.mark.slow

NS = "rep"
BAD_EXPORT = "2099-01-01T00:00:00Z_bad"


@pytest.fixture(scope="module")
def lake(tmp_path_factory, small_exports) -> Path:
    return ingested_lake(tmp_path_factory, small_exports, NS)


@pytest.fixture(scope="module")
def passed(lake):
    result = build(lake, NS, export=False)  # the Parquet export is not what this is about
    assert result.ok, result.failures
    return result


@pytest.fixture(scope="module")
def failed(lake, passed, tmp_path_factory):
    bad = write_export(tmp_path_factory.mktemp("bad") / "adults_v1" / BAD_EXPORT,
                       {"FitbitDevices_20990101.json":
                        b'not json\n{"ParticipantIdentifier": "x"}\n'})
    ingest([str(bad)], lake, NS)
    # only the fitbit raw profile and its tests: the failure without a second whole build
    result = build(lake, NS, select=["raw_profile__fitbit"], export=False)
    assert not result.ok and not result.published
    return result


def page(result) -> Element:
    assert result.report is not None, result.report_error
    return parse(result.report.read_text())


def published_rows(lake: Path, sql: str, params=()) -> list[tuple]:
    con = duckdb.connect(str(lake / NS / "recover.duckdb"), read_only=True)
    try:
        return con.execute(sql, list(params)).fetchall()
    finally:
        con.close()


def test_a_build_writes_its_report_in_the_run_folder_and_the_summary_prints_it(lake, passed,
                                                                              capsys):
    assert passed.report == lake.absolute() / NS / "runs" / passed.run_id / "report.html"
    assert passed.report.is_file()
    print_build_summary(passed, lake, NS)
    out = capsys.readouterr().out
    assert f"Run report: {passed.report}" in out.splitlines()


def test_records_read_and_written_per_data_type_match_record_counts(lake, passed):
    table = counts_table(page(passed))
    rows = published_rows(
        lake, f"select data_type, event, sum(row_count) from {NS}.record_counts "
              "where run_id = ? group by all", [passed.run_id])
    want: dict[str, dict[str, int]] = {}
    for dtype, event, n in rows:
        want.setdefault(dtype, {})[event] = int(n)
    assert set(table) >= set(want) and len(want) > 20
    for dtype, events in want.items():
        got = table[dtype]
        assert number(got["read"]) == events["READ"], dtype
        assert number(got["written"]) == events.get("WRITE"), dtype
        assert number(got["rejected"]) == events.get("REJECTED", 0), dtype
        assert number(got["duplicates"]) == events["READ"] - events["DROP_DUPLICATES"], dtype
        if "DROP_DELETED_SAMPLES" in events:
            assert number(got["deleted"]) == \
                events["DROP_DUPLICATES"] - events["DROP_DELETED_SAMPLES"], dtype
    assert any(number(t["duplicates"]) for t in table.values())  # the series re-delivers rows
    casts = dict(published_rows(
        lake, f"select data_type, sum(failed_values) from {NS}.cast_failures group by 1"))
    for dtype, n in casts.items():
        assert number(table[dtype]["cast_failures"]) == n, dtype
    assert number(table["FitbitSleepLogs"]["cast_failures"]) == casts.get("FitbitSleepLogs", 0)


def test_every_test_is_listed_with_its_status_and_the_time_per_layer_adds_up(passed):
    doc = page(passed)
    results = json.loads((passed.run_dir / "run_results.json").read_text())["results"]
    statuses = {r["unique_id"]: r["status"] for r in results if r["unique_id"].startswith("test.")}
    listed = {tr.attrs["data-test"]: tr.attrs["data-status"]
              for tr in doc.find("table", id="tests").iter("tr") if "data-test" in tr.attrs}
    assert listed == statuses and len(listed) > 150
    layers = {row[0]: row for row in doc.find("table", id="layers").rows()[1:]}
    for layer in ("staging", "intermediate", "curated", "restricted", "monitoring", "tests"):
        assert float(layers[layer][2]) >= 0 and int(layers[layer][1]) > 0, layer
    assert sum(int(row[1]) for row in layers.values()) == len(results)
    warned = [uid for uid, s in statuses.items() if s == "warn"]
    shown = {div.attrs["data-test"] for div in doc.iter("div", class_="failure")}
    assert shown == set(warned)
    assert doc.find(id="verdict").text == "passed"


def test_the_report_is_self_contained_with_inline_svg_charts(passed):
    text = passed.report.read_text()
    doc = parse(text)
    assert not list(doc.iter("script")) and not list(doc.iter("img"))
    assert not any(e.attrs.get("src") or e.attrs.get("href", "").startswith("http")
                   for e in doc.iter())
    charts = list(doc.iter("svg"))
    titles = {svg.find("title").text for svg in charts}
    assert "FitbitSleepLogs" in titles and len(titles) > 20
    sleep = next(svg for svg in charts if svg.find("title").text == "FitbitSleepLogs")
    points = [c.find("title").text for c in sleep.iter("circle")]
    assert any(p.startswith("READ ") for p in points) and any(p.startswith("WRITE ") for p in
                                                              points)


def test_a_failed_build_reports_the_failing_test_and_its_stored_rows(lake, failed):
    assert failed.report.is_file()
    assert not (lake / NS / "builds" / failed.run_id).exists()  # its database is gone
    doc = page(failed)
    assert doc.find(id="verdict").text == "FAILED"
    assert "not published" in doc.find(id="published").text
    boxes = [div for div in doc.iter("div", class_="failure")
             if "recover_rejected_share" in div.attrs["data-test"]]
    assert len(boxes) == 1
    box = boxes[0]
    assert "FAIL" in box.find("h3").text and "raw_profile__fitbit" in box.find("h3").text
    rows = box.find("table", class_="rows").rows()
    header, data = rows[0], rows[1:]
    assert f"{NS}_test_failures." in box.text  # where dbt stored them
    assert header == ["data_type", "source_path", "records", "rejected"]
    assert len(data) == 1
    row = dict(zip(header, data[0]))
    assert row["data_type"] == "FitbitDevices" and "2099-01-01T00-00-00Z_bad" in row["source_path"]
    assert (row["records"], row["rejected"]) == ("1", "1")
    listed = {tr.attrs["data-test"]: tr.attrs["data-status"]
              for tr in doc.find("table", id="tests").iter("tr") if "data-test" in tr.attrs}
    assert listed[box.attrs["data-test"]] == "fail"


def personal_looking(value: str | None) -> bool:
    """A value that could not appear in a report by chance (dates and numbers could)."""
    return bool(value) and len(value) >= 6 and any(c.isalpha() for c in value) \
        and not re.match(r"\d{4}-\d{2}-\d{2}", value)


def test_no_personal_value_appears_in_the_reports(lake, passed, failed):
    """The restricted schema is never read and restricted tests store no rows."""
    reg = registry.load()
    values: set[str] = set()
    for dtype in reg.primary():
        t = layout.table_layout(dtype)
        for column in t.personal_columns:
            values |= {v for (v,) in published_rows(
                lake, f'select distinct cast("{column.name}" as varchar) from '
                      f'"{NS}_restricted"."{t.models.parent}"') if personal_looking(v)}
    assert values
    for result in (passed, failed):
        text = result.report.read_text()
        assert not [v for v in values
                    if re.search(r"(?<!\w)" + re.escape(v) + r"(?!\w)", text)]


def test_without_a_database_the_report_says_counts_and_rows_are_not_read_there(passed, failed,
                                                                              tmp_path):
    """A report without figures (the Trino target, or Athena when its queries failed): dbt's
    artifacts only, and it says so."""
    run_dir = tmp_path / failed.run_id
    shutil.copytree(failed.run_dir, run_dir)
    (run_dir / "report.html").unlink()
    failed.run_dir, keep = run_dir, failed.run_dir
    try:
        path = write_report(failed, NS, "namespace", database=None)
    finally:
        failed.run_dir = keep
    doc = parse(path.read_text())
    assert doc.find("table", id="counts") is None
    assert "the counts were not read" in doc.text
    assert "Failing rows were not read on this target" in doc.text
    assert doc.find("table", id="tests") is not None and doc.find("table", id="layers")


def test_every_value_is_escaped():
    class Run:
        run_id, ok, published, seconds, plan = "<b>r</b>", False, False, 1.0, None
        failures = ('model x: error <script>alert("x")</script>',)

    text = render(Run(), "ns", "local", [], {}, None)
    assert "<script>" not in text and "&lt;script&gt;" in text and "<b>r</b>" not in text
    svg = line_chart({"WRITE": [("<x>", 3)]}, '"><script>')
    assert "<script>" not in svg and "<x>" not in svg
    assert parse(svg).find("svg") is not None
