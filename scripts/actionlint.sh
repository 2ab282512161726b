#!/usr/bin/env bash
# actionlint, built once from its Go module with the Go toolchain and cached:
#   ${RECOVER_CACHE:-~/.cache/recover}/actionlint-$VERSION/actionlint
# (its PyPI wrapper downloads a binary at install time, which these machines cannot.)
#
#   scripts/actionlint.sh            build if needed, print the binary's path
#   scripts/actionlint.sh --check    ... and run it on .github/workflows/
# Exit 3 when it cannot be built (no `go`), so callers can tell that apart from lint errors.
set -euo pipefail
version="v1.7.12"  # pinned; the Go module proxy serves it
root="$(cd "$(dirname "$0")/.." && pwd)"
dir="${RECOVER_CACHE:-$HOME/.cache/recover}/actionlint-$version"
bin="$dir/actionlint"
if [ ! -x "$bin" ]; then
  go="$(command -v go || true)"
  [ -n "$go" ] || [ ! -x /usr/local/go/bin/go ] || go=/usr/local/go/bin/go
  if [ -z "$go" ]; then
    echo "actionlint: the Go toolchain (go) is needed to build actionlint $version" >&2
    exit 3
  fi
  mkdir -p "$dir"
  if ! GOBIN="$dir" GOFLAGS=-buildvcs=false "$go" install \
      "github.com/rhysd/actionlint/cmd/actionlint@$version" >&2; then
    echo "actionlint: go install of actionlint $version failed" >&2
    exit 3
  fi
fi
if [ "${1:-}" = "--check" ]; then
  cd "$root"
  exec "$bin" -no-color -oneline .github/workflows/*.yml
fi
echo "$bin"
