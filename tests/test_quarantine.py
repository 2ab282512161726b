"""Bad records are quarantined and unknown fields reported, never silently lost (local target).

One small export with a malformed line, a line that is JSON but not an object, a blank line,
special floats, a field the registry does not know and a known field spelled in another case.
Above the rejected-share threshold the build fails and publishes nothing; below it the rest of
each data type builds, and rejected_records, schema_drift, record_counts and cast_failures say
what happened; `recover registry suggest` proposes the missing registry entries.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import duckdb
import pytest
from recover.build import build
from recover.ingest import ingest

from tests.support.exports import EXPORT_NAME, SLEEP, write_export

pytestmark = pytest.mark.slow
NS = "q"
DAILY = "FitbitDailyData_20230112-20230114.json"
PARTICIPANTS = "EnrolledParticipants_20230114.json"


def lines(*items) -> bytes:
    return b"".join((i if isinstance(i, bytes) else json.dumps(i).encode()) + b"\n" for i in items)


SLEEP_DATA = lines(
    {"ParticipantIdentifier": "p1", "LogId": "1", "Duration": 3600000},
    b'{"ParticipantIdentifier": "p1", "LogId": ',  # line 2: malformed
    b"",  # line 3: blank, neither a record nor rejected
    b"[1, 2, 3]",  # line 4: JSON, not an object
    {"ParticipantIdentifier": "p2", "LogId": "2", "Duration": 60000,
     "SleepScore": 81},  # line 5: a field the registry does not know
)
DAILY_DATA = lines(
    {"ParticipantIdentifier": "p1", "Date": "2023-01-12", "BreathingRate": "Infinity"},
    b'{"ParticipantIdentifier": "p1", "Date": "2023-01-13", "BreathingRate": 1e999}',
    {"ParticipantIdentifier": "p1", "Date": "2023-01-14", "BreathingRate": "15.5"},
)
PARTICIPANTS_DATA = lines(
    {"ParticipantIdentifier": "p1", "participantid": "lower-case key",
     "CustomFields": {"MobilePhone": "555-0100", "Site": "A"}},
    b'{"ParticipantIdentifier": "p2", "FirstName": "Ada",',  # malformed, holds a name
    {"ParticipantIdentifier": "p3"},
    {"ParticipantIdentifier": "p4"},
)


def query(lake: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(lake / NS / "recover.duckdb"), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


@pytest.fixture(scope="module")
def lake(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("quarantine")
    export = write_export(root / "adults_v1" / EXPORT_NAME,
                          {SLEEP: SLEEP_DATA, DAILY: DAILY_DATA, PARTICIPANTS: PARTICIPANTS_DATA})
    lake = root / "lake"
    ingest([str(export)], lake, NS)
    return lake


@pytest.fixture(scope="module")
def strict(lake) -> object:
    """The default threshold (5%): 2 of the sleep file's 4 lines rejected fails the build."""
    return build(lake, NS, export=False)


@pytest.fixture(scope="module")
def tolerant(lake, strict) -> Path:
    """The same lake built accepting up to 60% rejected lines per file."""
    mp = pytest.MonkeyPatch()
    mp.setenv("RECOVER_MAX_REJECTED_SHARE", "0.6")
    try:
        result = build(lake, NS, export=False)
    finally:
        mp.undo()
    assert result.ok and result.published, result.failures
    return lake


def test_a_member_mostly_rejected_fails_the_build_and_nothing_is_published(lake, strict):
    assert not strict.ok and not strict.published
    assert any("recover_rejected_share" in f for f in strict.failures), strict.failures
    assert not (lake / NS / "recover.duckdb").exists()


def test_rejected_lines_are_listed_with_member_line_number_reason_and_text(tolerant):
    rows = query(tolerant, f"select data_type, member, line_number, error, text, cohort "
                           f"from {NS}.rejected_records where data_type = 'FitbitSleepLogs' "
                           "order by line_number")
    assert rows == [
        ("FitbitSleepLogs", "FitbitSleepLogs_20230112-20230114", 2, "not valid JSON",
         '{"ParticipantIdentifier": "p1", "LogId": ', "adults_v1"),
        ("FitbitSleepLogs", "FitbitSleepLogs_20230112-20230114", 4, "not a JSON object",
         "[1, 2, 3]", "adults_v1"),
    ]


def test_a_rejected_line_of_a_type_holding_personal_data_is_withheld(tolerant):
    (text,) = query(tolerant, f"select text from {NS}.rejected_records "
                              "where data_type = 'EnrolledParticipants'")[0]
    assert "Ada" not in text and text.startswith("(withheld")


def test_the_rest_of_the_data_type_builds(tolerant):
    assert query(tolerant, f"select LogId from {NS}.dataset_fitbitsleeplogs order by 1") == [
        ("1",), ("2",)]


def test_record_counts_read_and_rejected(tolerant):
    counts = dict(query(tolerant, f"select event, row_count from {NS}.record_counts "
                                  "where data_type = 'FitbitSleepLogs'"))
    assert counts["READ"] == 2 and counts["REJECTED"] == 2 and counts["WRITE"] == 2


def test_special_floats_are_null_and_counted_as_cast_failures(tolerant):
    assert query(tolerant, f'select "Date", BreathingRate from {NS}.dataset_fitbitdailydata '
                           "order by 1") == [
        (dt.date(2023, 1, 12), None),
        (dt.date(2023, 1, 13), None),
        (dt.date(2023, 1, 14), 15.5)]
    assert query(tolerant, f"select failed_values from {NS}.cast_failures "
                           "where column_name = 'BreathingRate'") == [(2,)]


def test_unknown_fields_and_other_spellings_are_reported_in_schema_drift(tolerant):
    drift = {(d, p): (n, kind) for d, p, n, kind in query(
        tolerant, f"select data_type, path, records, value_kind from {NS}.schema_drift")}
    assert drift == {
        ("FitbitSleepLogs", "SleepScore"): (1, "int"),
        ("EnrolledParticipants", "participantid"): (1, "string"),  # ParticipantID in another case
        ("EnrolledParticipants", "CustomFields.MobilePhone"): (1, "string"),
    }
    # text may be personal data: only its length is kept
    assert query(tolerant, f"select example_value from {NS}.schema_drift "
                           "where path = 'CustomFields.MobilePhone'") == [("(text, 8 characters)",)]


def test_the_warn_tests_report_rejected_records_and_drift(tolerant):
    run = max((tolerant / NS / "runs").iterdir())
    results = json.loads((run / "run_results.json").read_text())["results"]
    status = {r["unique_id"].split(".")[2]: r["status"] for r in results
              if r["unique_id"].startswith("test.")}
    assert status["recover_no_rows_rejected_records_"] == "warn"
    assert status["recover_no_rows_schema_drift_"] == "warn"


def test_registry_suggest_prints_entries_for_the_unknown_paths(tolerant, cli):
    code, out, _ = cli("registry", "suggest", "--lake", tolerant, "--namespace", NS)
    assert code == 0
    assert "# FitbitSleepLogs: add under meta.fields" in out
    assert "SleepScore: int" in out
    assert "CustomFields:\n  MobilePhone: string" in out
