#!/usr/bin/env bash
# The build runner's entry point: one `recover build` of a namespace on Athena, as a developer
# runs it. CodeBuild (deploy/template.yaml, BuildProject) runs it from the project artifact after
# installing the pinned dependencies into .venv; the tests run it against their Athena endpoint.
#
# Environment (the build project sets it):
#   RECOVER_NAMESPACE      the namespace
#   RECOVER_LAKE           s3://{data bucket}
#   RECOVER_TARGET         namespace (default) or prod (namespace main)
#   RECOVER_DBT_WORKGROUP  the namespace's dbt workgroup, recover-{ns}-dbt
#   RECOVER_BIN            the recover command (default: .venv/bin/recover next to this folder)
# Exit code: recover build's (0 published, 1 failed: nothing published, artifacts uploaded to
# {lake}/{ns}/runs/{run_id}/ either way; CodeBuild marks the build failed and the alarm fires).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
: "${RECOVER_NAMESPACE:?set RECOVER_NAMESPACE}" "${RECOVER_LAKE:?set RECOVER_LAKE (s3://bucket)}"
: "${RECOVER_DBT_WORKGROUP:=recover-${RECOVER_NAMESPACE}-dbt}"
export RECOVER_DBT_WORKGROUP
recover="${RECOVER_BIN:-$root/.venv/bin/recover}"
cd "$root"
exec "$recover" build --lake "$RECOVER_LAKE" --namespace "$RECOVER_NAMESPACE" \
  --target "${RECOVER_TARGET:-namespace}"
