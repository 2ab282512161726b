"""`recover ingest` with S3: exports read in place, raw objects by multipart upload, Glue tables.

Against a real moto server (tests/support/moto_server.py): S3 and Glue over HTTP.
"""

import gzip
import io
import random

import boto3
import pytest
from botocore.exceptions import EndpointConnectionError
from recover import registry
from recover.aws import glue_catalog
from recover.aws.s3_file import S3File
from recover.aws.s3_sink import PART_SIZE
from recover.ingest import IngestError, ingest
from recover.ingest.storage import Storage

from tests.conftest import DATA, INPUT
from tests.support.exports import SLEEP, WEIGHT, WEIGHT_DELETED, ndjson, noise_lines, zip_bytes

NS = "dev"
EXPORT_KEY = f"{NS}/adults_v1/2024-06-09T00:12:49Z_0b6f"
EXPORT = f"s3://{INPUT}/{EXPORT_KEY}"
LAKE = f"s3://{DATA}"
RAW = f"{NS}/raw"

EMPTY_ECG = "FitbitEcg_20230112-20230114.json"


SLEEP_DATA = ndjson({"ParticipantIdentifier": "RK-1", "LogId": "1", "Duration": 3600000,
                     "SleepLogDetails": [{"Type": "light", "Value": "30"}]})
WEIGHT_DATA = ndjson({"ParticipantIdentifier": "RK-1", "HealthKitSampleKey": "k1", "Value": "71.5"},
                     {"ParticipantIdentifier": "RK-2", "HealthKitSampleKey": "k2", "Value": "80"})
WEIGHT_DELETED_DATA = ndjson({"ParticipantIdentifier": "RK-1", "HealthKitSampleKey": "k1"})
MEMBERS = {SLEEP: SLEEP_DATA, WEIGHT: WEIGHT_DATA, WEIGHT_DELETED: WEIGHT_DELETED_DATA,
           EMPTY_ECG: b"", "Manifest.csv": b"ExportStartDate,ExportEndDate\n"}
EXPORT_ID = "2024-06-09T00-12-49Z_0b6f"
RAW_KEYS = {
    f"{RAW}/dataset=FitbitSleepLogs/cohort=adults_v1/export={EXPORT_ID}/"
    "FitbitSleepLogs_20230112-20230114.ndjson.gz": SLEEP_DATA,
    f"{RAW}/dataset=HealthKitV2Samples/cohort=adults_v1/export={EXPORT_ID}/"
    "HealthKitV2Samples_Weight_20230112-20230114.ndjson.gz": WEIGHT_DATA,
    f"{RAW}/dataset=HealthKitV2Samples_Deleted/cohort=adults_v1/export={EXPORT_ID}/"
    "HealthKitV2Samples_Weight_Deleted_20230112-20230114.ndjson.gz": WEIGHT_DELETED_DATA,
}


@pytest.fixture
def export(s3) -> str:
    s3.put_object(Bucket=INPUT, Key=EXPORT_KEY, Body=zip_bytes(MEMBERS))
    return EXPORT


def objects(s3, bucket: str = DATA) -> dict[str, dict]:
    """The raw data objects (commit records aside)."""
    pages = s3.get_paginator("list_objects_v2").paginate(Bucket=bucket)
    return {o["Key"]: o for page in pages for o in page.get("Contents", [])
            if "/raw/_exports/" not in o["Key"]}


def commit_records(s3) -> list[str]:
    pages = s3.get_paginator("list_objects_v2").paginate(Bucket=DATA, Prefix=f"{RAW}/_exports/")
    return [o["Key"] for page in pages for o in page.get("Contents", [])]


def body(s3, key: str, bucket: str = DATA) -> bytes:
    return s3.get_object(Bucket=bucket, Key=key)["Body"].read()


def open_uploads(s3, bucket: str = DATA) -> list:
    return s3.list_multipart_uploads(Bucket=bucket).get("Uploads", [])


def partitions(glue, table: str) -> list[list[str]]:
    return sorted(p["Values"] for p in glue.get_partitions(DatabaseName="dev_raw", TableName=table)["Partitions"])


def databases(glue) -> list[str]:
    return [d["Name"] for d in glue.get_databases()["DatabaseList"]]


# -- landing ------------------------------------------------------------------------------------


def test_admitted_members_land_as_objects_that_gunzip_to_the_member_bytes(cli, s3, export):
    code, out, err = cli("ingest", export, "--lake", LAKE, "--namespace", NS)
    assert code == 0, err
    assert sorted(objects(s3)) == sorted(RAW_KEYS)
    for key, data in RAW_KEYS.items():
        assert gzip.decompress(body(s3, key)) == data
    assert "landed  3 member(s)" in out
    assert "skipped 2 member(s): 1 empty (0 bytes), 1 manifest" in out
    assert open_uploads(s3) == []


def test_cohort_defaults_to_the_export_key_parent_folder(cli, s3):
    s3.put_object(Bucket=INPUT, Key=f"{NS}/pediatric_v1/export1", Body=zip_bytes({SLEEP: SLEEP_DATA}))
    assert cli("ingest", f"s3://{INPUT}/{NS}/pediatric_v1/export1", "--lake", LAKE, "--namespace", NS)[0] == 0
    assert list(objects(s3)) == [(f"{RAW}/dataset=FitbitSleepLogs/cohort=pediatric_v1/export=export1/"
                                  "FitbitSleepLogs_20230112-20230114.ndjson.gz")]


def test_a_member_larger_than_a_part_is_uploaded_in_8_mib_parts(s3):
    data = noise_lines(2 * PART_SIZE + 100_000)
    s3.put_object(Bucket=INPUT, Key=EXPORT_KEY, Body=zip_bytes({WEIGHT: data}, level=0))
    summary = ingest([EXPORT], LAKE, NS)
    key = next(iter(objects(s3)))
    head = s3.head_object(Bucket=DATA, Key=key, PartNumber=1)
    assert head["PartsCount"] == 3
    sizes = [s3.head_object(Bucket=DATA, Key=key, PartNumber=n)["ContentLength"] for n in (1, 2, 3)]
    assert sizes[:2] == [PART_SIZE, PART_SIZE]
    assert 0 < sizes[2] <= PART_SIZE
    assert sum(sizes) == summary.bytes_out
    assert gzip.decompress(body(s3, key)) == data


def test_reingesting_changes_no_object_and_no_catalog_entry(s3, glue, export):
    ingest([export], LAKE, NS)
    before = {k: (o["ETag"], body(s3, k)) for k, o in objects(s3).items()}
    tables_before = {t["Name"]: t for t in glue.get_tables(DatabaseName="dev_raw")["TableList"]}
    summary = ingest([export], LAKE, NS)
    assert {k: (o["ETag"], body(s3, k)) for k, o in objects(s3).items()} == before
    assert "(0 created, 0 updated)" in summary.catalog
    tables_after = {t["Name"]: t for t in glue.get_tables(DatabaseName="dev_raw")["TableList"]}
    assert {n: t.get("VersionId") for n, t in tables_after.items()} == {
        n: t.get("VersionId") for n, t in tables_before.items()}
    assert partitions(glue, "healthkitv2samples") == [["adults_v1", EXPORT_ID]]
    assert open_uploads(s3) == []


def test_local_export_into_an_s3_lake(s3, tmp_path):
    path = tmp_path / "adults_v1" / "export1"
    path.parent.mkdir()
    path.write_bytes(zip_bytes({SLEEP: SLEEP_DATA}))
    ingest([str(path)], LAKE, NS)
    (key,) = objects(s3)
    assert key == (f"{RAW}/dataset=FitbitSleepLogs/cohort=adults_v1/export=export1/"
                   "FitbitSleepLogs_20230112-20230114.ndjson.gz")
    assert gzip.decompress(body(s3, key)) == SLEEP_DATA


def test_s3_export_into_a_local_lake(cli, export, tmp_path):
    lake = tmp_path / "lake"
    code, out, _ = cli("ingest", export, "--lake", lake, "--namespace", NS)
    assert code == 0
    for key, data in RAW_KEYS.items():
        assert gzip.decompress((lake / key).read_bytes()) == data
    assert "committed 1 export(s)" in out


# -- Glue ---------------------------------------------------------------------------------------


def test_every_registry_type_gets_a_raw_lines_table_partitioned_by_cohort_and_export(s3, glue, export):
    ingest([export], LAKE, NS)
    tables = {t["Name"]: t for t in glue.get_tables(DatabaseName="dev_raw")["TableList"]}
    types = registry.load()
    assert set(tables) == {dt.identifier for dt in types}
    for dt in types:
        table = tables[dt.identifier]
        sd = table["StorageDescriptor"]
        assert [(c["Name"], c["Type"]) for c in sd["Columns"]] == [("line", "string")], dt.name
        assert table["PartitionKeys"] == [{"Name": "cohort", "Type": "string"},
                                          {"Name": "export", "Type": "string"}]
        assert sd["Location"] == f"s3://{DATA}/{RAW}/dataset={dt.name}/"
        assert sd["SerdeInfo"]["SerializationLibrary"] == glue_catalog.SERDE
        assert sd["SerdeInfo"]["Parameters"]["field.delim"] == "\u0001"
        assert sd["Compressed"] is True
        assert table["Parameters"]["compressionType"] == "gzip"


def test_partitions_are_registered_per_committed_export_for_its_landed_types(s3, glue, export):
    ingest([export], LAKE, NS)
    assert partitions(glue, "fitbitsleeplogs") == [["adults_v1", EXPORT_ID]]
    assert partitions(glue, "healthkitv2samples") == [["adults_v1", EXPORT_ID]]
    assert partitions(glue, "healthkitv2samples_deleted") == [["adults_v1", EXPORT_ID]]
    assert partitions(glue, "fitbitecg") == []  # its member was empty
    part = glue.get_partition(DatabaseName="dev_raw", TableName="healthkitv2samples_deleted",
                              PartitionValues=["adults_v1", EXPORT_ID])["Partition"]
    assert part["StorageDescriptor"]["Location"] == (
        f"s3://{DATA}/{RAW}/dataset=HealthKitV2Samples_Deleted/cohort=adults_v1/export={EXPORT_ID}/")
    assert part["StorageDescriptor"]["SerdeInfo"]["SerializationLibrary"] == glue_catalog.SERDE
    assert commit_records(s3) == [f"{RAW}/_exports/adults_v1/{EXPORT_ID}.json"]


def test_a_second_export_adds_its_partition_and_keeps_the_first(s3, glue, export):
    ingest([export], LAKE, NS)
    s3.put_object(Bucket=INPUT, Key=f"{NS}/pediatric_v1/export2", Body=zip_bytes({SLEEP: SLEEP_DATA}))
    ingest([f"s3://{INPUT}/{NS}/pediatric_v1/export2"], LAKE, NS)
    assert partitions(glue, "fitbitsleeplogs") == [["adults_v1", EXPORT_ID], ["pediatric_v1", "export2"]]


def test_a_changed_table_definition_is_updated_in_place_keeping_its_partitions(s3, glue, export):
    ingest([export], LAKE, NS)
    table = glue.get_table(DatabaseName="dev_raw", Name="fitbitsleeplogs")["Table"]
    stale = glue_catalog.table_input(registry.load()["FitbitSleepLogs"], table["StorageDescriptor"]["Location"])
    stale["StorageDescriptor"]["SerdeInfo"]["Parameters"] = {"field.delim": ","}
    glue.update_table(DatabaseName="dev_raw", TableInput=stale)
    summary = ingest([export], LAKE, NS)
    assert "(0 created, 1 updated)" in summary.catalog
    serde = glue.get_table(DatabaseName="dev_raw", Name="fitbitsleeplogs")["Table"]["StorageDescriptor"]["SerdeInfo"]
    assert serde["Parameters"]["field.delim"] == glue_catalog.FIELD_DELIMITER
    assert partitions(glue, "fitbitsleeplogs") == [["adults_v1", EXPORT_ID]]


def test_unknown_data_type_lands_and_gets_no_table(cli, s3, glue):
    s3.put_object(Bucket=INPUT, Key=EXPORT_KEY, Body=zip_bytes(
        {SLEEP: SLEEP_DATA, "FitbitBreathingRate_20230112-20230114.json": b'{"a": 1}\n'}))
    code, out, _ = cli("ingest", EXPORT, "--lake", LAKE, "--namespace", NS)
    assert code == 0
    assert (f"{RAW}/dataset=FitbitBreathingRate/cohort=adults_v1/export={EXPORT_ID}/"
            "FitbitBreathingRate_20230112-20230114.ndjson.gz") in objects(s3)
    assert "unmodelled data types" in out and "FitbitBreathingRate" in out
    names = {t["Name"] for t in glue.get_tables(DatabaseName="dev_raw")["TableList"]}
    assert "fitbitbreathingrate" not in names


# -- failures -----------------------------------------------------------------------------------


def failing_session(operation: str, on_call: int) -> boto3.Session:
    """A session whose S3 clients lose the connection on the n-th call of `operation`."""
    session = boto3.Session()
    calls = {"n": 0}

    def fail(**_kwargs):
        calls["n"] += 1
        if calls["n"] == on_call:
            raise EndpointConnectionError(endpoint_url="injected")

    session.events.register(f"before-call.s3.{operation}", fail)
    return session


def test_s3_failure_mid_upload_leaves_no_object_and_no_open_upload_and_the_retry_lands(s3, glue):
    data = noise_lines(2 * PART_SIZE + 1000)
    s3.put_object(Bucket=INPUT, Key=EXPORT_KEY, Body=zip_bytes({SLEEP: SLEEP_DATA, WEIGHT: data}, level=0))
    with pytest.raises(IngestError, match=f"{EXPORT}: {WEIGHT}: cannot write s3://{DATA}/"):
        ingest([EXPORT], LAKE, NS, session=failing_session("UploadPart", on_call=2))
    assert list(objects(s3)) == [(f"{RAW}/dataset=FitbitSleepLogs/cohort=adults_v1/export={EXPORT_ID}/"
                                  "FitbitSleepLogs_20230112-20230114.ndjson.gz")]
    assert open_uploads(s3) == []
    assert commit_records(s3) == []  # not committed: invisible to builds
    assert "dev_raw" not in databases(glue)  # nothing registered by a failed run

    ingest([EXPORT], LAKE, NS)
    key = (f"{RAW}/dataset=HealthKitV2Samples/cohort=adults_v1/export={EXPORT_ID}/"
           "HealthKitV2Samples_Weight_20230112-20230114.ndjson.gz")
    assert gzip.decompress(body(s3, key)) == data
    assert partitions(glue, "healthkitv2samples") == [["adults_v1", EXPORT_ID]]


def test_a_corrupt_member_aborts_its_upload_and_registers_nothing(s3, glue):
    data = noise_lines(PART_SIZE + 500_000)
    archive = bytearray(zip_bytes({WEIGHT: data}, level=0))
    archive[archive.rindex(b'"}\n') - 1] ^= 0x01  # valid deflate still; only the CRC can tell
    s3.put_object(Bucket=INPUT, Key=EXPORT_KEY, Body=bytes(archive))
    with pytest.raises(Exception, match=f"{EXPORT}: {WEIGHT}: corrupt member: CRC-32"):
        ingest([EXPORT], LAKE, NS)
    assert objects(s3) == {}
    assert open_uploads(s3) == []
    assert "dev_raw" not in databases(glue)


def test_a_truncated_export_is_refused_before_anything_is_written(cli, s3, glue):
    whole = zip_bytes(MEMBERS)
    s3.put_object(Bucket=INPUT, Key=EXPORT_KEY, Body=whole[: len(whole) // 2])
    code, _, err = cli("ingest", EXPORT, "--lake", LAKE, "--namespace", NS)
    assert code == 1
    assert f"{EXPORT}: not a readable zip archive" in err
    assert objects(s3) == {}
    assert "dev_raw" not in databases(glue)


def test_a_missing_s3_export_is_named(cli, s3):
    code, _, err = cli("ingest", f"s3://{INPUT}/{NS}/adults_v1/nope", "--lake", LAKE, "--namespace", NS)
    assert code == 1
    assert f"s3://{INPUT}/{NS}/adults_v1/nope: cannot open export" in err
    assert objects(s3) == {}


# -- the ranged reader --------------------------------------------------------------------------


def test_s3file_reads_like_a_local_file_at_any_position(s3):
    data = random.Random(3).randbytes(300_000)
    s3.put_object(Bucket=INPUT, Key="blob", Body=data)
    local = io.BytesIO(data)
    remote = S3File(s3, INPUT, "blob", buffer_size=64 * 1024)
    rng = random.Random(4)
    for _ in range(200):
        offset, whence = rng.choice([(rng.randrange(-1000, 310_000), 0), (rng.randrange(-5000, 5000), 1),
                                     (-rng.randrange(1, 2000), 2)])
        target = {0: offset, 1: local.tell() + offset, 2: len(data) + offset}[whence]
        if target < 0:
            continue
        assert remote.seek(offset, whence) == local.seek(offset, whence)
        size = rng.choice([0, 1, 22, 4096, 70_000, -1])
        assert remote.read(size) == local.read(size)
        assert remote.tell() == local.tell()


def test_s3file_sequential_reads_cost_one_get_per_buffer(s3):
    data = random.Random(5).randbytes(1_000_000)
    s3.put_object(Bucket=INPUT, Key="blob", Body=data)
    remote = S3File(s3, INPUT, "blob", buffer_size=100_000)
    assert b"".join(iter(lambda: remote.read(10_000), b"")) == data
    assert remote.requests == 10


def test_s3file_refuses_an_object_replaced_while_it_is_read(s3):
    s3.put_object(Bucket=INPUT, Key="blob", Body=b"a" * 1000)
    remote = S3File(s3, INPUT, "blob", buffer_size=100)
    remote.read(10)
    s3.put_object(Bucket=INPUT, Key="blob", Body=b"b" * 1000)
    remote.seek(500)
    with pytest.raises(OSError, match="changed while being read"):
        remote.read(10)


def test_s3file_of_a_missing_object_is_file_not_found(s3):
    with pytest.raises(FileNotFoundError, match=f"s3://{INPUT}/nope"):
        S3File(s3, INPUT, "nope")


def test_reading_an_export_from_s3_never_fetches_it_whole(s3):
    data = noise_lines(3 * PART_SIZE)
    s3.put_object(Bucket=INPUT, Key=EXPORT_KEY, Body=zip_bytes({WEIGHT: data}, level=0))
    with Storage().open_export(EXPORT) as export:
        sizes = [len(chunk) for chunk in export.gzip_chunks(export.members[0])]
    assert max(sizes) <= 1 << 20
    assert sum(sizes) > 3 * PART_SIZE


def test_an_ingest_killed_between_commit_and_registration_is_repaired_by_the_next_sync(s3, glue, export):
    import os
    import subprocess
    import sys

    from recover.build.core import sync_raw_partitions

    env = {**os.environ, "RECOVER_FAULT_POINT": "ingest.before_register"}
    proc = subprocess.run([sys.executable, "-m", "recover.cli", "ingest", export, "--lake", LAKE,
                           "--namespace", NS], env=env, capture_output=True, check=False)
    assert proc.returncode == -9  # SIGKILL at the fault point
    assert commit_records(s3) == [f"{RAW}/_exports/adults_v1/{EXPORT_ID}.json"]
    assert "dev_raw" not in databases(glue)  # committed, not yet visible to Athena
    assert "3 partition(s)" in sync_raw_partitions(LAKE, NS)
    assert partitions(glue, "fitbitsleeplogs") == [["adults_v1", EXPORT_ID]]
