"""The CI/CD workflow (.github/workflows/): actionlint clean, and thin: every job calls the tested
`recover` verbs (namespace, deploy, integration-run, teardown) for the events the project
deploys on. actionlint is built once from its Go module (scripts/actionlint.sh); without a Go
toolchain the lint is skipped with the reason, unless RECOVER_REQUIRE_TRINO=1 (CI), where that
is a failure like any other missing tool of the suite."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
WORKFLOW = ROOT / ".github" / "workflows" / "pipeline.yml"
CANNOT_BUILD = 3  # scripts/actionlint.sh's exit code when Go is missing or the build failed


@pytest.fixture(scope="module")
def workflow() -> dict:
    parsed = yaml.safe_load(WORKFLOW.read_text())
    parsed["on"] = parsed.pop(True, parsed.get("on"))  # YAML 1.1 reads the key `on` as true
    return parsed


def test_actionlint_passes_on_the_workflows():
    proc = subprocess.run(["bash", str(ROOT / "scripts" / "actionlint.sh"), "--check"],
                          capture_output=True, text=True, timeout=900, check=False)
    if proc.returncode == CANNOT_BUILD:
        reason = proc.stderr.strip().splitlines()[-1]
        if os.environ.get("RECOVER_REQUIRE_TRINO") == "1":
            pytest.fail(f"RECOVER_REQUIRE_TRINO=1 but actionlint is unavailable: {reason}")
        pytest.skip(f"actionlint unavailable: {reason}")
    assert proc.returncode == 0, proc.stdout + proc.stderr


def steps(workflow: dict, job: str) -> list[dict]:
    return workflow["jobs"][job]["steps"]


def runs(workflow: dict, job: str) -> str:
    return "\n".join(s.get("run", "") for s in steps(workflow, job))


def test_pushes_and_branch_deletions_trigger_it(workflow):
    assert workflow["on"]["push"] == {"branches": ["**"], "tags": ["v*"]}
    assert "delete" in workflow["on"]
    assert workflow["jobs"]["deploy"]["needs"] == "test"


def test_tests_run_as_ci_runs_them(workflow):
    assert "make lint" in runs(workflow, "test") and "bash .ci/run" in runs(workflow, "test")


def test_deploys_use_the_oidc_role_and_the_tested_verbs(workflow):
    for job in ("deploy", "teardown"):
        assert workflow["jobs"][job]["permissions"]["id-token"] == "write"
        (credentials,) = [s for s in steps(workflow, job)
                          if s.get("uses", "").startswith("aws-actions/configure-aws-credentials")]
        assert credentials["with"]["role-to-assume"] == "${{ vars.AWS_DEPLOY_ROLE_ARN }}"
    deploy = runs(workflow, "deploy")
    assert 'recover namespace --ref "$GITHUB_REF"' in deploy
    assert "recover deploy --namespace" in deploy and "recover integration-run" in deploy
    (integration,) = [s for s in steps(workflow, "deploy") if s.get("name") == "integration run"]
    assert integration["if"] == "steps.ns.outputs.namespace != 'main'"  # not on production
    teardown = runs(workflow, "teardown")
    assert 'recover namespace --branch "$BRANCH"' in teardown and "recover teardown" in teardown
    assert "--allow-protected" not in teardown
    assert "ref_type == 'branch'" in workflow["jobs"]["teardown"]["if"]


def test_the_yaml_stays_thin(workflow):
    for job in workflow["jobs"].values():
        for step in job["steps"]:
            assert len(step.get("run", "").strip().splitlines()) <= 2, step
            assert "${{ github.event" not in step.get("run", ""), step  # no injection
