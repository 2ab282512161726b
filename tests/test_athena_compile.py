"""Offline Athena checks: every model compiles for the `namespace` target without AWS, and
every compiled statement parses with sqlglot's `athena` dialect."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import sqlglot

ROOT = Path(__file__).resolve().parents[1]
MODELS = sorted(p.stem for p in (ROOT / "models").rglob("*.sql"))

# No AWS: dummy credentials, no instance-metadata look-ups (they would only time out).
OFFLINE_AWS = {
    "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-east-1", "AWS_EC2_METADATA_DISABLED": "true",
    "RECOVER_BUCKET": "recover-ci-data", "DBT_PROFILES_DIR": str(ROOT / "profiles"),
}


def dbt(args: list[str], target_path: Path, namespace: str) -> subprocess.CompletedProcess:
    env = {**os.environ, **OFFLINE_AWS, "RECOVER_NAMESPACE": namespace}
    return subprocess.run(
        [str(Path(sys.executable).with_name("dbt")), *args, "--target", "namespace",
         "--target-path", str(target_path), "--log-path", str(target_path / "logs"),
         "--no-use-colors"],
        check=False, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600,
    )


@pytest.fixture(scope="module")
def compiled(tmp_path_factory) -> Path:
    target = tmp_path_factory.mktemp("athena-target")
    proc = dbt(["compile", "--no-populate-cache", "--no-partial-parse"], target, "ci")
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return target / "compiled" / "recover" / "models"


@pytest.mark.parametrize("model", MODELS)
def test_model_compiles_for_athena_and_parses_with_sqlglot(compiled, model):
    files = [p for p in compiled.rglob(f"{model}.sql")]
    assert files, f"{model} was not compiled for the namespace target"
    sql = files[0].read_text()
    statements = sqlglot.parse(sql, read="athena")
    assert statements and all(s is not None for s in statements)


def test_curated_models_are_parquet_partitioned_by_cohort_on_athena(compiled):
    manifest = compiled.parents[2] / "manifest.json"
    import json

    nodes = json.loads(manifest.read_text())["nodes"]
    curated = [n for n in nodes.values() if n["resource_type"] == "model"
               and n["name"].startswith("dataset_")]
    assert len(curated) >= 32
    for node in curated:
        assert node["config"].get("format") == "parquet", node["name"]
        assert node["config"].get("partitioned_by") == ["cohort"], node["name"]


def test_a_namespace_that_is_not_a_plain_identifier_is_refused(tmp_path):
    proc = dbt(["parse", "--no-partial-parse"], tmp_path, "Bad-Name")
    assert proc.returncode != 0
    assert "is not a plain identifier" in proc.stdout + proc.stderr
