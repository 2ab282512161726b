"""Fixtures shared by the whole suite.

* `moto_server` / `aws`: one moto server per session; `aws` empties it and points this test's
  environment at it (tests/support/moto_server.py).
* `s3` / `glue`: boto3 clients on it, with the input and data buckets of the AWS tests created.
* `cli`: run `recover ...` in-process, as the command line does, and capture its output.
* `lambda_code` / `deployment`: the Lambda code folder (package.sh, once), and the shared stack
  deployed on the moto server (tests/support/deployed.py), for the `pipeline` tests.
* `small_exports`: two weeks of synthetic exports per cohort (0.3 MB each), for the modules that
  need a real build of their own (report, docs site, compare).
* `parity_exports` / `oracle_lake`: three weeks per cohort, and their DuckDB full build in
  namespace ORACLE: what the Trino and Athena tiers must equal, table by table.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import boto3
import pytest
from recover import cli as recover_cli
from recover.generate import generate_series

from tests.support import deployed
from tests.support.lakes import ORACLE, built_lake
from tests.support.moto_server import aws, moto_server  # noqa: F401 - fixtures

INPUT = "input-bucket"  # the AWS tests' export delivery bucket
DATA = "data-bucket"  # ... and their lake


@pytest.fixture
def s3(aws):  # noqa: F811 - the fixture imported above
    client = boto3.client("s3")
    client.create_bucket(Bucket=INPUT)
    client.create_bucket(Bucket=DATA)
    return client


@pytest.fixture
def glue(aws):  # noqa: F811
    return boto3.client("glue")


@pytest.fixture
def cli(capsys) -> Callable[..., tuple[int, str, str]]:
    """`cli("ingest", export, "--lake", lake, ...)` -> (exit code, stdout, stderr)."""

    def run(*args) -> tuple[int, str, str]:
        capsys.readouterr()
        try:
            code = recover_cli.main([str(a) for a in args])
        except SystemExit as exc:  # argparse errors and --help
            code = exc.code if isinstance(exc.code, int) else 2
        out, err = capsys.readouterr()
        return code, out, err

    return run


@pytest.fixture(scope="session")
def lambda_code(tmp_path_factory) -> Path:
    return deployed.package_lambda(tmp_path_factory.mktemp("lambda") / "build")


@pytest.fixture
def deployment(aws, lambda_code) -> deployed.Deployment:  # noqa: F811
    """The shared stack of environment `test`, deployed on an empty moto server."""
    return deployed.deploy_shared(boto3.Session(), lambda_code)


@pytest.fixture(scope="session")
def small_exports(tmp_path_factory) -> list[Path]:
    return generate_series(tmp_path_factory.mktemp("small"), exports=2, size_mb=0.3, seed=5)


@pytest.fixture(scope="session")
def parity_exports(tmp_path_factory) -> list[Path]:
    return generate_series(tmp_path_factory.mktemp("parity"), exports=3, size_mb=0.3, seed=11)


@pytest.fixture(scope="session")
def oracle_lake(tmp_path_factory, parity_exports) -> Path:
    return built_lake(tmp_path_factory, parity_exports, ORACLE)


# Fast tiers first: a failure in the unit tests shows in minutes, not after the engine tiers.
TIER_ORDER = ("slow", "faults", "pipeline", "trino", "athena")


def pytest_collection_modifyitems(items):
    def tier(item) -> int:
        marks = {m.name for m in item.iter_markers()}
        return max((TIER_ORDER.index(m) + 1 for m in marks if m in TIER_ORDER), default=0)

    # a module goes with its slowest test, so its module-scoped fixtures are built once
    module_tier: dict[str, int] = {}
    for item in items:
        module_tier[item.nodeid.split("::")[0]] = max(
            module_tier.get(item.nodeid.split("::")[0], 0), tier(item))
    items.sort(key=lambda item: module_tier[item.nodeid.split("::")[0]])  # stable sort
