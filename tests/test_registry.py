"""The data-type registry (models/staging/_recover__sources.yml) and its loader."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from recover import registry
from recover.registry import Array, DataType, JsonString, OffsetMap, Scalar, Struct, model

REPO_FILE = Path(__file__).resolve().parents[1] / "models" / "staging" / "_recover__sources.yml"
NUMERIC = {"bigint", "double"}


@pytest.fixture(scope="module")
def reg() -> registry.Registry:
    return registry.load(REPO_FILE)


def flat_scalars(fields: dict, prefix: str = "") -> dict[str, Scalar]:
    """Parent-table columns: scalars, with struct names flattened as `a_b`."""
    out: dict[str, Scalar] = {}
    for name, field in fields.items():
        if isinstance(field, Scalar):
            out[prefix + name] = field
        elif isinstance(field, Struct):
            out.update(flat_scalars(field.fields, f"{prefix}{name}_"))
    return out


def write_registry(tmp_path: Path, fields_yaml: str, name: str = "Thing") -> Path:
    """A one-table registry file whose fields block is `fields_yaml`."""
    path = tmp_path / "_recover__sources.yml"
    path.write_text(
        textwrap.dedent(
            f"""\
            version: 2
            sources:
              - name: recover_raw
                tables:
                  - name: {name}
                    identifier: {name.lower()}
                    meta:
                      group: fitbit
                      index: [ParticipantIdentifier]
                      inserted_date: false
                      snapshot: false
                      subtypes: []
                      deleted_of: null
                      fields:
                        ParticipantIdentifier: string
            """
        )
        + textwrap.indent(textwrap.dedent(fields_yaml), " " * 12)
    )
    return path


# --- inventory ---------------------------------------------------------------------------


def test_registry_has_38_data_types(reg):
    assert len(reg.names()) == 38


def test_registry_has_32_primary_data_types(reg):
    assert len(reg.primary()) == 32
    assert all(not dt.is_deleted for dt in reg.primary())


def test_six_deleted_types_each_name_an_existing_healthkit_parent(reg):
    deleted = reg.deleted()
    assert len(deleted) == 6
    for dt in deleted:
        assert dt.name == f"{dt.deleted_of}_Deleted"
        assert dt.deleted_of in reg
        assert not reg[dt.deleted_of].is_deleted
        assert dt.group == "healthkit"


def test_every_healthkit_primary_type_has_a_deleted_twin(reg):
    healthkit = {dt.name for dt in reg.primary() if dt.group == "healthkit"}
    assert healthkit == {dt.deleted_of for dt in reg.deleted()}


def test_groups_match_spec_inventory(reg):
    counts: dict[str, int] = {}
    for dt in reg.primary():
        counts[dt.group] = counts.get(dt.group, 0) + 1
    assert counts == {"participant": 2, "healthkit": 6, "fitbit": 7, "google": 1, "garmin": 16}


def test_identifier_is_the_lower_case_name(reg):
    for dt in reg.types.values():
        assert dt.identifier == dt.name.lower()


def test_every_type_has_a_one_line_description(reg):
    for dt in reg.types.values():
        assert dt.description, dt.name
        assert "\n" not in dt.description


def test_every_field_path_has_a_dictionary_entry(reg):
    """A field cannot land without a description and a decision on personal data."""
    missing = [(dt.name, path) for dt in reg.types.values()
               for path, _spec in model.field_paths(dt.fields) if path not in dt.dictionary]
    assert missing == []
    assert all(doc.description for dt in reg.types.values() for doc in dt.dictionary.values())


def test_direct_identifiers_of_enrolled_participants_are_classified(reg):
    docs = reg["EnrolledParticipants"].dictionary
    for field in ("EmailAddress", "FirstName", "MiddleName", "LastName", "DateOfBirth", "PostalCode"):
        assert docs[field].personal == "direct", field
    assert docs["ParticipantIdentifier"].personal is None


@pytest.mark.parametrize("entry, message", [
    ("{Nope: {description: x}}", "not a field path"),
    ("{Steps: {description: x, personal: maybe}}", "personal must be one of"),
    ("{Steps: {text: x}}", "expected a description"),
])
def test_dictionary_mistakes_are_refused(tmp_path, entry, message):
    path = write_registry(tmp_path, "Steps: string as bigint\n")
    path.write_text(path.read_text() + f"          dictionary: {entry}\n")  # a meta key
    with pytest.raises(registry.RegistryError, match=message):
        registry.load(path)


def test_lookup_of_unknown_type_raises_key_error(reg):
    assert "FitbitProfiles" not in reg
    with pytest.raises(KeyError, match="FitbitProfiles"):
        reg["FitbitProfiles"]


# --- index fields ------------------------------------------------------------------------


def test_every_index_field_is_a_top_level_scalar_field(reg):
    for dt in reg.types.values():
        assert dt.index[0] == "ParticipantIdentifier", dt.name
        for key in dt.index:
            assert isinstance(dt.fields.get(key), Scalar), (dt.name, key)


def test_deleted_types_reuse_their_parents_index(reg):
    for dt in reg.deleted():
        assert dt.index == reg[dt.deleted_of].index


def test_garmin_user_metrics_index_uses_calendar_date_not_the_upstream_typo(reg):
    assert reg["GarminUserMetricsSummary"].index == ("ParticipantIdentifier", "CalendarDate")


def test_garmin_body_composition_has_the_decided_index(reg):
    assert reg["GarminBodyCompositionSummary"].index == ("ParticipantIdentifier", "SummaryId")


def test_symptom_log_index_uses_the_data_spelling_data_point_key(reg):
    assert reg["SymptomLog"].index == ("ParticipantIdentifier", "DataPointKey")
    assert "DatapointKey" not in reg["SymptomLog"].fields


def test_garmin_sleep_index_has_four_fields(reg):
    assert reg["GarminSleepSummary"].index == (
        "ParticipantIdentifier",
        "StartTimeInSeconds",
        "DurationInSeconds",
        "Validation",
    )


# --- fields ------------------------------------------------------------------------------


def test_export_dates_and_cohort_are_not_fields(reg):
    for dt in reg.types.values():
        assert not {"export_start_date", "export_end_date", "cohort"} & set(dt.fields), dt.name


def test_subtyped_types_take_type_from_the_file_name_not_the_fields(reg):
    for dt in reg.types.values():
        if dt.subtyped:
            assert "Type" not in dt.fields, dt.name


def test_data_spelling_is_used_where_the_upstream_yaml_differs(reg):
    daily = reg["FitbitDailyData"].fields
    assert "Spo2" not in daily
    assert list(daily["SpO2"].fields) == ["Avg", "Max", "Min"]
    intraday = reg["FitbitIntradayCombined"].fields
    assert "RMSSD" not in intraday and "Rmssd" in intraday
    google = reg["GoogleFitSamples"].fields
    assert "OriginalDataSourceDeviceUID" in google
    assert "OriginalDataSourceDeviceUid" not in google


def test_fitbit_intraday_numbers_are_delivered_as_strings(reg):
    fields = reg["FitbitIntradayCombined"].fields
    assert fields["Level"] == Scalar("string", "bigint")
    assert fields["Mets"] == Scalar("string", "double")
    assert fields["Rmssd"] == Scalar("string", "double")


def test_mixed_value_fields_stay_varchar(reg):
    assert reg["FitbitIntradayCombined"].fields["Value"] == Scalar("string", "varchar")


def test_healthkit_values_are_numeric(reg):
    for name in ("HealthKitV2Samples", "HealthKitV2Statistics"):
        assert reg[name].fields["Value"] == Scalar("string", "double")


def test_iso_date_times_are_curated_as_timestamps(reg):
    for dt in reg.types.values():
        for key in ("InsertedDate", "DeletedDate", "StartDate", "EndDate"):
            if key in dt.fields:
                assert dt.fields[key] == Scalar("string", "timestamp"), (dt.name, key)


def test_calendar_dates_are_curated_as_dates(reg):
    for dt in reg.types.values():
        if "CalendarDate" in dt.fields:
            assert dt.fields["CalendarDate"] == Scalar("string", "date"), dt.name
    assert reg["FitbitDailyData"].fields["Date"].curated == "date"
    assert reg["FitbitRestingHeartRates"].fields["Date"].curated == "date"
    assert reg["EnrolledParticipants"].fields["DateOfBirth"].curated == "date"


def test_ids_and_keys_stay_varchar(reg):
    for dt in reg.types.values():
        for key, field in dt.fields.items():
            if key.endswith(("Key", "Identifier", "ID", "Id")):
                assert field == Scalar("string", "varchar"), (dt.name, key)


# 6.2: every range expectation column (the column-exists check is HealthKitWorkoutKey).
EXPECTATION_COLUMNS = [
    ("FitbitActivityLogs", "AverageHeartRate"),
    *[
        ("FitbitDailyData", column)
        for column in [
            "Calories",
            "Steps",
            "BreathingRate",
            "MinutesFairlyActive",
            "MinutesLightlyActive",
            "MinutesSedentary",
            "MinutesVeryActive",
            "RestingHeartRate",
            "Hrv_DailyRmssd",
            "SpO2_Avg",
            "SpO2_Min",
            "SpO2_Max",
            "TempSkin",
        ]
    ],
    *[
        ("FitbitIntradayCombined", f"{stage}SleepSummaryBreathRate")
        for stage in ("Deep", "Rem", "Full", "Light")
    ],
    *[
        ("FitbitSleepLogs", column)
        for column in [
            "MinutesAfterWakeup",
            "MinutesAsleep",
            "MinutesAwake",
            "MinutesToFallAsleep",
            "TimeInBed",
            "SleepLevelAwake",
            "SleepLevelAsleep",
            "SleepLevelDeep",
            "SleepLevelLight",
            "SleepLevelRem",
            "SleepLevelRestless",
            "SleepLevelWake",
        ]
    ],
]


def test_expectation_list_has_the_30_range_checks_of_spec_6_2():
    assert len(EXPECTATION_COLUMNS) == 30


@pytest.mark.parametrize(("type_name", "column"), EXPECTATION_COLUMNS)
def test_every_expectation_column_has_a_numeric_curated_type(reg, type_name, column):
    columns = flat_scalars(reg[type_name].fields)
    assert column in columns
    assert columns[column].curated in NUMERIC


def test_workout_key_expected_by_spec_6_2_exists(reg):
    assert "HealthKitWorkoutKey" in reg["HealthKitV2Workouts"].fields


# --- inserted_date, snapshot, subtypes ----------------------------------------------------


def test_inserted_date_flag_matches_an_inserted_date_field(reg):
    for dt in reg.types.values():
        assert dt.inserted_date == ("InsertedDate" in dt.fields), dt.name


def test_enrolled_participants_and_fitbit_ecg_carry_inserted_date(reg):
    assert reg["EnrolledParticipants"].inserted_date
    assert reg["FitbitEcg"].inserted_date


def test_deleted_types_have_deleted_date_and_no_inserted_date(reg):
    for dt in reg.deleted():
        assert not dt.inserted_date
        assert "DeletedDate" in dt.fields


def test_only_enrolled_participants_and_fitbit_devices_are_snapshots(reg):
    assert {dt.name for dt in reg.types.values() if dt.snapshot} == {
        "EnrolledParticipants",
        "FitbitDevices",
    }


def test_healthkit_samples_have_45_subtypes(reg):
    subtypes = reg["HealthKitV2Samples"].subtypes
    assert len(subtypes) == len(set(subtypes)) == 45
    assert {"HeartRate", "Steps", "Weight", "FEV1", "VO2Max"} <= set(subtypes)


def test_healthkit_statistics_have_5_subtypes(reg):
    assert reg["HealthKitV2Statistics"].subtypes == (
        "DailySteps",
        "HourlySteps",
        "HourlyDistanceWalkingRunning",
        "HourlyMaximumHeartRate",
        "HourlyMinimumHeartRate",
    )


def test_deleted_twins_share_the_subtypes_of_their_parent(reg):
    for dt in reg.deleted():
        assert dt.subtypes == reg[dt.deleted_of].subtypes


def test_only_healthkit_samples_and_statistics_are_subtyped(reg):
    assert {dt.name for dt in reg.types.values() if dt.subtyped} == {
        "HealthKitV2Samples",
        "HealthKitV2Samples_Deleted",
        "HealthKitV2Statistics",
        "HealthKitV2Statistics_Deleted",
    }


# --- nested specs ------------------------------------------------------------------------

OFFSET_MAPS = [
    ("GarminDailySummary", "TimeOffsetHeartRateSamples", "HeartRate", "int"),
    ("GarminHrvSummary", "HrvValues", "Hrv", "int"),
    ("GarminPulseOxSummary", "TimeOffsetSpo2Values", "Spo2Value", "int"),
    ("GarminRespirationSummary", "TimeOffsetEpochToBreaths", "Breaths", "double"),
    ("GarminSleepSummary", "TimeOffsetSleepSpo2", "Spo2Value", "int"),
    ("GarminSleepSummary", "TimeOffsetSleepRespiration", "Breaths", "double"),
    ("GarminStressDetailSummary", "TimeOffsetStressLevelValues", "StressLevel", "int"),
    ("GarminStressDetailSummary", "TimeOffsetBodyBatteryValues", "BodyBattery", "int"),
    ("GarminThirdPartyDailySummary", "TimeOffsetHeartRateSamples", "HeartRate", "int"),
]


@pytest.mark.parametrize(("type_name", "field", "value", "value_type"), OFFSET_MAPS)
def test_garmin_offset_maps_of_spec_3_2(reg, type_name, field, value, value_type):
    assert reg[type_name].fields[field] == OffsetMap(value, value_type)


def test_health_snapshot_epoch_summaries_are_an_offset_map_inside_the_summaries_array(reg):
    summaries = reg["GarminHealthSnapshotSummary"].fields["Summaries"]
    assert isinstance(summaries, Array) and isinstance(summaries.element, Struct)
    assert summaries.element.fields["EpochSummaries"] == OffsetMap("Value", "double")


def test_offset_maps_appear_only_where_spec_3_2_lists_them(reg):
    def offset_maps(fields: dict, prefix: str = "") -> set[str]:
        found = set()
        for name, field in fields.items():
            if isinstance(field, OffsetMap):
                found.add(prefix + name)
            elif isinstance(field, Struct):
                found |= offset_maps(field.fields, f"{prefix}{name}.")
            elif isinstance(field, Array) and isinstance(field.element, Struct):
                found |= offset_maps(field.element.fields, f"{prefix}{name}[].")
        return found

    found = {(dt.name, path) for dt in reg.types.values() for path in offset_maps(dt.fields)}
    expected = {(t, f) for t, f, _, _ in OFFSET_MAPS}
    expected.add(("GarminHealthSnapshotSummary", "Summaries[].EpochSummaries"))
    assert found == expected


def test_symptom_log_value_is_a_json_string_of_the_symptom_struct(reg):
    fields = reg["SymptomLog"].fields
    value = fields["Value"]
    assert isinstance(value, JsonString) and isinstance(value.inner, Struct)
    inner = value.inner.fields
    assert list(inner) == ["symptoms", "treatments", "notes", "icon", "overallFeeling"]
    assert inner["symptoms"] == Array(
        Struct({"id": Scalar("string", "varchar"), "severity": Scalar("int", "bigint")})
    )
    assert inner["treatments"] == Array(Struct({"id": Scalar("string", "varchar")}))
    assert inner["overallFeeling"] == Scalar("int", "bigint")


def test_symptom_log_properties_stay_a_plain_string(reg):
    assert reg["SymptomLog"].fields["Properties"] == Scalar("string", "varchar")


def test_symptom_log_has_no_participant_id(reg):
    assert "ParticipantID" not in reg["SymptomLog"].fields


@pytest.mark.parametrize("field", ["Symptoms", "Treatments"])
def test_custom_fields_symptoms_and_treatments_are_json_arrays(reg, field):
    spec = reg["EnrolledParticipants"].fields["CustomFields"].fields[field]
    assert isinstance(spec, JsonString) and isinstance(spec.inner, Array)
    element = spec.inner.element
    assert isinstance(element, Struct)
    assert {"id", "name", "color", "inactive"} <= set(element.fields)
    assert element.fields["inactive"] == Scalar("boolean", "boolean")


def test_json_strings_appear_only_in_symptom_log_and_custom_fields(reg):
    found = set()
    for dt in reg.types.values():
        for name, field in dt.fields.items():
            if isinstance(field, JsonString):
                found.add((dt.name, name))
            elif isinstance(field, Struct):
                found |= {
                    (dt.name, f"{name}.{sub}")
                    for sub, spec in field.fields.items()
                    if isinstance(spec, JsonString)
                }
    assert found == {
        ("SymptomLog", "Value"),
        ("EnrolledParticipants", "CustomFields.Symptoms"),
        ("EnrolledParticipants", "CustomFields.Treatments"),
    }


def test_fitbit_ecg_waveform_is_an_array_of_ints(reg):
    assert reg["FitbitEcg"].fields["WaveformSamples"] == Array(Scalar("int", "bigint"))


# --- raw columns -------------------------------------------------------------------------


def test_raw_columns_are_the_top_level_field_names_in_order(reg):
    dt = reg["FitbitSleepLogs"]
    columns = dt.raw_columns
    assert columns == list(dt.fields)
    assert columns[:3] == ["ParticipantIdentifier", "ParticipantID", "StartDate"]
    assert "SleepLogDetails" in columns and "SleepLogDetails_Type" not in columns


# --- loader ------------------------------------------------------------------------------


def test_default_load_finds_the_repository_file():
    assert registry.load().names() == registry.load(REPO_FILE).names()


def test_load_is_cached():
    assert registry.load(REPO_FILE) is registry.load(REPO_FILE)


def test_load_honours_the_recover_registry_environment_variable(tmp_path, monkeypatch):
    path = write_registry(tmp_path, "Steps: string as bigint\n", name="EnvThing")
    monkeypatch.setenv("RECOVER_REGISTRY", str(path))
    assert registry.load().names() == ["EnvThing"]


def test_load_parses_a_small_registry(tmp_path):
    path = write_registry(
        tmp_path,
        """\
        Steps: string as bigint
        Zone: {Max: int, Label: string}
        Samples: {$offset_map: {value: HeartRate, type: int}}
        """,
    )
    dt: DataType = registry.load(path)["Thing"]
    assert dt.fields["Steps"] == Scalar("string", "bigint")
    assert dt.fields["Zone"] == Struct(
        {"Max": Scalar("int", "bigint"), "Label": Scalar("string", "varchar")}
    )
    assert dt.fields["Samples"] == OffsetMap("HeartRate", "int")
    assert dt.deleted_of is None and not dt.is_deleted and not dt.subtyped


@pytest.mark.parametrize(
    ("fields_yaml", "path", "problem"),
    [
        ("Steps: strin\n", "Steps", "unknown JSON type 'strin'"),
        ("Steps: string as integer\n", "Steps", "unknown curated type 'integer'"),
        ("Steps: string to bigint\n", "Steps", "malformed spec"),
        ("Zone: {Max: int, Min: float}\n", r"Zone\.Min", "unknown JSON type 'float'"),
        ("Details: [{Value: string}, {Other: int}]\n", "Details", "exactly one element"),
        ("Details: [{Value: strng}]\n", r"Details\[\]\.Value", "unknown JSON type"),
        ("Value: {$json: {a: [{b: bool}]}}\n", r"Value\.a\[\]\.b", "unknown JSON type 'bool'"),
        ("Hr: {$offset_map: {value: HeartRate, type: float}}\n", "Hr", "int or double"),
        ("Hr: {$offset_map: {value: HeartRate}}\n", "Hr", r"\$offset_map needs"),
        ("Hr: {$offsets: {value: HeartRate, type: int}}\n", "Hr", "unknown directive"),
        ("Zone: {}\n", "Zone", "empty struct"),
        ("Flag: 3\n", "Flag", "malformed spec"),
    ],
)
def test_malformed_spec_raises_value_error_naming_type_and_field_path(
    tmp_path, fields_yaml, path, problem
):
    with pytest.raises(ValueError, match=rf"Thing: field {path}: .*{problem}"):
        registry.load(write_registry(tmp_path, fields_yaml))


def test_duplicate_field_name_is_refused(tmp_path):
    with pytest.raises(ValueError, match="duplicate key 'Steps'"):
        registry.load(write_registry(tmp_path, "Steps: int\nSteps: string\n"))


def test_index_field_missing_from_fields_is_refused(tmp_path):
    path = write_registry(tmp_path, "LogId: string\n")
    text = path.read_text().replace("[ParticipantIdentifier]", "[ParticipantIdentifier, LogID]")
    path.write_text(text)
    with pytest.raises(ValueError, match="Thing: index field 'LogID'"):
        registry.load(path)


def test_missing_meta_key_is_refused(tmp_path):
    path = write_registry(tmp_path, "Steps: int\n")
    lines = path.read_text().splitlines(keepends=True)
    path.write_text("".join(line for line in lines if "snapshot:" not in line))
    with pytest.raises(ValueError, match="Thing: meta is missing snapshot"):
        registry.load(path)


def test_deleted_of_an_unknown_type_is_refused(tmp_path):
    path = write_registry(tmp_path, "Steps: int\n")
    path.write_text(path.read_text().replace("deleted_of: null", "deleted_of: Nothing"))
    with pytest.raises(ValueError, match="Thing: deleted_of names unknown data type 'Nothing'"):
        registry.load(path)


def test_loader_rereads_a_changed_file(tmp_path):
    path = write_registry(tmp_path, "Steps: int\n")
    assert "Steps" in registry.load(path)["Thing"].fields
    path.write_text(path.read_text().replace("Steps: int", "Floors: int       "))
    assert "Floors" in registry.load(path)["Thing"].fields
