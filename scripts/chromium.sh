#!/usr/bin/env bash
# Headless Chromium for the docs-site test (tests/test_docs_site.py): Debian's `chromium`.
#
#   scripts/chromium.sh    print the chromium binary's path; when it is missing and this runs
#                          as root, install it first (apt-get install chromium)
#
# Exit 3 when it is missing and cannot be installed (not root, no apt-get, or the install
# failed), so callers can tell that apart from other errors.
set -euo pipefail

find_chromium() {
  local name
  for name in chromium chromium-browser; do
    if command -v "$name" >/dev/null 2>&1; then
      command -v "$name"
      return 0
    fi
  done
  return 1
}

if find_chromium; then
  exit 0
fi
if [ "$(id -u)" != 0 ]; then
  echo "chromium: not installed; installing it (apt-get install chromium) needs root" >&2
  exit 3
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "chromium: not installed, and this machine has no apt-get" >&2
  exit 3
fi
export DEBIAN_FRONTEND=noninteractive
if ! { apt-get update -qq >&2 &&
       apt-get install -y -qq --no-install-recommends chromium fonts-liberation >&2; }; then
  echo "chromium: apt-get install chromium failed" >&2
  exit 3
fi
if ! find_chromium; then
  echo "chromium: installed, but no chromium binary on PATH" >&2
  exit 3
fi
