#!/usr/bin/env bash
# Build the ingest Lambda's code folder (default deploy/build, the template's `Code: build/`):
#   recover/                      the package (ingest/recover), without caches
#   recover/registry/_recover__sources.yml  the registry, where registry.default_path() looks first
#   yaml/ ...                     PyYAML for Linux x86_64 / CPython 3.13 (the template's python3.13), pinned as in pyproject.toml
# boto3 comes with the Lambda runtime; awswrangler (with pandas, pyarrow) comes from the
# AWS SDK for pandas layer (template parameter AwsSdkPandasLayerArn).
#
#   deploy/package.sh [OUT_DIR] [--no-deps]    (--no-deps: skip PyYAML, for tests offline)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
out="$here/build"
deps=1
for arg in "$@"; do
  case "$arg" in
    --no-deps) deps=0 ;;
    -*) echo "usage: $0 [OUT_DIR] [--no-deps]" >&2; exit 2 ;;
    *) out="$arg" ;;
  esac
done
python="${PYTHON:-$root/.venv/bin/python}"

rm -rf "$out"
mkdir -p "$out"
cp -R "$root/ingest/recover" "$out/recover"
find "$out" -name __pycache__ -type d -prune -exec rm -rf {} +
cp "$root/models/staging/_recover__sources.yml" "$out/recover/registry/_recover__sources.yml"
if [ "$deps" = 1 ]; then
  pyyaml="$(grep -o 'PyYAML==[0-9.]*' "$root/pyproject.toml")"
  "$python" -m pip install --quiet --target "$out" --implementation cp --python-version 3.13 \
    --platform manylinux2014_x86_64 --only-binary=:all: "$pyyaml"
fi
echo "Lambda code in $out"
