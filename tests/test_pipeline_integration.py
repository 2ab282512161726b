"""`recover integration-run` and the build's run record on the moto server: the baseline's
newest exports copied into the namespace, the wait for a build that covers them (its run.json,
as recover/build/run_upload.py writes it), and row counts read from Parquet footers."""

from __future__ import annotations

import io
import json
import time
import warnings
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from recover.aws import integration
from recover.build import BuildResult
from recover.build.run_upload import run_record, upload_run

from tests.support.deployed import ENV

pytestmark = pytest.mark.pipeline
NS = "feature_x"


def parquet(rows: int) -> bytes:
    buffer = io.BytesIO()
    pq.write_table(pa.table({"x": list(range(rows))}), buffer)
    return buffer.getvalue()


def publish_table(d, database: str, table: str, cohorts: dict[str, int]) -> None:
    """A table partitioned by cohort with `rows` rows per cohort, as a published build leaves it."""
    glue, s3, data = d.client("glue"), d.client("s3"), d.shared["DataBucket"]
    location = f"s3://{data}/{database}/parquet/{table}/"
    glue.create_table(DatabaseName=database, TableInput={
        "Name": table, "PartitionKeys": [{"Name": "cohort", "Type": "string"}],
        "StorageDescriptor": {"Location": location, "Columns": [{"Name": "x", "Type": "bigint"}]}})
    for cohort, rows in cohorts.items():
        key = f"{database}/parquet/{table}/cohort={cohort}/part-0.parquet"
        s3.put_object(Bucket=data, Key=key, Body=parquet(rows))
        s3.put_object(Bucket=data, Key=f"{database}/parquet/{table}/cohort={cohort}/_SUCCESS", Body=b"")
        glue.create_partition(DatabaseName=database, TableName=table, PartitionInput={
            "Values": [cohort], "StorageDescriptor": {"Location": location + f"cohort={cohort}/"}})


@pytest.fixture
def namespaces_with_exports(deployment):
    warnings.simplefilter("ignore")
    deployment.namespace(NS)
    glue = deployment.client("glue")
    glue.create_database(DatabaseInput={"Name": "main"})
    s3, bucket = deployment.client("s3"), deployment.shared["InputBucket"]
    for cohort in ("adults_v1", "pediatric_v1"):
        for day in ("05-26", "06-02", "06-09"):
            s3.put_object(Bucket=bucket, Key=f"main/{cohort}/2024-{day}T00:10:00Z_{cohort[0]}",
                          Body=b"zip " + day.encode())
    return deployment


def write_run(tmp_path: Path, d, published: bool = True) -> dict:
    """A finished build's run folder uploaded as recover build does on an Athena target."""
    run_dir = tmp_path / "run"
    run_dir.mkdir(exist_ok=True)
    (run_dir / "run_results.json").write_text("{}")
    (run_dir / "dbt.log").write_text("log\n")
    result = BuildResult(ok=published, run_id="20260101T000000Z-abcdef", published=published,
                         models={"a": "success", "b": "error"}, tests={"pass": 3}, seconds=12.3)
    record = run_record(result, NS, "namespace", datetime.now(UTC))
    upload_run(d.client("s3"), d.shared["DataBucket"], NS, run_dir, record)
    return record


def commit_copies(d, exports) -> None:
    for export in exports:
        d.client("s3").put_object(Bucket=d.shared["DataBucket"], Body=b"{}",
                                  Key=f"{NS}/raw/_exports/{export.cohort}/{export.export_id}.json")


def test_a_remote_build_leaves_its_run_folder_in_the_lake(deployment, tmp_path):
    record = write_run(tmp_path, deployment)
    listed = deployment.client("s3").list_objects_v2(Bucket=deployment.shared["DataBucket"],
                                                      Prefix=f"{NS}/runs/{record['run_id']}/")
    assert sorted(o["Key"].rsplit("/", 1)[1] for o in listed["Contents"]) == [
        "dbt.log", "run.json", "run_results.json"]
    assert record["models"] == {"error": 1, "success": 1} and record["published"] is True


def test_the_newest_exports_of_each_cohort_are_copied_once(namespaces_with_exports):
    d = namespaces_with_exports
    s3 = d.client("s3")
    exports = integration.recent_exports(s3, d.shared["InputBucket"], "main", 2)
    assert sorted(e.name for e in exports) == ["2024-06-02T00:10:00Z_a", "2024-06-02T00:10:00Z_p",
                                               "2024-06-09T00:10:00Z_a", "2024-06-09T00:10:00Z_p"]
    assert all(c.copied for c in integration.copy_exports(s3, exports, NS))
    assert not any(c.copied for c in integration.copy_exports(s3, exports, NS))
    body = s3.get_object(Bucket=d.shared["InputBucket"], Key=f"{NS}/adults_v1/2024-06-09T00:10:00Z_a")
    assert body["Body"].read() == b"zip 06-09"


def test_the_wait_ends_with_a_build_that_started_after_the_last_commit(namespaces_with_exports,
                                                                       tmp_path):
    d = namespaces_with_exports
    s3, data = d.client("s3"), d.shared["DataBucket"]
    exports = integration.recent_exports(s3, d.shared["InputBucket"], "main", 1)
    assert integration.finished_run(s3, data, NS, exports) is None  # nothing committed yet
    write_run(tmp_path, d)  # an older build
    time.sleep(1.1)
    commit_copies(d, exports)
    assert integration.finished_run(s3, data, NS, exports) is None  # it does not cover them
    with pytest.raises(integration.IntegrationError, match="within 0 minutes"):
        integration.wait_for_build(s3, data, NS, exports, timeout=0, sleep=lambda _: None)
    time.sleep(1.1)
    record = write_run(tmp_path, d)
    assert integration.wait_for_build(s3, data, NS, exports, timeout=0)["run_id"] == record["run_id"]


def test_row_counts_come_from_the_parquet_footers_of_published_partitions(namespaces_with_exports):
    d = namespaces_with_exports
    publish_table(d, NS, "dataset_a", {"adults_v1": 3, "pediatric_v1": 4})
    publish_table(d, "main", "dataset_a", {"adults_v1": 30, "pediatric_v1": 40})
    publish_table(d, "main", "dataset_b", {"adults_v1": 5})
    comparison = integration.compare(d.client("glue"), d.client("s3"), NS, "main")
    assert comparison.rows == {"dataset_a": (7, 70), "dataset_b": (None, 5)}
    assert "| dataset_a | 7 | 70 | -63 |" in comparison.markdown()
    assert "| dataset_b | missing | 5 |  |" in comparison.markdown()


def test_the_integration_run_reports_the_comparison(namespaces_with_exports, cli, tmp_path,
                                                    monkeypatch):
    d = namespaces_with_exports
    publish_table(d, NS, "dataset_a", {"adults_v1": 3})
    publish_table(d, "main", "dataset_a", {"adults_v1": 30})
    exports = integration.recent_exports(d.client("s3"), d.shared["InputBucket"], "main", 1)
    commit_copies(d, exports)  # what the namespace's ingest does with the copies
    time.sleep(1.1)
    write_run(tmp_path, d)  # ... and its build
    summary = tmp_path / "summary.md"
    code, out, err = cli("integration-run", "--namespace", NS, "--environment", ENV,
                         "--exports-per-cohort", "1", "--timeout-minutes", "0", "--summary", summary)
    assert code == 0, err
    assert "passed and published" in out and "| dataset_a | 3 | 30 | -27 |" in out
    # moto's Athena runs no SQL: the comparison says so, and the run still passes (what it
    # reports when it runs is tests/test_compare.py's, on DuckDB)
    assert "The table comparison could not run: " in out
    assert summary.read_text() in out
    listed = json.loads(d.client("s3").get_object(
        Bucket=d.shared["ArtifactsBucket"], Key=f"{NS}/integration_test_exports.json")["Body"].read())
    assert sorted(listed) == sorted(e.uri for e in exports)


def test_the_integration_run_of_an_undeployed_namespace_says_so(deployment, cli):
    code, _, err = cli("integration-run", "--namespace", "nowhere", "--environment", ENV)
    assert code == 2 and "is not deployed" in err and err.count("\n") == 1


@pytest.mark.parametrize("passed", [True, False])
def test_recover_build_on_athena_uploads_its_run_whether_it_passed_or_not(
        s3, glue, monkeypatch, tmp_path, passed):
    """recover build's remote path with dbt replaced (the Athena tier runs dbt itself): after
    the run, passed or failed, its folder and run.json are in the lake."""
    from recover.build import core

    def fake_dbt(lake, namespace, target, home, run_id, *args):
        run_dir = home / "runs" / run_id
        run_dir.mkdir(parents=True)
        (run_dir / "dbt.out").write_text("dbt said things\n")
        return BuildResult(ok=passed, run_id=run_id, run_dir=run_dir,
                           failures=[] if passed else ["model dataset_a: error"])

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(core, "_run", fake_dbt)
    result = core.build("s3://data-bucket", "dev", target="namespace", run_id="r1")
    assert result.published is passed
    assert result.artifacts_uri == "s3://data-bucket/dev/runs/r1/"
    record = json.loads(s3.get_object(Bucket="data-bucket", Key="dev/runs/r1/run.json")["Body"].read())
    assert (record["ok"], record["published"], record["target"]) == (passed, passed, "namespace")
    assert record["failures"] == ([] if passed else ["model dataset_a: error"])
    assert s3.get_object(Bucket="data-bucket", Key="dev/runs/r1/dbt.out")["Body"].read() == b"dbt said things\n"
