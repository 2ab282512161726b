"""The generated model files, models' YAML and registry macro match the registry."""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

import yaml
from recover import registry
from recover.registry import layout

ROOT = Path(__file__).resolve().parents[1]


def test_generated_files_are_up_to_date_with_the_registry():
    proc = subprocess.run([sys.executable, str(ROOT / "scripts" / "scaffold_models.py"), "--check"],
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 0, f"run `make models`:\n{proc.stderr}"


def test_every_primary_data_type_has_a_parent_and_its_children():
    curated = {p.stem for p in (ROOT / "models" / "curated").glob("*.sql")}
    for dt in registry.load().primary():
        t = layout.table_layout(dt)
        assert t.models.parent in curated
        for child in t.children:
            assert child.table in curated


def test_child_tables_are_named_by_data_type_and_array_path():
    reg = registry.load()
    names = {c.table for dt in reg.primary() for c in layout.table_layout(dt).children}
    for expected in ("dataset_enrolledparticipants_customfields_symptoms",
                     "dataset_enrolledparticipants_customfields_treatments",
                     "dataset_fitbitecg_waveformsamples", "dataset_fitbitsleeplogs_sleeplogdetails",
                     "dataset_healthkitv2workouts_events", "dataset_symptomlog_value_symptoms",
                     "dataset_symptomlog_value_treatments",
                     "dataset_garminsleepsummary_sleeplevelsmap_deep",
                     "dataset_garmindailysummary_timeoffsetheartratesamples"):
        assert expected in names


def test_colliding_element_fields_get_the_long_name():
    reg = registry.load()
    workouts = layout.table_layout(reg["HealthKitV2Workouts"])
    cols = [n for n, _ in layout.child_columns(workouts, workouts.child("Events"))]
    assert "Events_ParticipantID" in cols and "Metadata_HKSWOLFScore" in cols
    symptoms = layout.table_layout(reg["SymptomLog"])
    assert "Value_symptoms_id" in [
        n for n, _ in layout.child_columns(symptoms, symptoms.child("Value_symptoms"))]


def value_expectations() -> list[dict]:
    with (ROOT / "seeds" / "value_expectations.csv").open(newline="") as fh:
        return list(csv.DictReader(fh))


def test_every_value_expectation_names_a_curated_column():
    reg = registry.load()
    columns = {t.models.parent: {n for n, _ in t.parent_columns}
               for t in layout.layouts(reg).values() if t.models.parent}
    rows = value_expectations()
    assert len(rows) == 30
    for row in rows:
        assert row["column_name"] in columns[row["table_name"]], row
        assert float(row["min_value"]) <= float(row["max_value"]), row
    assert {"table_name": "dataset_fitbitdailydata", "column_name": "BreathingRate",
            "min_value": "4", "max_value": "40"} in rows


def test_the_value_ranges_and_expected_columns_are_warn_tests_on_their_tables():
    doc = yaml.safe_load((ROOT / "models" / "curated" / "_curated__models.yml").read_text())
    tests = {model["name"]: model.get("data_tests", []) for model in doc["models"]}
    ranged = {row["table_name"] for row in value_expectations()}
    for table, model_tests in tests.items():
        ranges = [t["recover_value_ranges"] for t in model_tests
                  if isinstance(t, dict) and "recover_value_ranges" in t]
        assert len(ranges) == (1 if table in ranged else 0), table
        assert all(r["config"]["severity"] == "warn" for r in ranges)
    exists = [(name, t["recover_column_exists"]) for name, model_tests in tests.items()
              for t in model_tests if isinstance(t, dict) and "recover_column_exists" in t]
    assert [(n, t["arguments"]["column_name"], t["config"]["severity"]) for n, t in exists] == [
        ("dataset_healthkitv2workouts", "HealthKitWorkoutKey", "warn")]


def test_the_data_type_catalog_seed_lists_every_primary_data_type():
    with (ROOT / "seeds" / "data_types.csv").open(newline="") as fh:
        rows = {row["data_type"]: row for row in csv.DictReader(fh)}
    reg = registry.load()
    assert list(rows) == [dt.name for dt in reg.primary()]
    assert rows["HealthKitV2Samples"]["deletions_data_type"] == "HealthKitV2Samples_Deleted"
    assert rows["FitbitSleepLogs"]["child_tables"] == "dataset_fitbitsleeplogs_sleeplogdetails"
