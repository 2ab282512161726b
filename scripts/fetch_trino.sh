#!/usr/bin/env bash
# Fetch a runnable Trino server (core + Hive connector plugin) from Maven Central.
#
# Why: the curated SQL targets Athena engine v3, which is Trino. No AWS is reachable
# from tests/CI, so the test-suite runs that SQL on a real, local Trino server. Maven
# Central is the only registry here that serves Trino, so we fetch with `mvn`:
#
#   io.trino:trino-server-core:<ver>:tar.gz   launcher + lib/ + core plugins (~190 MB)
#   io.trino:trino-hive:<ver>:zip             the Hive connector plugin (~250 MB)
#
# 476 is pinned because it is the newest release whose `trino-server-core` tarball is
# served by Maven Central here (477+ are not published there); it needs Java 24+
# (we run it with the Temurin 25 JDK).
#
# Layout: $RECOVER_TRINO_HOME (default ~/.cache/recover/trino-<ver>) gets bin/, lib/,
# plugin/*, plugin/hive/. The install is built in a temp dir and renamed into place,
# with a marker file written last, so a half-finished run never looks installed and a
# second call is instant. Prints the install directory on stdout (last line).
#
# Usage: scripts/fetch_trino.sh            # install if missing, print the path
#        scripts/fetch_trino.sh --version  # print the pinned version
set -euo pipefail

TRINO_VERSION=476
DEP_PLUGIN=org.apache.maven.plugins:maven-dependency-plugin:3.8.1

if [[ "${1:-}" == "--version" ]]; then
    echo "$TRINO_VERSION"
    exit 0
fi

DEST="${RECOVER_TRINO_HOME:-$HOME/.cache/recover/trino-$TRINO_VERSION}"
MARKER="$DEST/.recover-trino-installed"

if [[ -f "$MARKER" && "$(cat "$MARKER")" == "$TRINO_VERSION" ]]; then
    echo "$DEST"
    exit 0
fi

command -v mvn >/dev/null || { echo "fetch_trino: mvn not found on PATH" >&2; exit 2; }

parent="$(dirname "$DEST")"
mkdir -p "$parent"
stage="$(mktemp -d "$parent/.trino-stage.XXXXXX")"
trap 'rm -rf "$stage"' EXIT

fetch() {  # fetch <artifact-coords>; copies the artifact into $stage/dl
    if ! mvn -B -q "$DEP_PLUGIN:copy" -Dartifact="$1" -DoutputDirectory="$stage/dl" \
        -Dmdep.overWriteReleases=true >"$stage/mvn.log" 2>&1; then
        sed 's/\x1b\[[0-9;]*m//g' "$stage/mvn.log" | grep -E 'ERROR' | head -5 >&2
        echo "fetch_trino: mvn could not fetch $1" >&2
        exit 1
    fi
}

echo "fetch_trino: downloading Trino $TRINO_VERSION from Maven Central..." >&2
fetch "io.trino:trino-server-core:$TRINO_VERSION:tar.gz"
fetch "io.trino:trino-hive:$TRINO_VERSION:zip"

mkdir -p "$stage/trino"
tar -xzf "$stage/dl/trino-server-core-$TRINO_VERSION.tar.gz" -C "$stage/trino" \
    --strip-components=1
# The zip holds one folder, trino-hive-<ver>/, of jars: it becomes plugin/hive.
if command -v unzip >/dev/null; then
    unzip -q "$stage/dl/trino-hive-$TRINO_VERSION.zip" -d "$stage/dl"
else
    python3 -m zipfile -e "$stage/dl/trino-hive-$TRINO_VERSION.zip" "$stage/dl"
fi
mv "$stage/dl/trino-hive-$TRINO_VERSION" "$stage/trino/plugin/hive"
echo "$TRINO_VERSION" > "$stage/trino/.recover-trino-installed"

rm -rf "$DEST"
mv "$stage/trino" "$DEST"
echo "fetch_trino: installed Trino $TRINO_VERSION in $DEST" >&2
echo "$DEST"
