"""`recover generate`: a synthetic export series in the format of the export format (docs/data-contract.md).

The archives are read back with zipfile and the member-name grammar of recover.names, the
same way the ingest reads real exports.
"""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
import zipfile
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import pytest
from recover import registry
from recover.generate import generate_series, plan
from recover.ingest.names import parse_member_name

OFFSET_MAP_TYPES = {"GarminDailySummary", "GarminHrvSummary", "GarminPulseOxSummary",
                    "GarminRespirationSummary", "GarminSleepSummary", "GarminStressDetailSummary",
                    "GarminThirdPartyDailySummary", "GarminHealthSnapshotSummary"}


@dataclass
class Export:
    path: Path
    cohort: str
    manifest: dict[str, str]
    sizes: dict[str, int]  # member -> uncompressed bytes
    members: dict[str, list[str]]  # member -> NDJSON lines


def read_export(path: Path) -> Export:
    with zipfile.ZipFile(path) as zf:
        assert zf.testzip() is None
        rows = list(csv.reader(io.StringIO(zf.read("Manifest.csv").decode())))
        sizes = {i.filename: i.file_size for i in zf.infolist() if i.filename != "Manifest.csv"}
        members = {}
        for name in sizes:
            text = zf.read(name).decode("ascii")
            assert text == "" or text.endswith("\n"), name
            members[name] = text.splitlines()
    assert len(rows) == 2
    return Export(path, path.parent.name, dict(zip(rows[0], rows[1], strict=True)), sizes,
                  members)


@pytest.fixture(scope="module")
def reg() -> registry.Registry:
    return registry.load()


@pytest.fixture(scope="module")
def series_dir(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("series")
    generate_series(out, exports=3, seed=0)
    return out


@pytest.fixture(scope="module")
def exports(series_dir) -> list[Export]:
    return [read_export(p) for p in sorted(series_dir.glob("*/*"))]


@pytest.fixture(scope="module")
def records(exports, reg):
    """(data type, subtype) -> list of (export end date, cohort, record)."""
    out = defaultdict(list)
    for export in exports:
        for name, lines in export.members.items():
            meta = parse_member_name(name)
            out[(meta.data_type, meta.subtype)].extend(
                (meta.export_end_date, export.cohort, json.loads(line)) for line in lines
            )
    return out


def by_key(records, reg, data_type):
    """key -> deliveries, over every subtype of the type."""
    index = reg[data_type].index
    out = defaultdict(list)
    for (dt, _sub), rows in records.items():
        if dt == data_type:
            for end, cohort, rec in rows:
                out[tuple(rec.get(f) for f in index)].append((end, cohort, rec))
    return out


# ------------------------------------------------------------------ container and names


def test_both_cohorts_get_every_export(series_dir):
    for cohort in ("adults_v1", "pediatric_v1"):
        names = sorted(p.name for p in (series_dir / cohort).iterdir())
        assert len(names) == 3
        for name in names:
            stamp, _, export_id = name.partition("_")
            assert stamp.endswith("Z") and len(stamp) == len("2023-01-15T00:12:49Z")
            assert len(export_id) == 36 and "." not in name


def test_same_seed_gives_identical_bytes_and_another_seed_does_not(series_dir, tmp_path):
    again = tmp_path / "again"
    cmd = [sys.executable, "-m", "recover.cli", "generate", str(again), "--seed", "0"]
    subprocess.run(cmd, check=True, capture_output=True)
    first = sorted(p.relative_to(series_dir) for p in series_dir.glob("*/*"))
    assert first == sorted(p.relative_to(again) for p in again.glob("*/*"))
    for rel in first:
        assert (series_dir / rel).read_bytes() == (again / rel).read_bytes(), rel

    other = generate_series(tmp_path / "other", exports=3, seed=1)
    for path in other:
        assert not (series_dir / path.relative_to(tmp_path / "other")).exists()
        assert path.read_bytes() not in {(series_dir / rel).read_bytes() for rel in first}


def test_manifest_counts_equal_member_line_counts(exports):
    for export in exports:
        fixed = ["ExportStartDate", "ExportEndDate", "ExportConfiguration",
                 "ExcludedParticipantIdentifiers"]
        assert list(export.manifest)[:4] == fixed
        assert export.manifest["ExportConfiguration"] == "RecoverMHDR"
        assert export.manifest["ExcludedParticipantIdentifiers"] == "[]"
        assert export.manifest["ExportEndDate"].endswith("T00:00:00+00:00")
        counts = {col: int(v) for col, v in list(export.manifest.items())[4:]}
        assert counts == {name.rsplit("_", 1)[0]: len(lines)
                          for name, lines in export.members.items()}


def test_member_names_follow_the_grammar(exports, reg):
    for export in exports:
        start = export.manifest["ExportStartDate"][:10]
        end = export.manifest["ExportEndDate"][:10]
        for name in export.members:
            assert "/" not in name and name.endswith(".json")
            meta = parse_member_name(name)
            dt = reg[meta.data_type]
            assert meta.end_date.isoformat() == end
            if dt.snapshot:
                assert meta.start_date is None, name
            else:
                assert meta.start_date.isoformat() == start, name
            assert (meta.subtype is not None) == bool(dt.subtypes), name
            if meta.subtype:
                assert meta.subtype in dt.subtypes


def test_snapshot_types_have_end_only_names(exports):
    names = set(exports[0].members)
    assert "EnrolledParticipants_20230114.json" in names
    assert "FitbitDevices_20230114.json" in names


def test_special_name_forms_are_used(exports):
    names = set(exports[0].members)
    for expected in ("HealthKitV2Heartbeat_Samples_20230105-20230114.json",
                     "HealthKitV2Heartbeat_Samples_Deleted_20230105-20230114.json",
                     "HealthKitV2Electrocardiogram_Samples_Deleted_20230105-20230114.json",
                     "HealthKitV2Workouts_Deleted_20230105-20230114.json",
                     "HealthKitV2Samples_HeartRate_Deleted_20230105-20230114.json",
                     "HealthKitV2Statistics_DailySteps_20230105-20230114.json"):
        assert expected in names


def test_zero_byte_members_say_no_records(exports):
    empty = [(e.cohort, n) for e in exports for n, size in e.sizes.items() if size == 0]
    assert len(empty) > 10
    # a primary type with no records in a cohort's first export, not only deletion files
    assert any("Deleted" not in n for _, n in empty)


def test_every_data_type_has_records(records, reg):
    present = {dt for (dt, _), rows in records.items() if rows}
    assert present == set(reg.types)
    assert len(present) == 38
    samples = {sub for (dt, sub), rows in records.items() if dt == "HealthKitV2Samples" and rows}
    assert len(samples) >= 4


def test_values_follow_the_json_types_of_the_registry(records, reg):
    for (dt_name, _), rows in records.items():
        fields = reg[dt_name].fields
        for _, _, rec in rows[:50]:
            for name, value in rec.items():
                spec = fields[name]
                if value is None or not isinstance(spec, registry.Scalar):
                    continue
                expected = {"string": str, "int": int, "double": (int, float),
                            "boolean": bool}[spec.json_type]
                assert isinstance(value, expected), (dt_name, name, value)
                if spec.curated == "timestamp" and spec.json_type == "string":
                    assert len(value) == 19 and value[10] == "T", (dt_name, name, value)


# ------------------------------------------------------------------ overlaps and deletions


def test_a_key_is_redelivered_with_a_later_inserted_date(records, reg):
    found = [k for k, rows in by_key(records, reg, "GarminDailySummary").items()
             if len({end for end, _, _ in rows}) > 1
             and rows[-1][2].get("InsertedDate") and rows[0][2].get("InsertedDate")
             and rows[-1][2]["InsertedDate"] > rows[0][2]["InsertedDate"]]
    assert found


def test_a_key_is_redelivered_with_a_null_or_missing_inserted_date(records, reg):
    for data_type in ("HealthKitV2Samples", "SymptomLog", "FitbitIntradayCombined"):
        keyed = by_key(records, reg, data_type)
        nulls = [k for k, rows in keyed.items() if len(rows) > 1
                 and any("InsertedDate" in r and r["InsertedDate"] is None for _, _, r in rows)]
        missing = [k for k, rows in keyed.items() if len(rows) > 1
                   and any("InsertedDate" not in r for _, _, r in rows)]
        assert nulls and missing, data_type


def test_an_exact_tie_across_cohorts(records, reg):
    for data_type in reg.types:
        if reg[data_type].is_deleted:
            continue
        ties = [k for k, rows in by_key(records, reg, data_type).items()
                if len({(end, r.get("InsertedDate")) for end, _, r in rows}) == 1
                and {c for _, c, _ in rows} == {"adults_v1", "pediatric_v1"}]
        assert ties, data_type


def test_types_without_inserted_date_are_redelivered_in_a_later_export(records, reg):
    keyed = by_key(records, reg, "FitbitSleepLogs")
    later = [k for k, rows in keyed.items() if len({end for end, _, _ in rows}) == 2]
    assert later


def test_regular_keys_never_repeat_only_scenario_keys_do(records, reg):
    for dt in reg:
        if dt.is_deleted or dt.snapshot:
            continue
        repeated = [k for k, rows in by_key(records, reg, dt.name).items() if len(rows) > 1]
        assert all(k[0].startswith("RX") for k in repeated), dt.name


def test_deletions_hit_existing_samples_and_a_reinserted_key_stays_listed(records, reg):
    for deleted in reg.deleted():
        index = deleted.index
        samples = by_key(records, reg, deleted.deleted_of)
        deletions = defaultdict(list)
        for (dt, _sub), rows in records.items():
            if dt == deleted.name:
                for end, cohort, rec in rows:
                    assert rec["DeletedDate"]
                    deletions[tuple(rec[f] for f in index)].append(end)
        hit = [k for k in deletions if k in samples]
        assert hit, deleted.name
        reinserted = [k for k in hit
                      if max(end for end, _, _ in samples[k]) > min(deletions[k])]
        assert reinserted, deleted.name
        assert [k for k in deletions if k not in samples], "an orphan deletion"


def test_the_plan_names_every_scenario_delivery(records, reg):
    the_plan = plan(exports=3, seed=0, reg=reg)
    scenarios = the_plan.expectations()
    assert {s["rule"] for s in scenarios} >= {"later_inserted", "null_inserted_later",
                                              "missing_inserted_later", "tie", "later_export",
                                              "deleted", "deleted_then_reinserted"}
    keyed = {name: by_key(records, reg, name) for name in reg.types}
    for sc in scenarios:
        for d in sc["deliveries"]:
            name = f"{sc['data_type']}_Deleted" if d["deleted"] else sc["data_type"]
            key = tuple(sc["keys"][f] for f in reg[name].index)
            hits = [r for end, c, r in keyed[name][key]
                    if end == d["export_end_date"] and c == d["cohort"]]
            assert len(hits) == 1, (sc["rule"], sc["data_type"], d)
            rec = hits[0]
            if not d["deleted"] and reg[name].inserted_date:
                expected = d["inserted"]
                assert rec.get("InsertedDate", "<missing>") == expected, (sc["rule"], name)


# ------------------------------------------------------------------ value transforms


def test_symptomlog_value_is_a_json_string_holding_an_object(records):
    rows = records[("SymptomLog", None)]
    assert rows
    for _, _, rec in rows:
        assert isinstance(rec["Value"], str)
        assert isinstance(json.loads(rec["Value"]), dict)
    assert any("overallFeeling" in json.loads(rec["Value"]) for _, _, rec in rows)


def test_customfields_symptoms_include_empty_and_malformed_strings(records):
    seen = defaultdict(set)
    for _, _, rec in records[("EnrolledParticipants", None)]:
        for field in ("Symptoms", "Treatments"):
            text = rec["CustomFields"].get(field)
            if not isinstance(text, str):
                continue
            if text == "":
                seen["empty"].add(field)
                continue
            try:
                assert isinstance(json.loads(text), list)
                seen["valid"].add(field)
            except json.JSONDecodeError:
                assert text.startswith('[{\\"'), text[:20]
                seen["malformed"].add(field)
    assert seen["empty"] and seen["malformed"] and seen["valid"] == {"Symptoms", "Treatments"}


def test_garmin_offset_maps_mix_numbers_strings_and_a_non_numeric_value(records, reg):
    values = []
    for (dt_name, _), rows in records.items():
        if dt_name not in OFFSET_MAP_TYPES:
            continue
        for _, _, rec in rows:
            maps = [v for k, v in rec.items()
                    if isinstance(reg[dt_name].fields[k], registry.OffsetMap) and v is not None]
            maps += [s["EpochSummaries"] for s in rec.get("Summaries") or []
                     if s.get("EpochSummaries") is not None]
            for m in maps:
                assert isinstance(m, dict) and all(k.isdigit() for k in m)
                values.extend(m.values())
    assert None not in values  # a null map value crashes upstream (an upstream defect, fixed here)
    assert any(isinstance(v, str) and v.replace(".", "").isdigit() for v in values)
    assert any(isinstance(v, float) for v in values)

    def numeric(v):
        try:
            float(v)
            return True
        except ValueError:
            return False

    assert [v for v in values if not numeric(v)]


def test_snapshot_summaries_carry_epoch_offset_maps(records):
    rows = records[("GarminHealthSnapshotSummary", None)]
    summaries = [s for _, _, r in rows for s in r.get("Summaries") or []]
    assert summaries and all(isinstance(s.get("EpochSummaries", {}), dict) for s in summaries)


def test_a_few_numeric_strings_fail_their_cast(records, reg):
    bad = total = 0
    for (dt_name, _), rows in records.items():
        for _, _, rec in rows:
            for name, value in rec.items():
                spec = reg[dt_name].fields[name]
                if (isinstance(spec, registry.Scalar) and spec.json_type == "string"
                        and spec.curated in ("bigint", "double") and value is not None):
                    total += 1
                    try:
                        float(value)
                    except ValueError:
                        bad += 1
    assert 0 < bad < total / 100


# ------------------------------------------------------------------ size and memory


def test_size_mb_is_honoured(tmp_path):
    paths = generate_series(tmp_path, exports=1, size_mb=20, seed=3)
    for path in paths:
        with zipfile.ZipFile(path) as zf:
            total = sum(i.file_size for i in zf.infolist() if i.filename != "Manifest.csv")
        assert 14e6 <= total <= 26e6, (path.name, total)


def test_memory_stays_flat_for_a_large_series(tmp_path):
    # A wrapper process whose only child is the generator: its RUSAGE_CHILDREN is that child.
    wrapper = (
        "import resource, subprocess, sys\n"
        "subprocess.run([sys.executable, '-m', 'recover.cli', 'generate', sys.argv[1],"
        " '--exports', '1', '--size-mb', '100'], check=True, capture_output=True)\n"
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
    )
    out = subprocess.run([sys.executable, "-c", wrapper, str(tmp_path)], check=True,
                         capture_output=True, text=True)
    peak_mb = int(out.stdout) / 1024  # ru_maxrss is in KiB on Linux
    written = 0
    for path in tmp_path.glob("*/*"):
        with zipfile.ZipFile(path) as zf:
            written += sum(i.file_size for i in zf.infolist())
    assert written > 180e6
    assert peak_mb < 150, f"peak RSS {peak_mb:.0f} MB while writing {written / 1e6:.0f} MB"


def test_cli_rejects_bad_arguments(tmp_path, capsys):
    from recover.cli import main

    assert main(["generate", str(tmp_path), "--exports", "0"]) == 2
    assert main(["generate", str(tmp_path), "--size-mb", "0"]) == 2
    assert not list(tmp_path.iterdir())
