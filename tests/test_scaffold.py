"""The generated model files, models' YAML and registry macro match the registry."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from recover import registry, tables

ROOT = Path(__file__).resolve().parents[1]


def test_generated_files_are_up_to_date_with_the_registry():
    proc = subprocess.run([sys.executable, str(ROOT / "scripts" / "scaffold_models.py"), "--check"],
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 0, f"run `make models`:\n{proc.stderr}"


def test_every_primary_data_type_has_a_parent_and_its_children():
    curated = {p.stem for p in (ROOT / "models" / "curated").glob("*.sql")}
    for dt in registry.load().primary():
        assert tables.parent_table(dt) in curated
        for child in tables.child_tables(dt):
            assert child.table in curated


def test_child_tables_are_named_as_in_the_spec():
    reg = registry.load()
    names = {c.table for dt in reg.primary() for c in tables.child_tables(dt)}
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
    events = next(c for c in tables.child_tables(reg["HealthKitV2Workouts"]) if c.path == "Events")
    cols = [n for n, _ in tables.child_columns(reg["HealthKitV2Workouts"], events)]
    assert "Events_ParticipantID" in cols and "Metadata_HKSWOLFScore" in cols
    symptoms = next(c for c in tables.child_tables(reg["SymptomLog"]) if c.path == "Value_symptoms")
    assert "Value_symptoms_id" in [n for n, _ in tables.child_columns(reg["SymptomLog"], symptoms)]


def test_all_31_expectations_of_spec_6_2_are_dbt_tests_with_severity_warn():
    import yaml

    doc = yaml.safe_load((ROOT / "models" / "curated" / "_curated__models.yml").read_text())
    found = []
    for model in doc["models"]:
        for test in model.get("data_tests", []):
            if isinstance(test, dict) and "recover_column_exists" in test:
                found.append((model["name"], test["recover_column_exists"]))
        for column in model.get("columns", []):
            for test in column.get("data_tests", []):
                if isinstance(test, dict) and "recover_between" in test:
                    found.append((model["name"], test["recover_between"]))
    assert len(found) == 31
    assert all(t["config"]["severity"] == "warn" for _, t in found)
    between = {(m, t["arguments"]["min_value"], t["arguments"]["max_value"]) for m, t in found
               if "min_value" in t.get("arguments", {})}
    assert ("dataset_fitbitdailydata", -15, 15) in between
    assert ("dataset_fitbitsleeplogs", 0, 1440) in between
