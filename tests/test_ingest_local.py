"""`recover ingest` into a local lake: layout, idempotence, raw views, and refusing bad input."""

import gzip
import hashlib
import json
import subprocess
import sys
import zipfile
import zlib
from pathlib import Path

import pytest
from recover.ingest.local_sink import unmodelled_datasets

from tests.support.exports import EXPORT_NAME, SLEEP, WEIGHT_DELETED, ndjson, write_export

DEVICES = "FitbitDevices_20230114.json"

SLEEP_DATA = ndjson(
    {"ParticipantIdentifier": "RK-1", "LogId": "1", "Duration": 3600000, "IsMainSleep": True,
     "SleepLogDetails": [{"Type": "light", "Value": "30"}]},
    {"ParticipantIdentifier": "RK-2", "LogId": "2", "Duration": "60000", "IsMainSleep": False},
)
DEVICES_DATA = ndjson({"ParticipantIdentifier": "RK-1", "Device": "Charge 5"})
WEIGHT_DELETED_DATA = ndjson({"ParticipantIdentifier": "RK-1", "HealthKitSampleKey": "k1"})


EXPORT_ID = "2024-06-09T00-12-49Z_0b6f"  # the export's id in the lake (no `:`)


def raw_files(lake: Path) -> dict[str, bytes]:
    """Every raw data file (commit records and locks aside), by path relative to the lake."""
    return {str(p.relative_to(lake)): p.read_bytes() for p in sorted(lake.rglob("*"))
            if p.is_file() and "/raw/dataset=" in str(p)}


def commits(lake: Path) -> list[dict]:
    return [json.loads(p.read_text()) for p in sorted((lake / "dev/raw/_exports").rglob("*.json"))]


def leftovers(lake: Path) -> list[Path]:
    return [p for p in lake.rglob("*") if p.suffix == ".tmp"]


@pytest.fixture
def lake(tmp_path: Path) -> Path:
    return tmp_path / "lake"


@pytest.fixture
def export(tmp_path: Path) -> Path:
    return write_export(
        tmp_path / "inbox" / "adults_v1" / EXPORT_NAME,
        {SLEEP: SLEEP_DATA, DEVICES: DEVICES_DATA, WEIGHT_DELETED: WEIGHT_DELETED_DATA,
         "Manifest.csv": b"ExportStartDate,ExportEndDate\n", "FitbitEcg_20230112-20230114.json": b""},
    )


def one_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    return lines[0]


# -- landing ------------------------------------------------------------------------------------


def test_members_land_in_the_raw_layout_and_gunzip_to_the_member_bytes(cli, export, lake):
    code, out, _ = cli("ingest", export, "--lake", lake, "--namespace", "dev")
    assert code == 0
    raw = lake / "dev" / "raw"
    part = f"cohort=adults_v1/export={EXPORT_ID}"
    expected = {
        raw / f"dataset=FitbitSleepLogs/{part}/FitbitSleepLogs_20230112-20230114.ndjson.gz": SLEEP_DATA,
        raw / f"dataset=FitbitDevices/{part}/FitbitDevices_20230114.ndjson.gz": DEVICES_DATA,
        raw / (f"dataset=HealthKitV2Samples_Deleted/{part}/"
               "HealthKitV2Samples_Weight_Deleted_20230112-20230114.ndjson.gz"): WEIGHT_DELETED_DATA,
    }
    assert sorted(lake / p for p in raw_files(lake)) == sorted(expected)
    for path, data in expected.items():
        assert gzip.decompress(path.read_bytes()) == data
    assert "landed  3 member(s)" in out


def test_the_commit_record_is_written_last_and_names_every_member(cli, export, lake):
    cli("ingest", export, "--lake", lake, "--namespace", "dev")
    (record,) = commits(lake)
    assert (record["export"], record["export_id"], record["cohort"]) == (
        EXPORT_NAME, EXPORT_ID, "adults_v1")
    members = {m["member"]: m for m in record["members"]}
    assert set(members) == {SLEEP, DEVICES, WEIGHT_DELETED}
    sleep = members[SLEEP]
    assert sleep["lines"] == 2 and sleep["bytes"] == len(SLEEP_DATA)
    assert sleep["crc32"] == f"{zlib.crc32(SLEEP_DATA):08x}"
    assert (lake / sleep["key"]).is_file()
    assert sorted(record["skipped"]) == ["FitbitEcg_20230112-20230114.json (empty (0 bytes))",
                                         "Manifest.csv (manifest)"]
    for path in (lake / m["key"] for m in record["members"]):
        assert oct(path.stat().st_mode & 0o777) == "0o640"
    assert oct((lake / "dev" / "raw").stat().st_mode & 0o777) == "0o750"


def test_summary_counts_routine_skips_by_reason(cli, export, lake):
    _, out, _ = cli("ingest", export, "--lake", lake, "--namespace", "dev")
    assert "1 empty (0 bytes), 1 manifest" in out
    assert "FitbitEcg_20230112-20230114.json" not in out  # routine: counted, not listed


def test_dispatch_zip_lands_only_the_workouts_file_and_warns_about_the_sub_folder(cli, tmp_path, lake):
    workouts = ndjson({"ParticipantIdentifier": "RK-1", "HealthKitWorkoutKey": "w1"})
    export = write_export(tmp_path / "adults_v1" / EXPORT_NAME, {
        "HealthKitV2Workouts_20240508-20240509.json": workouts,
        "empty.json": b"",
        "Manifest.json": b"{}",
        "dir/containing/stuff.json": b"{}\n",
    })
    code, out, err = cli("ingest", export, "--lake", lake, "--namespace", "dev")
    assert code == 0
    assert [Path(p).name for p in raw_files(lake)] == ["HealthKitV2Workouts_20240508-20240509.ndjson.gz"]
    assert f"warning: {export}: dir/containing/stuff.json: skipped, inside a sub-folder" in err
    assert "skipped 3 member(s)" in out


def test_stored_members_are_recompressed_to_the_same_content(cli, tmp_path, lake):
    export = write_export(tmp_path / "adults_v1" / EXPORT_NAME, {SLEEP: SLEEP_DATA}, zipfile.ZIP_STORED)
    assert cli("ingest", export, "--lake", lake, "--namespace", "dev")[0] == 0
    landed = next((lake / "dev" / "raw").rglob("*.ndjson.gz"))
    assert gzip.decompress(landed.read_bytes()) == SLEEP_DATA


def test_cohort_defaults_to_the_export_parent_folder(cli, tmp_path, lake):
    export = write_export(tmp_path / "pediatric_v1" / EXPORT_NAME, {SLEEP: SLEEP_DATA})
    cli("ingest", export, "--lake", lake, "--namespace", "dev")
    assert (lake / "dev/raw/dataset=FitbitSleepLogs/cohort=pediatric_v1").is_dir()


def test_cohort_option_overrides_the_parent_folder(cli, export, lake):
    cli("ingest", export, "--lake", lake, "--namespace", "dev", "--cohort", "pediatric_v1")
    assert {p.name for p in (lake / "dev/raw/dataset=FitbitSleepLogs").iterdir()} == {"cohort=pediatric_v1"}


def test_reingesting_an_export_rewrites_a_byte_identical_raw_zone(cli, export, lake):
    cli("ingest", export, "--lake", lake, "--namespace", "dev")
    first = raw_files(lake)
    code, _, _ = cli("ingest", export, "--lake", lake, "--namespace", "dev")
    assert code == 0
    assert raw_files(lake) == first
    assert leftovers(lake) == []


def test_a_few_mb_member_is_streamed_through(cli, tmp_path, lake):
    records = ({"ParticipantIdentifier": f"RK-{i % 313}", "LogId": str(i), "Duration": str(i * 1000),
                "SleepLogDetails": [{"Type": "deep", "Value": str(i % 91)}] * 3} for i in range(40_000))
    data = b"".join(json.dumps(r).encode() + b"\n" for r in records)
    assert len(data) > 5_000_000
    export = write_export(tmp_path / "adults_v1" / EXPORT_NAME, {SLEEP: data})
    assert cli("ingest", export, "--lake", lake, "--namespace", "dev")[0] == 0
    landed = lake / (f"dev/raw/dataset=FitbitSleepLogs/cohort=adults_v1/export={EXPORT_ID}/"
                     "FitbitSleepLogs_20230112-20230114.ndjson.gz")
    assert hashlib.md5(gzip.decompress(landed.read_bytes())).digest() == hashlib.md5(data).digest()


def test_unknown_data_type_lands_under_its_own_dataset_and_is_reported(cli, tmp_path, lake):
    export = write_export(tmp_path / "adults_v1" / EXPORT_NAME, {
        SLEEP: SLEEP_DATA, "FitbitBreathingRate_20230112-20230114.json": b'{"a": 1}\n'})
    code, out, _ = cli("ingest", export, "--lake", lake, "--namespace", "dev")
    assert code == 0
    assert (lake / f"dev/raw/dataset=FitbitBreathingRate/cohort=adults_v1/export={EXPORT_ID}/"
            "FitbitBreathingRate_20230112-20230114.ndjson.gz").is_file()
    assert "unmodelled data types" in out
    assert "FitbitBreathingRate" in out
    assert unmodelled_datasets(lake, "dev") == ["FitbitBreathingRate"]


# -- bad input ----------------------------------------------------------------------------------


def test_member_failing_its_crc_stops_the_run_and_leaves_earlier_members_whole(cli, tmp_path, lake):
    bad = ndjson({"ParticipantIdentifier": "RK-9", "Device": "Versa 3 with a long name"})
    path = write_export(tmp_path / "adults_v1" / EXPORT_NAME, {SLEEP: SLEEP_DATA, DEVICES: bad})
    archive = bytearray(path.read_bytes())
    # Rewrite the second member with deflate "stored" blocks so a flipped byte keeps it valid
    # deflate, and only the CRC check can notice.
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=0) as zf:
        zf.writestr(SLEEP, SLEEP_DATA)
        zf.writestr(DEVICES, bad)
    archive = bytearray(path.read_bytes())
    archive[archive.index(b"Versa 3")] ^= 0x01
    path.write_bytes(bytes(archive))

    code, _, err = cli("ingest", path, "--lake", lake, "--namespace", "dev")
    assert code == 1
    line = one_line(err)
    assert f"{path}: {DEVICES}: corrupt member: CRC-32" in line
    landed = raw_files(lake)
    assert [Path(p).name for p in landed] == ["FitbitSleepLogs_20230112-20230114.ndjson.gz"]
    assert gzip.decompress(next(iter(landed.values()))) == SLEEP_DATA
    assert leftovers(lake) == []
    assert commits(lake) == []  # the export is not committed: builds do not see it


def test_corrupt_member_does_not_replace_a_good_earlier_copy(cli, tmp_path, lake):
    path = write_export(tmp_path / "adults_v1" / EXPORT_NAME, {DEVICES: DEVICES_DATA})
    cli("ingest", path, "--lake", lake, "--namespace", "dev")
    before = raw_files(lake)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=0) as zf:
        zf.writestr(DEVICES, DEVICES_DATA)
    archive = bytearray(path.read_bytes())
    archive[archive.index(b"Charge 5")] ^= 0x01
    path.write_bytes(bytes(archive))
    assert cli("ingest", path, "--lake", lake, "--namespace", "dev")[0] == 1
    assert raw_files(lake) == before
    assert leftovers(lake) == []
    assert len(commits(lake)) == 1  # the earlier, complete delivery stays committed


def test_truncated_archive_is_refused_before_anything_is_written(cli, export, lake):
    data = export.read_bytes()
    export.write_bytes(data[: len(data) // 2])
    code, _, err = cli("ingest", export, "--lake", lake, "--namespace", "dev")
    assert code == 1
    assert f"{export}: not a readable zip archive" in one_line(err)
    assert not lake.exists()


def test_not_a_zip_is_refused(cli, tmp_path, lake):
    export = tmp_path / "adults_v1" / EXPORT_NAME
    export.parent.mkdir(parents=True)
    export.write_bytes(SLEEP_DATA)
    code, _, err = cli("ingest", export, "--lake", lake, "--namespace", "dev")
    assert code == 1
    assert str(export) in one_line(err)
    assert not lake.exists()


def test_missing_export_is_named(cli, tmp_path, lake):
    missing = tmp_path / "adults_v1" / "nope"
    code, _, err = cli("ingest", missing, "--lake", lake, "--namespace", "dev")
    assert code == 1
    assert f"{missing}: cannot open export" in one_line(err)


@pytest.mark.parametrize("bad", ["../FitbitSleepLogs_20230101.json", "/tmp/FitbitSleepLogs_20230101.json",
                                 "\\FitbitSleepLogs_20230101.json", "C:/FitbitSleepLogs_20230101.json"])
def test_path_traversal_refuses_the_whole_archive_before_writing(cli, tmp_path, lake, bad):
    export = write_export(tmp_path / "adults_v1" / EXPORT_NAME, {SLEEP: SLEEP_DATA, bad: DEVICES_DATA})
    code, _, err = cli("ingest", export, "--lake", lake, "--namespace", "dev")
    assert code == 1
    line = one_line(err)
    assert str(export) in line
    assert bad in line
    assert "path traversal" in line
    assert not lake.exists()


def test_name_outside_the_grammar_is_refused_before_writing(cli, tmp_path, lake):
    export = write_export(tmp_path / "adults_v1" / EXPORT_NAME,
                          {SLEEP: SLEEP_DATA, "FitbitSleepLogs_20230231.json": SLEEP_DATA})
    code, _, err = cli("ingest", export, "--lake", lake, "--namespace", "dev")
    assert code == 1
    assert f"{export}: FitbitSleepLogs_20230231.json: file name does not follow" in one_line(err)
    assert not lake.exists()


def test_a_bad_second_export_stops_the_run_before_the_first_is_written(cli, export, tmp_path, lake):
    second = write_export(tmp_path / "adults_v1" / "second", {"nounderscore.json": b"{}\n"})
    code, _, err = cli("ingest", export, second, "--lake", lake, "--namespace", "dev")
    assert code == 1
    assert f"{second}: nounderscore.json" in one_line(err)
    assert not lake.exists()


@pytest.mark.parametrize("namespace", ["Dev", "1dev", "dev-branch", "dev/x", ""])
def test_namespace_must_be_a_plain_identifier(cli, export, lake, namespace):
    code, _, err = cli("ingest", export, "--lake", lake, "--namespace", namespace)
    assert code == 2
    assert "namespace" in one_line(err)
    assert not lake.exists()


def test_cohort_option_must_be_a_plain_identifier(cli, export, lake):
    code, _, err = cli("ingest", export, "--lake", lake, "--namespace", "dev", "--cohort", "../x")
    assert code == 2
    assert "cohort '../x'" in one_line(err)
    assert not lake.exists()


def test_derived_cohort_must_be_a_plain_identifier(cli, tmp_path, lake):
    export = write_export(tmp_path / "Adults-V1" / EXPORT_NAME, {SLEEP: SLEEP_DATA})
    code, _, err = cli("ingest", export, "--lake", lake, "--namespace", "dev")
    assert code == 2
    line = one_line(err)
    assert str(export) in line
    assert "--cohort" in line
    assert not lake.exists()


def test_s3_lake_without_a_bucket_is_refused(cli, export):
    # S3 lakes are covered by tests/test_ingest_s3.py; a malformed one is a usage error.
    code, _, err = cli("ingest", export, "--lake", "s3:///lake", "--namespace", "dev")
    assert code == 2
    assert "s3:///lake" in one_line(err)


def test_recover_cli_dispatches_to_the_ingest_sub_command(export, lake):
    proc = subprocess.run([sys.executable, "-m", "recover.cli", "ingest", str(export), "--lake",
                           str(lake), "--namespace", "dev"], capture_output=True, text=True,
                          check=False)
    assert proc.returncode == 0, proc.stderr
    assert "landed  3 member(s)" in proc.stdout


def test_a_name_too_long_to_land_is_refused_at_plan_time(cli, tmp_path, lake):
    long_name = "HealthKitV2Samples_" + "X" * 240 + "_20230112-20230114.json"
    export = write_export(tmp_path / "adults_v1" / EXPORT_NAME, {SLEEP: SLEEP_DATA, long_name: SLEEP_DATA})
    code, _, err = cli("ingest", export, "--lake", lake, "--namespace", "dev")
    assert code == 1
    line = one_line(err)
    assert "cannot land" in line and "longer than" in line and long_name in line
    assert raw_files(lake) == {}


def test_an_export_given_twice_is_ingested_once_and_says_so(cli, export, lake):
    code, out, err = cli("ingest", export, export, "--lake", lake, "--namespace", "dev")
    assert code == 0
    assert f"{export}: given twice; ingested once" in err
    assert "1 export(s)" in out
    assert len(commits(lake)) == 1


def test_reingesting_a_different_delivery_of_an_export_sweeps_the_members_it_no_longer_has(
        cli, export, lake, tmp_path):
    cli("ingest", export, "--lake", lake, "--namespace", "dev")
    smaller = write_export(tmp_path / "again" / "adults_v1" / EXPORT_NAME, {SLEEP: SLEEP_DATA})
    code, _, _ = cli("ingest", smaller, "--lake", lake, "--namespace", "dev")
    assert code == 0
    assert [Path(p).name for p in raw_files(lake)] == ["FitbitSleepLogs_20230112-20230114.ndjson.gz"]
    (record,) = commits(lake)
    assert [m["member"] for m in record["members"]] == [SLEEP]


def test_temporary_files_of_a_killed_ingest_are_swept_when_the_export_is_ingested_again(
        cli, export, lake):
    cli("ingest", export, "--lake", lake, "--namespace", "dev")
    folder = lake / f"dev/raw/dataset=FitbitSleepLogs/cohort=adults_v1/export={EXPORT_ID}"
    stray = folder / ".FitbitSleepLogs_20230112-20230114.ndjson.gz.0123456789abcdef.tmp"
    stray.write_bytes(b"half a member")
    assert cli("ingest", export, "--lake", lake, "--namespace", "dev")[0] == 0
    assert not stray.exists()
    assert leftovers(lake) == []


@pytest.mark.parametrize("odd", ["with'quote", "with[bracket]", "with space"])
def test_any_lake_path_works(cli, export, tmp_path, odd):
    lake = tmp_path / odd / "lake"
    code, _, err = cli("ingest", export, "--lake", lake, "--namespace", "dev")
    assert code == 0, err
    assert len(commits(lake)) == 1
