"""Export member names: admission and the file-name grammar (docs/data-contract.md, "Exports")."""

from datetime import date

import pytest
from recover.ingest.names import (
    MemberNameError,
    admitted,
    is_unsafe_path,
    parse_member_name,
    skip_reason,
)

# (member name, data type, subtype) for every data type, including every _Deleted variant.
EXAMPLES = [
    ("EnrolledParticipants_20220401-20230112.json", "EnrolledParticipants", None),
    ("SymptomLog_20220401-20230112.json", "SymptomLog", None),
    ("HealthKitV2Samples_AbdominalCramps_20220111-20230103.json", "HealthKitV2Samples", "AbdominalCramps"),
    ("HealthKitV2Samples_AbdominalCramps_Deleted_20220111-20230103.json",
     "HealthKitV2Samples_Deleted", "AbdominalCramps"),
    ("HealthKitV2Statistics_HourlySteps_20220111-20230103.json", "HealthKitV2Statistics", "HourlySteps"),
    ("HealthKitV2Statistics_HourlySteps_Deleted_20220111-20230103.json",
     "HealthKitV2Statistics_Deleted", "HourlySteps"),
    ("HealthKitV2ActivitySummaries_20220111-20230103.json", "HealthKitV2ActivitySummaries", None),
    ("HealthKitV2ActivitySummaries_Deleted_20220111-20230103.json",
     "HealthKitV2ActivitySummaries_Deleted", None),
    ("HealthKitV2Electrocardiogram_Samples_20220111-20230103.json", "HealthKitV2Electrocardiogram", None),
    ("HealthKitV2Electrocardiogram_Samples_Deleted_20220111-20230103.json",
     "HealthKitV2Electrocardiogram_Deleted", None),
    ("HealthKitV2Workouts_20220111-20230103.json", "HealthKitV2Workouts", None),
    ("HealthKitV2Workouts_Deleted_20220111-20230103.json", "HealthKitV2Workouts_Deleted", None),
    ("HealthKitV2Heartbeat_Samples_20220111-20230103.json", "HealthKitV2Heartbeat", None),
    ("HealthKitV2Heartbeat_Samples_Deleted_20220111-20230103.json", "HealthKitV2Heartbeat_Deleted", None),
    ("HealthKitV2Heartbeat_Deleted_20230701-20230702.json", "HealthKitV2Heartbeat_Deleted", None),
    ("FitbitActivityLogs_20220111-20230103.json", "FitbitActivityLogs", None),
    ("FitbitEcg_20220111-20230103.json", "FitbitEcg", None),
    ("FitbitDevices_20220111-20230103.json", "FitbitDevices", None),
    ("FitbitDailyData_20220111-20230103.json", "FitbitDailyData", None),
    ("FitbitIntradayCombined_20220401-20230112.json", "FitbitIntradayCombined", None),
    ("FitbitRestingHeartRates_20220111-20230103.json", "FitbitRestingHeartRates", None),
    ("FitbitSleepLogs_20230112-20230114.json", "FitbitSleepLogs", None),
    ("GoogleFitSamples_20220111-20230103.json", "GoogleFitSamples", None),
    ("GarminDailySummary_20220111-20230103.json", "GarminDailySummary", None),
    ("GarminHealthSnapshotSummary_20220111-20230103.json", "GarminHealthSnapshotSummary", None),
    ("GarminUserMetricsSummary_20220111-20230103.json", "GarminUserMetricsSummary", None),
]


@pytest.mark.parametrize(("member", "data_type", "subtype"), EXAMPLES)
def test_data_type_and_subtype_of_every_example_name(member, data_type, subtype):
    parsed = parse_member_name(member)
    assert (parsed.data_type, parsed.subtype) == (data_type, subtype)


def test_start_and_end_dates_of_a_deleted_samples_name():
    parsed = parse_member_name("HealthKitV2Samples_AbdominalCramps_Deleted_20220111-20230103.json")
    assert parsed.start_date == date(2022, 1, 11)
    assert parsed.end_date == date(2023, 1, 3)


def test_export_dates_render_as_naive_iso_timestamps_at_midnight():
    parsed = parse_member_name("FitbitSleepLogs_20230112-20230114.json")
    assert parsed.export_start_date == "2023-01-12T00:00:00"
    assert parsed.export_end_date == "2023-01-14T00:00:00"


@pytest.mark.parametrize("member", ["EnrolledParticipants_20230114.json", "FitbitDevices_20230114.json"])
def test_end_only_name_has_no_start_date(member):
    parsed = parse_member_name(member)
    assert parsed.start_date is None
    assert parsed.export_start_date is None
    assert parsed.end_date == date(2023, 1, 14)
    assert parsed.export_end_date == "2023-01-14T00:00:00"


@pytest.mark.parametrize(
    ("member", "identifier"),
    [
        ("FitbitDevices_20220112-20230114.json", "FitbitDevices_20220112-20230114"),
        ("FitbitDevices_20230114.json", "FitbitDevices_20230114"),
        ("HealthKitV2Samples_FakeSubtype_20220112-20230114.json",
         "HealthKitV2Samples_FakeSubtype_20220112-20230114"),
        ("HealthKitV2Samples_Weight_Deleted_20230112-20230114.json",
         "HealthKitV2Samples_Weight_Deleted_20230112-20230114"),
    ],
)
def test_identifier_is_the_basename_without_extension_kept_verbatim(member, identifier):
    assert parse_member_name(member).basename_no_ext == identifier


def test_only_the_basename_of_a_path_is_read():
    parsed = parse_member_name("path/to/data/FitbitIntradayCombined_20220401-20230112.json")
    assert parsed.data_type == "FitbitIntradayCombined"
    assert parsed.basename_no_ext == "FitbitIntradayCombined_20220401-20230112"


def test_name_without_extension_parses():
    assert parse_member_name("FitbitEcg_20220111-20230103").data_type == "FitbitEcg"


@pytest.mark.parametrize(
    ("member", "reason"),
    [
        ("empty.json", "no '_'"),
        ("FitbitSleepLogs_2023011-20230114.json", "not YYYYMMDD"),
        ("FitbitSleepLogs_20230112-2023011A.json", "not YYYYMMDD"),
        ("FitbitSleepLogs_latest.json", "not YYYYMMDD"),
        ("FitbitSleepLogs_20230231.json", "not a valid YYYYMMDD date"),
        ("FitbitSleepLogs_20231301-20231302.json", "not a valid YYYYMMDD date"),
        ("FitbitSleepLogs__20230112-20230114.json", "empty or not alphanumeric"),
        ("Fitbit Sleep_20230112-20230114.json", "not alphanumeric"),
        ("HealthKitV2Samples_20230112-20230114.json", "need a subtype"),
    ],
)
def test_name_outside_the_grammar_raises_naming_the_member(member, reason):
    with pytest.raises(MemberNameError) as raised:
        parse_member_name(member)
    assert str(raised.value).startswith(f"{member}: ")
    assert reason in str(raised.value)


# -- admission -----------------------------------------------------------------------------


def test_dispatch_zip_admits_only_the_workouts_file():
    members = {
        "HealthKitV2Workouts_20240508-20240509.json": 120,
        "empty.json": 0,
        "Manifest.json": 40,
        "dir/containing/stuff.json": 30,
    }
    assert [name for name, size in members.items() if admitted(name, size)] == [
        "HealthKitV2Workouts_20240508-20240509.json"
    ]


@pytest.mark.parametrize(
    ("member", "size", "reason"),
    [
        ("dir/containing/stuff.json", 30, "inside a sub-folder"),
        ("dir/", 0, "folder entry"),
        ("Manifest.json", 40, "manifest"),
        ("Manifest.csv", 40, "manifest"),
        ("empty.json", 0, "empty (0 bytes)"),
        ("FitbitSleepLogs_20230112-20230114.json", 0, "empty (0 bytes)"),
    ],
)
def test_skip_reasons(member, size, reason):
    assert skip_reason(member, size) == reason
    assert not admitted(member, size)


def test_extension_is_not_checked():
    assert admitted("FitbitSleepLogs_20230112-20230114.txt", 10)


@pytest.mark.parametrize(
    "member", ["../evil.json", "a/../../evil.json", "/etc/passwd", "\\windows\\x.json", "C:evil.json",
               "c:\\x.json", "x..json"],
)
def test_path_traversal_names_are_unsafe(member):
    assert is_unsafe_path(member)


@pytest.mark.parametrize("member", ["FitbitSleepLogs_20230112-20230114.json", "dir/stuff.json", "Manifest.json"])
def test_ordinary_names_are_safe(member):
    assert not is_unsafe_path(member)


# -- refusals that protect the data -------------------------------------------------------------


@pytest.mark.parametrize("name", [
    "FitbitSleepLogs_٢٠٢٣٠١١٢-٢٠٢٣٠١١٤.json",  # Arabic-Indic digits: Python's \d would take them
    "FitbitSleepLogs_２０２３０１１２-２０２３０１１４.json",  # fullwidth digits
])
def test_dates_are_ascii_digits_only(name):
    with pytest.raises(MemberNameError, match="is not YYYYMMDD"):
        parse_member_name(name)


@pytest.mark.parametrize("token", ["deleted", "DELETED", "DeLeted"])
def test_the_deletions_token_is_refused_in_any_other_spelling(token):
    with pytest.raises(MemberNameError, match="'Deleted' exactly"):
        parse_member_name(f"HealthKitV2Samples_HeartRate_{token}_20230112-20230114.json")


def test_a_deletions_token_outside_healthkit_names_is_refused():
    with pytest.raises(MemberNameError, match="HealthKitV2 names only"):
        parse_member_name("FitbitSleepLogs_Deleted_20230112-20230114.json")


def test_a_deletions_token_not_just_before_the_dates_is_refused():
    with pytest.raises(MemberNameError, match="just before the dates"):
        parse_member_name("HealthKitV2Samples_Deleted_HeartRate_20230112-20230114.json")


def test_a_start_date_after_the_end_date_is_refused():
    with pytest.raises(MemberNameError, match="is after end date"):
        parse_member_name("FitbitSleepLogs_20230115-20230114.json")
